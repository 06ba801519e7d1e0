package external

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/fanbench/fanbench/strategies"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func deps(env ...string) strategies.Deps {
	return strategies.Deps{APIs: [2]string{"http://127.0.0.1:1", "http://127.0.0.1:2"}, Env: env}
}

// closedAddr returns a loopback address nothing listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// The command gets the caller's environment plus the mock URLs, Build
// returns once the target listens, and Close stops the command.
func TestBuildStartsCommandWithEnv(t *testing.T) {
	target := httptest.NewServer(http.NotFoundHandler())
	defer target.Close()
	out := filepath.Join(t.TempDir(), "env")
	line := `echo "$FOO $` + EnvAPIAURL + ` $` + EnvAPIBURL + `" > ` + out + `; exec sleep 60`
	spec := strategies.Spec{Name: strategies.NameExternal, External: strategies.ExternalOptions{Target: target.URL, Exec: line}}
	b, err := Build(t.Context(), spec, deps("FOO=from-caller", "PATH="+os.Getenv("PATH")))
	if err != nil {
		t.Fatal(err)
	}
	if b.Target != target.URL || b.Strategy != nil || b.Combine != strategies.CombineNone {
		t.Errorf("built %+v; want target %s, no strategy, no ideal", b, target.URL)
	}
	// The target listened before the command ran: wait for its output.
	var got []byte
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if got, err = os.ReadFile(out); (err == nil && len(got) > 0) || time.Now().After(deadline) {
			break
		}
	}
	start := time.Now()
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d >= stopGrace {
		t.Errorf("Close took %v; want the command stopped by SIGTERM, before the SIGKILL grace of %v", d, stopGrace)
	}
	if want := "from-caller http://127.0.0.1:1 http://127.0.0.1:2\n"; string(got) != want {
		t.Errorf("the command saw %q; want %q", got, want)
	}
}

// A command that exits before the target listens fails Build at once,
// with its exit status wrapped.
func TestBuildCommandExits(t *testing.T) {
	spec := strategies.Spec{External: strategies.ExternalOptions{Target: "http://" + closedAddr(t), Exec: "exit 3"}}
	_, err := Build(t.Context(), spec, deps())
	var ee *exec.ExitError
	if !errors.Is(err, ErrExited) || !errors.As(err, &ee) || ee.ExitCode() != 3 {
		t.Fatalf("Build: %v; want ErrExited wrapping exit status 3", err)
	}
	if strings.Contains(err.Error(), "--") {
		t.Errorf("error %q names a flag; the library does not know the command line", err)
	}
}

// The wait for the target ends with ctx, not only after its 30s bound,
// and says up front what it waits for.
func TestBuildWaitHonoursContext(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	addr := closedAddr(t)
	spec := strategies.Spec{External: strategies.ExternalOptions{Target: "http://" + addr + "/x"}}
	said := make(chan string, 1)
	d := deps()
	d.Logf = func(format string, args ...any) { said <- fmt.Sprintf(format, args...) }
	done := make(chan error, 1)
	go func() { _, err := Build(ctx, spec, d); done <- err }()
	if line := <-said; !strings.Contains(line, "waiting up to 30s for "+addr) || !strings.Contains(line, "a service you start yourself") {
		t.Errorf("Build said %q; want what it waits for, how long, and who starts it", line)
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, ErrNotListening) || !errors.Is(err, context.Canceled) {
			t.Errorf("Build: %v; want ErrNotListening wrapping context.Canceled", err)
		}
	case <-time.After(readyTimeout / 2):
		t.Fatal("Build still waiting after its context was cancelled")
	}
}

func TestBuildRefusesBadTarget(t *testing.T) {
	for _, target := range []string{"", "127.0.0.1:80", "ftp://127.0.0.1/x", "http://"} {
		_, err := Build(t.Context(), strategies.Spec{External: strategies.ExternalOptions{Target: target}}, deps())
		if err == nil || !strings.Contains(err.Error(), "want an http:// or https:// URL") {
			t.Errorf("target %q: %v; want a refusal saying what would be right", target, err)
		}
	}
}
