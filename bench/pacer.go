package bench

import (
	"fmt"
	"math"

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

// due returns when hit n (0-based) is intended: when the (n+1)-th hit is
// expected, computed step by step so that boundaries are exact.
func (p stepsPacer) due(n uint64) (time.Duration, bool) {
	target := float64(n + 1)
	var h float64
	var start time.Duration
	for _, s := range p {
		if inStep := s.Rate * s.For.Seconds(); s.Rate > 0 && h+inStep >= target {
			return start + time.Duration((target-h)/s.Rate*float64(time.Second)), true
		}
		h += s.Rate * s.For.Seconds()
		start += s.For
	}
	return 0, false
}

// Pace implements vegeta.Pacer. After the last step it stops.
func (p stepsPacer) Pace(elapsed time.Duration, hits uint64) (time.Duration, bool) {
	d, ok := p.due(hits)
	if !ok {
		return 0, true
	}
	return d - elapsed, false
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

// pacerFor maps a scenario's load profile onto a vegeta pacer. Rates must
// be finite, above 0 and at most scenarios.MaxRate: vegeta reads a zero
// rate as "unlimited" and divides by the interval of a huge one.
func pacerFor(l scenarios.Load) (vegeta.Pacer, error) {
	bad := func(r float64) bool { return !(r > 0) || math.IsInf(r, 0) || r > scenarios.MaxRate }
	switch l.Profile {
	case scenarios.ProfileConstant, "":
		if bad(l.Rate) {
			return nil, fmt.Errorf("load.rate: %v; want a rate above 0 and at most %g per second", l.Rate, scenarios.MaxRate)
		}
		return constantPacer(l.Rate), nil
	case scenarios.ProfileLinear:
		if bad(l.Rate) || math.IsNaN(l.Slope) || math.IsInf(l.Slope, 0) {
			return nil, fmt.Errorf("load: linear needs a start rate above 0 and at most %g per second and a finite slope; got rate %v, slope %v", scenarios.MaxRate, l.Rate, l.Slope)
		}
		return vegeta.LinearPacer{StartAt: constantPacer(l.Rate), Slope: l.Slope}, nil
	case scenarios.ProfileSine:
		if bad(l.Rate) || l.Amp < 0 || l.Amp >= l.Rate || l.Period <= 0 {
			return nil, fmt.Errorf("load: sine needs 0 < rate <= %g, 0 <= amp < rate and period > 0; got rate %v, amp %v, period %v", scenarios.MaxRate, l.Rate, l.Amp, l.Period)
		}
		amp := vegeta.Rate{Freq: 0, Per: time.Second} // no swing (Per 0 would read as NaN)
		if l.Amp > 0 {
			amp = constantPacer(l.Amp)
		}
		return vegeta.SinePacer{Period: l.Period, Mean: constantPacer(l.Rate), Amp: amp}, nil
	case scenarios.ProfileSteps:
		if len(l.Steps) == 0 {
			return nil, fmt.Errorf("load.steps: empty; the steps profile needs at least one {rate, for}")
		}
		p := make(stepsPacer, 0, len(l.Steps)+1)
		if l.Warmup > 0 {
			// The warm-up runs at the first step's rate, as a constant
			// load's does, so the steps themselves are all measured.
			p = append(p, step{Rate: l.Steps[0].Rate, For: l.Warmup})
		}
		for i, s := range l.Steps {
			if s.Rate < 0 || math.IsInf(s.Rate, 0) || math.IsNaN(s.Rate) || s.Rate > scenarios.MaxRate || s.For <= 0 {
				return nil, fmt.Errorf("load.steps[%d]: rate %v for %v; want a rate of 0 to %g per second for a duration above 0", i, s.Rate, s.For, scenarios.MaxRate)
			}
			p = append(p, step{Rate: s.Rate, For: s.For})
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
