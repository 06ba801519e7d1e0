package main

import (
	"os"
	"path/filepath"
	"testing"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/fanbench/fanbench/reports"
)

// A run writes <strategy>.hlog beside the .hgrm; HdrHistogram's own log
// reader reads it back, one interval per second of measurement, and the
// intervals' counts add up to the strategy's requests.
func TestRunWritesIntervalLog(t *testing.T) {
	sc := writeFile(t, "tiny.yaml", tinyScenario)
	out := filepath.Join(t.TempDir(), "out")
	if code, stdout, stderr := fanbench(t, t.Context(), "run", "--scenario", sc, "--out", out); code != exitOK {
		t.Fatalf("exit %d; want 0\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	res, err := reports.ReadJSON(filepath.Join(out, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range res.Strategies {
		f, err := os.Open(filepath.Join(out, s.Name+".hlog"))
		if err != nil {
			t.Fatal(err)
		}
		r := hdrhistogram.NewHistogramLogReader(f)
		var total, n int64
		for {
			h, err := r.NextIntervalHistogram()
			if err != nil {
				t.Fatalf("%s.hlog interval %d: %v", s.Name, n, err)
			}
			if h == nil {
				break
			}
			if start := h.StartTimeMs(); start < s.MeasuredFrom.UnixMilli() || h.EndTimeMs()-start != 1000 {
				t.Errorf("%s.hlog interval %d: [%d, %d] ms; want one second from %d on",
					s.Name, n, start, h.EndTimeMs(), s.MeasuredFrom.UnixMilli())
			}
			total += h.TotalCount()
			n++
		}
		f.Close()
		if total != s.Requests || s.Requests == 0 {
			t.Errorf("%s.hlog: %d values in %d intervals; want the run's %d requests", s.Name, total, n, s.Requests)
		}
		if n != 1 { // 1 s of measurement: one second
			t.Errorf("%s.hlog has %d intervals; want 1 for a 1s run", s.Name, n)
		}
	}
}
