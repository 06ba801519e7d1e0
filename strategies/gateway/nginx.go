package gateway

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/fanbench/fanbench/strategies"
)

// ErrNotInstalled is returned (wrapped, with how to install it) when nginx
// or its Lua module is not on this machine.
var ErrNotInstalled = errors.New("gateway: not installed")

// nginxStartTimeout bounds how long nginx may take to listen.
const nginxStartTimeout = 10 * time.Second

// buildNginx starts nginx as the gateway for one run: a configuration in a
// temporary directory, nginx in the foreground on a free loopback port, and
// the driver sent straight at it (Built.Target).
func buildNginx(ctx context.Context, spec strategies.Spec, d strategies.Deps) (strategies.Built, error) {
	if spec.Wait != "" && spec.Wait != WaitAll {
		return strategies.Built{}, fmt.Errorf("gateway impl %s: wait %q; nginx answers the user itself, so only wait: all (or none given) applies", spec.Impl, spec.Wait)
	}
	lua := spec.Impl == strategies.GatewayNginxLua
	bin, modules, err := findNginx(ctx, lua)
	if err != nil {
		return strategies.Built{}, err
	}
	var hosts [2]string
	for i, base := range d.APIs {
		u, err := url.Parse(base)
		if err != nil || u.Host == "" {
			return strategies.Built{}, fmt.Errorf("gateway impl %s: API %c URL %q: want http://host:port", spec.Impl, 'a'+i, base)
		}
		hosts[i] = u.Host
	}
	timeout := d.Policy.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	n, err := startNginx(ctx, bin, nginxConf{
		A: hosts[0], B: hosts[1], Timeout: timeout,
		Keepalive: min(max(d.MaxInFlight, 64), 1024), Lua: lua, ModulesDir: modules,
	}, d.Logger())
	if err != nil {
		return strategies.Built{}, fmt.Errorf("gateway impl %s: %w", spec.Impl, err)
	}
	combine := strategies.CombineA
	if lua {
		combine = strategies.CombineMax
	}
	return strategies.Built{Target: n.url + "/send", Combine: combine, Drain: n.drain, Close: n.Close}, nil
}

var modulesPathRE = regexp.MustCompile(`--modules-path=(\S+)`)

// findNginx returns the nginx binary and, for Lua, the directory holding
// its Lua module, or an error wrapping ErrNotInstalled saying how to get
// them.
func findNginx(ctx context.Context, lua bool) (bin, modules string, err error) {
	bin, err = exec.LookPath("nginx")
	if err != nil {
		// Debian installs it in /usr/sbin, which a user's PATH may lack.
		for _, p := range []string{"/usr/sbin/nginx", "/usr/local/sbin/nginx"} {
			if fi, serr := os.Stat(p); serr == nil && fi.Mode()&0o111 != 0 {
				bin, err = p, nil
				break
			}
		}
	}
	if err != nil {
		return "", "", fmt.Errorf("%w: nginx is not on PATH (nor in /usr/sbin); install it, e.g. apt-get install nginx, or use gateway impl own", ErrNotInstalled)
	}
	if !lua {
		return bin, "", nil
	}
	out, err := exec.CommandContext(ctx, bin, "-V").CombinedOutput()
	if err != nil {
		return "", "", fmt.Errorf("%s -V: %w: %s", bin, err, bytes.TrimSpace(out))
	}
	modules = "/usr/lib/nginx/modules"
	if m := modulesPathRE.FindSubmatch(out); m != nil {
		modules = string(m[1])
	}
	for _, so := range []string{"ndk_http_module.so", "ngx_http_lua_module.so"} {
		if _, err := os.Stat(filepath.Join(modules, so)); err != nil {
			return "", "", fmt.Errorf("%w: nginx's Lua module is missing (no %s in %s); install it, e.g. apt-get install libnginx-mod-http-lua, or use gateway impl nginx or own",
				ErrNotInstalled, so, modules)
		}
	}
	return bin, modules, nil
}

// nginxProcess is one nginx master running in the foreground.
type nginxProcess struct {
	cmd    *exec.Cmd
	dir    string
	url    string
	exited chan struct{} // closed once the process has been waited for
	werr   error         // its exit, valid after exited
	stderr *lockedBuffer
	once   sync.Once
	cerr   error
}

// startNginx writes conf into a fresh temporary directory, starts nginx on
// a loopback socket bound here and returns once nginx answers on it.
//
// The socket is bound by fanbench (port 0) and handed to nginx as an
// inherited listening socket (the NGINX environment variable nginx's binary
// upgrade uses: "3;" for the first extra file), so no other process can
// take the port between choosing it and nginx binding it, and nothing else
// can answer on it: readiness is nginx's own status page answering.
func startNginx(ctx context.Context, bin string, conf nginxConf, logf func(string, ...any)) (_ *nginxProcess, err error) {
	dir, err := os.MkdirTemp("", "fanbench-nginx-")
	if err != nil {
		return nil, fmt.Errorf("temporary directory: %w", err)
	}
	defer func() {
		if err != nil {
			os.RemoveAll(dir)
		}
	}()
	// nginx's workers run as an unprivileged user when the master is root;
	// they must reach the directory (the temp paths inside it nginx creates
	// and hands over itself).
	if err := os.Chmod(dir, 0o755); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen for nginx: %w", err)
	}
	lf, err := ln.(*net.TCPListener).File() // a dup: closing ln leaves it open
	ln.Close()
	if err != nil {
		return nil, fmt.Errorf("listen for nginx: %w", err)
	}
	defer lf.Close() // nginx holds its own copy once started
	port := ln.Addr().String()
	conf.Dir, conf.Listen = dir, port
	path := filepath.Join(dir, "nginx.conf")
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	werr := conf.write(f)
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		return nil, fmt.Errorf("write %s: %w", path, werr)
	}
	n := &nginxProcess{dir: dir, url: "http://" + port, exited: make(chan struct{}), stderr: &lockedBuffer{}}
	// -e: nginx opens its default error log before reading the
	// configuration; point it away from /var/log, which may not be ours.
	n.cmd = exec.Command(bin, "-p", dir, "-c", path, "-e", "stderr")
	n.cmd.Stdout, n.cmd.Stderr = n.stderr, n.stderr
	n.cmd.ExtraFiles = []*os.File{lf} // fd 3
	n.cmd.Env = append(os.Environ(), "NGINX=3;")
	n.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // its workers with it
	if err := n.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	go func() { n.werr = n.cmd.Wait(); close(n.exited) }()
	if err := n.waitListening(ctx); err != nil {
		_ = n.Close()
		return nil, err
	}
	logf("gateway: nginx %s listening on %s (config %s)", bin, port, path)
	return n, nil
}

// waitListening polls until nginx answers its status page (the socket
// accepts connections from the moment it is bound, so a connection proves
// nothing), it exits, or the start timeout (or ctx) ends.
func (n *nginxProcess) waitListening(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, nginxStartTimeout)
	defer cancel()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	addr := strings.TrimPrefix(n.url, "http://")
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	for {
		probe, pcancel := context.WithTimeout(ctx, time.Second)
		_, err := n.inProgress(probe, client)
		pcancel()
		if err == nil {
			return nil
		}
		select {
		case <-n.exited:
			return fmt.Errorf("nginx exited before listening (%v): %s", n.werr, strings.TrimSpace(n.stderr.String()))
		case <-ctx.Done():
			return fmt.Errorf("nginx not listening on %s after %v: %w; its output: %s", addr, nginxStartTimeout, ctx.Err(), strings.TrimSpace(n.stderr.String()))
		case <-tick.C:
		}
	}
}

// Close stops nginx (SIGQUIT: finish what is in flight; SIGKILL to its
// process group after 5 s) and removes its directory. It is idempotent.
func (n *nginxProcess) Close() error {
	n.once.Do(func() {
		_ = n.cmd.Process.Signal(syscall.SIGQUIT)
		t := time.NewTimer(5 * time.Second)
		defer t.Stop()
		select {
		case <-n.exited:
		case <-t.C:
			_ = syscall.Kill(-n.cmd.Process.Pid, syscall.SIGKILL)
			<-n.exited
			n.cerr = fmt.Errorf("gateway: nginx did not stop within 5s of SIGQUIT; killed")
		}
		if err := os.RemoveAll(n.dir); err != nil && n.cerr == nil {
			n.cerr = err
		}
	})
	return n.cerr
}

// lockedBuffer collects a process's output for error messages.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.b.Len() > 64<<10 { // enough to say why; never unbounded
		return len(p), nil
	}
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// drain waits until nginx has no request in progress but the status
// request itself: for the mirroring impl, every copy to b has finished.
func (n *nginxProcess) drain(ctx context.Context) error {
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	last := "no answer"
	for {
		busy, err := n.inProgress(ctx, client)
		if err == nil && busy <= 1 {
			return nil
		}
		if err != nil {
			last = err.Error()
		} else {
			last = fmt.Sprintf("%d requests in progress", busy-1)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("gateway: nginx still busy (%s): %w", last, ctx.Err())
		case <-n.exited:
			return fmt.Errorf("gateway: nginx exited while draining (%v): %s", n.werr, strings.TrimSpace(n.stderr.String()))
		case <-tick.C:
		}
	}
}

// inProgress reads nginx's stub_status: requests reading or writing.
func (n *nginxProcess) inProgress(ctx context.Context, client *http.Client) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, n.url+"/_fanbench/nginx_status", nil)
	if err != nil {
		return 0, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if err != nil {
		return 0, err
	}
	m := stubStatusRE.FindSubmatch(body)
	if m == nil {
		return 0, fmt.Errorf("unexpected nginx status %q", body)
	}
	reading, _ := strconv.Atoi(string(m[1]))
	writing, _ := strconv.Atoi(string(m[2]))
	return reading + writing, nil
}

var stubStatusRE = regexp.MustCompile(`Reading: (\d+) Writing: (\d+)`)
