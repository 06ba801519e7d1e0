package main

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fanbench/fanbench/bench"
	"github.com/fanbench/fanbench/reports"
)

// cappedScenario overloads the driver on purpose: two sends in flight at
// most, of 50ms legs, cannot keep 100/s.
const cappedScenario = `name: capped
apis:
  a: {latency: {dist: fixed, value: 50ms}}
  b: {latency: {dist: fixed, value: 50ms}}
load: {rate: 100, duration: 1s, max_in_flight: 2}
strategies: [errgroup]
slo:
  - "errgroup.success_ratio >= 0.99"
`

// A saturated harness: results written, banner in the report, the SLO
// inconclusive (not passed), exit 4; --allow-saturated judges the SLO.
func TestRunSaturatedExits4(t *testing.T) {
	sc := writeFile(t, "capped.yaml", cappedScenario)
	out := filepath.Join(t.TempDir(), "out")
	code, stdout, stderr := fanbenchStrict(t, "run", "--scenario", sc, "--out", out)
	if code != exitSaturated {
		t.Fatalf("exit %d; want %d\nstdout:\n%s\nstderr:\n%s", code, exitSaturated, stdout, stderr)
	}
	if !strings.Contains(stdout, "!! SATURATED errgroup: these figures are the harness's, not errgroup's — ") ||
		!strings.Contains(stdout, "in-flight cap hit ") || !strings.Contains(stdout, "INCONCLUSIVE") {
		t.Errorf("report does not open with the saturation banner or call the SLO inconclusive:\n%s", stdout)
	}
	if !strings.Contains(stderr, "the harness was saturated (errgroup)") || !strings.Contains(stderr, "--allow-saturated") {
		t.Errorf("stderr %q; want it to say the harness was saturated and how to judge anyway", stderr)
	}
	res, err := reports.ReadJSON(filepath.Join(out, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	h := res.Strategies[0].Harness
	if !h.Saturated || len(h.Reasons) == 0 || len(res.SLO) != 1 || res.SLO[0].Pass || !res.SLO[0].Inconclusive {
		t.Errorf("harness %+v, slo %+v; want saturated with reasons and the SLO inconclusive, not passed", h, res.SLO)
	}
	for _, f := range []string{"report.md", "report.html"} {
		b, err := os.ReadFile(filepath.Join(out, f))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), "Harness saturated") || !strings.Contains(string(b), "in-flight cap hit") {
			t.Errorf("%s has no saturation banner", f)
		}
	}

	code, stdout, stderr = fanbenchStrict(t, "run", "--scenario", sc, "--out", filepath.Join(t.TempDir(), "o2"), "--allow-saturated")
	if code != exitOK {
		t.Fatalf("--allow-saturated: exit %d; want %d (every send succeeded, late)\nstdout:\n%s\nstderr:\n%s", code, exitOK, stdout, stderr)
	}
	if strings.Contains(stdout, "INCONCLUSIVE") || !strings.Contains(stdout, "SATURATED") {
		t.Errorf("--allow-saturated: want the banner kept and the SLO judged:\n%s", stdout)
	}
}

// Under a low descriptor limit the driver waits at the budget (saturated,
// exit 4) and no "too many open files" reaches stderr.
func TestRunWithinDescriptorLimit(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh to lower the descriptor limit with")
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	sc := writeFile(t, "many.yaml", `name: many
apis:
  a: {latency: {dist: fixed, value: 40ms}}
  b: {latency: {dist: fixed, value: 40ms}}
load: {rate: 1500, duration: 1s}
strategies: [errgroup]
`)
	out := filepath.Join(t.TempDir(), "out")
	cmd := exec.CommandContext(t.Context(), "sh", "-c", `ulimit -n 200 && exec "$0" "$@"`, self, "run", "--scenario", sc, "--out", out, "--quiet")
	cmd.Env = append(os.Environ(), "FANBENCH_TEST_MAIN=1")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	code := exitStatus(t, cmd.Run())
	if strings.Contains(stderr.String(), "too many open files") {
		t.Errorf("stderr mentions too many open files:\n%s", stderr.String())
	}
	if code != exitSaturated {
		t.Fatalf("exit %d; want %d\nstderr:\n%s", code, exitSaturated, stderr.String())
	}
	res, err := reports.ReadJSON(filepath.Join(out, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	s := res.Strategies[0]
	if s.Harness.FDs.Limit != 200 || s.Harness.InFlightCap != 24 || s.Harness.FDs.Peak > 200 {
		t.Errorf("fds %+v, in-flight cap %d; want limit 200 and cap (200−32)/7 = 24", s.Harness.FDs, s.Harness.InFlightCap)
	}
	found := false
	for _, r := range s.Harness.Reasons {
		found = found || strings.HasPrefix(r, "file descriptor budget reached")
	}
	if !found || s.SuccessRatio != 1 {
		t.Errorf("reasons %q, success %v; want the descriptor budget named and every send answered", s.Harness.Reasons, s.SuccessRatio)
	}
}

func TestProgressLineSaturated(t *testing.T) {
	var b strings.Builder
	p := &progressLine{w: &b, color: true}
	p.show(bench.Progress{Strategy: "errgroup", Elapsed: 3 * time.Second, Total: 10 * time.Second,
		Rate: 4000, Saturated: []string{"CPU 97% of 2 cores (> 90%)", "driver lag p99 14.2ms > 5.0ms"}})
	want := "\r\x1b[31merrgroup  measuring 3s/10s  4000/s  p99 0.0ms  errors 0  SATURATED: CPU 97% of 2 cores (> 90%); driver lag p99 14.2ms > 5.0ms\x1b[0m"
	if got := b.String(); got != want {
		t.Errorf("line = %q; want %q", got, want)
	}
}

// compare refuses to judge a saturated run unless --allow-saturated.
func TestCompareRefusesSaturated(t *testing.T) {
	res, err := reports.ReadJSON(filepath.Join("..", "..", "reports", "testdata", "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(name string, r *reports.Results) string {
		p := filepath.Join(dir, name)
		if err := reports.WriteFileAtomic(p, func(w io.Writer) error { return reports.WriteJSON(w, r) }); err != nil {
			t.Fatal(err)
		}
		return p
	}
	base := write("base.json", res)
	res.Strategies[1].Harness = reports.Harness{Saturated: true, Reasons: []string{"CPU 97% of 2 cores (> 90%)"}}
	sat := write("sat.json", res)
	name := res.Strategies[1].Name

	code, stdout, stderr := fanbenchStrict(t, "compare", base, sat)
	if code != exitFailed || stdout != "" || !strings.Contains(stderr, "NEW "+sat+": the harness was saturated ("+name+": CPU 97% of 2 cores (> 90%))") ||
		!strings.Contains(stderr, "--allow-saturated") {
		t.Errorf("compare base saturated: exit %d, stdout %q, stderr %q; want exit 1 naming the run, strategy and reason, no comparison", code, stdout, stderr)
	}
	if code, _, stderr := fanbenchStrict(t, "compare", sat, base); code != exitFailed || !strings.Contains(stderr, "BASE "+sat) {
		t.Errorf("compare saturated base: exit %d, stderr %q; want exit 1 naming BASE", code, stderr)
	}
	if code, stdout, stderr := fanbenchStrict(t, "compare", base, sat, "--allow-saturated"); code != exitOK || stdout == "" {
		t.Errorf("--allow-saturated: exit %d, stderr %q; want the comparison (same figures: no regression)", code, stderr)
	}
}

// fanbenchStrict runs the command with an empty environment: saturation
// judged as a user sees it (no FANBENCH_ALLOW_SATURATED).
func fanbenchStrict(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	err := run(t.Context(), args, func(string) string { return "" }, &out, &errb)
	return exitCode(err, &errb), out.String(), errb.String()
}
