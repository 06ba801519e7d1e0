package reports

import (
	"fmt"
	"strings"
)

// table is a report table before it is written as Markdown or HTML, so
// both formats show the same columns and figures.
type table struct {
	// ID names the table in HTML (and tests find it by that name).
	ID      string
	Caption string
	Header  []string
	// Numeric marks the columns to right-align.
	Numeric []bool
	Rows    [][]string
}

// comparisonTable is the main table: the user's latency against the ideal,
// one row per strategy.
func comparisonTable(r *Results) table {
	t := table{
		ID:      "comparison",
		Caption: "User latency (ms, from the intended send time, coordinated omission corrected) against the ideal, a zero-overhead strategy over the mocks' distributions. With repeats, a figure is the median repeat's and its min–max follows in brackets.",
		Header: []string{"strategy", "requests", "rate/s", "success", "p50", "p90", "p99", "p99.9", "max",
			"ideal p50", "ideal p99", "overhead p50", "overhead p99", "calls/send", "CPU µs/send"},
	}
	t.Numeric = numericFrom(1, len(t.Header))
	for _, s := range r.Strategies {
		c := s.LatencyMs.Corrected
		rate := fmt.Sprintf("%.1f", s.RateAchieved)
		if s.DriverSaturated {
			rate += fmt.Sprintf(" of %.1f ⚠", s.RateRequested)
		}
		t.Rows = append(t.Rows, []string{
			s.Name, fmt.Sprint(s.Requests), rate, percent(s.SuccessRatio),
			spreadMs(c.P50, s.Spread, "p50"), spreadMs(c.P90, s.Spread, "p90"), spreadMs(c.P99, s.Spread, "p99"),
			spreadMs(c.P999, s.Spread, "p999"), spreadMs(c.Max, s.Spread, "max"),
			idealMs(s, s.IdealMs.P50), idealMs(s, s.IdealMs.P99), overheadMs(s, s.OverheadMs.P50), overheadMs(s, s.OverheadMs.P99),
			callsPerSend(s), fmt.Sprintf("%.0f", s.CPUUsPerSend),
		})
	}
	return t
}

// outcomesTable is delivery as the APIs' ledgers saw it.
func outcomesTable(r *Results) table {
	t := table{
		ID:      "outcomes",
		Caption: "Outcomes from the ledgers of API a and b. Lost: the user got a 2xx but the send did not reach both APIs. Delivery latency: intended send → arrival at the later API (ms).",
		Header: []string{"strategy", "both", "a only", "b only", noneHeader(r), "lost", "dup deliveries a/b", "dup effects a/b",
			"retries a/b", "breaker opens a/b", "dead letters", "delivery p50", "delivery p99", "user answers"},
	}
	t.Numeric = numericFrom(1, len(t.Header)-1)
	for _, s := range r.Strategies {
		lost := fmt.Sprint(s.Lost)
		if s.Lost > 0 {
			lost += " ⚠"
		}
		t.Rows = append(t.Rows, []string{
			s.Name, fmt.Sprint(s.Outcomes.Both), fmt.Sprint(s.Outcomes.AOnly), fmt.Sprint(s.Outcomes.BOnly),
			noneCell(r, s), lost, ab(s.DuplicateDeliveries), ab(s.DuplicateEffects),
			ab(s.Retries), ab(s.BreakerOpens), fmt.Sprint(s.DeadLetters),
			deliveryMs(s, s.DeliveryMs.Both.P50), deliveryMs(s, s.DeliveryMs.Both.P99), countsText(s.StatusCodes),
		})
	}
	return t
}

// sloTable lists the SLO gates and their verdicts.
func sloTable(r *Results) table {
	t := table{
		ID:      "slo",
		Caption: "SLO gates of the scenario; a failed one makes fanbench run exit with code 3.",
		Header:  []string{"verdict", "SLO", "value"},
		Numeric: []bool{false, false, true},
	}
	for _, c := range r.SLO {
		verdict := "✓ pass"
		switch {
		case c.Inconclusive:
			verdict = "? INCONCLUSIVE (harness saturated)"
		case !c.Pass:
			verdict = "✗ FAIL"
		}
		value := fmt.Sprintf("%g", c.Value)
		if c.Error != "" {
			value = c.Error
		}
		t.Rows = append(t.Rows, []string{verdict, c.Expr, value})
	}
	return t
}

// spreadMs is a latency figure with, when the run was repeated, the range
// of that quantile across repeats.
func spreadMs(v float64, sp *Spread, key string) string {
	if sp == nil || sp.Repeats < 2 {
		return ms(v)
	}
	rg, ok := sp.LatencyMs[key]
	if !ok {
		return ms(v)
	}
	return fmt.Sprintf("%s (%s–%s)", ms(v), ms(rg.Min), ms(rg.Max))
}

// spreadRate and spreadSuccess are the achieved rate and the success ratio
// with, when the run was repeated, their range across repeats.
func spreadRate(s StrategyResult) string {
	if s.Spread == nil || s.Spread.Repeats < 2 {
		return fmt.Sprintf("%.1f", s.RateAchieved)
	}
	return fmt.Sprintf("%.1f (%.1f–%.1f)", s.RateAchieved, s.Spread.RateAchieved.Min, s.Spread.RateAchieved.Max)
}

func spreadSuccess(s StrategyResult) string {
	if s.Spread == nil || s.Spread.Repeats < 2 {
		return percent(s.SuccessRatio)
	}
	return fmt.Sprintf("%s (%s–%s)", percent(s.SuccessRatio), percent(s.Spread.SuccessRatio.Min), percent(s.Spread.SuccessRatio.Max))
}

// repeatsOf is the largest repeat count among r's strategies (1 without --repeat).
func repeatsOf(r *Results) int {
	n := 1
	for _, s := range r.Strategies {
		if s.Spread != nil {
			n = max(n, s.Spread.Repeats)
		}
	}
	return n
}

// deliveryMs shows a dash, not a 0.0 that reads as a figure, when nothing
// was delivered to both APIs.
func deliveryMs(s StrategyResult, v float64) string {
	if s.Outcomes.Both == 0 {
		return "–"
	}
	return ms(v)
}

func percent(ratio float64) string { return fmt.Sprintf("%.2f%%", 100*ratio) }

func ab(v AB) string { return fmt.Sprintf("%d/%d", v.A, v.B) }

// callsPerSend is the downstream amplification: API calls per user send.
func callsPerSend(s StrategyResult) string {
	if s.Requests == 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f", float64(s.Calls.A+s.Calls.B)/float64(s.Requests))
}

func numericFrom(first, n int) []bool {
	b := make([]bool, n)
	for i := first; i < n; i++ {
		b[i] = true
	}
	return b
}

// describeMachine says where a run happened, in one line.
func describeMachine(m Machine) string {
	parts := []string{fmt.Sprintf("%d CPUs", m.CPUs)}
	if m.GoVersion != "" {
		parts = append(parts, m.GoVersion)
	}
	if m.OS != "" || m.Arch != "" {
		parts = append(parts, m.OS+"/"+m.Arch)
	}
	return strings.Join(parts, " · ")
}

// anyCompensated says whether a strategy of r compensated sends; only then
// do the outcome tables show the compensated count beside none.
func anyCompensated(r *Results) bool {
	for _, s := range r.Strategies {
		if s.Outcomes.Compensated > 0 {
			return true
		}
	}
	return false
}

// noneHeader and noneCell are the outcome tables' "none" column, "none /
// compensated" when some strategy compensated.
func noneHeader(r *Results) string {
	if anyCompensated(r) {
		return "none / compensated"
	}
	return "none"
}

func noneCell(r *Results, s StrategyResult) string {
	if anyCompensated(r) {
		return fmt.Sprintf("%d / %d", s.Outcomes.None, s.Outcomes.Compensated)
	}
	return fmt.Sprint(s.Outcomes.None)
}
