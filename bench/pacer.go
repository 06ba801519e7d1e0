package bench

import (
	"fmt"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/fanbench/fanbench/field"
	"github.com/fanbench/fanbench/scenarios"
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

// pacerFor maps a scenario's load profile onto a vegeta pacer, refusing
// a load that breaks the rules of scenarios.Load.Validate: vegeta reads a
// zero rate as "unlimited" and divides by the interval of a huge one.
func pacerFor(l scenarios.Load) (vegeta.Pacer, error) {
	var es field.Errors
	es.Nest("load", l.Validate())
	if err := field.Err(es); err != nil {
		return nil, err
	}
	switch l.Profile {
	case scenarios.ProfileLinear:
		return vegeta.LinearPacer{StartAt: constantPacer(l.Rate), Slope: l.Slope}, nil
	case scenarios.ProfileSine:
		amp := vegeta.Rate{Freq: 0, Per: time.Second} // no swing (Per 0 would read as NaN)
		if l.Amp > 0 {
			amp = constantPacer(l.Amp)
		}
		return vegeta.SinePacer{Period: l.Period, Mean: constantPacer(l.Rate), Amp: amp}, nil
	case scenarios.ProfileSteps:
		p := make(stepsPacer, 0, len(l.Steps)+1)
		if l.Warmup > 0 {
			// The warm-up runs at the first step's rate, as a constant
			// load's does, so the steps themselves are all measured.
			p = append(p, step{Rate: l.Steps[0].Rate, For: l.Warmup})
		}
		for _, s := range l.Steps {
			p = append(p, step{Rate: s.Rate, For: s.For})
		}
		return p, nil
	default:
		return constantPacer(l.Rate), nil
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
