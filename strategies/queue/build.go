package queue

import (
	"context"
	"fmt"

	"github.com/fanbench/fanbench/strategies"
)

// Build is the queue strategy's strategies.Constructor. Its consumers call
// the APIs through legs of their own with one attempt each, because the
// broker does the retrying (a redelivery after a delayed negative
// acknowledgement per failed attempt, up to MaxDeliver, then the
// dead-letter stream): the policy's retries become MaxDeliver and its
// backoff the redelivery delay. Deps.BrokerURL, when set, overrides the
// spec's queue.url (and its broker, which the URL's scheme names). With
// on_outage: wait a publish waits for a broker that is down up to the
// policy's timeout.
func Build(ctx context.Context, spec strategies.Spec, d strategies.Deps) (strategies.Built, error) {
	once := d.Policy
	once.Retries = 0
	opt := Options{
		Broker:       spec.Queue.Broker,
		URL:          spec.Queue.URL,
		Concurrency:  spec.Queue.Concurrency,
		AckWait:      spec.Queue.AckWait,
		MaxDeliver:   spec.Queue.MaxDeliver,
		MaxMessages:  spec.Queue.MaxMessages,
		WaitOnOutage: spec.Queue.OnOutage == "wait",
		StopCommand:  spec.Queue.Stop,
		StartCommand: spec.Queue.Start,
		Backoff:      d.Policy.Backoff,
		Seed:         d.Seed,
		Logf:         d.Logf,
	}
	if opt.WaitOnOutage && d.Policy.Timeout > 0 {
		opt.PublishTimeout = d.Policy.Timeout
	}
	if d.BrokerURL != "" {
		opt.URL, opt.Broker = d.BrokerURL, ""
	}
	if opt.MaxDeliver == 0 {
		opt.MaxDeliver = d.Policy.Retries + 1
	}
	q, err := New(ctx, d.Leg(0, once), d.Leg(1, once), opt)
	if err != nil {
		return strategies.Built{}, fmt.Errorf("start the queue: %w", err)
	}
	return strategies.Built{
		Strategy: q, Combine: q.Combine(),
		Drain: q.Drain, Close: q.Close, Stats: q.reportStats,
		RestartBroker: q.RestartBroker,
	}, nil
}

// reportStats is the queue's part of the report.
func (q *Queue) reportStats() strategies.Stats {
	st := q.Stats()
	return strategies.Stats{
		DeadLetters: st.DeadLetters,
		Broker: &strategies.BrokerStats{
			Published: st.Published, Duplicates: st.Duplicates, PublishErrors: st.PublishErrors,
			Redeliveries: st.Redeliveries, DeadLetters: st.DeadLetters, PeakPending: st.PeakPending,
		},
		Counters: map[string]int64{
			"publish_latency_p50_us": st.PublishLatency.P50.Microseconds(),
			"publish_latency_p99_us": st.PublishLatency.P99.Microseconds(),
			"publish_latency_max_us": st.PublishLatency.Max.Microseconds(),
			"publish_unavailable":    st.Unavailable,
			"broker_restarts":        st.Restarts,
		},
	}
}
