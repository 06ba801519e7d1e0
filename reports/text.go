package reports

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// TextOptions tune the text report.
type TextOptions struct {
	// Color marks warnings and losses with ANSI colours; without it they
	// carry a plain "!!" marker.
	Color bool
}

// WriteText writes the comparison table people read in a terminal: one row
// per strategy with the user's latency next to the ideal, then deliveries,
// then warnings about anything that makes a figure untrustworthy.
func WriteText(w io.Writer, r *Results, opt TextOptions) error {
	var b strings.Builder
	fmt.Fprintf(&b, "scenario %s · seed %d · %s", r.Scenario, r.Seed, describeLoadInfo(r.Load))
	fmt.Fprintf(&b, " · %d CPUs, %s\n", r.Machine.CPUs, r.Machine.GoVersion)
	if r.Description != "" {
		fmt.Fprintf(&b, "%s\n", strings.TrimSpace(r.Description))
	}
	for _, line := range r.SaturationBanner() {
		b.WriteString(warn(opt, "SATURATED "+line) + "\n")
	}
	if r.Partial {
		b.WriteString(warn(opt, partialText(r)) + "\n")
	}
	b.WriteString("\nuser latency (ms, from the intended send time; ideal = zero-overhead strategy over the mocks' distributions)\n")
	if n := repeatsOf(r); n > 1 {
		fmt.Fprintf(&b, "median of %d repeats; brackets: min–max across repeats\n", n)
	}
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "strategy\trequests\trate/s\tsuccess\tp50\tp90\tp99\tp99.9\tmax\tideal p50\tideal p99\tovh p50\tovh p99\t")
	for _, s := range r.Strategies {
		c := s.LatencyMs.Corrected
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n",
			s.Name, s.Requests, spreadRate(s), spreadSuccess(s),
			spreadMs(c.P50, s.Spread, "p50"), spreadMs(c.P90, s.Spread, "p90"), spreadMs(c.P99, s.Spread, "p99"),
			spreadMs(c.P999, s.Spread, "p999"), spreadMs(c.Max, s.Spread, "max"),
			idealMs(s, s.IdealMs.P50), idealMs(s, s.IdealMs.P99), overheadMs(s, s.OverheadMs.P50), overheadMs(s, s.OverheadMs.P99))
	}
	if err := tw.Flush(); err != nil {
		return err
	}

	b.WriteString("\ndelivery (ledgers of API a and b; delivery latency = intended send → arrival, ms)\n")
	tw = tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "strategy\tboth\ta only\tb only\t"+noneHeader(r)+"\tlost\tdup eff a/b\tcalls a/b\tretries a/b\tcalls/send\tdeliv p50\tdeliv p99\t")
	for _, s := range r.Strategies {
		lost := fmt.Sprint(s.Lost)
		if s.Lost > 0 {
			lost = warn(opt, lost)
		}
		amp := 0.0
		if s.Requests > 0 {
			amp = float64(s.Calls.A+s.Calls.B) / float64(s.Requests)
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%s\t%s\t%d/%d\t%d/%d\t%d/%d\t%.2f\t%s\t%s\t\n",
			s.Name, s.Outcomes.Both, s.Outcomes.AOnly, s.Outcomes.BOnly, noneCell(r, s), lost,
			s.DuplicateEffects.A, s.DuplicateEffects.B, s.Calls.A, s.Calls.B, s.Retries.A, s.Retries.B,
			amp, deliveryMs(s, s.DeliveryMs.Both.P50), deliveryMs(s, s.DeliveryMs.Both.P99))
	}
	if err := tw.Flush(); err != nil {
		return err
	}

	if len(r.Workers) > 0 {
		b.WriteString("\nworkers (worker k of n sent the sends ≡ k mod n; the figures above are their exact merge)\n")
		writeTextTable(&b, workersTable(r))
	}

	var notes []string
	for _, n := range notesOf(r) {
		if n.Warn {
			notes = append(notes, warn(opt, n.Text))
		} else {
			notes = append(notes, n.Text)
		}
	}
	if len(notes) > 0 {
		b.WriteString("\n" + strings.Join(notes, "\n") + "\n")
	}
	if len(r.SLO) > 0 {
		b.WriteString("\nSLO\n")
		for _, c := range r.SLO {
			verdict := "pass"
			switch {
			case c.Inconclusive:
				verdict = warn(opt, "INCONCLUSIVE")
			case !c.Pass:
				verdict = warn(opt, "FAIL")
			}
			detail := fmt.Sprintf("value %g", c.Value)
			if c.Error != "" {
				detail = c.Error
			}
			fmt.Fprintf(&b, "  %-7s  %s  (%s)\n", verdict, c.Expr, detail)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// warn marks s as a warning: red with colour, "!!" without.
func warn(opt TextOptions, s string) string {
	if opt.Color {
		return "\x1b[31m" + s + "\x1b[0m"
	}
	return "!! " + s
}

func ms(v float64) string { return fmt.Sprintf("%.1f", v) }

func signed(v float64) string { return fmt.Sprintf("%+.1f", v) }

// idealMs and overheadMs show a dash for a strategy without an ideal (the
// engine has no model of it), rather than a zero that reads as a figure.
func idealMs(s StrategyResult, v float64) string {
	if !hasIdeal(s) {
		return "–"
	}
	return ms(v)
}

func overheadMs(s StrategyResult, v float64) string {
	if !hasIdeal(s) {
		return "–"
	}
	return signed(v)
}

func hasIdeal(s StrategyResult) bool { return s.IdealMs.P50 > 0 || s.IdealMs.P99 > 0 }

func describeLoadInfo(l LoadInfo) string {
	p := l.Profile
	if p == "" {
		p = "constant"
	}
	return fmt.Sprintf("%s %g/s for %gs (warm-up %gs, max in flight %d)", p, l.Rate, l.DurationS, l.WarmupS, l.MaxInFlight)
}
