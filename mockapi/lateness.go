package mockapi

import (
	"context"
	"math/bits"
	"sync/atomic"
	"time"
)

// lateness records how late each latency timer fired against the latency
// drawn for it. A mock that fires its timers late adds its own delay to every
// answer, so a benchmark whose mocks run late measures its machine, not the
// strategy: the engine reads this to judge whether the harness kept up.
//
// The histogram is log-linear in microseconds (exact below 16µs, then eight
// buckets per power of two, so a quantile is within 12.5%), one atomic
// counter per bucket: recording takes no lock.
type lateness struct {
	buckets [latenessBuckets]atomic.Uint64
	maxUs   atomic.Int64
}

const (
	latenessExact   = 16 // values below are their own bucket
	latenessSub     = 8  // buckets per power of two above
	latenessOctaves = 36 // up to 2^40 µs, far beyond any timeout
	latenessBuckets = latenessExact + latenessOctaves*latenessSub
)

func latenessIndex(us int64) int {
	if us < latenessExact {
		return int(max(us, 0))
	}
	e := bits.Len64(uint64(us)) - 1 // >= 4
	sub := int(us>>(e-3)) & (latenessSub - 1)
	return min(latenessExact+(e-4)*latenessSub+sub, latenessBuckets-1)
}

// latenessUpper is the largest value in bucket i, in microseconds.
func latenessUpper(i int) int64 {
	if i < latenessExact {
		return int64(i)
	}
	e := (i-latenessExact)/latenessSub + 4
	sub := int64((i - latenessExact) % latenessSub)
	return (int64(latenessSub)+sub+1)<<(e-3) - 1
}

func (l *lateness) record(late time.Duration) {
	us := late.Microseconds()
	l.buckets[latenessIndex(us)].Add(1)
	for {
		m := l.maxUs.Load()
		if us <= m || l.maxUs.CompareAndSwap(m, us) {
			return
		}
	}
}

// sleep waits d or until ctx ends, as the package's sleep does, and records
// how late the timer fired when d elapsed.
func (l *lateness) sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return sleep(ctx, d) // no timer, nothing to be late
	}
	due := time.Now().Add(d)
	if !sleep(ctx, d) {
		return false
	}
	l.record(time.Since(due))
	return true
}

func (l *lateness) snapshot() TimerLateness {
	var t TimerLateness
	for i := range l.buckets {
		t.counts[i] = l.buckets[i].Load()
	}
	t.max = time.Duration(l.maxUs.Load()) * time.Microsecond
	return t
}

// TimerLateness is how late an API's latency timers fired against their
// drawn latencies (answers with no latency have no timer and are not
// counted). Merge combines APIs.
type TimerLateness struct {
	counts [latenessBuckets]uint64
	max    time.Duration
}

// TimerLateness returns how late this API's latency timers have fired since
// it started.
func (a *API) TimerLateness() TimerLateness { return a.lateness.snapshot() }

// Count is the number of timers recorded.
func (t TimerLateness) Count() uint64 {
	var n uint64
	for _, c := range t.counts {
		n += c
	}
	return n
}

// Max is the latest a timer fired.
func (t TimerLateness) Max() time.Duration { return t.max }

// Quantile returns the lateness at quantile q (0..1), rounded up to its
// bucket's bound (at most 12.5% above the true value) and never above Max;
// 0 when nothing was recorded.
func (t TimerLateness) Quantile(q float64) time.Duration {
	n := t.Count()
	if n == 0 {
		return 0
	}
	rank := uint64(q*float64(n) + 0.5)
	rank = min(max(rank, 1), n)
	var seen uint64
	for i, c := range t.counts {
		if seen += c; seen >= rank {
			return min(time.Duration(latenessUpper(i))*time.Microsecond, t.max)
		}
	}
	return t.max
}

// Merge returns the lateness of both t's and o's timers.
func (t TimerLateness) Merge(o TimerLateness) TimerLateness {
	for i := range t.counts {
		t.counts[i] += o.counts[i]
	}
	t.max = max(t.max, o.max)
	return t
}
