package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"time"

	"github.com/fanbench/fanbench/strategies"
)

// externalReady bounds the wait for an Exec'd service to accept connections.
const externalReady = 30 * time.Second

// external stands for the user's own service in the strategy slot: it only
// owns the command fanbench started for it, if any.
type external struct {
	cmd    *exec.Cmd
	exited chan error
}

var _ strategies.Strategy = (*external)(nil)

// Name implements strategies.Strategy.
func (*external) Name() string { return strategies.NameExternal }

// Combine implements strategies.Strategy: how the user's service composes
// its legs is unknown, so no ideal is computed.
func (*external) Combine() strategies.Combine { return strategies.CombineNone }

// Send implements strategies.Strategy; the driver talks to the target
// directly, so it is never called.
func (*external) Send(context.Context, strategies.Send) strategies.Reply {
	return strategies.Reply{Status: 500}
}

// startExternal starts ext.Exec (if any) with the mock URLs in its
// environment and waits until ext.Target accepts TCP connections.
func startExternal(ctx context.Context, ext External, urlA, urlB string) (*external, error) {
	u, err := url.Parse(ext.Target)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("external target %q: want an http:// URL", ext.Target)
	}
	e := &external{}
	if ext.Exec != "" {
		cmd := exec.Command("/bin/sh", "-c", ext.Exec)
		cmd.Env = append(os.Environ(), "FANBENCH_API_A_URL="+urlA, "FANBENCH_API_B_URL="+urlB)
		cmd.Stdout, cmd.Stderr = orDiscard(ext.Stdout), orDiscard(ext.Stderr)
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // stop the whole group
		if err := cmd.Start(); err != nil {
			return nil, fmt.Errorf("--exec %q: %w", ext.Exec, err)
		}
		e.cmd, e.exited = cmd, make(chan error, 1)
		go func() { e.exited <- cmd.Wait() }()
	}
	host := u.Host
	if u.Port() == "" {
		port := "80"
		if u.Scheme == "https" {
			port = "443"
		}
		host = net.JoinHostPort(u.Hostname(), port)
	}
	deadline := time.Now().Add(externalReady)
	for {
		conn, err := (&net.Dialer{Timeout: time.Second}).DialContext(ctx, "tcp", host)
		if err == nil {
			conn.Close()
			return e, nil
		}
		if e.exited != nil {
			select {
			case werr := <-e.exited:
				e.exited <- werr
				return nil, fmt.Errorf("--exec %q exited before %s accepted connections: %v", ext.Exec, ext.Target, werr)
			default:
			}
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			_ = e.Close()
			return nil, fmt.Errorf("external target %s does not accept connections (%v); start your service there, or give --exec", ext.Target, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Close stops the command: SIGTERM to its process group, SIGKILL after 5s.
func (e *external) Close() error {
	if e.cmd == nil {
		return nil
	}
	pgid := -e.cmd.Process.Pid
	_ = syscall.Kill(pgid, syscall.SIGTERM)
	select {
	case <-e.exited:
	case <-time.After(5 * time.Second):
		_ = syscall.Kill(pgid, syscall.SIGKILL)
		<-e.exited
	}
	e.cmd = nil
	return nil
}

func orDiscard(w io.Writer) io.Writer {
	if w == nil {
		return io.Discard
	}
	return w
}

// nextPort returns addr with its port increased by i (API b listens next to a).
func nextPort(addr string, i int) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	p, perr := strconv.Atoi(port)
	if err != nil || perr != nil || p < 0 || p > 65534 {
		return "", errors.New("mock address " + strconv.Quote(addr) + ": want HOST:PORT such as 127.0.0.1:9001 (b takes PORT+1)")
	}
	if p == 0 {
		return addr, nil
	}
	return net.JoinHostPort(host, strconv.Itoa(p+i)), nil
}
