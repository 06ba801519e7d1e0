package bench

import (
	"reflect"
	"testing"
	"time"

	"github.com/fanbench/fanbench/reports"
	"github.com/fanbench/fanbench/strategies"
)

// A strategy's own figures reach its result without the engine knowing the
// strategy: counters as they are, series times from the start of measurement.
func TestAddStats(t *testing.T) {
	from := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	st := strategies.Stats{
		DeadLetters: 3,
		Broker:      &strategies.BrokerStats{Published: 10, Duplicates: 1, PublishErrors: 2, Redeliveries: 4, DeadLetters: 3, PeakPending: 5},
		Counters:    map[string]int64{"cold_starts": 7},
		Series: map[string][]strategies.Sample{"backlog": {
			{At: from.Add(-500 * time.Millisecond), Value: 1}, {At: from.Add(1500 * time.Millisecond), Value: 9},
		}},
	}
	var sr reports.StrategyResult
	addStats(&sr, st, from)
	want := reports.StrategyResult{
		DeadLetters: 3,
		Broker:      &reports.BrokerStats{Published: 10, Duplicates: 1, PublishErrors: 2, Redeliveries: 4, DeadLetters: 3, PeakPending: 5},
		Stats:       map[string]int64{"cold_starts": 7},
		StatsSeries: map[string][]reports.StatPoint{"backlog": {{T: -0.5, V: 1}, {T: 1.5, V: 9}}},
	}
	if !reflect.DeepEqual(sr, want) {
		t.Errorf("addStats:\ngot  %+v\nwant %+v", sr, want)
	}
	var empty reports.StrategyResult
	addStats(&empty, strategies.Stats{}, from)
	if !reflect.DeepEqual(empty, reports.StrategyResult{}) {
		t.Errorf("addStats of no stats: %+v; want nothing set (omitted from results.json)", empty)
	}
}
