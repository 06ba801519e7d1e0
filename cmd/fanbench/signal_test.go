package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/fanbench/fanbench/reports"
)

// slowScenario keeps sends in flight for a second, so an interrupt finds
// work to drain.
const slowScenario = `name: slow
apis:
  a: {latency: {dist: fixed, value: 1s}}
  b: {latency: {dist: fixed, value: 10ms}}
load: {rate: 20, duration: 30s}
strategies: [errgroup, sequential]
`

// targetScenario is a long load at 20 sends a second with no warm-up, for
// a run --target: every send the target receives is measured, and a user
// waits up to two minutes, longer than waitExit waits for an exit.
const targetScenario = `name: target
apis: {a: {}, b: {}}
load: {rate: 20, duration: 30s, warmup: 0s, timeout: 2m}
`

// startFanbench runs this test binary as the fanbench command (TestMain).
func startFanbench(t *testing.T, args ...string) (*exec.Cmd, *syncBuffer) {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(self, args...)
	cmd.Env = append(os.Environ(), "FANBENCH_TEST_MAIN=1")
	stderr := newSyncBuffer()
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() }) // a test that failed early
	return cmd, stderr
}

// waitExit waits for cmd to exit and returns its exit status; a process
// still running after a minute fails the test.
func waitExit(t *testing.T, cmd *exec.Cmd, stderr *syncBuffer) int {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return exitStatus(t, err)
	case <-time.After(time.Minute):
		_ = cmd.Process.Kill()
		<-done
		t.Fatalf("fanbench still running a minute after the interrupt\n%s", stderr)
		return 0
	}
}

// received returns a condition: the target has received at least n sends
// from the process whose stderr is given.
func received(h *heldTarget, n int64, stderr *syncBuffer) func() error {
	return func() error {
		if got := h.received.Load(); got < n {
			return fmt.Errorf("the target received %d sends; waiting for %d\nstderr:\n%s", got, n, stderr)
		}
		return nil
	}
}

func exitStatus(t *testing.T, err error) int {
	t.Helper()
	var ee *exec.ExitError
	if err == nil {
		return 0
	}
	if !errors.As(err, &ee) {
		t.Fatalf("wait: %v", err)
	}
	return ee.ExitCode()
}

// One Ctrl-C: the load stops, sends in flight drain, results are written
// with partial: true, exit 130. The interrupt comes once the service
// under test holds sends (each for 500ms), so there is work to drain.
func TestInterruptWritesPartialResults(t *testing.T) {
	target := newHeldTarget(t, 500*time.Millisecond)
	sc := writeFile(t, "target.yaml", targetScenario)
	out := filepath.Join(t.TempDir(), "out")
	cmd, stderr := startFanbench(t, "run", "--scenario", sc, "--out", out, "--target", target.URL)
	checkFor(t, 30*time.Second, 10*time.Millisecond, received(target, 20, stderr))
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	if code := waitExit(t, cmd, stderr); code != exitInterrupted {
		t.Fatalf("exit %d; want %d\n%s", code, exitInterrupted, stderr)
	}
	res, err := reports.ReadJSON(filepath.Join(out, "results.json"))
	if err != nil {
		t.Fatalf("no results after one Ctrl-C: %v\n%s", err, stderr)
	}
	got := target.received.Load()
	if !res.Partial || len(res.Strategies) != 1 {
		t.Fatalf("partial %v, %d strategies; want a partial result of one", res.Partial, len(res.Strategies))
	}
	// Every send the service received — those in flight at the interrupt
	// included — was answered, drained and counted.
	if s := res.Strategies[0]; s.Requests < 20 || s.Requests != got || s.StatusCodes["200"] != got {
		t.Errorf("%d requests, status codes %v; the target received %d: want every one of them answered 200 and counted",
			s.Requests, s.StatusCodes, got)
	}
}

// A second Ctrl-C quits at once, without waiting for the drain: the
// service under test holds every send until the test ends, so a process
// that waited for its sends in flight could not exit before then.
func TestSecondInterruptQuitsAtOnce(t *testing.T) {
	target := newHeldTarget(t, 0)
	sc := writeFile(t, "target.yaml", targetScenario)
	out := filepath.Join(t.TempDir(), "out")
	cmd, stderr := startFanbench(t, "run", "--scenario", sc, "--out", out, "--target", target.URL)
	checkFor(t, 30*time.Second, 10*time.Millisecond, received(target, 5, stderr))
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	checkFor(t, 30*time.Second, 10*time.Millisecond, func() error {
		if !strings.Contains(stderr.String(), "stopping") {
			return fmt.Errorf("no word of the first interrupt on stderr yet: %q", stderr)
		}
		return nil
	})
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	if code := waitExit(t, cmd, stderr); code != exitInterrupted {
		t.Errorf("exit %d; want %d\n%s", code, exitInterrupted, stderr)
	}
	if !strings.Contains(stderr.String(), "interrupted twice") {
		t.Errorf("stderr lacks the quit message:\n%s", stderr)
	}
	if _, err := os.Stat(filepath.Join(out, "results.json")); err == nil {
		t.Error("results.json written after quitting at once; want none (never a half result)")
	}
}
