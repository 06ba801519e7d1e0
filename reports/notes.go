package reports

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// note is a remark a report must make next to its tables: something that
// makes a figure untrustworthy or that a reader would otherwise miss.
type note struct {
	// Warn marks a note that is bad news (a lost send, a saturated
	// driver) rather than context.
	Warn bool
	Text string
}

// notesOf lists, strategy by strategy, the remarks every report makes.
func notesOf(r *Results) []note {
	var ns []note
	for _, s := range r.Strategies {
		if s.DriverSaturated {
			ns = append(ns, note{Warn: true, Text: fmt.Sprintf(
				"%s: the driver could not keep the schedule (requested %.1f/s, achieved %.1f/s, in-flight cap hit %d times, worst lag %.1fms); latency is corrected from intended times, but the offered load was lower than asked",
				s.Name, s.RateRequested, s.RateAchieved, s.Saturation.InFlightCapHits, s.Saturation.MaxLagMs)})
		}
		if s.Lost > 0 {
			ns = append(ns, note{Warn: true, Text: fmt.Sprintf(
				"%s: LOST %d sends: the user was told they succeeded, but they did not reach both APIs", s.Name, s.Lost)})
		}
		if b := s.Broker; b != nil {
			ns = append(ns, note{Text: fmt.Sprintf(
				"%s: broker published %d (%d deduplicated, %d publish errors), %d redeliveries, %d dead letters, peak backlog %d",
				s.Name, b.Published, b.Duplicates, b.PublishErrors, b.Redeliveries, b.DeadLetters, b.PeakPending)})
		}
		if hasIdeal(s) && (belowIdeal(s.OverheadMs.P50, s.IdealMs.P50) || belowIdeal(s.OverheadMs.P99, s.IdealMs.P99)) {
			ns = append(ns, note{Text: fmt.Sprintf(
				"%s: negative overhead (p50 %+.1fms, p99 %+.1fms): users got answers sooner than the ideal, because requests ended early (failed legs, open breakers, or the user timeout) — the ideal assumes every leg completes",
				s.Name, s.OverheadMs.P50, s.OverheadMs.P99)})
		}
		shown := map[string]bool{} // stats a note above already gave
		if n := s.Stats["compensations_sent"]; n > 0 || s.Outcomes.Compensated > 0 {
			consistent := 0.0
			if total := s.Outcomes.Total(); total > 0 {
				consistent = 100 * float64(s.Outcomes.Consistent()) / float64(total)
			}
			for _, k := range []string{"compensations_sent", "compensations_succeeded", "compensations_failed", "inconsistency_window_p50_us", "inconsistency_window_p99_us"} {
				shown[k] = true
			}
			ns = append(ns, note{Text: fmt.Sprintf(
				"%s: %d sends compensated (%d compensations sent, %d succeeded, %d failed; inconsistency window p50 %.1fms, p99 %.1fms); consistent %.1f%% (both + none + compensated)",
				s.Name, s.Outcomes.Compensated, n, s.Stats["compensations_succeeded"], s.Stats["compensations_failed"],
				float64(s.Stats["inconsistency_window_p50_us"])/1000, float64(s.Stats["inconsistency_window_p99_us"])/1000, consistent)})
		}
		rest := map[string]int64{}
		for k, v := range s.Stats {
			if !shown[k] {
				rest[k] = v
			}
		}
		if len(rest) > 0 {
			ns = append(ns, note{Text: fmt.Sprintf("%s: %s", s.Name, countsText(rest))})
		}
		if n := s.StatusCodes["0"]; n > 0 {
			ns = append(ns, note{Text: fmt.Sprintf("%s: %d user requests got no answer (%s)", s.Name, n, countsText(s.Errors))})
		}
	}
	for _, m := range r.Phases {
		if m.Error != "" && m.API == "broker" {
			ns = append(ns, note{Warn: true, Text: fmt.Sprintf(
				"%s: broker restart at %gs (%s) failed: %s", m.Strategy, m.AtS, m.Action, m.Error)})
		} else if m.Error != "" {
			ns = append(ns, note{Warn: true, Text: fmt.Sprintf(
				"%s: fault phase at %gs (%s API %s) was refused by the mock: %s", m.Strategy, m.AtS, m.Action, m.API, m.Error)})
		}
	}
	return ns
}

// belowIdeal says an overhead is negative beyond noise: more than 5ms and
// 5% of the ideal below it.
func belowIdeal(overhead, ideal float64) bool { return overhead < -max(5, 0.05*ideal) }

// countsText renders a count map as "a: 1, b: 2" in key order, so the
// same results always read the same.
func countsText(m map[string]int64) string {
	if len(m) == 0 {
		return "none"
	}
	parts := make([]string, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%s: %d", k, m[k]))
	}
	return strings.Join(parts, ", ")
}
