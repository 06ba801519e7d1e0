// Package outbox is fanbench's transactional outbox strategy: the front
// writes the message into an outbox table in the same transaction as the
// service's own (simulated) state change and answers once it commits; a
// relay reads new rows, delivers them to API a and API b with the run's
// leg policy, and marks each leg done on its own, so a relay that crashes
// between the two legs resumes where it stopped. The store is an embedded
// SQLite database by default, or PostgreSQL.
package outbox

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/fanbench/fanbench/strategies"
)

// Name is the strategy's name in scenarios and reports.
const Name = "outbox"

// Sentinel errors; match them with errors.Is.
var (
	// ErrConnect is returned by New when the PostgreSQL server cannot be
	// reached; the message names the URL.
	ErrConnect = errors.New("outbox: connect")
	// ErrClosed is returned by Drain, and answered (503) by Send, after Close.
	ErrClosed = errors.New("outbox: closed")
)

// Leg is what the relay calls to reach one API; *strategies.Leg is one.
type Leg interface {
	API() string
	Call(ctx context.Context, s strategies.Send) strategies.LegResult
}

var _ Leg = (*strategies.Leg)(nil)

// Outbox is the outbox strategy. It implements strategies.Strategy,
// strategies.Drainer and strategies.Closer. It owns the store and the
// relay's goroutines; Close stops them and drops the run's tables.
type Outbox struct {
	opt   Options
	store store
	legs  [2]Leg

	mu      sync.Mutex // guards the histograms, the series and the relay's state
	commitH *hdrhistogram.Histogram
	lagH    *hdrhistogram.Histogram
	series  series
	relay   *relay // nil while crashed
	rng     *rand.Rand

	committed, duplicates, commitErrors atomic.Int64
	legsDelivered, rowsRetried, retries atomic.Int64
	deadRows, crashes, relayErrors      atomic.Int64
	peakBacklog                         atomic.Int64
	loggedCommit                        atomic.Bool

	ctx       context.Context // cancelled by Close
	cancel    context.CancelFunc
	closed    atomic.Bool
	closeOnce sync.Once
	closeErr  error
}

var (
	_ strategies.Strategy = (*Outbox)(nil)
	_ strategies.Drainer  = (*Outbox)(nil)
	_ strategies.Closer   = (*Outbox)(nil)
)

// New opens the store (creating the run's tables) and starts the relay.
// ctx bounds the setup only. An unreachable PostgreSQL server fails within
// a few seconds with an error wrapping ErrConnect that names the URL.
func New(ctx context.Context, legA, legB Leg, opt Options) (*Outbox, error) {
	if legA == nil || legB == nil {
		return nil, errors.New("outbox: New needs a leg to API a and a leg to API b; got nil")
	}
	opt, err := opt.normalize()
	if err != nil {
		return nil, err
	}
	var st store
	switch opt.Store {
	case StorePostgres:
		st, err = openPostgres(ctx, opt.URL, opt.Table, opt.Concurrency+8, opt.Fsync)
	default:
		st, err = openSQLite(ctx, opt.Table, opt.Fsync)
	}
	if err != nil {
		return nil, err
	}
	runCtx, cancel := context.WithCancel(context.Background())
	o := &Outbox{
		opt: opt, store: st, legs: [2]Leg{legA, legB},
		commitH: hdrhistogram.New(1, int64(time.Minute/time.Microsecond), 3),
		lagH:    hdrhistogram.New(1, int64(time.Hour/time.Microsecond), 3),
		rng:     rand.New(rand.NewPCG(uint64(opt.Seed), 0x0b0c5)),
		ctx:     runCtx, cancel: cancel,
	}
	o.series.start = time.Now()
	o.startRelay()
	return o, nil
}

// Name implements strategies.Strategy.
func (*Outbox) Name() string { return Name }

// Combine implements strategies.Strategy: the user waits for the commit,
// not for the legs.
func (*Outbox) Combine() strategies.Combine { return strategies.CombineNone }

// Send implements strategies.Strategy: one transaction writes the state
// change and the outbox row; the user gets 202 once it committed, 503 if
// it failed (and is not told the send was accepted).
func (o *Outbox) Send(ctx context.Context, s strategies.Send) strategies.Reply {
	if o.closed.Load() {
		return o.failed(s, ErrClosed)
	}
	start := time.Now()
	dup, err := o.store.commit(ctx, s.ID, s.Body, start)
	if err != nil {
		return o.failed(s, fmt.Errorf("outbox: commit: %w", err))
	}
	took := time.Since(start)
	if dup {
		o.duplicates.Add(1)
	} else {
		o.committed.Add(1)
	}
	o.mu.Lock()
	_ = o.commitH.RecordValue(max(took.Microseconds(), 1))
	o.mu.Unlock()
	return strategies.Reply{Status: http.StatusAccepted}
}

func (o *Outbox) failed(s strategies.Send, err error) strategies.Reply {
	o.commitErrors.Add(1)
	if o.loggedCommit.CompareAndSwap(false, true) {
		o.opt.Logf("outbox: send %s: %v (further commit errors are only counted)", s.ID, err)
	}
	leg := strategies.LegResult{Err: err}
	return strategies.Reply{Status: http.StatusServiceUnavailable, Legs: [2]strategies.LegResult{leg, leg}}
}

// startRelay starts a new relay (at New, and after a crash's pause),
// unless the outbox is closed.
func (o *Outbox) startRelay() {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closed.Load() {
		return
	}
	o.relay = newRelay(o)
	o.relay.start()
}

// CrashRelay is the relay_crash fault: it stops the relay abruptly
// (deliveries in flight are cut; their rows stay leased until Lease runs
// out, and a leg marked done stays done), keeps it down for pause, then
// starts a new relay, which resumes every row where it stopped. It returns
// once the new relay runs; when ctx ends first the relay starts at once.
func (o *Outbox) CrashRelay(ctx context.Context, pause time.Duration) error {
	o.mu.Lock()
	r := o.relay
	o.relay = nil
	o.mu.Unlock()
	if r == nil {
		if o.closed.Load() {
			return ErrClosed
		}
		return errors.New("outbox: relay_crash: the relay is already down")
	}
	r.stop()
	o.crashes.Add(1)
	o.opt.Logf("outbox: relay crashed; restarting in %v", pause)
	t := time.NewTimer(pause)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	case <-o.ctx.Done():
		return ErrClosed
	}
	o.startRelay()
	return nil
}

// drainPoll is how often Drain asks the store for its backlog.
const drainPoll = 10 * time.Millisecond

// Drain implements strategies.Drainer: it returns once no row has a leg
// left to deliver (rows marked dead aside), or an error wrapping ctx's.
func (o *Outbox) Drain(ctx context.Context) error {
	if o.closed.Load() {
		return ErrClosed
	}
	t := time.NewTicker(drainPoll)
	defer t.Stop()
	var n int64
	var lastErr error
	for {
		var err error
		if n, err = o.store.backlog(ctx); err == nil && n == 0 {
			return nil
		} else if err != nil {
			lastErr = err
		}
		select {
		case <-t.C:
		case <-ctx.Done():
			err := fmt.Errorf("outbox: drain: %d rows left: %w", n, ctx.Err())
			if lastErr != nil {
				err = fmt.Errorf("%w (last store error: %w)", err, lastErr)
			}
			return err
		}
	}
}

// closeTimeout bounds dropping the run's tables in Close.
const closeTimeout = 10 * time.Second

// Close implements strategies.Closer: it stops the relay, drops the run's
// tables and closes the store. Safe to call more than once.
func (o *Outbox) Close() error {
	o.closeOnce.Do(func() {
		o.closed.Store(true)
		o.cancel()
		o.mu.Lock()
		r := o.relay
		o.relay = nil
		o.mu.Unlock()
		if r != nil {
			r.stop()
		}
		ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
		defer cancel()
		o.closeErr = o.store.close(ctx)
	})
	return o.closeErr
}
