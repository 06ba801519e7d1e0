package bench

import (
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// stepsPacer holds each step's rate for its duration: a staged load, as
// vegeta users ask for (vegeta #163, #418). After the last step it stops.
type stepsPacer []step

type step struct {
	Rate float64
	For  time.Duration
}

var _ vegeta.Pacer = stepsPacer(nil)

// hits returns how many hits are expected by elapsed t.
func (p stepsPacer) hits(t time.Duration) float64 {
	var h float64
	for _, s := range p {
		if t <= s.For {
			return h + s.Rate*t.Seconds()
		}
		h += s.Rate * s.For.Seconds()
		t -= s.For
	}
	return h
}

func (p stepsPacer) total() time.Duration {
	var d time.Duration
	for _, s := range p {
		d += s.For
	}
	return d
}

// Pace implements vegeta.Pacer: hit n is due once n+1 hits are expected.
func (p stepsPacer) Pace(elapsed time.Duration, hits uint64) (time.Duration, bool) {
	if elapsed > p.total() || p.hits(p.total()) < float64(hits+1) {
		return 0, true
	}
	if p.hits(elapsed) >= float64(hits+1) {
		return 0, false
	}
	// Bisect for the time the (hits+1)-th hit is expected.
	lo, hi := elapsed, p.total()
	for hi-lo > dueResolution {
		mid := lo + (hi-lo)/2
		if p.hits(mid) >= float64(hits+1) {
			hi = mid
		} else {
			lo = mid
		}
	}
	return hi - elapsed, false
}

// Rate implements vegeta.Pacer.
func (p stepsPacer) Rate(elapsed time.Duration) float64 {
	for _, s := range p {
		if elapsed < s.For {
			return s.Rate
		}
		elapsed -= s.For
	}
	return 0
}

// constantPacer turns a rate per second into vegeta's ConstantPacer,
// keeping fractional rates (0.5/s) exact.
func constantPacer(rate float64) vegeta.ConstantPacer {
	if rate == float64(int(rate)) {
		return vegeta.ConstantPacer{Freq: int(rate), Per: time.Second}
	}
	return vegeta.ConstantPacer{Freq: 1, Per: time.Duration(float64(time.Second) / rate)}
}
