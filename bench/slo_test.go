package bench

import (
	"testing"

	"github.com/fanbench/fanbench/reports"
	"github.com/fanbench/fanbench/scenarios"
)

func TestEvaluateSLOs(t *testing.T) {
	res := &reports.Results{Strategies: []reports.StrategyResult{
		{Name: "sequential", SuccessRatio: 1, LatencyMs: reports.UserLatency{Corrected: reports.Percentiles{P99: 180}}},
		{Name: "errgroup", SuccessRatio: 0.95, LatencyMs: reports.UserLatency{Corrected: reports.Percentiles{P99: 120}},
			DuplicateEffects: reports.AB{B: 3}},
	}}
	parse := func(e string) scenarios.SLO {
		s, err := scenarios.ParseSLO(e)
		if err != nil {
			t.Fatalf("ParseSLO(%q): %v", e, err)
		}
		return s
	}
	tests := []struct {
		expr string
		want []reports.SLOCheck
	}{
		{"errgroup.latency.p99 < 150ms", []reports.SLOCheck{{Expr: "errgroup.latency.p99 < 150ms", Strategy: "errgroup", Value: 120, Pass: true}}},
		{"sequential.latency.p99 < 150ms", []reports.SLOCheck{{Expr: "sequential.latency.p99 < 150ms", Strategy: "sequential", Value: 180}}},
		{"*.success_ratio >= 0.99", []reports.SLOCheck{
			{Expr: "sequential.success_ratio >= 0.99", Strategy: "sequential", Value: 1, Pass: true},
			{Expr: "errgroup.success_ratio >= 0.99", Strategy: "errgroup", Value: 0.95}}},
		{"errgroup.duplicate_effects.b == 0", []reports.SLOCheck{{Expr: "errgroup.duplicate_effects.b == 0", Strategy: "errgroup", Value: 3}}},
		{"queue.lost == 0", []reports.SLOCheck{{Expr: "queue.lost == 0", Strategy: "queue", Error: `strategy "queue" did not run`}}},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			got := EvaluateSLOs(res, []scenarios.SLO{parse(tt.expr)})
			if len(got) != len(tt.want) {
				t.Fatalf("got %+v; want %+v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("check %d = %+v; want %+v", i, got[i], tt.want[i])
				}
			}
		})
	}
}

// Every metric an SLO may name (scenarios validates against that list)
// must be readable from a result, or a valid SLO would fail at run time.
func TestEveryValidSLOMetricIsReadable(t *testing.T) {
	for _, name := range scenarios.SLOMetrics() {
		if _, ok := metric(reports.StrategyResult{}, name); !ok {
			t.Errorf("SLO metric %q passes validation but bench cannot read it", name)
		}
	}
}
