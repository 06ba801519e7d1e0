package bench

import (
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// dueResolution is how precisely intended send times are located.
const dueResolution = time.Microsecond

// isDue reports whether hit n is due at elapsed t under p: the pacer would
// send it now (wait ≤ 0). ok is false when the pacer says to stop.
func isDue(p vegeta.Pacer, t time.Duration, n uint64) (due, ok bool) {
	wait, stop := p.Pace(t, n)
	if stop {
		return false, false
	}
	return wait <= 0, true
}

// dueTime returns the intended send time of hit n: the earliest elapsed
// time at which p would send it. vegeta's pacers only say how long to wait
// from "now", so the intended time of a hit sent late (the driver fell
// behind) is found by bisection between lo, where it was not yet due, and
// hi, where it is. This is what lets latency be measured from the intended
// time, as wrk2 does, instead of from when a stalled driver got round to it.
func dueTime(p vegeta.Pacer, n uint64, lo, hi time.Duration) time.Duration {
	if d, ok := isDue(p, lo, n); !ok || d {
		return lo
	}
	// An exact pacer (constant, steps) names the time itself: start the
	// bisection there, so the result is exact rather than up to one
	// resolution late.
	if wait, _ := p.Pace(lo, n); wait > 0 && lo+wait < hi {
		if d, ok := isDue(p, lo+wait, n); ok && d {
			hi = lo + wait
		}
	}
	for hi-lo > dueResolution {
		mid := lo + (hi-lo)/2
		if d, ok := isDue(p, mid, n); ok && d {
			hi = mid
		} else {
			lo = mid
		}
	}
	return hi
}

// schedule walks the intended send times of hits 0, 1, 2, ... of a pacer
// without sending anything: the engine uses it to recover each send's
// intended time after the run instead of storing one per request.
type schedule struct {
	p    vegeta.Pacer
	n    uint64
	last time.Duration
}

// next returns the intended time of the next hit, or false when the pacer
// stops or the time would pass limit.
func (s *schedule) next(limit time.Duration) (time.Duration, bool) {
	// Find a time where hit n is due: step forward by the pacer's own wait,
	// but each step at least twice the last, so that a pacer whose waits
	// only approximate (vegeta's linear and sine pacers) or shrink cannot
	// stall the walk; the bisection then finds the exact time.
	t := s.last
	var step time.Duration
	for {
		wait, stop := s.p.Pace(t, s.n)
		if stop {
			return 0, false
		}
		if wait <= 0 {
			break
		}
		if t > limit {
			return 0, false
		}
		step = max(wait, 2*step, dueResolution)
		t += step
	}
	due := dueTime(s.p, s.n, s.last, t)
	if due > limit {
		return 0, false
	}
	s.last = due
	s.n++
	return due, true
}
