package outbox

import (
	"context"
	"sync"
	"time"
)

// relay reads due rows from the store and delivers them. One relay runs
// at a time; a crash stops it and a new one takes over.
type relay struct {
	o      *Outbox
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	wake   chan struct{} // a commit notification or a freed slot (buffered 1)
	slots  chan struct{} // deliveries in flight
}

func newRelay(o *Outbox) *relay {
	ctx, cancel := context.WithCancel(o.ctx)
	return &relay{
		o: o, ctx: ctx, cancel: cancel,
		wake:  make(chan struct{}, 1),
		slots: make(chan struct{}, o.opt.Concurrency),
	}
}

func (r *relay) nudge() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

func (r *relay) start() {
	if n, ok := r.o.store.(notifier); ok {
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			r.listen(n)
		}()
	}
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		r.loop()
	}()
}

// stop cancels everything the relay does and waits for it.
func (r *relay) stop() {
	r.cancel()
	r.wg.Wait()
}

// listen relays the store's notifications, reconnecting after a failure
// (polling covers the gap).
func (r *relay) listen(n notifier) {
	for r.ctx.Err() == nil {
		if err := n.listen(r.ctx, r.nudge); err != nil {
			r.o.relayErrors.Add(1)
			t := time.NewTimer(time.Second)
			select {
			case <-t.C:
			case <-r.ctx.Done():
				t.Stop()
			}
		}
	}
}

// sampleEvery is how often the relay samples the backlog for the series.
const sampleEvery = 100 * time.Millisecond

// loop claims due rows while slots are free and hands each to a delivery.
func (r *relay) loop() {
	o := r.o
	poll := time.NewTimer(o.opt.PollInterval)
	defer poll.Stop()
	var lastSample time.Time
	for {
		if now := time.Now(); now.Sub(lastSample) >= sampleEvery {
			lastSample = now
			if n, err := o.store.backlog(r.ctx); err == nil {
				o.noteBacklog(now, n)
			}
		}
		free := cap(r.slots) - len(r.slots)
		full := false
		if free > 0 {
			now := time.Now()
			rows, err := o.store.claim(r.ctx, now, o.opt.Lease, free)
			if err != nil {
				if r.ctx.Err() != nil {
					return
				}
				o.relayErrors.Add(1)
			}
			for _, row := range rows {
				o.noteLag(now, now.Sub(row.created))
				r.slots <- struct{}{}
				r.wg.Add(1)
				go func() {
					defer r.wg.Done()
					r.deliver(row)
					<-r.slots
					r.nudge()
				}()
			}
			full = len(rows) == free
		}
		if full {
			continue // more may be due
		}
		poll.Reset(o.opt.PollInterval)
		select {
		case <-r.wake:
		case <-poll.C:
		case <-r.ctx.Done():
			return
		}
	}
}

// deliver calls the legs of row not yet done, concurrently, marks each
// delivered leg done on its own, and schedules a retry (or gives the row
// up) when a leg failed.
func (r *relay) deliver(row row) {
	o := r.o
	var ok [2]bool
	var wg sync.WaitGroup
	for i, leg := range o.legs {
		if row.done[i] {
			ok[i] = true
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			res := leg.Call(r.ctx, sendOf(row))
			if !res.OK() || r.ctx.Err() != nil {
				return
			}
			if err := o.store.legDone(r.ctx, row.seq, i); err != nil {
				// Not marked: the row is delivered again after its lease
				// (the API's idempotency absorbs it).
				o.relayErrors.Add(1)
				return
			}
			ok[i] = true
			o.legsDelivered.Add(1)
		}()
	}
	wg.Wait()
	if r.ctx.Err() != nil || (ok[0] && ok[1]) {
		return // crashed: the lease runs out and the row is claimed again
	}
	if row.attempts == 0 {
		o.rowsRetried.Add(1)
	}
	attempts := row.attempts + 1
	if attempts >= o.opt.MaxAttempts {
		if err := o.store.dead(r.ctx, row.seq); err != nil {
			o.relayErrors.Add(1)
			return
		}
		o.deadRows.Add(1)
		return
	}
	o.retries.Add(1)
	next := time.Now().Add(o.backoff(attempts - 1))
	if err := o.store.retry(r.ctx, row.seq, next); err != nil {
		o.relayErrors.Add(1)
	}
}

// backoff is the wait before a row's retry n (0 = the first).
func (o *Outbox) backoff(n int) time.Duration {
	o.mu.Lock()
	u := o.rng.Float64()
	o.mu.Unlock()
	return o.opt.Backoff.Delay(n, u)
}
