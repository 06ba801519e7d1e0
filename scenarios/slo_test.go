package scenarios

import (
	"strings"
	"testing"
)

func TestParseSLO(t *testing.T) {
	tests := []struct {
		expr string
		want SLO
	}{
		{"errgroup.latency.p99 < 150ms", SLO{Strategy: "errgroup", Metric: "latency.p99", Op: "<", Value: 150, Unit: "ms"}},
		{"  queue.lost == 0 ", SLO{Strategy: "queue", Metric: "lost", Op: "==", Value: 0, Unit: "count"}},
		{"*.success_ratio >= 0.99", SLO{Strategy: "*", Metric: "success_ratio", Op: ">=", Value: 0.99, Unit: "ratio"}},
		{"gateway.latency_uncorrected.p999<=1.5s", SLO{Strategy: "gateway", Metric: "latency_uncorrected.p999", Op: "<=", Value: 1500, Unit: "ms"}},
		{"sequential.delivery.both.p50 > 500us", SLO{Strategy: "sequential", Metric: "delivery.both.p50", Op: ">", Value: 0.5, Unit: "ms"}},
		{"queue.delivery.a.max != 0s", SLO{Strategy: "queue", Metric: "delivery.a.max", Op: "!=", Value: 0, Unit: "ms"}},
		{"*.rate_achieved >= 199.5", SLO{Strategy: "*", Metric: "rate_achieved", Op: ">=", Value: 199.5, Unit: "/s"}},
		{"*.cpu_us_per_send < 50", SLO{Strategy: "*", Metric: "cpu_us_per_send", Op: "<", Value: 50, Unit: "us"}},
		{"*.outcomes.a_only == 0", SLO{Strategy: "*", Metric: "outcomes.a_only", Op: "==", Value: 0, Unit: "count"}},
		{"queue.dead_letters <= 1e3", SLO{Strategy: "queue", Metric: "dead_letters", Op: "<=", Value: 1000, Unit: "count"}},
		{"errgroup.duplicate_effects.b == 0", SLO{Strategy: "errgroup", Metric: "duplicate_effects.b", Op: "==", Value: 0, Unit: "count"}},
		{"external.latency.mean < 1m", SLO{Strategy: "external", Metric: "latency.mean", Op: "<", Value: 60000, Unit: "ms"}},
		{"*.breaker_opens.a > 0", SLO{Strategy: "*", Metric: "breaker_opens.a", Op: ">", Value: 0, Unit: "count"}},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			got, err := ParseSLO(tt.expr)
			if err != nil {
				t.Fatalf("ParseSLO(%q): %v", tt.expr, err)
			}
			tt.want.Expr = strings.TrimSpace(tt.expr)
			if got != tt.want {
				t.Errorf("ParseSLO(%q) = %+v; want %+v", tt.expr, got, tt.want)
			}
		})
	}
}

func TestParseSLOErrors(t *testing.T) {
	tests := []struct {
		name, expr, want string
	}{
		{"empty", "  ", "empty SLO"},
		{"no comparison", "errgroup.latency.p99", "has no comparison"},
		{"single =", "errgroup.lost = 0", `bad comparison "="`},
		{"=>", "errgroup.lost => 0", `bad comparison "="`},
		{"no strategy", "latency.p99 < 1s", `unknown strategy "latency"`},
		{"no metric", "errgroup < 1s", "want <strategy>.<metric>"},
		{"empty metric", "errgroup. < 1s", "want <strategy>.<metric>"},
		{"unknown strategy", "errgrp.lost == 0", `(did you mean "errgroup"?)`},
		{"unknown metric", "*.latncy.p99 < 1s", `unknown metric "latncy.p99"`},
		{"unknown percentile", "*.latency.p95 < 1s", "latency takes p50, p90, p99, p999, max, mean"},
		{"family without member", "*.latency < 1s", "metric latency needs one of"},
		{"delivery without api", "*.delivery.p99 < 1s", `unknown metric "delivery.p99"`},
		{"delivery without percentile", "*.delivery.b < 1s", "metric delivery.b needs one of p50, p99, max"},
		{"no value", "*.lost ==", "no value after the comparison"},
		{"latency as a number", "*.latency.p99 < 150", `got "150"; want a duration such as 150ms`},
		{"negative latency", "*.latency.p99 < -1ms", "-1ms is negative"},
		{"count as a duration", "*.lost < 1s", "got the duration 1s; want a plain number (a count)"},
		{"ratio out of range", "*.success_ratio >= 99", "99 is out of range; want a share between 0 and 1"},
		{"not a number", "*.requests > many", `got "many"; want a number (a count)`},
		{"NaN", "*.requests > NaN", `got "NaN"`},
		{"Inf", "*.rate_achieved > Inf", `got "Inf"`},
		{"two comparisons", "*.latency.p99 < 1s < 2s", `got "1s < 2s"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseSLO(tt.expr)
			if err == nil {
				t.Fatalf("ParseSLO(%q) = %+v, nil; want an error containing %q", tt.expr, got, tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ParseSLO(%q) error = %q; want it to contain %q", tt.expr, err, tt.want)
			}
		})
	}
}

func TestSLOMetricsAllParse(t *testing.T) {
	for _, m := range SLOMetrics() {
		value := "1"
		if u, _ := metricUnit(m); u == UnitMillis {
			value = "1ms"
		}
		if _, err := ParseSLO("*." + m + " >= " + value); err != nil {
			t.Errorf("metric %s: %v", m, err)
		}
	}
	if n := len(SLOMetrics()); n != 42 {
		t.Errorf("%d metrics; want 42 (6+6 latency, 9 delivery, 6 single, 5 outcomes, 5x2 per API)", n)
	}
}

func TestScenarioSLOs(t *testing.T) {
	s := mustParse(t, minimal+`
slo:
  - errgroup.latency.p99 < 150ms
  - "*.success_ratio >= 0.99"
`)
	if len(s.SLOs) != 2 || s.SLOs[0].Value != 150 || s.SLOs[1].Strategy != "*" {
		t.Errorf("SLOs = %+v; want both parsed, in order", s.SLOs)
	}
}
