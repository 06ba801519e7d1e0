package outbox

import (
	"time"

	"github.com/fanbench/fanbench/strategies"
)

// sendOf rebuilds the send a row carries.
func sendOf(r row) strategies.Send { return strategies.Send{ID: r.id, Body: r.body} }

// Stats counts what an Outbox did; Stats() takes a snapshot.
type Stats struct {
	Store string
	// Committed is the sends committed (202 to the user); Duplicates the
	// sends whose id was already committed (202, nothing written);
	// CommitErrors the commits that failed (503).
	Committed, Duplicates, CommitErrors int64
	// CommitP50 and CommitP99 are the commit's latency (what the user waits for).
	CommitP50, CommitP99 time.Duration
	// LagP50 and LagP99 are the relay lag: from a row's commit to each
	// claim of it by the relay (a retried row counts once per claim).
	LagP50, LagP99 time.Duration
	// LegsDelivered is the legs marked done (two per fully delivered row).
	LegsDelivered int64
	// RowsRetried is the rows that needed more than one attempt; Retries
	// is their extra attempts; DeadRows the rows given up on after
	// MaxAttempts.
	RowsRetried, Retries, DeadRows int64
	// PeakBacklog is the most rows waiting for a leg, sampled every 100ms.
	PeakBacklog int64
	// RelayCrashes is the relay_crash faults applied; RelayErrors the store
	// errors the relay met (each retried).
	RelayCrashes, RelayErrors int64
}

// Stats returns a snapshot of the outbox's counters.
func (o *Outbox) Stats() Stats {
	s := Stats{
		Store:     o.opt.Store,
		Committed: o.committed.Load(), Duplicates: o.duplicates.Load(), CommitErrors: o.commitErrors.Load(),
		LegsDelivered: o.legsDelivered.Load(),
		RowsRetried:   o.rowsRetried.Load(), Retries: o.retries.Load(), DeadRows: o.deadRows.Load(),
		PeakBacklog:  o.peakBacklog.Load(),
		RelayCrashes: o.crashes.Load(), RelayErrors: o.relayErrors.Load(),
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.commitH.TotalCount() > 0 {
		s.CommitP50 = usDur(o.commitH.ValueAtQuantile(50))
		s.CommitP99 = usDur(o.commitH.ValueAtQuantile(99))
	}
	if o.lagH.TotalCount() > 0 {
		s.LagP50 = usDur(o.lagH.ValueAtQuantile(50))
		s.LagP99 = usDur(o.lagH.ValueAtQuantile(99))
	}
	return s
}

func usDur(v int64) time.Duration { return time.Duration(v) * time.Microsecond }

// Point is one second of the relay's timeline.
type Point struct {
	T       int     // seconds since the origin; the point covers (T-1, T]
	Backlog int64   // most rows waiting for a leg (sampled every 100ms)
	LagMs   float64 // longest relay lag of a row claimed in the second
}

// Series returns n one-second points from origin.
func (o *Outbox) Series(origin time.Time, n int) []Point {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.series.points(origin, n)
}

func (o *Outbox) noteLag(now time.Time, lag time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	_ = o.lagH.RecordValue(max(lag.Microseconds(), 1))
	o.series.add(now, sample{lag: lag})
}

func (o *Outbox) noteBacklog(now time.Time, n int64) {
	for {
		p := o.peakBacklog.Load()
		if n <= p || o.peakBacklog.CompareAndSwap(p, n) {
			break
		}
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	o.series.add(now, sample{backlog: n, hasBacklog: true})
}

// series keeps per-100ms maxima since the outbox started, so any origin
// can be cut into seconds later.
type series struct {
	start time.Time
	ticks []sample // index: 100ms since start
}

type sample struct {
	backlog    int64
	hasBacklog bool
	lag        time.Duration
}

const tick = 100 * time.Millisecond

func (s *series) add(at time.Time, v sample) {
	i := int(at.Sub(s.start) / tick)
	if i < 0 {
		return
	}
	for len(s.ticks) <= i {
		s.ticks = append(s.ticks, sample{})
	}
	t := &s.ticks[i]
	if v.hasBacklog {
		t.backlog, t.hasBacklog = max(t.backlog, v.backlog), true
	}
	t.lag = max(t.lag, v.lag)
}

func (s *series) points(origin time.Time, n int) []Point {
	pts := make([]Point, n)
	for i := range pts {
		pts[i].T = i + 1
		from := origin.Add(time.Duration(i) * time.Second)
		for k := int(from.Sub(s.start) / tick); k < int(from.Add(time.Second).Sub(s.start)/tick); k++ {
			if k < 0 || k >= len(s.ticks) {
				continue
			}
			pts[i].Backlog = max(pts[i].Backlog, s.ticks[k].backlog)
			pts[i].LagMs = max(pts[i].LagMs, float64(s.ticks[k].lag.Microseconds())/1000)
		}
	}
	return pts
}
