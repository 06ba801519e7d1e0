package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fanbench/fanbench/reports"
)

// The command end to end. One send in flight at most
// (--max-in-flight 1) makes the high steps fail by construction (no
// strategy answers 2,500 sends/s one at a time), the lowest (5/s) passes
// on any machine, and --p99-max is wide for a busy shared test machine; so
// a knee is found, bisected, for both strategies.
func TestSweepCISmoke(t *testing.T) {
	out := filepath.Join(t.TempDir(), "sweep")
	code, stdout, stderr := fanbench(t, t.Context(), "sweep", "--scenario", "ci-smoke", "--strategies", "errgroup,queue",
		"--step-duration", "3s", "--from", "5", "--to", "5000", "--steps", "3", "--max-in-flight", "1", "--p99-max", "2s", "--out", out)
	if code != exitOK {
		t.Fatalf("exit %d; want 0\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	for _, name := range []string{"errgroup", "queue"} {
		if !strings.Contains(stdout, "knee: "+name+" ") || strings.Contains(stdout, "knee: "+name+" not found") {
			t.Errorf("stdout has no knee line for %s:\n%s", name, stdout)
		}
	}
	f, err := os.Open(filepath.Join(out, "sweep.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := reports.ReadSweep(f)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range res.Strategies {
		var bisected, bad int
		for _, st := range s.Steps {
			if st.Bisected {
				bisected++
			}
			if !st.Good {
				bad++
			}
		}
		if s.Knee == nil || !s.Knee.Good || s.Knee.Offered < 5 || s.Knee.Offered >= 5000 || bisected != 2 || bad == 0 || len(s.Steps) != 5 {
			t.Errorf("%s: knee %+v, %d steps (%d bisected, %d bad); want a good knee below 5,000/s after 3 steps and 2 bisections", s.Name, s.Knee, len(s.Steps), bisected, bad)
		}
	}
	for _, name := range []string{"sweep.png", "sweep.svg", "sweep.md", "sweep.html"} {
		b, err := os.ReadFile(filepath.Join(out, name))
		if err != nil || len(b) < 200 {
			t.Errorf("%s: %d bytes, %v; want the file written", name, len(b), err)
		}
	}
	if md, _ := os.ReadFile(filepath.Join(out, "sweep.md")); !strings.Contains(string(md), "knee: errgroup") || !strings.Contains(string(md), "| errgroup |") {
		t.Errorf("sweep.md lacks the knees or the steps table:\n%s", md)
	}
	if svg, _ := os.ReadFile(filepath.Join(out, "sweep.svg")); !strings.Contains(string(svg), "errgroup knee") {
		t.Error("sweep.svg does not mark the knee")
	}
}

func TestSweepBadUsage(t *testing.T) {
	// A remote queue.url needs --allow-remote, as in run; with it the sweep
	// gets past the check and stops only at the --to below.
	remote := writeFile(t, "remote.yaml", strings.Replace(tinyScenario, "strategies: [sequential, errgroup]", "strategies: [{name: queue, queue: {url: \"nats://10.9.9.9:4222\"}}]", 1))
	if code, _, stderr := fanbench(t, t.Context(), "sweep", "--scenario", remote, "--to", "1"); code != exitUsage || !strings.Contains(stderr, "--allow-remote") {
		t.Errorf("sweep with a remote queue.url and no --allow-remote: exit %d, stderr %q; want 2 naming --allow-remote", code, stderr)
	}
	if code, _, stderr := fanbench(t, t.Context(), "sweep", "--scenario", remote, "--allow-remote", "--to", "1"); code != exitUsage || !strings.Contains(stderr, "--to 1 is below the first rate") {
		t.Errorf("sweep --allow-remote with a remote queue.url: exit %d, stderr %q; want the remote URL allowed and the --to refused", code, stderr)
	}

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--from", "0"}, "--from 0"},
		{[]string{"--from", "100", "--to", "50"}, "--to 50 is below --from 100"},
		{[]string{"--factor", "1"}, "--factor 1"},
		{[]string{"--factor", "2", "--steps", "3"}, "give one"},
		{[]string{"--steps", "1"}, "--steps 1"},
		{[]string{"--step-duration", "0s"}, "--step-duration 0s"},
		{[]string{"--max-in-flight", "0"}, "--max-in-flight 0"},
		{[]string{"--strategies", "nope"}, `unknown strategy "nope"`},
		{[]string{"--scenario", "serverless-cold-start"}, "no constant load.rate to start from"},
		{[]string{"--memprofile", "/nonexistent-dir/mem.pprof"}, "--memprofile"},
	} {
		code, _, stderr := fanbench(t, t.Context(), append([]string{"sweep"}, tc.args...)...)
		if code != exitUsage || !strings.Contains(stderr, tc.want) {
			t.Errorf("sweep %v: exit %d, stderr %q; want 2 naming %q", tc.args, code, stderr, tc.want)
		}
	}
}

// sweep keeps run's output directory rules: a directory that holds
// something is refused (exit 2, naming --force) before any step runs, and
// nothing in it changes; a directory given but never filled is removed.
func TestSweepOutDirRules(t *testing.T) {
	out := t.TempDir()
	keep := filepath.Join(out, "notes.txt")
	if err := os.WriteFile(keep, []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := fanbench(t, t.Context(), "sweep", "--scenario", "ci-smoke", "--out", out)
	if code != exitUsage || !strings.Contains(stderr, "--force") {
		t.Fatalf("sweep into a non-empty --out: exit %d, stderr %q; want 2 naming --force", code, stderr)
	}
	if entries, _ := os.ReadDir(out); len(entries) != 1 {
		t.Errorf("--out holds %d entries after a refused sweep; want only notes.txt", len(entries))
	}
	fresh := filepath.Join(t.TempDir(), "new")
	code, _, _ = fanbench(t, t.Context(), "sweep", "--scenario", "ci-smoke", "--out", fresh, "--from", "0")
	if code != exitUsage {
		t.Fatalf("sweep --from 0: exit %d; want 2", code)
	}
	if _, err := os.Stat(fresh); err == nil {
		t.Error("a sweep refused for bad usage left its new --out directory behind")
	}
}
