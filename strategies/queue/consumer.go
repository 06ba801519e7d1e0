package queue

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fanbench/fanbench/strategies"
)

// consumer delivers one API's messages: a reader takes deliveries from the
// broker and hands each to one of a fixed pool of workers, which calls the
// leg once and settles the delivery: ack on success, redelivery after a
// backoff on failure, dead letter once MaxDeliver attempts have failed.
type consumer struct {
	api        string
	leg        *strategies.Leg
	broker     broker
	sub        subscription
	maxDeliver int
	ackWait    time.Duration
	backoff    strategies.Backoff // normalized
	logf       func(string, ...any)

	settled atomic.Int64 // messages acked or dead-lettered, for the backlog
	peak    atomic.Int64 // largest backlog seen at a publish
	counts  consumerCounts
}

// consumerCounts are a consumer's counters (see ConsumerStats).
type consumerCounts struct {
	deliveries, acked, naks, redeliveries, deadLetters, deadLetterErrors, settleErrors atomic.Int64
}

// newConsumer returns a consumer of sub delivering through leg.
func newConsumer(leg *strategies.Leg, b broker, sub subscription, opt Options) *consumer {
	return &consumer{
		api:        leg.API(),
		leg:        leg,
		broker:     b,
		sub:        sub,
		maxDeliver: opt.MaxDeliver,
		ackWait:    opt.AckWait,
		backoff:    opt.Backoff,
		logf:       opt.Logf,
	}
}

// start runs the reader and workers goroutines until ctx ends or the
// subscription stops; wg tracks them all. seed drives the workers' jitter,
// each from its own source, so no worker waits on another's lock.
func (c *consumer) start(ctx context.Context, wg *sync.WaitGroup, workers int, seed int64) {
	work := make(chan delivery)
	for i := range workers {
		rng := rand.New(rand.NewPCG(uint64(seed), uint64(i)))
		wg.Go(func() {
			for d := range work {
				c.handle(ctx, d, rng)
			}
		})
	}
	wg.Go(func() {
		defer close(work)
		for {
			d, err := c.sub.Next(ctx)
			if err != nil {
				if ctx.Err() == nil {
					c.logf("queue: consumer %s stopped: %v", c.api, err)
				}
				return
			}
			select {
			case work <- d:
			case <-ctx.Done():
				return // the broker redelivers d to whoever consumes next
			}
		}
	})
}

// stop ends the subscription; the goroutines of start exit once their
// ctx is cancelled too.
func (c *consumer) stop() { c.sub.Stop() }

// handle makes one delivery attempt and settles it.
func (c *consumer) handle(ctx context.Context, d delivery, rng *rand.Rand) {
	c.counts.deliveries.Add(1)
	if d.Attempt > 1 {
		c.counts.redeliveries.Add(1)
	}
	// Past AckWait the broker has redelivered already; stop this attempt.
	callCtx, cancel := context.WithTimeout(ctx, c.ackWait)
	res := c.leg.Call(callCtx, d.Send)
	cancel()
	if ctx.Err() != nil {
		return // closing: the broker keeps the message
	}
	switch {
	case res.OK():
		// Count before acking, so that once the broker shows nothing
		// pending (Drain) the counts are complete.
		c.settled.Add(1)
		c.counts.acked.Add(1)
		c.settleErr(d, "ack", d.verdict.Ack())
	case d.Attempt >= c.maxDeliver || (res.Refused == nil && !c.leg.Retryable(ctx, res)):
		// Out of deliveries, or a failure the policy's retry_on does not
		// retry (a 400, a 501): the broker gives up on it as the leg would.
		c.deadLetter(ctx, d, res, rng)
	default:
		c.counts.naks.Add(1)
		delay := c.backoff.Delay(d.Attempt-1, rng.Float64())
		if res.RetryAfter > 0 { // the API said when; the leg capped it by backoff.max
			delay = res.RetryAfter
		}
		c.settleErr(d, "nak", d.verdict.NakWithDelay(delay))
	}
}

// deadLetter stores d in the dead-letter stream and terminates it. If the
// dead letter cannot be stored, d is redelivered after a backoff to try
// again: a message is never dropped without a record.
func (c *consumer) deadLetter(ctx context.Context, d delivery, last strategies.LegResult, rng *rand.Rand) {
	dup, err := c.broker.DeadLetter(ctx, deadLetter{API: c.api, Send: d.Send, Attempts: d.Attempt, Last: last})
	if err != nil {
		if ctx.Err() != nil {
			return // closing: the broker keeps the message
		}
		c.counts.deadLetterErrors.Add(1)
		c.logf("queue: consumer %s: dead-letter %s after %d attempts: %v; will retry", c.api, d.Send.ID, d.Attempt, err)
		c.settleErr(d, "nak", d.verdict.NakWithDelay(c.backoff.Delay(d.Attempt-1, rng.Float64())))
		return
	}
	if !dup { // a duplicate was counted when it was first stored
		c.settled.Add(1)
		c.counts.deadLetters.Add(1)
	}
	c.settleErr(d, "term", d.verdict.Term())
}

// settleErr counts and logs a failed ack, nak or term. The broker then
// redelivers the message after AckWait, so nothing is lost.
func (c *consumer) settleErr(d delivery, what string, err error) {
	if err == nil || errors.Is(err, context.Canceled) {
		return
	}
	if c.counts.settleErrors.Add(1) == 1 {
		c.logf("queue: consumer %s: %s %s: %v (later ones only counted)", c.api, what, d.Send.ID, err)
	}
}

// notePending raises the peak backlog to published − settled.
func (c *consumer) notePending(published int64) {
	n := published - c.settled.Load()
	for {
		p := c.peak.Load()
		if n <= p || c.peak.CompareAndSwap(p, n) {
			return
		}
	}
}
