// Package queue is fanbench's queue strategy: the front publishes each send
// to a message broker and answers 202 as soon as the broker has stored it;
// one durable consumer per API then delivers it, and retries go back through
// the broker (a negative acknowledgement with a delay) rather than through
// the leg, so a redelivery survives the worker that failed. Messages given
// up on go to a dead-letter stream.
//
// The broker is NATS JetStream (an embedded server by default, so a run
// needs nothing installed, or an external one), RabbitMQ or Redis Streams
// at Options.URL; each stores what it is given before the user hears 202,
// retries with a delay, dead-letters per API, and bounds what it stores.
package queue

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fanbench/fanbench/strategies"
)

// Sentinel errors; match them with errors.Is.
var (
	// ErrConnect is returned by New when the broker cannot be reached.
	ErrConnect = errors.New("queue: connect")
	// ErrStreamExists is returned by New when Options.Stream names a stream
	// the broker already holds: a run must start empty and may delete its
	// streams when it ends, so it never adopts one it did not create.
	ErrStreamExists = errors.New("queue: stream already exists")
	// ErrPublish wraps a failed publish in the reply to the user (503).
	ErrPublish = errors.New("queue: publish")
	// ErrClosed is returned by Drain, and wrapped in Send's reply, after Close.
	ErrClosed = errors.New("queue: closed")
	// ErrUnavailable is wrapped in Send's reply (503) when the broker is
	// down and Options.WaitOnOutage is off.
	ErrUnavailable = errors.New("queue: broker unavailable")
	// ErrFull is wrapped in Send's reply (503) when the broker holds
	// Options.MaxMessages for an API and refuses more.
	ErrFull = errors.New("queue: broker full")
)

// Queue is the queue strategy. It implements strategies.Strategy,
// strategies.Drainer and strategies.Closer. It owns the broker connection
// (and the embedded server, if any) and the consumers' goroutines; Close
// releases them all.
type Queue struct {
	opt       Options
	broker    broker
	consumers [2]*consumer

	published     atomic.Int64
	duplicates    atomic.Int64
	publishErrors atomic.Int64
	unavailable   atomic.Int64 // publish errors because the broker was down
	restarts      atomic.Int64
	pubLatency    latencyHistogram
	loggedPublish atomic.Bool // the first publish error is logged, later ones only counted

	cancel    context.CancelFunc // stops the consumers' work
	wg        sync.WaitGroup     // the consumers' goroutines
	closed    atomic.Bool
	closeOnce sync.Once
	closeErr  error
}

var (
	_ strategies.Strategy = (*Queue)(nil)
	_ strategies.Drainer  = (*Queue)(nil)
	_ strategies.Closer   = (*Queue)(nil)
)

// New opens the broker (connecting to Options.URL, or starting an embedded
// NATS server when it is empty), creates the run's stream, dead-letter
// stream and one durable consumer per leg, and starts consuming. legA and
// legB are the legs to API a and API b; each delivery attempt is one
// leg.Call. Retries belong to the broker, so the legs should carry a policy
// with Retries 0 (a leg that retries itself multiplies the attempts).
//
// ctx bounds the setup only; the consumers run until Close. An unreachable
// external broker fails within a few seconds with an error wrapping
// ErrConnect that names the URL.
func New(ctx context.Context, legA, legB *strategies.Leg, opt Options) (*Queue, error) {
	if legA == nil || legB == nil {
		return nil, errors.New("queue: New needs a leg to API a and a leg to API b; got nil")
	}
	apis := [2]string{legA.API(), legB.API()}
	if apis[0] == apis[1] {
		return nil, fmt.Errorf("queue: both legs go to API %q; want one leg per API", apis[0])
	}
	opt, err := opt.normalize()
	if err != nil {
		return nil, err
	}
	b, err := openBroker(ctx, opt, apis)
	if err != nil {
		return nil, err
	}
	runCtx, cancel := context.WithCancel(context.Background())
	q := &Queue{opt: opt, broker: b, cancel: cancel}
	for i, leg := range [2]*strategies.Leg{legA, legB} {
		sub, err := b.Subscribe(ctx, apis[i], opt.Concurrency)
		if err != nil {
			return nil, errors.Join(err, q.Close())
		}
		q.consumers[i] = newConsumer(leg, b, sub, opt)
		q.consumers[i].start(runCtx, &q.wg, opt.Concurrency, opt.Seed+int64(i))
	}
	return q, nil
}

// Name implements strategies.Strategy.
func (*Queue) Name() string { return strategies.NameQueue }

// Combine implements strategies.Strategy: the user does not wait for the legs.
func (*Queue) Combine() strategies.Combine { return strategies.CombineNone }

// Stream returns the run's name on the broker (see Options.Stream).
func (q *Queue) Stream() string { return q.opt.Stream }

// Broker returns the backend in use: BrokerJetStream, BrokerRabbitMQ or
// BrokerRedis.
func (q *Queue) Broker() string { return q.opt.Broker }

// RestartBroker stops the broker, keeps it down for down, and starts it
// again: the embedded NATS server in process (its file store kept), an
// external broker with Options.StopCommand and StartCommand. Sends during
// the outage get 503 at once, or wait up to PublishTimeout with
// WaitOnOutage; consumers resume when the broker is back. It returns when
// the broker has been started again (not necessarily reconnected).
func (q *Queue) RestartBroker(ctx context.Context, down time.Duration) error {
	if q.closed.Load() {
		return ErrClosed
	}
	var err error
	if r, ok := q.broker.(restarter); ok && q.opt.URL == "" {
		err = r.Restart(ctx, down)
	} else {
		err = restartExternal(ctx, q.opt.StopCommand, q.opt.StartCommand, q.opt.URL, down)
	}
	if err == nil {
		q.restarts.Add(1)
	}
	return err
}

// Send implements strategies.Strategy. It publishes s with its id as the
// broker's deduplication id and answers 202 once the broker has stored it.
// If the publish fails or takes longer than Options.PublishTimeout the user
// gets 503 and is not told the send was accepted; both legs of the reply
// carry the error.
func (q *Queue) Send(ctx context.Context, s strategies.Send) strategies.Reply {
	if q.closed.Load() {
		return q.publishFailed(s, ErrClosed)
	}
	if !q.opt.WaitOnOutage && !q.broker.Up() {
		q.unavailable.Add(1)
		return q.publishFailed(s, ErrUnavailable)
	}
	ctx, cancel := context.WithTimeout(ctx, q.opt.PublishTimeout)
	defer cancel()
	start := time.Now()
	dup, err := q.publish(ctx, s)
	q.pubLatency.record(time.Since(start))
	if err != nil {
		return q.publishFailed(s, err)
	}
	if dup {
		// Stored by an earlier publish of the same id: it is on its way.
		q.duplicates.Add(1)
	} else {
		q.notePublished()
	}
	return strategies.Reply{Status: http.StatusAccepted}
}

// outagePoll is how often a publish waiting for the broker
// (WaitOnOutage) tries again.
const outagePoll = 50 * time.Millisecond

// publish publishes s. With WaitOnOutage a publish that fails (the broker
// down, or back but not yet serving) or goes unanswered for
// DefaultPublishTimeout (its broker stopped under it) is tried again every
// outagePoll until ctx ends; a broker that is full answers at once. Trying
// again is safe: the broker deduplicates by id (RabbitMQ cannot, and the
// APIs' idempotency absorbs the rare second copy).
func (q *Queue) publish(ctx context.Context, s strategies.Send) (bool, error) {
	if !q.opt.WaitOnOutage {
		return q.broker.Publish(ctx, s)
	}
	for {
		actx, cancel := context.WithTimeout(ctx, DefaultPublishTimeout)
		dup, err := q.broker.Publish(actx, s)
		cancel()
		if err == nil || errors.Is(err, ErrFull) {
			return dup, err
		}
		t := time.NewTimer(outagePoll)
		select {
		case <-ctx.Done():
			t.Stop()
			return false, err
		case <-t.C:
		}
	}
}

// publishFailed counts a failed publish and builds the 503 reply.
func (q *Queue) publishFailed(s strategies.Send, err error) strategies.Reply {
	q.publishErrors.Add(1)
	err = fmt.Errorf("%w: %w", ErrPublish, err)
	if q.loggedPublish.CompareAndSwap(false, true) {
		q.opt.Logf("queue: %s: send %s: %v (further publish errors are only counted)", q.opt.Stream, s.ID, err)
	}
	leg := strategies.LegResult{Err: err}
	return strategies.Reply{Status: http.StatusServiceUnavailable, Legs: [2]strategies.LegResult{leg, leg}}
}

// notePublished counts a stored send and raises each consumer's peak
// backlog: a backlog only grows when a send is published.
func (q *Queue) notePublished() {
	n := q.published.Add(1)
	for _, c := range q.consumers {
		c.notePending(n)
	}
}

// drainPoll is how often Drain asks the broker whether anything is pending.
const drainPoll = 10 * time.Millisecond

// Drain implements strategies.Drainer. It returns nil once neither
// consumer has anything left for the messages published so far — each was
// acked after a success or dead-lettered — as the broker itself counts it
// (messages waiting for a delayed redelivery are still pending). When ctx
// ends first it returns an error wrapping ctx's, with what is left.
func (q *Queue) Drain(ctx context.Context) error {
	if q.closed.Load() {
		return ErrClosed
	}
	t := time.NewTicker(drainPoll)
	defer t.Stop()
	var pending [2]int
	var lastErr error
	for {
		done := true
		for i, c := range q.consumers {
			n, err := q.broker.Pending(ctx, c.api)
			if err != nil {
				// A slow or busy broker may miss one answer; keep asking
				// until ctx says stop.
				lastErr, done = err, false
				continue
			}
			pending[i] = n
			if n > 0 {
				done = false
			}
		}
		if done {
			return nil
		}
		select {
		case <-t.C:
		case <-ctx.Done():
			err := fmt.Errorf("queue: drain %s: %d messages pending for %s, %d for %s: %w",
				q.opt.Stream, pending[0], q.consumers[0].api, pending[1], q.consumers[1].api, ctx.Err())
			if lastErr != nil {
				err = fmt.Errorf("%w (last broker error: %w)", err, lastErr)
			}
			return err
		}
	}
}

// closeTimeout bounds the broker clean-up in Close (deleting the run's
// streams on an external broker, shutting the embedded server down).
const closeTimeout = 10 * time.Second

// Close implements strategies.Closer. It stops the consumers (cancelling
// deliveries in flight, which the broker keeps), waits for their
// goroutines, deletes the run's streams, closes the connection and shuts
// down the embedded server, removing its store. It is safe to call more
// than once; later calls return the first call's result.
func (q *Queue) Close() error {
	q.closeOnce.Do(func() {
		q.closed.Store(true)
		q.cancel()
		for _, c := range q.consumers {
			if c != nil {
				c.stop()
			}
		}
		q.wg.Wait()
		ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
		defer cancel()
		q.closeErr = q.broker.Close(ctx)
	})
	return q.closeErr
}
