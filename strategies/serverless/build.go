package serverless

import (
	"context"
	"fmt"
	"time"

	"github.com/fanbench/fanbench/strategies"
)

// Build is the serverless strategy's strategies.Constructor: a platform
// whose functions call the APIs through the run's policy.
func Build(_ context.Context, spec strategies.Spec, d strategies.Deps) (strategies.Built, error) {
	p, err := New(d.Leg(0, d.Policy), d.Leg(1, d.Policy), Options{
		ServerlessOptions: spec.Serverless, Seed: d.Seed, Logf: d.Logf,
	})
	if err != nil {
		return strategies.Built{}, fmt.Errorf("start the serverless platform: %w", err)
	}
	return strategies.Built{
		Strategy: p, Combine: p.Combine(),
		Drain: p.Drain, Close: p.Close, Stats: p.reportStats,
	}, nil
}

// reportStats is the platform's part of the report: its counters, and the
// instances alive and cold starts per second since it started.
func (p *Platform) reportStats() strategies.Stats {
	st := p.Stats()
	p.mu.Lock()
	start := p.timeline.start
	p.mu.Unlock()
	n := int(time.Since(start)/time.Second) + 1
	var inst, cold []strategies.Sample
	for _, pt := range p.Series(start, n) {
		at := start.Add(time.Duration(pt.T) * time.Second)
		inst = append(inst, strategies.Sample{At: at, Value: float64(pt.Instances)})
		cold = append(cold, strategies.Sample{At: at, Value: float64(pt.ColdStarts)})
	}
	return strategies.Stats{
		DeadLetters: st.DeadLetters,
		Counters: map[string]int64{
			"accepted":         st.Accepted,
			"events":           st.Events,
			"invocations":      st.Invocations,
			"cold_starts":      st.ColdStarts,
			"peak_instances":   int64(st.PeakInstances),
			"throttles":        st.Throttles,
			"failures":         st.Failures,
			"platform_retries": st.Retries,
			"delivered":        st.Delivered,
			"dead_letters":     st.DeadLetters,
			"event_age_p50_us": st.EventAgeP50.Microseconds(),
			"event_age_p99_us": st.EventAgeP99.Microseconds(),
		},
		Series: map[string][]strategies.Sample{"instances": inst, "cold_starts": cold},
	}
}
