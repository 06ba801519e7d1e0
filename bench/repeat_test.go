package bench

import (
	"io"
	"slices"
	"testing"
	"time"

	"github.com/fanbench/fanbench/reports"
	"github.com/fanbench/fanbench/scenarios"
	"github.com/fanbench/fanbench/strategies"
)

func TestSpreadOf(t *testing.T) {
	mk := func(p50, p99 float64) reports.StrategyResult {
		return reports.StrategyResult{LatencyMs: reports.UserLatency{Corrected: reports.Percentiles{P50: p50, P99: p99}}, SuccessRatio: 1}
	}
	all := []reports.StrategyResult{mk(10, 30), mk(12, 50), mk(11, 40)}
	s := spreadOf(all)
	if got, want := s.LatencyMs["p99"], (reports.Range{Median: 40, Min: 30, Max: 50}); got != want {
		t.Errorf("p99 spread = %+v; want %+v", got, want)
	}
	if got := medianBy(all, func(s reports.StrategyResult) float64 { return s.LatencyMs.Corrected.P99 }); got != 2 {
		t.Errorf("median repeat = %d; want 2 (p99 40)", got)
	}
}

// TestRunRepeated: the figures reported are the median repeat's (by p99),
// each repeat streams its own .r<k> results, and the SLOs are judged on the
// median repeat.
func TestRunRepeated(t *testing.T) {
	sc := fixedScenario(5*time.Millisecond, 5*time.Millisecond, 50, 500*time.Millisecond, strategies.NameErrgroup)
	slo, err := scenarios.ParseSLO("errgroup.latency.p99 < 1h")
	if err != nil {
		t.Fatal(err)
	}
	sc.SLOs = []scenarios.SLO{slo}
	var opened []string
	var p99s []float64
	opt := Options{
		ResultsOut: func(name string) (io.WriteCloser, error) {
			opened = append(opened, name)
			return nopCloser{io.Discard}, nil
		},
		Logf: func(string, ...any) {},
	}
	// Record each repeat's own p99 through the per-repeat runs.
	res, err := runRepeated(t.Context(), sc, 3, opt, func(r *reports.Results) {
		p99s = append(p99s, r.Strategies[0].LatencyMs.Corrected.P99)
	})
	if err != nil {
		t.Fatal(err)
	}
	s := res.Strategies[0]
	if s.Spread == nil || s.Spread.Repeats != 3 || s.Requests != 25 {
		t.Fatalf("spread %+v, requests %d; want 3 repeats of 25 sends", s.Spread, s.Requests)
	}
	if want := []string{"errgroup.r1", "errgroup.r2", "errgroup.r3"}; !slices.Equal(opened, want) {
		t.Errorf("results streams opened %q; want %q", opened, want)
	}
	sorted := slices.Sorted(slices.Values(p99s))
	median := sorted[1]
	r := s.Spread.LatencyMs["p99"]
	if s.LatencyMs.Corrected.P99 != median || r.Median != median || r.Min != sorted[0] || r.Max != sorted[2] {
		t.Errorf("reported p99 %v, spread %+v; the repeats had %v: want the median repeat's %v and their min–max",
			s.LatencyMs.Corrected.P99, r, p99s, median)
	}
	if len(res.SLO) != 1 || res.SLO[0].Value != median || !res.SLO[0].Pass {
		t.Errorf("SLO %+v; want it judged on the median repeat's p99 %v", res.SLO, median)
	}
}
