package bench

import (
	"slices"
	"testing"
	"time"

	"github.com/fanbench/fanbench/reports"
	"github.com/fanbench/fanbench/scenarios"
)

func TestSweepRates(t *testing.T) {
	for _, tc := range []struct {
		opt  SweepOptions
		want []float64
	}{
		{SweepOptions{From: 100, To: 200, Factor: 1.25}, []float64{100, 125, 156.25, 195.313}},
		{SweepOptions{From: 100, To: 400, Factor: 2}, []float64{100, 200, 400}},
		{SweepOptions{From: 5, To: 5000, Steps: 3}, []float64{5, 2502.5, 5000}},
		{SweepOptions{From: 10, To: 10, Steps: 2}, []float64{10, 10}},
	} {
		if got := tc.opt.rates(); !slices.Equal(got, tc.want) {
			t.Errorf("rates(%+v) = %v; want %v", tc.opt, got, tc.want)
		}
	}
}

func TestSweepJudge(t *testing.T) {
	noSLO := &scenarios.Scenario{}
	withSLO := &scenarios.Scenario{SLOs: []scenarios.SLO{{}}}
	good := stepResult{SweepStep: reports.SweepStep{Offered: 1000, Achieved: 995, Success: 0.995, LatencyMs: reports.Percentiles{P99: 9}}}
	with := func(f func(*stepResult)) stepResult { s := good; f(&s); return s }
	for _, tc := range []struct {
		name     string
		st       stepResult
		sc       *scenarios.Scenario
		allowSat bool
		sloOK    bool
		why      []string
	}{
		{"good", good, noSLO, false, true, []string{}},
		{"achieved short", with(func(s *stepResult) { s.Achieved = 980 }), noSLO, false, true, []string{"achieved 980.0/s < 99% of 1000.0/s"}},
		{"failures", with(func(s *stepResult) { s.Success = 0.98 }), noSLO, false, true, []string{"success 98.00% < 99%"}},
		{"scenario SLOs replace the success rule", with(func(s *stepResult) { s.Success = 0.5 }), withSLO, false, true, []string{}},
		{"scenario SLO failed", good, withSLO, false, false, []string{"an SLO of the scenario failed"}},
		{"slow", with(func(s *stepResult) { s.LatencyMs.P99 = 10.5 }), noSLO, false, true, []string{"p99 10.5ms > 10.0ms"}},
		{"saturated", with(func(s *stepResult) { s.Harness.Saturated = true }), noSLO, false, true, []string{"harness saturated"}},
		{"saturated allowed", with(func(s *stepResult) { s.Harness.Saturated = true }), noSLO, true, true, []string{}},
		{"overran", with(func(s *stepResult) { s.overran = true }), noSLO, false, true, []string{"could not launch its schedule within the step's time"}},
	} {
		got := judge(tc.st, tc.sc, 10*time.Millisecond, tc.allowSat, tc.sloOK)
		if !slices.Equal(got.Why, tc.why) || got.Good != (len(tc.why) == 0) {
			t.Errorf("%s: good %v, why %q; want %v, %q", tc.name, got.Good, got.Why, len(tc.why) == 0, tc.why)
		}
	}
}
