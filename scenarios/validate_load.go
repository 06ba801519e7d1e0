package scenarios

import "time"

// MaxRate is the highest rate per second a load may offer (flags that
// override a scenario's rate are held to it too).
const MaxRate = maxRate

// MaxSpan is the longest a strategy's run may last, warm-up, measurement
// and drain together: the mock ledgers' microsecond offsets cover 71
// minutes after a mock starts.
const MaxSpan = 70 * time.Minute

// maxRate bounds every offered rate: far beyond what one machine can
// drive, it catches a misplaced digit rather than limiting real runs.
const maxRate = 1e6

// validateLoad checks the load profile at path "load".
func validateLoad(l *Load, add reportFunc) {
	const path = "load"
	at := func(field string) string { return joinPath(path, field) }
	rate := func(field string, r float64, want string) {
		switch {
		case r < 0:
			add(at(field), "%s is negative; want %s", num(r), want)
		case r > maxRate:
			add(at(field), "%s is more than %s per second; want %s", num(r), num(maxRate), want)
		}
	}
	// only reports a field that the profile does not use.
	only := func(field string, set bool, profile string) {
		if set && l.Profile != profile {
			add(at(field), "only the %s profile takes %s; remove it or set profile: %s", profile, field, profile)
		}
	}

	checkOneOf(add, at("profile"), "load profile", l.Profile, ProfileConstant, ProfileLinear, ProfileSine, ProfileSteps)
	only("slope", l.Slope != 0, ProfileLinear)
	only("amp", l.Amp != 0, ProfileSine)
	only("period", l.Period != 0, ProfileSine)
	only("steps", len(l.Steps) > 0, ProfileSteps)

	switch l.Profile {
	case ProfileConstant:
		if l.Rate == 0 {
			add(at("rate"), "the constant profile needs a rate, in user requests per second, such as 100")
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
			add(at("slope"), "the rate would fall to %s/s by the end; want a slope of at least %s", num(end), num(-l.Rate/l.Duration.Seconds()))
		case end > maxRate:
			add(at("slope"), "the rate would reach %s/s by the end; want at most %s/s", num(end), num(maxRate))
		case l.Rate == 0:
			// vegeta's LinearPacer reads a zero start rate as "unlimited".
			add(at("rate"), "the linear profile needs a start rate above 0, such as 1")
		}
	case ProfileSine:
		if l.Rate == 0 {
			add(at("rate"), "the sine profile needs a mean rate per second above 0, such as 100")
		}
		rate("rate", l.Rate, "a mean rate per second above 0")
		switch {
		case l.Amp < 0:
			add(at("amp"), "%s is negative; want an amplitude of 0 or more", num(l.Amp))
		case l.Amp >= l.Rate && l.Rate > 0:
			// vegeta's SinePacer refuses an amplitude equal to the mean.
			add(at("amp"), "%s is not below the mean rate (%s), so the rate would reach 0 or less; want less than %s", num(l.Amp), num(l.Rate), num(l.Rate))
		}
		if l.Period <= 0 {
			add(at("period"), "the sine profile needs a period above 0, such as 10s")
		}
	case ProfileSteps:
		if l.Rate != 0 {
			add(at("rate"), "the steps profile takes its rates from steps; remove rate")
		}
		validateSteps(l, add)
	}

	if l.Profile != ProfileSteps && l.Duration <= 0 {
		add(at("duration"), "want how long to measure, above 0, such as 30s")
	}
	checkDuration(add, at("warmup"), l.Warmup, "0 (no warm-up) or more")
	checkNonNegative(add, at("max_in_flight"), float64(l.MaxInFlight), "a cap on concurrent user requests, such as 10000")
	checkDuration(add, at("timeout"), l.Timeout, "a user request timeout above 0, such as 10s")
}

// validateSteps checks the steps profile.
func validateSteps(l *Load, add reportFunc) {
	path := "load.steps"
	if len(l.Steps) == 0 {
		add(path, "the steps profile needs steps, such as [{rate: 50, for: 10s}, {rate: 100, for: 10s}]")
		return
	}
	var sends bool
	for i, s := range l.Steps {
		p := indexPath(path, i)
		switch {
		case s.Rate < 0:
			add(joinPath(p, "rate"), "%s is negative; want a rate per second of 0 or more", num(s.Rate))
		case s.Rate > maxRate:
			add(joinPath(p, "rate"), "%s is more than %s per second", num(s.Rate), num(maxRate))
		case s.Rate > 0:
			sends = true
		}
		if s.For <= 0 {
			add(joinPath(p, "for"), "want how long to hold this rate, above 0, such as 10s")
		}
	}
	if !sends {
		add(path, "every step has rate 0; want at least one step that sends")
	}
	if sum := stepsDuration(l.Steps); l.Duration != sum && l.Duration > 0 {
		add("load.duration", "%s differs from the sum of the steps (%s); omit duration or make them agree", l.Duration, sum)
	}
	if l.Duration < 0 {
		add("load.duration", "%s is negative; omit it to run the steps", l.Duration)
	}
}
