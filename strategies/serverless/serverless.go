// Package serverless is fanbench's serverless strategy: an in-process
// asynchronous function platform modelled on the documented behaviour of
// AWS Lambda's asynchronous invocation. The front hands each send to the
// platform, which queues it as an event and answers 202 at once; function
// instances then run the events one at a time. A new instance pays a cold
// start, an idle one stays warm for a while and is then reclaimed; a
// concurrency cap throttles events back into the queue with backoff; a
// failed invocation is retried after a delay, and an event that fails every
// attempt or grows too old goes to a dead-letter list.
//
// In the orchestrator mode one function calls API a and API b concurrently;
// in the fanout mode an orchestrator function invokes two functions
// asynchronously, one per API.
package serverless

import (
	"container/heap"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/fanbench/fanbench/mockapi"
	"github.com/fanbench/fanbench/strategies"
)

// Name is the strategy's name in scenarios and reports.
const Name = "serverless"

// ErrClosed is returned by Drain, and answered (503) by Send, after Close.
var ErrClosed = errors.New("serverless: closed")

// Leg is what a function calls to reach one API; *strategies.Leg is one.
type Leg interface {
	API() string
	Call(ctx context.Context, s strategies.Send) strategies.LegResult
}

var _ Leg = (*strategies.Leg)(nil)

// Platform is the serverless strategy. It implements strategies.Strategy,
// strategies.Drainer and strategies.Closer. It owns one dispatcher
// goroutine and one goroutine per live instance; Close stops them all.
type Platform struct {
	opt       Options
	coldStart mockapi.Sampler
	entry     *function   // the function a send invokes
	fns       []*function // every function, entry first

	ctx    context.Context // cancelled by Close: stops instances and the dispatcher
	cancel context.CancelFunc
	wg     sync.WaitGroup
	wake   chan struct{} // nudges the dispatcher (buffered 1)

	mu        sync.Mutex
	closed    bool
	rng       *rand.Rand
	queue     eventHeap
	busy      int           // invocations running, cold starts included
	alive     int           // instances alive, busy or idle
	pending   int           // events accepted and neither delivered nor dead-lettered
	drained   chan struct{} // closed while pending == 0
	counts    Stats
	age       *hdrhistogram.Histogram // event age at each invocation, µs
	dead      []DeadLetter
	timeline  timeline
	closeOnce sync.Once
}

var (
	_ strategies.Strategy = (*Platform)(nil)
	_ strategies.Drainer  = (*Platform)(nil)
	_ strategies.Closer   = (*Platform)(nil)
)

// function is one deployed function: its code and its idle instances.
type function struct {
	name string
	run  func(ctx context.Context, ev *event) error
	idle []*instance // most recently used last
}

// instance runs one event at a time; next hands it its next event.
type instance struct {
	fn   *function
	next chan *event // buffered 1: the dispatcher never blocks on it
	idle bool        // in fn.idle; guarded by Platform.mu
}

// event is one queued asynchronous invocation of a function.
type event struct {
	send      strategies.Send
	fn        *function
	enqueued  time.Time
	due       time.Time
	attempts  int    // invocations started
	throttles int    // times throttled
	lastErr   string // why the last invocation failed
	index     int    // in the heap
}

// New returns a platform whose functions reach the APIs through legA and
// legB (their policy applies inside each invocation), and starts its
// dispatcher. Close stops it.
func New(legA, legB Leg, opt Options) (*Platform, error) {
	if legA == nil || legB == nil {
		return nil, errors.New("serverless: New needs a leg to API a and a leg to API b; got nil")
	}
	opt, err := opt.normalize()
	if err != nil {
		return nil, err
	}
	cs, err := opt.ColdStart.Sampler()
	if err != nil { // normalize validated it
		return nil, fmt.Errorf("serverless: cold_start: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	p := &Platform{
		opt:       opt,
		coldStart: cs,
		ctx:       ctx,
		cancel:    cancel,
		wake:      make(chan struct{}, 1),
		rng:       rand.New(rand.NewPCG(uint64(opt.Seed), 0x5e7e71e55)),
		drained:   make(chan struct{}),
		age:       hdrhistogram.New(1, int64(7*24*time.Hour/time.Microsecond), 3),
	}
	close(p.drained)
	p.timeline.start = time.Now()
	switch opt.Mode {
	case ModeFanout:
		fa := &function{name: legA.API(), run: legFunction(legA)}
		fb := &function{name: legB.API(), run: legFunction(legB)}
		orch := &function{name: "orchestrator"}
		orch.run = func(_ context.Context, ev *event) error {
			// Two asynchronous invocations: accepted by the platform,
			// not awaited.
			p.mu.Lock()
			defer p.mu.Unlock()
			now := time.Now()
			p.enqueueLocked(fa, ev.send, now)
			p.enqueueLocked(fb, ev.send, now)
			return nil
		}
		p.entry, p.fns = orch, []*function{orch, fa, fb}
	default:
		f := &function{name: "orchestrator", run: bothFunction(legA, legB)}
		p.entry, p.fns = f, []*function{f}
	}
	p.wg.Add(1)
	go p.dispatch()
	return p, nil
}

// legFunction is the code of a fanout child: one leg, failing when it failed.
func legFunction(l Leg) func(context.Context, *event) error {
	return func(ctx context.Context, ev *event) error {
		if r := l.Call(ctx, ev.send); !r.OK() {
			return fmt.Errorf("%s: %s", l.API(), r.Failure())
		}
		return nil
	}
}

// bothFunction is the orchestrator's code: both legs at once; the
// invocation fails, naming the failed legs, when either failed.
func bothFunction(a, b Leg) func(context.Context, *event) error {
	return func(ctx context.Context, ev *event) error {
		var rb strategies.LegResult
		done := make(chan struct{})
		go func() { defer close(done); rb = b.Call(ctx, ev.send) }()
		ra := a.Call(ctx, ev.send)
		<-done
		var failed []string
		for i, r := range [2]strategies.LegResult{ra, rb} {
			if !r.OK() {
				failed = append(failed, [2]Leg{a, b}[i].API()+": "+r.Failure())
			}
		}
		if failed != nil {
			return errors.New(strings.Join(failed, "; "))
		}
		return nil
	}
}

// Name implements strategies.Strategy.
func (*Platform) Name() string { return Name }

// Combine implements strategies.Strategy: the user waits for the platform
// to accept the event, not for the legs.
func (*Platform) Combine() strategies.Combine { return strategies.CombineNone }

// Send implements strategies.Strategy: it queues an invocation of the
// entry function and answers 202, or 503 after Close.
func (p *Platform) Send(_ context.Context, s strategies.Send) strategies.Reply {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		leg := strategies.LegResult{Err: ErrClosed}
		return strategies.Reply{Status: http.StatusServiceUnavailable, Legs: [2]strategies.LegResult{leg, leg}}
	}
	p.counts.Accepted++
	p.enqueueLocked(p.entry, s, time.Now())
	p.mu.Unlock()
	return strategies.Reply{Status: http.StatusAccepted}
}

// enqueueLocked queues a new event for fn, due now.
func (p *Platform) enqueueLocked(fn *function, s strategies.Send, now time.Time) {
	if p.pending == 0 {
		p.drained = make(chan struct{})
	}
	p.pending++
	p.counts.Events++
	heap.Push(&p.queue, &event{send: s, fn: fn, enqueued: now, due: now})
	p.nudge()
}

// nudge wakes the dispatcher without blocking.
func (p *Platform) nudge() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// dispatch runs events as they fall due, until Close.
func (p *Platform) dispatch() {
	defer p.wg.Done()
	t := time.NewTimer(time.Hour)
	defer t.Stop()
	for {
		p.mu.Lock()
		wait := time.Duration(-1)
		for len(p.queue) > 0 {
			now := time.Now()
			ev := p.queue[0]
			if d := ev.due.Sub(now); d > 0 {
				wait = d
				break
			}
			heap.Pop(&p.queue)
			p.startLocked(ev, now)
		}
		p.mu.Unlock()
		if wait >= 0 {
			t.Reset(wait)
		} else {
			t.Stop()
		}
		select {
		case <-p.wake:
		case <-t.C:
		case <-p.ctx.Done():
			return
		}
	}
}

// startLocked runs ev on an instance, or throttles or dead-letters it.
func (p *Platform) startLocked(ev *event, now time.Time) {
	age := now.Sub(ev.enqueued)
	if age > p.opt.MaxEventAge {
		why := fmt.Sprintf("max_event_age %v exceeded after %d attempts", p.opt.MaxEventAge, ev.attempts)
		if ev.lastErr != "" {
			why += " (last: " + ev.lastErr + ")"
		} else if ev.throttles > 0 {
			why += fmt.Sprintf(" (throttled %d times)", ev.throttles)
		}
		p.deadLetterLocked(ev, now, why)
		return
	}
	if p.busy >= p.opt.Concurrency {
		p.counts.Throttles++
		d := p.opt.Throttle.Delay(ev.throttles, p.rng.Float64())
		ev.throttles++
		p.requeueLocked(ev, now.Add(d))
		return
	}
	p.busy++
	ev.attempts++
	p.counts.Invocations++
	_ = p.age.RecordValue(max(age.Microseconds(), 1))
	fn := ev.fn
	if n := len(fn.idle); n > 0 {
		inst := fn.idle[n-1]
		fn.idle = fn.idle[:n-1]
		inst.idle = false
		inst.next <- ev
		return
	}
	p.alive++
	p.counts.ColdStarts++
	p.counts.PeakInstances = max(p.counts.PeakInstances, p.alive)
	p.timeline.note(now, p.alive, true)
	inst := &instance{fn: fn, next: make(chan *event, 1)}
	cold := p.coldStart.Sample(p.rng)
	p.wg.Add(1)
	go p.run(inst, ev, cold)
}

// requeueLocked puts ev back in the queue, due at due, or at its expiry if
// that comes first (it is then dead-lettered when it falls due).
func (p *Platform) requeueLocked(ev *event, due time.Time) {
	if expiry := ev.enqueued.Add(p.opt.MaxEventAge + time.Nanosecond); due.After(expiry) {
		due = expiry
	}
	ev.due = due
	heap.Push(&p.queue, ev)
	p.nudge()
}

// deadLetterLocked drops ev to the dead-letter list.
func (p *Platform) deadLetterLocked(ev *event, now time.Time, why string) {
	p.counts.DeadLetters++
	if len(p.dead) < p.opt.MaxDeadLetters {
		p.dead = append(p.dead, DeadLetter{
			ID: ev.send.ID, Function: ev.fn.name, Reason: why,
			Attempts: ev.attempts, Age: now.Sub(ev.enqueued),
		})
	}
	p.doneLocked()
}

// doneLocked counts one event finished (delivered or dead-lettered).
func (p *Platform) doneLocked() {
	p.pending--
	if p.pending == 0 {
		close(p.drained)
	}
}

// run is an instance's life: the cold start, then events one at a time,
// until it stays idle for KeepWarm or the platform closes.
func (p *Platform) run(inst *instance, ev *event, cold time.Duration) {
	defer p.wg.Done()
	if cold > 0 {
		t := time.NewTimer(cold)
		select {
		case <-t.C:
		case <-p.ctx.Done():
			t.Stop()
			return
		}
	}
	keep := time.NewTimer(p.opt.KeepWarm)
	defer keep.Stop()
	for {
		err := ev.fn.run(p.ctx, ev)
		if p.ctx.Err() != nil {
			return
		}
		p.finish(inst, ev, err)
		keep.Reset(p.opt.KeepWarm)
		select {
		case ev = <-inst.next:
			continue
		case <-p.ctx.Done():
			return
		case <-keep.C:
		}
		p.mu.Lock()
		if inst.idle { // still unclaimed: reclaim it
			fn := inst.fn
			for i, other := range fn.idle {
				if other == inst {
					fn.idle = append(fn.idle[:i], fn.idle[i+1:]...)
					break
				}
			}
			p.alive--
			p.timeline.note(time.Now(), p.alive, false)
			p.mu.Unlock()
			return
		}
		p.mu.Unlock()
		// Claimed as the timer fired: its event is on the way.
		select {
		case ev = <-inst.next:
		case <-p.ctx.Done():
			return
		}
	}
}

// finish records an invocation's outcome and makes inst idle.
func (p *Platform) finish(inst *instance, ev *event, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	p.busy--
	inst.idle = true
	inst.fn.idle = append(inst.fn.idle, inst)
	p.nudge() // a slot is free
	if err == nil {
		p.counts.Delivered++
		p.doneLocked()
		return
	}
	p.counts.Failures++
	ev.lastErr = err.Error()
	if retries := *p.opt.Retries; ev.attempts > retries {
		p.deadLetterLocked(ev, now, fmt.Sprintf("failed %d attempts: %s", ev.attempts, ev.lastErr))
		return
	}
	p.counts.Retries++
	p.requeueLocked(ev, now.Add(time.Duration(ev.attempts)*p.opt.RetryDelay))
}

// Drain implements strategies.Drainer: it returns once every accepted
// event was delivered or dead-lettered, or an error wrapping ctx's when ctx
// ends first.
func (p *Platform) Drain(ctx context.Context) error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return ErrClosed
	}
	ch := p.drained
	p.mu.Unlock()
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		p.mu.Lock()
		n, q := p.pending, len(p.queue)
		p.mu.Unlock()
		return fmt.Errorf("serverless: drain: %d events pending (%d queued): %w", n, q, ctx.Err())
	}
}

// Close implements strategies.Closer: it stops the dispatcher and every
// instance (cancelling invocations in flight) and waits for them. It is
// safe to call more than once.
func (p *Platform) Close() error {
	p.closeOnce.Do(func() {
		p.mu.Lock()
		p.closed = true
		p.mu.Unlock()
		p.cancel()
		p.wg.Wait()
	})
	return nil
}
