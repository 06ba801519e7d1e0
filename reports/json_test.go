package reports_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/fanbench/fanbench/reports"
)

// TestWriteJSONAlwaysWritesCollections: the schema is a contract; a run
// without phases or errors still has the keys, empty.
func TestWriteJSONAlwaysWritesCollections(t *testing.T) {
	r := &reports.Results{Schema: reports.Schema, Scenario: "plain",
		Strategies: []reports.StrategyResult{{Name: "errgroup", Requests: 1}}}
	var buf bytes.Buffer
	if err := reports.WriteJSON(&buf, r); err != nil {
		t.Fatal(err)
	}
	var d map[string]any
	if err := json.Unmarshal(buf.Bytes(), &d); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"phases", "slo", "strategies"} {
		if v, ok := d[key].([]any); !ok || (key != "strategies" && len(v) != 0) {
			t.Errorf("results.json %q = %#v; want a list", key, d[key])
		}
	}
	s := d["strategies"].([]any)[0].(map[string]any)
	for _, key := range []string{"errors", "status_codes"} {
		if v, ok := s[key].(map[string]any); !ok || len(v) != 0 {
			t.Errorf("strategy %q = %#v; want an empty object", key, s[key])
		}
	}
	if r.Phases != nil || r.Strategies[0].Errors != nil {
		t.Error("WriteJSON changed the results it was given")
	}
}

// TestTextDashesAndNotes: nothing delivered to both reads "–", not 0.0; an
// overhead far below the ideal is explained; repeats show their ranges.
func TestTextDashesAndNotes(t *testing.T) {
	r := fixture(t)
	s := &r.Strategies[0] // sequential
	s.Outcomes = reports.Outcomes{AOnly: s.Requests}
	s.DeliveryMs.Both = reports.Percentiles{}
	s.OverheadMs.P99 = -1499.9
	var buf bytes.Buffer
	if err := reports.WriteText(&buf, r, reports.TextOptions{}); err != nil {
		t.Fatal(err)
	}
	text := buf.String()
	var row string
	for _, line := range strings.Split(text, "\n") {
		if f := strings.Fields(line); len(f) > 1 && f[0] == "sequential" && f[1] == "0" { // delivery row: both = 0
			row = line
		}
	}
	if f := strings.Fields(row); len(f) < 2 || f[len(f)-1] != "–" || f[len(f)-2] != "–" {
		t.Errorf("delivery row %q; want – for delivery p50 and p99", row)
	}
	if !strings.Contains(text, "sequential: negative overhead") {
		t.Errorf("no note explains sequential's overhead of -1499.9ms:\n%s", text)
	}
	if !strings.Contains(text, "median of 3 repeats") || !strings.Contains(text, "187.5 (185.0–190.0)") {
		t.Errorf("the text report does not show errgroup's repeat ranges:\n%s", text)
	}
}
