package scenarios

import (
	"math"
	"strconv"
	"time"

	"github.com/fanbench/fanbench/field"
)

// MaxRate is the highest rate per second a load may offer: far beyond
// what one machine can drive, it catches a misplaced digit rather than
// limiting real runs.
const MaxRate = 1e6

// MaxSpan is the longest a strategy's run may last, warm-up, measurement
// and drain together. The engine's mocks keep every id until the run is
// reconciled (about 60 bytes per id and API), so a run's memory grows with
// its length; the bound catches a misplaced unit (70h for 70m) before it
// fills the machine. A longer soak is several runs.
const MaxSpan = 70 * time.Minute

// MaxUserTimeout bounds load.timeout: a user request that may wait longer
// than this is a typo, and every wait of the run must end.
const MaxUserTimeout = 10 * time.Minute

// Validate returns every problem with the load, each with the path of its
// field relative to the load ("rate", "steps[1].for"). It is the one
// statement of the load's rules: Parse reports them at their line,
// `fanbench run` names the flag that set the field, and the engine refuses
// a load that breaks them.
func (l Load) Validate() []field.Error {
	var es field.Errors
	rate := func(path string, r float64, want string) {
		switch {
		case math.IsNaN(r):
			es.Addf(path, "is not a number; want %s", want)
		case r < 0:
			es.Addf(path, "%s is negative; want %s", field.Num(r), want)
		case r > MaxRate:
			es.Addf(path, "%s is more than %s per second; want at most %s, %s", field.Num(r), field.Num(MaxRate), field.Num(MaxRate), want)
		}
	}
	profile := l.Profile
	if profile == "" {
		profile = ProfileConstant
	}
	// only reports a field that the profile does not use.
	only := func(name string, set bool, want string) {
		if set && profile != want {
			es.Addf(name, "only the %s profile takes %s; remove it or set profile: %s", want, name, want)
		}
	}

	es.OneOf("profile", "load profile", profile, ProfileConstant, ProfileLinear, ProfileSine, ProfileSteps)
	finite := func(path string, x float64) {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			es.Addf(path, "%s is not a finite number", field.Num(x))
		}
	}
	finite("slope", l.Slope)
	finite("amp", l.Amp)
	only("slope", l.Slope != 0, ProfileLinear)
	only("amp", l.Amp != 0, ProfileSine)
	only("period", l.Period != 0, ProfileSine)
	only("steps", len(l.Steps) > 0, ProfileSteps)

	switch profile {
	case ProfileConstant:
		if l.Rate == 0 {
			es.Addf("rate", "the constant profile needs a rate, in user requests per second, such as 100")
		}
		rate("rate", l.Rate, "user requests per second above 0")
	case ProfileLinear:
		rate("rate", l.Rate, "the start rate per second, 0 or more")
		if l.Rate < 0 || l.Duration <= 0 {
			break // reported above or below
		}
		end := l.Rate + l.Slope*l.Duration.Seconds()
		switch {
		case end < 0:
			es.Addf("slope", "the rate would fall to %s/s by the end; want a slope of at least %s", field.Num(end), field.Num(-l.Rate/l.Duration.Seconds()))
		case end > MaxRate:
			es.Addf("slope", "the rate would reach %s/s by the end; want at most %s/s", field.Num(end), field.Num(MaxRate))
		case l.Rate == 0:
			// vegeta's LinearPacer reads a zero start rate as "unlimited".
			es.Addf("rate", "the linear profile needs a start rate above 0, such as 1")
		}
	case ProfileSine:
		if l.Rate == 0 {
			es.Addf("rate", "the sine profile needs a mean rate per second above 0, such as 100")
		}
		rate("rate", l.Rate, "a mean rate per second above 0")
		switch {
		case l.Amp < 0:
			es.Addf("amp", "%s is negative; want an amplitude of 0 or more", field.Num(l.Amp))
		case l.Amp >= l.Rate && l.Rate > 0:
			// vegeta's SinePacer refuses an amplitude equal to the mean.
			es.Addf("amp", "%s is not below the mean rate (%s), so the rate would reach 0 or less; want less than %s", field.Num(l.Amp), field.Num(l.Rate), field.Num(l.Rate))
		}
		if l.Period <= 0 {
			es.Addf("period", "the sine profile needs a period above 0, such as 10s")
		}
	case ProfileSteps:
		if l.Rate != 0 {
			es.Addf("rate", "the steps profile takes its rates from steps; remove rate")
		}
		l.validateSteps(&es)
	}

	if profile != ProfileSteps && l.Duration <= 0 {
		es.Addf("duration", "want how long to measure, above 0, such as 30s")
	}
	es.Duration("warmup", l.Warmup, "0 (no warm-up) or more")
	es.NonNegative("max_in_flight", float64(l.MaxInFlight), "a cap on concurrent user requests, such as 10000")
	switch {
	case l.Timeout < 0:
		es.Addf("timeout", "%s is negative; want a user request timeout above 0, such as 10s", l.Timeout)
	case l.Timeout > MaxUserTimeout:
		es.Addf("timeout", "%s is longer than a user request may wait; want at most %s, such as 10s", l.Timeout, MaxUserTimeout)
	}
	if len(es) == 0 {
		l.validateSends(&es)
	}
	return es
}

// validateSteps checks the steps profile.
func (l Load) validateSteps(es *field.Errors) {
	if len(l.Steps) == 0 {
		es.Addf("steps", "the steps profile needs steps, such as [{rate: 50, for: 10s}, {rate: 100, for: 10s}]")
		return
	}
	var sends bool
	for i, s := range l.Steps {
		p := field.Index("steps", i)
		switch {
		case math.IsNaN(s.Rate):
			es.Addf(field.Join(p, "rate"), "is not a number; want a rate per second of 0 or more")
		case s.Rate < 0:
			es.Addf(field.Join(p, "rate"), "%s is negative; want a rate per second of 0 or more", field.Num(s.Rate))
		case s.Rate > MaxRate:
			es.Addf(field.Join(p, "rate"), "%s is more than %s per second; want at most %s", field.Num(s.Rate), field.Num(MaxRate), field.Num(MaxRate))
		case s.Rate > 0:
			sends = true
		}
		if s.For <= 0 {
			es.Addf(field.Join(p, "for"), "want how long to hold this rate, above 0, such as 10s")
		}
	}
	if !sends {
		es.Addf("steps", "every step has rate 0; want at least one step that sends")
	}
	sum := stepsDuration(l.Steps)
	switch {
	case l.Duration < 0:
		es.Addf("duration", "%s is negative; omit it to run the steps", l.Duration)
	case l.Duration > 0 && l.Duration != sum:
		es.Addf("duration", "%s differs from the sum of the steps (%s); omit duration or make them agree", l.Duration, sum)
	}
}

// validateSends refuses a load that would send nothing while measuring: a
// rate so low that its first send falls after the end (rate: 1e-300 runs
// for its duration, sends nothing and looks like a pass).
func (l Load) validateSends(es *field.Errors) {
	if l.Profile == ProfileSteps {
		var sends float64
		for _, s := range l.Steps {
			sends += s.Rate * s.For.Seconds()
		}
		if sends < 1 {
			es.Addf("steps", "the steps would send %s requests in all; want rates and durations that send at least one", field.Num(sends))
		}
		return
	}
	secs := l.Duration.Seconds()
	sends := l.Rate * secs
	if l.Profile == ProfileLinear {
		sends += l.Slope * secs * secs / 2
	}
	if sends < 1 {
		es.Addf("rate", "%s per second would send %s requests in the %s of measurement, so the first send falls after the end; want a rate that sends at least once in %s",
			field.Num(l.Rate), strconv.FormatFloat(sends, 'g', 3, 64), l.Duration, l.Duration)
	}
}

// Span returns the sum of parts (warm-up + duration + drain), saturating
// at the largest duration rather than wrapping round to a small or
// negative one (warmup: 2562047h once passed the 70-minute cap).
func Span(parts ...time.Duration) time.Duration {
	var total time.Duration
	for _, d := range parts {
		if d < 0 {
			continue
		}
		if total > math.MaxInt64-d {
			return math.MaxInt64
		}
		total += d
	}
	return total
}
