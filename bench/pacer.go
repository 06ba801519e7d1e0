package bench

import (
	"fmt"

	"github.com/fanbench/fanbench/scenarios"
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

// pacerFor maps a scenario's load profile onto a vegeta pacer.
func pacerFor(l scenarios.Load) (vegeta.Pacer, error) {
	switch l.Profile {
	case scenarios.ProfileConstant, "":
		if l.Rate <= 0 {
			return nil, fmt.Errorf("load.rate: %v; want a rate above 0 per second", l.Rate)
		}
		return constantPacer(l.Rate), nil
	case scenarios.ProfileLinear:
		if l.Rate <= 0 {
			return nil, fmt.Errorf("load.rate: %v; linear needs a start rate above 0 per second", l.Rate)
		}
		return vegeta.LinearPacer{StartAt: constantPacer(l.Rate), Slope: l.Slope}, nil
	case scenarios.ProfileSine:
		if l.Rate <= 0 || l.Amp < 0 || l.Amp >= l.Rate || l.Period <= 0 {
			return nil, fmt.Errorf("load: sine needs rate > 0, 0 <= amp < rate and period > 0; got rate %v, amp %v, period %v", l.Rate, l.Amp, l.Period)
		}
		return vegeta.SinePacer{Period: l.Period, Mean: constantPacer(l.Rate), Amp: constantPacer(l.Amp)}, nil
	case scenarios.ProfileSteps:
		if len(l.Steps) == 0 {
			return nil, fmt.Errorf("load.steps: empty; the steps profile needs at least one {rate, for}")
		}
		p := make(stepsPacer, len(l.Steps))
		for i, s := range l.Steps {
			p[i] = step{Rate: s.Rate, For: s.For}
		}
		return p, nil
	default:
		return nil, fmt.Errorf("load.profile: %q; want constant, linear, sine or steps", l.Profile)
	}
}

// describeLoad says in a few words what load a profile offers.
func describeLoad(l scenarios.Load) string {
	switch l.Profile {
	case scenarios.ProfileLinear:
		return fmt.Sprintf("linear from %g/s by %+g/s²", l.Rate, l.Slope)
	case scenarios.ProfileSine:
		return fmt.Sprintf("sine %g±%g/s over %v", l.Rate, l.Amp, l.Period)
	case scenarios.ProfileSteps:
		return fmt.Sprintf("%d steps", len(l.Steps))
	default:
		return fmt.Sprintf("%g/s", l.Rate)
	}
}
