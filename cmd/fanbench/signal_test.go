package main

import (
	"errors"
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

// startFanbench runs this test binary as the fanbench command (TestMain).
func startFanbench(t *testing.T, args ...string) (*exec.Cmd, *strings.Builder) {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(self, args...)
	cmd.Env = append(os.Environ(), "FANBENCH_TEST_MAIN=1")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, &stderr
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
// with partial: true, exit 130.
func TestInterruptWritesPartialResults(t *testing.T) {
	sc := writeFile(t, "slow.yaml", slowScenario)
	out := filepath.Join(t.TempDir(), "out")
	cmd, stderr := startFanbench(t, "run", "--scenario", sc, "--out", out)
	time.Sleep(1500 * time.Millisecond)
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	if code := exitStatus(t, cmd.Wait()); code != exitInterrupted {
		t.Fatalf("exit %d; want %d\n%s", code, exitInterrupted, stderr)
	}
	res, err := reports.ReadJSON(filepath.Join(out, "results.json"))
	if err != nil {
		t.Fatalf("no results after one Ctrl-C: %v\n%s", err, stderr)
	}
	s := res.Strategies[0]
	if !res.Partial || len(res.Strategies) != 1 || s.Requests < 20 || s.Outcomes.Both != s.Requests {
		t.Errorf("partial %v, %d strategies, %d requests, outcomes %+v; want the first strategy's ~30 sends, all drained and delivered",
			res.Partial, len(res.Strategies), s.Requests, s.Outcomes)
	}
}

// A second Ctrl-C quits at once, without waiting for the drain.
func TestSecondInterruptQuitsAtOnce(t *testing.T) {
	sc := writeFile(t, "slow.yaml", slowScenario)
	out := filepath.Join(t.TempDir(), "out")
	cmd, stderr := startFanbench(t, "run", "--scenario", sc, "--out", out)
	time.Sleep(1500 * time.Millisecond)
	cmd.Process.Signal(os.Interrupt)
	time.Sleep(100 * time.Millisecond) // sends of 1s are still draining
	t0 := time.Now()
	cmd.Process.Signal(syscall.SIGINT)
	code := exitStatus(t, cmd.Wait())
	if code != exitInterrupted || time.Since(t0) > 500*time.Millisecond {
		t.Errorf("exit %d after %v; want %d at once\n%s", code, time.Since(t0), exitInterrupted, stderr)
	}
	if !strings.Contains(stderr.String(), "interrupted twice") {
		t.Errorf("stderr lacks the quit message:\n%s", stderr)
	}
	if _, err := os.Stat(filepath.Join(out, "results.json")); err == nil {
		t.Error("results.json written after quitting at once; want none (never a half result)")
	}
}
