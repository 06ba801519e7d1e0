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
// spec's queue.url.
func Build(ctx context.Context, spec strategies.Spec, d strategies.Deps) (strategies.Built, error) {
	once := d.Policy
	once.Retries = 0
	opt := Options{
		URL:         spec.Queue.URL,
		Concurrency: spec.Queue.Concurrency,
		AckWait:     spec.Queue.AckWait,
		MaxDeliver:  spec.Queue.MaxDeliver,
		Backoff:     d.Policy.Backoff,
		Seed:        d.Seed,
		Logf:        d.Logf,
	}
	if d.BrokerURL != "" {
		opt.URL = d.BrokerURL
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
	}
}
