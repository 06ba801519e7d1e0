package field

import (
	"errors"
	"testing"
	"time"
)

func TestPaths(t *testing.T) {
	tests := []struct{ got, want string }{
		{Join("", "rate"), "rate"},
		{Join("load", ""), "load"},
		{Join("apis.b", "latency.p99"), "apis.b.latency.p99"},
		{Join("strategies", "[2].name"), "strategies[2].name"},
		{Index("errors", 1), "errors[1]"},
		{Join(Index("phases", 0), "set"), "phases[0].set"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q; want %q", tt.got, tt.want)
		}
	}
}

func TestNestAndErr(t *testing.T) {
	if err := Err(nil); err != nil {
		t.Fatalf("Err(nil) = %v; want nil", err)
	}
	var inner Errors
	inner.Addf("p99", "%s is below median", "1ms")
	inner.Addf("", "whole")
	var es Errors
	es.Nest("apis.b.latency", inner)
	want := []Error{{"apis.b.latency.p99", "1ms is below median"}, {"apis.b.latency", "whole"}}
	if len(es) != len(want) || es[0] != want[0] || es[1] != want[1] {
		t.Fatalf("Nest = %+v; want %+v", es, want)
	}
	err := Err(es)
	if got := err.Error(); got != "apis.b.latency.p99: 1ms is below median\napis.b.latency: whole" {
		t.Errorf("Err = %q", got)
	}
	var fe Error
	if !errors.As(err, &fe) || fe.Path != "apis.b.latency.p99" {
		t.Errorf("errors.As found %+v; want the first field error", fe)
	}
}

func TestChecks(t *testing.T) {
	var es Errors
	es.Share("ok", 0.5)
	es.Share("low", -0.1)
	es.NonNegative("n", -1, "0 or more")
	es.NonNegative("zero", 0, "0 or more")
	es.Duration("d", -time.Second, "0 or more")
	es.OneOf("kind", "fault kind", "rest", "reset", "hang")
	es.OneOf("kind", "fault kind", "hang", "reset", "hang")
	want := []Error{
		{"low", "-0.1 is out of range; want a share between 0 and 1"},
		{"n", "-1 is negative; want 0 or more"},
		{"d", "-1s is negative; want 0 or more"},
		{"kind", `unknown fault kind "rest" (did you mean "reset"?); want one of reset, hang`},
	}
	if len(es) != len(want) {
		t.Fatalf("got %d problems %+v; want %d", len(es), es, len(want))
	}
	for i := range want {
		if es[i] != want[i] {
			t.Errorf("problem %d = %+v; want %+v", i, es[i], want[i])
		}
	}
}

func TestSuggest(t *testing.T) {
	tests := []struct {
		got   string
		valid []string
		want  string
	}{
		{"medain", []string{"median", "mean"}, ` (did you mean "median"?)`},
		{"c", []string{"a", "b"}, ""},
		{"median", []string{"median"}, ""},
		{"gamma", []string{"fixed", "normal"}, ""},
	}
	for _, tt := range tests {
		if s := Suggest(tt.got, tt.valid); s != tt.want {
			t.Errorf("Suggest(%q) = %q; want %q", tt.got, s, tt.want)
		}
	}
}
