package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fanbench/fanbench/reports"
)

// A stored run is re-rendered by `report` and compared by `compare`: an
// identical run passes, a doubled p99 exits 1.
func TestReportAndCompareCommands(t *testing.T) {
	sc := writeFile(t, "tiny.yaml", tinyScenario)
	base := filepath.Join(t.TempDir(), "base")
	if code, _, stderr := fanbench(t, t.Context(), "run", "--scenario", sc, "--out", base, "--quiet"); code != exitOK {
		t.Fatalf("run: exit %d\n%s", code, stderr)
	}
	for _, f := range []string{"report.md", "report.html", "summary.csv", "sequential.hgrm", "latency-spectrum.png", "errgroup.results.bin"} {
		if fi, err := os.Stat(filepath.Join(base, f)); err != nil || fi.Size() == 0 {
			t.Errorf("run did not write %s: %v", f, err)
		}
	}
	code, stdout, stderr := fanbench(t, t.Context(), "report", base, "--format", "md")
	if code != exitOK || !strings.Contains(stdout, "| sequential |") {
		t.Errorf("report --format md: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if code, _, stderr := fanbench(t, t.Context(), "report", base, "--format", "pdf"); code != exitUsage || !strings.Contains(stderr, "--format") {
		t.Errorf("report --format pdf: exit %d, %q; want 2 naming --format", code, stderr)
	}
	if code, stdout, _ := fanbench(t, t.Context(), "compare", base, base); code != exitOK || !strings.Contains(stdout, "no regression") {
		t.Errorf("compare identical: exit %d\n%s", code, stdout)
	}

	r, err := reports.ReadJSON(filepath.Join(base, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	r.Strategies[1].LatencyMs.Corrected.P99 *= 2
	worse := filepath.Join(t.TempDir(), "worse.json")
	f, err := os.Create(worse)
	if err != nil {
		t.Fatal(err)
	}
	if err := reports.WriteJSON(f, r); err != nil {
		t.Fatal(err)
	}
	f.Close()
	code, stdout, _ = fanbench(t, t.Context(), "compare", base, worse, "--max-regression", "10%")
	if code != exitFailed || !strings.Contains(stdout, "p99") {
		t.Errorf("compare doubled p99: exit %d; want 1\n%s", code, stdout)
	}
	if code, _, stderr := fanbench(t, t.Context(), "compare", base, worse, "--max-regression", "lots"); code != exitUsage || !strings.Contains(stderr, "--max-regression") {
		t.Errorf("bad --max-regression: exit %d, %q", code, stderr)
	}
}
