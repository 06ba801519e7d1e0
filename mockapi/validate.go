package mockapi

import (
	"math"
	"slices"
	"strings"

	"github.com/fanbench/fanbench/field"
)

// The rules of a mock profile, stated once: New, SetConfig and the admin
// API refuse what Validate reports, and scenarios reports the same
// problems at the line and column of the file that wrote them.

// MaxRateLimitRPS is the largest token rate a RateLimit may have.
const MaxRateLimitRPS = 1e9

// rateSlack absorbs rounding when shares are summed: 0.1+0.2+0.7 is not
// exactly 1.
const rateSlack = 1e-9

// Idempotency modes (Config.Idempotency); the empty string means on.
const (
	IdempotencyOn  = "on"
	IdempotencyOff = "off"
)

// Validate returns every problem with c, each with the path of its field
// relative to the profile ("latency.p99", "errors[1].rate").
func (c Config) Validate() []field.Error {
	var es field.Errors
	es.Nest("latency", c.Latency.Validate())

	// Sums are checked only when each share is valid on its own.
	var errSum float64
	sharesOK := true
	for i, e := range c.Errors {
		p := field.Index("errors", i)
		if e.Status < 400 || e.Status > 599 {
			es.Addf(field.Join(p, "status"), "%d is not an HTTP error status; want 400 to 599", e.Status)
		}
		sharesOK = sharesOK && e.Rate >= 0 && e.Rate <= 1
		es.Share(field.Join(p, "rate"), e.Rate)
		errSum += e.Rate
	}
	if sharesOK && errSum > 1+rateSlack {
		es.Addf("errors", "the rates sum to %s; each arrival draws at most one error, so want a sum of at most 1", field.Num(errSum))
	}

	es.NonNegative("fail_first", float64(c.FailFirst), "a count of arrivals (0 = off)")

	if c.RateLimit != nil {
		es.Nest("rate_limit", c.RateLimit.Validate())
	}

	es.NonNegative("concurrency_limit", float64(c.ConcurrencyLimit), "0 (off) or more")
	switch c.LimitStatus {
	case 0, 429, 503:
	default:
		es.Addf("limit_status", "%d is not a limit status; want 429 or 503", c.LimitStatus)
	}

	var faultSum float64
	for i, f := range c.Faults {
		p := field.Index("faults", i)
		es.OneOf(field.Join(p, "kind"), "fault kind", f.Kind, faultKinds()...)
		sharesOK = sharesOK && f.Rate >= 0 && f.Rate <= 1
		es.Share(field.Join(p, "rate"), f.Rate)
		faultSum += f.Rate
		if f.Kind == FaultSlowBody {
			es.Duration(field.Join(p, "duration"), f.Duration.D(), "the time to dribble the body over (0 = 1s)")
		} else if f.Duration != 0 {
			es.Addf(field.Join(p, "duration"), "only slow_body takes a duration; remove it")
		}
	}
	// The mock decides errors and faults with one draw, so their rates
	// share one unit.
	switch {
	case !sharesOK:
	case faultSum > 1+rateSlack:
		es.Addf("faults", "the rates sum to %s; each arrival meets at most one fault, so want a sum of at most 1", field.Num(faultSum))
	case errSum <= 1+rateSlack && errSum+faultSum > 1+rateSlack:
		es.Addf("faults", "with the errors, the rates sum to %s; each arrival meets at most one error or fault, so want a sum of at most 1", field.Num(errSum+faultSum))
	}

	if c.Idempotency != "" {
		es.OneOf("idempotency", "idempotency", c.Idempotency, IdempotencyOn, IdempotencyOff)
	}
	return es
}

// Validate returns every problem with the token bucket rl, with paths
// relative to it ("rps").
func (rl RateLimit) Validate() []field.Error {
	var es field.Errors
	if !(rl.RPS > 0 && rl.RPS <= MaxRateLimitRPS) {
		es.Addf("rps", "%s is out of range; want tokens per second above 0 and at most %s (omit rate_limit for none)", field.Num(rl.RPS), field.Num(MaxRateLimitRPS))
	}
	es.NonNegative("burst", float64(rl.Burst), "a bucket size of 0 (= 1) or more")
	es.Duration("retry_after", rl.RetryAfter.D(), "0 (until the next token) or more")
	return es
}

// faultKinds lists the fault kinds, for messages.
func faultKinds() []string {
	return []string{FaultReset, FaultHang, FaultEmpty, FaultGarbage, FaultSlowBody, FaultLostAck}
}

// distNames lists the distributions, for messages.
func distNames() []string {
	return []string{DistFixed, DistUniform, DistNormal, DistLognormal, DistExponential, DistPareto, DistMixture}
}

// distFields lists the fields a distribution takes besides dist and max.
func distFields(dist string) []string {
	switch dist {
	case DistFixed:
		return []string{"value"}
	case DistUniform:
		return []string{"min"}
	case DistNormal:
		return []string{"mean", "stddev"}
	case DistLognormal:
		return []string{"median", "p99", "sigma"}
	case DistExponential:
		return []string{"mean"}
	case DistPareto:
		return []string{"scale", "alpha"}
	case DistMixture:
		return []string{"parts"}
	}
	return nil
}

// setFields lists the fields of l other than dist that are set, in
// schema order.
func (l *Latency) setFields() []string {
	var set []string
	for _, f := range []struct {
		name string
		on   bool
	}{
		{"value", l.Value != 0}, {"min", l.Min != 0}, {"max", l.Max != 0},
		{"mean", l.Mean != 0}, {"stddev", l.Stddev != 0}, {"median", l.Median != 0},
		{"p99", l.P99 != 0}, {"sigma", l.Sigma != 0}, {"scale", l.Scale != 0},
		{"alpha", l.Alpha != 0}, {"parts", len(l.Parts) > 0},
	} {
		if f.on {
			set = append(set, f.name)
		}
	}
	return set
}

// Validate returns every problem with l: a known dist, the fields it
// needs and no others, and values that make sense. Paths are relative to
// the distribution ("p99", "parts[1].weight").
func (l Latency) Validate() []field.Error {
	var es field.Errors
	l.validate(&es)
	return es
}

func (l *Latency) validate(es *field.Errors) {
	set := l.setFields()
	if l.Dist == DistNone {
		if len(set) > 0 {
			es.Addf(set[0], "set without a dist; want dist: one of %s (omit latency for no delay)", strings.Join(distNames(), ", "))
		}
		return
	}
	if !slices.Contains(distNames(), l.Dist) {
		es.OneOf("dist", "distribution", l.Dist, distNames()...)
		return
	}
	takes := append(distFields(l.Dist), "max")
	for _, f := range set {
		if !slices.Contains(takes, f) {
			es.Addf(f, "%s takes %s, not %s", l.Dist, strings.Join(takes, ", "), f)
		}
	}

	positive := func(name string, d Duration) {
		if d <= 0 {
			es.Addf(name, "%s needs %s above 0, such as 40ms", l.Dist, name)
		}
	}
	es.Duration("max", l.Max.D(), "a cap above 0, or no max")
	switch l.Dist {
	case DistFixed:
		es.Duration("value", l.Value.D(), "the latency of every call, such as 40ms")
	case DistUniform:
		es.Duration("min", l.Min.D(), "a lower bound of 0 or more")
		switch {
		case l.Max == 0:
			es.Addf("max", "uniform draws between min and max; want max, such as 100ms")
		case l.Max > 0 && l.Max < l.Min:
			es.Addf("max", "%s is below min (%s); want max of at least min", l.Max.D(), l.Min.D())
		}
	case DistNormal:
		// A mean of 0 would clamp half of all draws to 0: not a
		// normal distribution any more.
		positive("mean", l.Mean)
		es.Duration("stddev", l.Stddev.D(), "a spread of 0 or more, such as 10ms")
	case DistLognormal:
		positive("median", l.Median)
		switch {
		case l.P99 == 0 && l.Sigma == 0:
			es.Addf("p99", "lognormal needs p99 (or sigma) besides median, such as p99: 120ms")
		case l.P99 != 0 && l.Sigma != 0:
			es.Addf("sigma", "give p99 or sigma, not both")
		case l.P99 != 0 && l.P99 < l.Median:
			es.Addf("p99", "%s is below median (%s); want p99 of at least the median", l.P99.D(), l.Median.D())
		case l.Sigma != 0 && !(l.Sigma > 0 && !math.IsInf(l.Sigma, 0)):
			es.Addf("sigma", "%s is not above 0; want the spread of log(latency), such as 0.5", field.Num(l.Sigma))
		}
	case DistExponential:
		positive("mean", l.Mean)
	case DistPareto:
		positive("scale", l.Scale)
		if !(l.Alpha > 0) || math.IsInf(l.Alpha, 0) {
			es.Addf("alpha", "pareto needs alpha above 0, such as 1.5 (lower is heavier-tailed)")
		}
	case DistMixture:
		validateParts(l.Parts, es)
	}
}

// validateParts checks the parts of a mixture.
func validateParts(parts []LatencyPart, es *field.Errors) {
	if len(parts) == 0 {
		es.Addf("parts", "a mixture needs parts, such as [{weight: 0.99, dist: fixed, value: 10ms}, {weight: 0.01, dist: fixed, value: 1s}]")
		return
	}
	for i := range parts {
		p := field.Index("parts", i)
		if w := parts[i].Weight; !(w > 0) || math.IsInf(w, 0) {
			es.Addf(field.Join(p, "weight"), "%s is not above 0; want a relative weight, such as 0.99", field.Num(w))
		}
		if parts[i].Dist == DistNone {
			es.Addf(field.Join(p, "dist"), "each part needs a dist; want one of %s", strings.Join(distNames(), ", "))
			continue
		}
		var sub field.Errors
		parts[i].Latency.validate(&sub)
		es.Nest(p, sub)
	}
}
