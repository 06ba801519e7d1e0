package reports_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/fanbench/fanbench/reports"
)

// A distributed run's results show each worker's part, clock offset and
// sends, a lost worker marked, in the text, Markdown and HTML reports.
func TestReportsShowWorkers(t *testing.T) {
	r := fixture(t)
	r.Partial = true
	r.PartialReason = "worker w1 stopped heartbeating during errgroup: its sends are not counted, the other workers' are"
	r.Workers = []reports.Worker{
		{Name: "w0", Host: "node-a", K: 0, N: 2, ClockOffsetMs: 0.412, ClockUncertaintyMs: 0.101,
			Strategies: []reports.WorkerStrategy{{Strategy: "errgroup", Assigned: 3000, Sent: 2987, RateAchieved: 99.6, DriverLagMs: 1.25,
				Harness: &reports.Harness{Saturated: true, Reasons: []string{"CPU 97% of 2 cores"}}}}},
		{Name: "w1", Host: "node-b", K: 1, N: 2, Missing: true,
			Strategies: []reports.WorkerStrategy{{Strategy: "errgroup", Missing: true}}},
	}
	var text, md bytes.Buffer
	if err := reports.WriteText(&text, r, reports.TextOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := reports.WriteMarkdown(&md, r); err != nil {
		t.Fatal(err)
	}
	for name, out := range map[string]string{"text": text.String(), "markdown": md.String()} {
		for _, want := range []string{"w0", "node-a", "0/2", "+0.412 ± 0.101", "3000", "2987", "99.6", "1.2", "w1 ⚠ lost", "stopped heartbeating", "saturated ⚠: CPU 97% of 2 cores"} {
			if !strings.Contains(out, want) {
				t.Errorf("%s report lacks %q:\n%s", name, want, out)
			}
		}
	}
	var html bytes.Buffer
	if err := reports.WriteHTML(&html, r); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(html.String(), `id="workers"`) || !strings.Contains(html.String(), "node-b") {
		t.Errorf("report.html lacks the workers table")
	}
	if !strings.Contains(html.String(), "worker w1 stopped heartbeating during errgroup") {
		t.Errorf("report.html does not say why the run is partial")
	}
}
