package main

import (
	"os"
	"path/filepath"
	"testing"
)

// --cpuprofile and --memprofile write pprof files (gzipped protobuf).
func TestRunWritesProfiles(t *testing.T) {
	sc := writeFile(t, "tiny.yaml", tinyScenario)
	dir := t.TempDir()
	cpu, mem := filepath.Join(dir, "cpu.pprof"), filepath.Join(dir, "mem.pprof")
	code, stdout, stderr := fanbench(t, t.Context(), "run", "--scenario", sc, "--out", filepath.Join(dir, "out"), "--quiet",
		"--cpuprofile", cpu, "--memprofile", mem)
	if code != exitOK {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	for _, p := range []string{cpu, mem} {
		b, err := os.ReadFile(p)
		if err != nil || len(b) < 2 || b[0] != 0x1f || b[1] != 0x8b {
			t.Errorf("%s: %d bytes, %v; want a gzipped pprof profile", filepath.Base(p), len(b), err)
		}
	}
	if code, _, stderr := fanbench(t, t.Context(), "run", "--scenario", sc, "--cpuprofile", filepath.Join(dir, "no", "such", "cpu.pprof")); code != exitUsage {
		t.Errorf("unwritable --cpuprofile: exit %d, stderr %q; want 2", code, stderr)
	}
}
