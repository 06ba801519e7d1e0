package bench

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/fanbench/fanbench/reports"
	"github.com/fanbench/fanbench/scenarios"
)

// Issue 16 item 7: every comparison at its boundary, so that "<" read as
// "<=" (or any other swap) fails.
func TestSLOOperatorsAtTheirBoundary(t *testing.T) {
	// Each row: the operator, then whether it passes for a value below,
	// at and above the threshold 100.
	tests := []struct {
		op               string
		below, at, above bool
	}{
		{"<", true, false, false},
		{"<=", true, true, false},
		{">", false, false, true},
		{">=", false, true, true},
		{"==", false, true, false},
		{"!=", true, false, true},
	}
	for _, tt := range tests {
		expr := "errgroup.requests " + tt.op + " 100"
		slo, err := scenarios.ParseSLO(expr)
		if err != nil {
			t.Fatalf("ParseSLO(%q): %v", expr, err)
		}
		if slo.Op != tt.op {
			t.Fatalf("ParseSLO(%q).Op = %q; want %q", expr, slo.Op, tt.op)
		}
		for _, c := range []struct {
			requests int64
			want     bool
		}{{99, tt.below}, {100, tt.at}, {101, tt.above}} {
			res := &reports.Results{Strategies: []reports.StrategyResult{{Name: "errgroup", Requests: c.requests}}}
			got := EvaluateSLOs(res, []scenarios.SLO{slo})
			if len(got) != 1 || got[0].Pass != c.want || got[0].Value != float64(c.requests) || got[0].Error != "" {
				t.Errorf("%s with requests %d = %+v; want pass %v", expr, c.requests, got, c.want)
			}
		}
	}
}

// sloFields maps every SLO metric to the results.json field it must read
// (the contract a user writing an SLO relies on).
func sloFields() map[string]string {
	fields := map[string]string{
		"success_ratio":   "success_ratio",
		"rate_achieved":   "rate_achieved",
		"requests":        "requests",
		"lost":            "lost",
		"dead_letters":    "dead_letters",
		"cpu_us_per_send": "cpu_us_per_send",
	}
	for _, q := range []string{"p50", "p90", "p99", "p999", "max", "mean"} {
		fields["latency."+q] = "latency_ms.corrected." + q
		fields["latency_uncorrected."+q] = "latency_ms.uncorrected." + q
	}
	for _, api := range []string{"a", "b", "both"} {
		for _, q := range []string{"p50", "p99", "max"} {
			fields["delivery."+api+"."+q] = "delivery_ms." + api + "." + q
		}
	}
	for _, o := range []string{"both", "a_only", "b_only", "none", "compensated"} {
		fields["outcomes."+o] = "outcomes." + o
	}
	for _, fam := range []string{"duplicate_deliveries", "duplicate_effects", "calls", "retries", "breaker_opens"} {
		for _, api := range []string{"a", "b"} {
			fields[fam+"."+api] = fam + "." + api
		}
	}
	return fields
}

// Issue 16 item 7: each metric reads its own field, checked on a result
// whose numeric fields all differ (a latency_uncorrected.p99 SLO reading
// the corrected p99, or delivery.a reading b's, would get another value).
func TestEverySLOMetricReadsItsOwnField(t *testing.T) {
	var s reports.StrategyResult
	next := 1.0
	fillDistinct(reflect.ValueOf(&s).Elem(), &next)
	raw, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	fields := sloFields()
	for _, name := range scenarios.SLOMetrics() {
		path, ok := fields[name]
		if !ok {
			t.Errorf("SLO metric %q has no entry in sloFields: say which results.json field it reads", name)
			continue
		}
		want, err := jsonNumber(doc, path)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got, ok := metric(s, name)
		if !ok || got != want {
			t.Errorf("metric(%q) = %v, %v; want %v (results.json %s)", name, got, ok, want, path)
		}
	}
}

// fillDistinct sets every number reachable through v's struct fields to a
// value no other field has.
func fillDistinct(v reflect.Value, next *float64) {
	switch v.Kind() {
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fillDistinct(v.Field(i), next)
			}
		}
	case reflect.Float32, reflect.Float64:
		v.SetFloat(*next + 0.5)
		*next++
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(int64(*next))
		*next++
	}
}

// jsonNumber reads the number at a dotted path of a decoded JSON object.
func jsonNumber(doc map[string]any, path string) (float64, error) {
	var cur any = doc
	for _, key := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return 0, fmt.Errorf("%s: %q is not inside an object", path, key)
		}
		if cur, ok = m[key]; !ok {
			return 0, fmt.Errorf("%s: no field %q in results.json", path, key)
		}
	}
	f, ok := cur.(float64)
	if !ok {
		return 0, fmt.Errorf("%s is %T, not a number", path, cur)
	}
	return f, nil
}
