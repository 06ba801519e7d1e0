package reports

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
)

// csvColumns are the columns of summary.csv, one row per strategy. Like
// results.json they are a contract: add columns at the end, never rename
// or drop one. Latencies are milliseconds; latency_* is corrected.
func csvColumns() []string {
	return []string{
		"scenario", "seed", "strategy", "requests", "rate_requested", "rate_achieved", "success_ratio", "driver_saturated",
		"latency_p50_ms", "latency_p90_ms", "latency_p99_ms", "latency_p999_ms", "latency_max_ms", "latency_mean_ms",
		"uncorrected_p50_ms", "uncorrected_p99_ms",
		"ideal_p50_ms", "ideal_p99_ms", "overhead_p50_ms", "overhead_p99_ms",
		"delivery_both_p50_ms", "delivery_both_p99_ms",
		"both", "a_only", "b_only", "none", "lost",
		"duplicate_deliveries_a", "duplicate_deliveries_b", "duplicate_effects_a", "duplicate_effects_b",
		"calls_a", "calls_b", "retries_a", "retries_b", "breaker_opens_a", "breaker_opens_b", "dead_letters",
		"cpu_us_per_send",
	}
}

// WriteCSV writes summary.csv: a header and one row per strategy with the
// main figures, for spreadsheets and scripts.
func WriteCSV(w io.Writer, r *Results) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(csvColumns()); err != nil {
		return err
	}
	f := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	i := func(v int64) string { return strconv.FormatInt(v, 10) }
	for _, s := range r.Strategies {
		c, u := s.LatencyMs.Corrected, s.LatencyMs.Uncorrected
		row := []string{
			r.Scenario, i(r.Seed), s.Name, i(s.Requests), f(s.RateRequested), f(s.RateAchieved), f(s.SuccessRatio), strconv.FormatBool(s.DriverSaturated),
			f(c.P50), f(c.P90), f(c.P99), f(c.P999), f(c.Max), f(c.Mean),
			f(u.P50), f(u.P99),
			f(s.IdealMs.P50), f(s.IdealMs.P99), f(s.OverheadMs.P50), f(s.OverheadMs.P99),
			f(s.DeliveryMs.Both.P50), f(s.DeliveryMs.Both.P99),
			i(s.Outcomes.Both), i(s.Outcomes.AOnly), i(s.Outcomes.BOnly), i(s.Outcomes.None), i(s.Lost),
			i(s.DuplicateDeliveries.A), i(s.DuplicateDeliveries.B), i(s.DuplicateEffects.A), i(s.DuplicateEffects.B),
			i(s.Calls.A), i(s.Calls.B), i(s.Retries.A), i(s.Retries.B), i(s.BreakerOpens.A), i(s.BreakerOpens.B), i(s.DeadLetters),
			f(s.CPUUsPerSend),
		}
		if len(row) != len(csvColumns()) {
			return fmt.Errorf("summary.csv: row of %s has %d fields for %d columns", s.Name, len(row), len(csvColumns()))
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
