package bench

import (
	"context"
	"fmt"

	"github.com/fanbench/fanbench/scenarios"
	"github.com/fanbench/fanbench/strategies"
	"github.com/fanbench/fanbench/strategies/queue"
)

// newQueue builds the queue strategy: its consumers call the APIs through
// legs of their own with one attempt each, because the broker does the
// retrying (a redelivery after NakWithDelay per failed attempt, up to
// MaxDeliver, then the dead-letter stream).
func newQueue(ctx context.Context, sc *scenarios.Scenario, spec strategies.Spec, policy strategies.Policy, r *rig, opt Options) (*queue.Queue, error) {
	once := policy
	once.Retries = 0
	legA := strategies.NewLeg("a", r.servers[0].URL()+"/send", r.client, once, r.stats[0])
	legB := strategies.NewLeg("b", r.servers[1].URL()+"/send", r.client, once, r.stats[1])
	qo := queue.Options{
		URL:         spec.Queue.URL,
		Concurrency: spec.Queue.Concurrency,
		AckWait:     spec.Queue.AckWait,
		MaxDeliver:  spec.Queue.MaxDeliver,
		Backoff:     policy.Backoff,
		Seed:        sc.Seed,
		Logf:        opt.Logf,
	}
	if opt.NATSURL != "" {
		qo.URL = opt.NATSURL
	}
	if qo.MaxDeliver == 0 {
		qo.MaxDeliver = policy.Retries + 1
	}
	q, err := queue.New(ctx, legA, legB, qo)
	if err != nil {
		return nil, fmt.Errorf("start the queue: %w", err)
	}
	return q, nil
}
