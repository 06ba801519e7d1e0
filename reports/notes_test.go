package reports

import (
	"strings"
	"testing"
)

// The compensation figures are given once, in the compensation note; the
// strategy's other stats still get the generic one.
func TestNotesGiveCompensationFiguresOnce(t *testing.T) {
	r := &Results{Strategies: []StrategyResult{{
		Name:     "errgroup",
		Outcomes: Outcomes{Both: 90, Compensated: 10},
		Stats:    map[string]int64{"compensations_sent": 10, "compensations_succeeded": 10, "compensations_failed": 0, "other": 3},
	}}}
	var texts []string
	for _, n := range notesOf(r) {
		texts = append(texts, n.Text)
	}
	all := strings.Join(texts, "\n")
	if strings.Count(all, "compensations_sent") != 0 || !strings.Contains(all, "10 compensations sent") || !strings.Contains(all, "other: 3") {
		t.Errorf("notes:\n%s\nwant the compensation figures once (in words) and the other stats in the generic note", all)
	}
	if !strings.Contains(all, "consistent 100.0%") {
		t.Errorf("notes:\n%s\nwant consistent 100.0%% (both + compensated of all sends)", all)
	}
}
