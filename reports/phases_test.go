package reports

import (
	"reflect"
	"testing"

	"github.com/fanbench/fanbench/reports/plot"
)

func TestPhasesOf(t *testing.T) {
	mark := func(strategy string, at float64, api, action, err string) PhaseMark {
		return PhaseMark{Strategy: strategy, AtS: at, API: api, Action: action, Error: err}
	}
	for _, c := range []struct {
		name  string
		marks []PhaseMark
		want  []plot.Phase
	}{
		{"none", nil, nil},
		{"set then reset", []PhaseMark{mark("s", 10, "b", "set", ""), mark("s", 20, "b", "reset", "")},
			[]plot.Phase{{From: 10, To: 20, API: "b"}}},
		{"set runs to the end", []PhaseMark{mark("s", 10, "b", "set", "")},
			[]plot.Phase{{From: 10, To: 30, API: "b"}}},
		{"a second set ends the first", []PhaseMark{mark("s", 5, "a", "set", ""), mark("s", 15, "a", "set", ""), mark("s", 25, "a", "reset", "")},
			[]plot.Phase{{From: 5, To: 15, API: "a"}, {From: 15, To: 25, API: "a"}}},
		{"APIs are independent", []PhaseMark{mark("s", 5, "a", "set", ""), mark("s", 10, "b", "set", ""), mark("s", 12, "a", "reset", "")},
			[]plot.Phase{{From: 5, To: 12, API: "a"}, {From: 10, To: 30, API: "b"}}},
		{"other strategies' marks are ignored", []PhaseMark{mark("other", 10, "b", "set", ""), mark("s", 20, "b", "reset", "")}, nil},
		{"refused marks changed nothing", []PhaseMark{mark("s", 10, "b", "set", "mock said no")}, nil},
		{"reset without set", []PhaseMark{mark("s", 10, "b", "reset", "")}, nil},
		{"broker outage", []PhaseMark{mark("s", 10, "broker", "stop", ""), mark("s", 13, "broker", "start", "")},
			[]plot.Phase{{From: 10, To: 13, API: "broker"}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := phasesOf(c.marks, "s", 30); !reflect.DeepEqual(got, c.want) {
				t.Errorf("phasesOf = %+v; want %+v", got, c.want)
			}
		})
	}
}

func TestAsyncStrategies(t *testing.T) {
	r := &Results{Strategies: []StrategyResult{
		{Name: "sequential", LatencyMs: UserLatency{Corrected: Percentiles{P50: 110}}, DeliveryMs: Delivery{Both: Percentiles{P50: 109}}},
		{Name: "queue", LatencyMs: UserLatency{Corrected: Percentiles{P50: 3}}, DeliveryMs: Delivery{Both: Percentiles{P50: 70}}},
		{Name: "nothing delivered", LatencyMs: UserLatency{Corrected: Percentiles{P50: 3}}},
	}}
	if got := asyncStrategies(r); !reflect.DeepEqual(got, []int{1}) {
		t.Errorf("asyncStrategies = %v; want [1] (queue)", got)
	}
}

func TestHistogramQuantilesStartAtTheMinimum(t *testing.T) {
	h := NewHistogram()
	RecordUs(h, 2000)
	RecordUs(h, 50000)
	qs := histogramQuantiles(h, 2)
	if qs[0].Ms <= 0 {
		t.Errorf("first quantile %+v; want the smallest value (2 ms), never 0 — a log axis cannot draw 0", qs[0])
	}
	if last := qs[len(qs)-1]; last.Ms < 49 {
		t.Errorf("last quantile %+v; want about the maximum, 50 ms", last)
	}
}

func TestSafeFileName(t *testing.T) {
	for in, want := range map[string]string{
		"errgroup": "errgroup", "queue-2": "queue-2", "../etc/passwd": "_.._etc_passwd", "": "_", "a b/c": "a_b_c",
	} {
		if got := safeFileName(in); got != want {
			t.Errorf("safeFileName(%q) = %q; want %q", in, got, want)
		}
	}
}
