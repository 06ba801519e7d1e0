package bench

import (
	"fmt"
	"strings"

	"github.com/fanbench/fanbench/reports"
	"github.com/fanbench/fanbench/scenarios"
)

// EvaluateSLOs checks each SLO against the results: a wildcard SLO
// ("*.success_ratio >= 0.99") becomes one check per strategy that ran, named
// after it. An SLO naming a strategy that did not run fails, saying so.
func EvaluateSLOs(res *reports.Results, slos []scenarios.SLO) []reports.SLOCheck {
	checks := []reports.SLOCheck{}
	for _, slo := range slos {
		targets := []string{slo.Strategy}
		if slo.Strategy == "*" {
			targets = targets[:0]
			for _, s := range res.Strategies {
				targets = append(targets, s.Name)
			}
		}
		for _, name := range targets {
			expr := slo.Expr
			if slo.Strategy == "*" {
				expr = name + strings.TrimPrefix(strings.TrimSpace(slo.Expr), "*")
			}
			c := reports.SLOCheck{Expr: expr, Strategy: name}
			s, ok := find(res, name)
			if !ok {
				c.Error = fmt.Sprintf("strategy %q did not run", name)
				checks = append(checks, c)
				continue
			}
			v, ok := metric(s, slo.Metric)
			if !ok {
				c.Error = fmt.Sprintf("metric %q is not in the results", slo.Metric)
				checks = append(checks, c)
				continue
			}
			c.Value = v
			c.Pass = compare(v, slo.Op, slo.Value)
			checks = append(checks, c)
		}
	}
	return checks
}

func find(res *reports.Results, name string) (reports.StrategyResult, bool) {
	for _, s := range res.Strategies {
		if s.Name == name {
			return s, true
		}
	}
	return reports.StrategyResult{}, false
}

func compare(v float64, op string, want float64) bool {
	switch op {
	case "<":
		return v < want
	case "<=":
		return v <= want
	case ">":
		return v > want
	case ">=":
		return v >= want
	case "==":
		return v == want
	case "!=":
		return v != want
	}
	return false
}

// metric reads a named figure (the names scenarios.SLOMetrics lists) from s.
func metric(s reports.StrategyResult, name string) (float64, bool) {
	fam, member, _ := strings.Cut(name, ".")
	pct := func(p reports.Percentiles, m string) (float64, bool) {
		switch m {
		case "p50":
			return p.P50, true
		case "p90":
			return p.P90, true
		case "p99":
			return p.P99, true
		case "p999":
			return p.P999, true
		case "max":
			return p.Max, true
		case "mean":
			return p.Mean, true
		}
		return 0, false
	}
	ab := func(v reports.AB, m string) (float64, bool) {
		switch m {
		case "a":
			return float64(v.A), true
		case "b":
			return float64(v.B), true
		}
		return 0, false
	}
	switch fam {
	case "latency":
		return pct(s.LatencyMs.Corrected, member)
	case "latency_uncorrected":
		return pct(s.LatencyMs.Uncorrected, member)
	case "delivery":
		api, q, _ := strings.Cut(member, ".")
		switch api {
		case "a":
			return pct(s.DeliveryMs.A, q)
		case "b":
			return pct(s.DeliveryMs.B, q)
		case "both":
			return pct(s.DeliveryMs.Both, q)
		}
	case "success_ratio":
		return s.SuccessRatio, true
	case "rate_achieved":
		return s.RateAchieved, true
	case "requests":
		return float64(s.Requests), true
	case "lost":
		return float64(s.Lost), true
	case "dead_letters":
		return float64(s.DeadLetters), true
	case "cpu_us_per_send":
		return s.CPUUsPerSend, true
	case "outcomes":
		switch member {
		case "both":
			return float64(s.Outcomes.Both), true
		case "a_only":
			return float64(s.Outcomes.AOnly), true
		case "b_only":
			return float64(s.Outcomes.BOnly), true
		case "none":
			return float64(s.Outcomes.None), true
		case "compensated":
			return float64(s.Outcomes.Compensated), true
		}
	case "duplicate_deliveries":
		return ab(s.DuplicateDeliveries, member)
	case "duplicate_effects":
		return ab(s.DuplicateEffects, member)
	case "calls":
		return ab(s.Calls, member)
	case "retries":
		return ab(s.Retries, member)
	case "breaker_opens":
		return ab(s.BreakerOpens, member)
	}
	return 0, false
}
