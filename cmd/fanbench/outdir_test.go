package main

import (
	"bufio"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// listDir returns dir's entries as name -> content (symlinks as "-> target").
func listDir(t *testing.T, dir string) map[string]string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, e := range entries {
		p := filepath.Join(dir, e.Name())
		switch {
		case e.Type()&os.ModeSymlink != 0:
			target, _ := os.Readlink(p)
			out[e.Name()] = "-> " + target
		case e.IsDir():
			out[e.Name()] = "dir"
		default:
			b, _ := os.ReadFile(p)
			out[e.Name()] = string(b)
		}
	}
	return out
}

// TestOutDirSafety performs the attacks on --out: a second run into an
// earlier run's directory, a symlink planted as a results file, a run with
// fewer strategies, and a run that fails after its start.
func TestOutDirSafety(t *testing.T) {
	sc := writeFile(t, "brief.yaml", strings.Replace(strings.Replace(tinyScenario, "duration: 1s, warmup: 200ms", "duration: 300ms", 1), "rate: 50", "rate: 20", 1))
	out := filepath.Join(t.TempDir(), "out")
	code, _, stderr := fanbench(t, t.Context(), "run", "--scenario", sc, "--out", out, "--quiet")
	if code != exitOK {
		t.Fatalf("first run: exit %d\n%s", code, stderr)
	}
	first := listDir(t, out)
	for _, want := range []string{"results.json", "errgroup.results.bin", "errgroup.hgrm", "sequential.results.bin", manifestName} {
		if _, ok := first[want]; !ok {
			t.Fatalf("first run did not write %s: %v", want, keys(first))
		}
	}

	// A second run into the same directory without --force: exit 2, and
	// nothing in it changes.
	code, _, stderr = fanbench(t, t.Context(), "run", "--scenario", sc, "--out", out, "--quiet")
	if code != exitUsage || !strings.Contains(stderr, "--force") {
		t.Fatalf("run into a non-empty --out: exit %d, stderr %q; want 2 naming --force", code, stderr)
	}
	if got := listDir(t, out); !mapsEqual(got, first) {
		t.Fatal("a refused run changed --out")
	}

	// Plant a symlink in place of a results file and a file of the user's.
	target := filepath.Join(t.TempDir(), "precious")
	if err := os.WriteFile(target, []byte("precious"), 0o644); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(out, "sequential.results.bin")
	if err := os.Remove(bin); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, bin); err != nil {
		t.Fatal(err)
	}
	for _, mine := range []string{"notes.txt", "baseline.hgrm"} { // the user's, whatever their suffix
		if err := os.WriteFile(filepath.Join(out, mine), []byte("mine"), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	// A run with --force that fails after it started (an unreachable
	// broker): exit 2 and nothing deleted or replaced.
	before := listDir(t, out)
	code, _, stderr = fanbench(t, t.Context(), "run", "--scenario", sc, "--out", out, "--quiet", "--force",
		"--strategies", "queue", "--nats-url", "nats://127.0.0.1:1")
	if code != exitUsage {
		t.Fatalf("run with an unreachable broker: exit %d; want 2\n%s", code, stderr)
	}
	if got := listDir(t, out); !mapsEqual(got, before) {
		t.Fatalf("a failed run changed --out:\n got %v\nwant %v", keys(got), keys(before))
	}

	// --force with one strategy: the symlink is replaced (its target
	// untouched), the other strategy's stale files go, notes.txt stays.
	code, _, stderr = fanbench(t, t.Context(), "run", "--scenario", sc, "--out", out, "--quiet", "--force", "--strategies", "sequential")
	if code != exitOK {
		t.Fatalf("run with --force: exit %d\n%s", code, stderr)
	}
	if b, _ := os.ReadFile(target); string(b) != "precious" {
		t.Fatalf("the symlink's target was overwritten: %q", b)
	}
	got := listDir(t, out)
	if strings.HasPrefix(got["sequential.results.bin"], "-> ") || got["sequential.results.bin"] == "" {
		t.Errorf("sequential.results.bin is %q; want the new run's results, not the planted link", got["sequential.results.bin"][:min(20, len(got["sequential.results.bin"]))])
	}
	for name := range got {
		if strings.HasPrefix(name, "errgroup.") || strings.HasPrefix(name, stagingPrefix) {
			t.Errorf("%s is left from the earlier run (or the staging); want it removed", name)
		}
	}
	for _, mine := range []string{"notes.txt", "baseline.hgrm"} {
		if got[mine] != "mine" {
			t.Errorf("%s = %q; want the user's file left alone (the manifest says what is fanbench's)", mine, got[mine])
		}
	}
	if !strings.Contains(got["results.json"], `"sequential"`) || strings.Contains(got["results.json"], `"errgroup"`) {
		t.Error("results.json is not the new run's (sequential only)")
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// TestDefaultOutUnique: runs started in the same millisecond get
// different default directories.
func TestDefaultOutUnique(t *testing.T) {
	parent := filepath.Join(t.TempDir(), "fanbench-out")
	now := time.Date(2026, 12, 1, 14, 0, 0, 0, time.UTC)
	seen := map[string]bool{}
	for range 3 {
		d, err := newDefaultOut(parent, "", now)
		if err != nil {
			t.Fatal(err)
		}
		if seen[d] {
			t.Fatalf("two runs share %s", d)
		}
		seen[d] = true
	}
	if !seen[filepath.Join(parent, "20261201T140000.000Z")] || !seen[filepath.Join(parent, "20261201T140000.000Z-3")] {
		t.Errorf("directories %v; want 20261201T140000.000Z, -2, -3", seen)
	}
}

// TestSecondInterruptLeavesNoResultsFiles: a second Ctrl-C quits at once
// while a <strategy>.results.bin is being streamed; no results file (empty
// or partial) and no staging directory is left in --out.
func TestSecondInterruptLeavesNoResultsFiles(t *testing.T) {
	sc := writeFile(t, "slow.yaml", slowScenario)
	out := filepath.Join(t.TempDir(), "out")
	cmd, lines := startWithStderrLines(t, "run", "--scenario", sc, "--out", out)
	streaming := func() bool {
		m, _ := filepath.Glob(filepath.Join(out, stagingPrefix+"*", "*.results.bin"))
		return len(m) > 0
	}
	for deadline := time.Now().Add(30 * time.Second); !streaming(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatal("the run never started streaming a results.bin")
		}
	}
	cmd.Process.Signal(os.Interrupt)
	// Two signals sent back to back may reach the process as one: send the
	// second once the first is handled (its sends of 1s are draining).
	waitLine(t, lines, "stopping")
	cmd.Process.Signal(os.Interrupt)
	for range lines { // to EOF, before Wait closes the pipe
	}
	if code := exitStatus(t, cmd.Wait()); code != exitInterrupted {
		t.Fatalf("exit %d; want %d", code, exitInterrupted)
	}
	var left []string
	filepath.WalkDir(out, func(p string, d os.DirEntry, err error) error {
		if err == nil && p != out {
			left = append(left, strings.TrimPrefix(p, out))
		}
		return nil
	})
	if len(left) > 0 {
		t.Fatalf("--out after a second Ctrl-C holds %v; want nothing", left)
	}
}

// startWithStderrLines starts this test binary as fanbench and returns its
// stderr line by line; the channel closes at EOF, and must be read to its
// end before cmd.Wait.
func startWithStderrLines(t *testing.T, args ...string) (*exec.Cmd, <-chan string) {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(self, args...)
	cmd.Env = append(os.Environ(), "FANBENCH_TEST_MAIN=1")
	pipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 1024)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(pipe)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	return cmd, lines
}

// waitLine waits (at most 30s) for a line containing want.
func waitLine(t *testing.T, lines <-chan string, want string) {
	t.Helper()
	timeout := time.After(30 * time.Second)
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("stderr ended without a line containing %q", want)
			}
			if strings.Contains(l, want) {
				return
			}
		case <-timeout:
			t.Fatalf("no line containing %q within 30s", want)
		}
	}
}

// TestMockInterruptMessage: Ctrl-C on `fanbench mock` stops it (exit 0)
// without claiming to write results it does not have.
func TestMockInterruptMessage(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(self, "mock", "--config", writeFile(t, "m.yaml", "apis:\n  a: {}\n  b: {}\n"), "--listen", "127.0.0.1:0")
	cmd.Env = append(os.Environ(), "FANBENCH_TEST_MAIN=1")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// The last line the mock prints once it serves; main has installed its
	// signal handler before.
	sc := bufio.NewScanner(stdout)
	for sc.Scan() && !strings.Contains(sc.Text(), "Ctrl-C to stop") {
	}
	cmd.Process.Signal(os.Interrupt)
	io.Copy(io.Discard, stdout) // to EOF, before Wait closes the pipe
	if code := exitStatus(t, cmd.Wait()); code != exitOK {
		t.Fatalf("exit %d; want 0\n%s", code, stderr.String())
	}
	if s := stderr.String(); strings.Contains(s, "writing what was measured") || !strings.Contains(s, "stopping") {
		t.Fatalf("stderr %q; want a plain stopping message, no promise of results", s)
	}
}

// A rename that fails in the middle of moving a run's files into place
// leaves the earlier run's files as they were — none of the new ones, no
// mix — and a later commit of the same files succeeds.
func TestCommitIsAllOrNothing(t *testing.T) {
	dest := t.TempDir()
	earlier := map[string]string{"results.json": "old results", "report.txt": "old report", "errgroup.hgrm": "old hgrm", "notes.txt": "the user's"}
	for n, c := range earlier {
		if err := os.WriteFile(filepath.Join(dest, n), []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	target := filepath.Join(t.TempDir(), "elsewhere")
	if err := os.WriteFile(target, []byte("not fanbench's"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, filepath.Join(dest, "report.md")); err != nil {
		t.Fatal(err)
	}
	before := listDir(t, dest)

	stage := func() *outDir {
		o, err := openOut(dest, "", true, time.Now(), &quitHooks{})
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range []string{"errgroup.hgrm", "report.md", "report.txt", "results.json", "sequential.hgrm"} {
			w, err := o.create(n)
			if err != nil {
				t.Fatal(err)
			}
			_, _ = io.WriteString(w, "new "+n)
			w.Close()
		}
		return o
	}
	// The third new file fails to move in, after two have.
	renameFile = func(from, to string) error {
		if to == filepath.Join(dest, "report.txt") && strings.Contains(from, stagingPrefix) && !strings.Contains(from, ".prev-") {
			return &os.LinkError{Op: "rename", Old: from, New: to, Err: os.ErrPermission}
		}
		return os.Rename(from, to)
	}
	defer func() { renameFile = os.Rename }()
	if err := stage().commit(); err == nil {
		t.Fatal("commit with a failing rename: no error")
	}
	if got := listDir(t, dest); !maps.Equal(got, before) {
		t.Fatalf("after a failed commit dest holds %v; want the earlier run's files untouched %v", got, before)
	}
	if b, _ := os.ReadFile(target); string(b) != "not fanbench's" {
		t.Fatalf("the symlink's target was written: %q", b)
	}

	renameFile = os.Rename
	if err := stage().commit(); err != nil {
		t.Fatal(err)
	}
	got := listDir(t, dest)
	for _, n := range []string{"errgroup.hgrm", "report.md", "report.txt", "results.json", "sequential.hgrm"} {
		if got[n] != "new "+n {
			t.Errorf("%s = %q after the commit; want the new file", n, got[n])
		}
	}
	if got["notes.txt"] != "the user's" {
		t.Errorf("the user's notes.txt = %q; want it left alone", got["notes.txt"])
	}
}
