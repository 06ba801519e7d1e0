// Package external puts the user's own service in a strategy's place: the
// driver sends the load to its URL, and the service forwards each request
// to the mock APIs. fanbench can start the service with a shell command
// given the mocks' URLs, and stops it when the run ends.
package external

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os/exec"
	"syscall"
	"time"

	"github.com/fanbench/fanbench/strategies"
)

// Environment variables a started command finds the mock APIs' base URLs in.
const (
	EnvAPIAURL = "FANBENCH_API_A_URL"
	EnvAPIBURL = "FANBENCH_API_B_URL"
)

// Sentinel errors; match them with errors.Is.
var (
	// ErrNotListening is returned by Build when the target did not accept
	// connections in time.
	ErrNotListening = errors.New("external: target does not accept connections")
	// ErrExited is returned by Build when the command exited before the
	// target accepted connections.
	ErrExited = errors.New("external: command exited")
)

// Timing of Build's wait for the target; variables of a service, not tunables.
const (
	readyTimeout = 30 * time.Second       // the whole wait
	pollEvery    = 100 * time.Millisecond // between connection attempts
	stopGrace    = 5 * time.Second        // SIGTERM to SIGKILL
)

// Build is the external strategy's strategies.Constructor. It starts
// spec.External.Exec (if any) with Deps.Env plus EnvAPIAURL and EnvAPIBURL,
// waits until spec.External.Target accepts TCP connections (30s at most,
// or until ctx ends), and returns the target for the driver. How the
// service composes its legs is unknown, so it has no ideal.
func Build(ctx context.Context, spec strategies.Spec, d strategies.Deps) (strategies.Built, error) {
	opt := spec.External
	u, err := url.Parse(opt.Target)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return strategies.Built{}, fmt.Errorf("external target %q: want an http:// or https:// URL", opt.Target)
	}
	var c *command
	if opt.Exec != "" {
		env := append(append([]string(nil), d.Env...), EnvAPIAURL+"="+d.APIs[0], EnvAPIBURL+"="+d.APIs[1])
		if c, err = start(opt.Exec, env, d.Stdout, d.Stderr); err != nil {
			return strategies.Built{}, err
		}
	}
	// Say what the run waits for: a target that never listens would
	// otherwise look like a hang for readyTimeout.
	d.Logger()("external: waiting up to %v for %s to accept connections (%s)", readyTimeout, hostPort(u), startedBy(opt.Exec))
	if err := waitListening(ctx, hostPort(u), c); err != nil {
		return strategies.Built{}, errors.Join(fmt.Errorf("external target %s: %w", opt.Target, err), c.stop())
	}
	return strategies.Built{Target: opt.Target, Combine: strategies.CombineNone, Close: c.stop}, nil
}

// startedBy says who is to start the service at the target.
func startedBy(exec string) string {
	if exec == "" {
		return "a service you start yourself"
	}
	return fmt.Sprintf("started by %q", exec)
}

// hostPort is u's host with its scheme's default port when it names none.
func hostPort(u *url.URL) string {
	if u.Port() != "" {
		return u.Host
	}
	port := "80"
	if u.Scheme == "https" {
		port = "443"
	}
	return net.JoinHostPort(u.Hostname(), port)
}

// waitListening dials addr until it accepts a connection, c exits, ctx
// ends or readyTimeout passes.
func waitListening(ctx context.Context, addr string, c *command) error {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
	var exited <-chan struct{}
	if c != nil {
		exited = c.done
	}
	for {
		conn, err := (&net.Dialer{Timeout: time.Second}).DialContext(ctx, "tcp", addr)
		if err == nil {
			return conn.Close()
		}
		select {
		case <-exited:
			return fmt.Errorf("%w before it accepted connections: %q: %w", ErrExited, c.line, c.exitErr())
		case <-ctx.Done():
			return fmt.Errorf("%w at %s: %w (last attempt: %v); start your service there, or give a command that starts it",
				ErrNotListening, addr, ctx.Err(), err)
		case <-tick.C:
		}
	}
}

// command is a shell command started for the service, in its own process
// group so that stopping it stops its children too.
type command struct {
	line string
	cmd  *exec.Cmd
	done chan struct{} // closed when the command has exited
	err  error         // the command's exit status, once done is closed
}

func start(line string, env []string, stdout, stderr io.Writer) (*command, error) {
	cmd := exec.Command("/bin/sh", "-c", line)
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = orDiscard(stdout), orDiscard(stderr)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start command %q: %w", line, err)
	}
	c := &command{line: line, cmd: cmd, done: make(chan struct{})}
	go func() { c.err = cmd.Wait(); close(c.done) }()
	return c, nil
}

// exitErr is how the command ended; call it only once done is closed.
func (c *command) exitErr() error {
	if c.err == nil {
		return errors.New("exit status 0")
	}
	return c.err
}

// stop sends SIGTERM to the command's process group, then SIGKILL after
// stopGrace, and waits for it to exit. A nil command is already stopped.
func (c *command) stop() error {
	if c == nil {
		return nil
	}
	pgid := -c.cmd.Process.Pid
	_ = syscall.Kill(pgid, syscall.SIGTERM)
	t := time.NewTimer(stopGrace)
	defer t.Stop()
	select {
	case <-c.done:
	case <-t.C:
		_ = syscall.Kill(pgid, syscall.SIGKILL)
		<-c.done
	}
	return nil
}

func orDiscard(w io.Writer) io.Writer {
	if w == nil {
		return io.Discard
	}
	return w
}
