package bench

import (
	"testing"
	"time"

	"github.com/fanbench/fanbench/reports"
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

func TestRunRepeated(t *testing.T) {
	sc := fixedScenario(5*time.Millisecond, 5*time.Millisecond, 50, 500*time.Millisecond, strategies.NameErrgroup)
	res, err := RunRepeated(t.Context(), sc, 3, Options{})
	if err != nil {
		t.Fatal(err)
	}
	s := res.Strategies[0]
	if s.Spread == nil || s.Spread.Repeats != 3 || s.Requests != 25 {
		t.Fatalf("spread %+v, requests %d; want 3 repeats of 25 sends", s.Spread, s.Requests)
	}
	r := s.Spread.LatencyMs["p50"]
	if !(r.Min <= r.Median && r.Median <= r.Max) || r.Min < 5 {
		t.Errorf("p50 spread %+v; want min ≤ median ≤ max, all ≥ 5ms", r)
	}
}
