package reports

import (
	"fmt"
	"strings"
)

// workersTable is what each worker of a distributed run did, one row per
// worker and strategy; empty for a one-process run.
func workersTable(r *Results) table {
	t := table{
		ID:      "workers",
		Caption: "Workers of the distributed run: worker k of n sent the sends ≡ k (mod n) of the one schedule; the figures above are their exact merge. Clock offset: the worker's clock against the coordinator's (± the estimate's bound). Driver lag: the longest a send left after its intended time.",
		Header:  []string{"worker", "host", "part", "clock offset ms", "strategy", "assigned", "sent", "rate/s", "driver lag ms", "harness"},
		Numeric: []bool{false, false, false, true, false, true, true, true, true, false},
	}
	for _, w := range r.Workers {
		name := w.Name
		if w.Missing {
			name += " ⚠ lost"
		}
		head := []string{name, w.Host, fmt.Sprintf("%d/%d", w.K, w.N), fmt.Sprintf("%+.3f ± %.3f", w.ClockOffsetMs, w.ClockUncertaintyMs)}
		if len(w.Strategies) == 0 {
			t.Rows = append(t.Rows, append(head, "–", "", "", "", "", ""))
		}
		for _, s := range w.Strategies {
			row := append(append([]string{}, head...), s.Strategy)
			if s.Missing {
				row = append(row, "", "lost", "", "", "")
			} else {
				row = append(row, fmt.Sprint(s.Assigned), fmt.Sprint(s.Sent), fmt.Sprintf("%.1f", s.RateAchieved),
					fmt.Sprintf("%.1f", s.DriverLagMs), harnessWords(s.Harness))
			}
			t.Rows = append(t.Rows, row)
		}
	}
	return t
}

// partialText says why a run is partial.
func partialText(r *Results) string {
	if r.PartialReason != "" {
		return "PARTIAL: " + r.PartialReason
	}
	return "PARTIAL: the run was interrupted; figures cover only what was measured"
}

// writeTextTable writes t as aligned text columns under its ID.
func writeTextTable(b *strings.Builder, t table) {
	widths := make([]int, len(t.Header))
	for i, h := range t.Header {
		widths[i] = len([]rune(h))
	}
	for _, row := range t.Rows {
		for i, c := range row {
			widths[i] = max(widths[i], len([]rune(c)))
		}
	}
	line := func(cells []string) {
		for i, c := range cells {
			pad := strings.Repeat(" ", widths[i]-len([]rune(c)))
			if t.Numeric[i] {
				b.WriteString(pad + c)
			} else {
				b.WriteString(c + pad)
			}
			b.WriteString("  ")
		}
		b.WriteString("\n")
	}
	line(t.Header)
	for _, row := range t.Rows {
		line(row)
	}
}

// harnessWords is a worker's harness verdict in a table cell.
func harnessWords(h *Harness) string {
	switch {
	case h == nil:
		return "–"
	case h.Saturated:
		return "saturated ⚠: " + strings.Join(h.Reasons, "; ")
	}
	return "ok"
}
