package scenarios

import (
	"slices"
	"strings"
	"time"

	"github.com/fanbench/fanbench/mockapi"
)

// distNames lists the distributions, for messages.
func distNames() []string {
	return []string{mockapi.DistFixed, mockapi.DistUniform, mockapi.DistNormal, mockapi.DistLognormal, mockapi.DistExponential, mockapi.DistPareto, mockapi.DistMixture}
}

// distFields lists the fields a distribution takes besides dist and max.
func distFields(dist string) []string {
	switch dist {
	case mockapi.DistFixed:
		return []string{"value"}
	case mockapi.DistUniform:
		return []string{"min"}
	case mockapi.DistNormal:
		return []string{"mean", "stddev"}
	case mockapi.DistLognormal:
		return []string{"median", "p99", "sigma"}
	case mockapi.DistExponential:
		return []string{"mean"}
	case mockapi.DistPareto:
		return []string{"scale", "alpha"}
	case mockapi.DistMixture:
		return []string{"parts"}
	}
	return nil
}

// latencySet lists the fields of l other than dist that are set, in
// schema order.
func latencySet(l *mockapi.Latency) []string {
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

// validateLatency checks a latency distribution found at path: a known
// dist, the fields it needs and no others, and values that make sense.
// What passes is also offered to the mock's own compiler, so that a
// scenario that parses never fails when the mock starts; the two should
// agree, and this is where a disagreement would show.
func validateLatency(l *mockapi.Latency, path string, add reportFunc) {
	found := 0
	counting := func(p, format string, args ...any) {
		found++
		add(p, format, args...)
	}
	checkLatency(l, path, counting)
	if found > 0 {
		return
	}
	if _, err := l.Sampler(); err != nil {
		add(path, "the mock rejects this distribution: %v", err)
	}
}

// checkLatency is validateLatency without the mock's second opinion.
func checkLatency(l *mockapi.Latency, path string, add reportFunc) {
	at := func(field string) string { return joinPath(path, field) }
	set := latencySet(l)
	if l.Dist == "" {
		if len(set) > 0 {
			add(at(set[0]), "set without a dist; want dist: one of %s (omit latency for no delay)", strings.Join(distNames(), ", "))
		}
		return
	}
	if !slices.Contains(distNames(), l.Dist) {
		checkOneOf(add, at("dist"), "distribution", l.Dist, distNames()...)
		return
	}
	takes := append(distFields(l.Dist), "max")
	for _, f := range set {
		if !slices.Contains(takes, f) {
			add(at(f), "%s takes %s, not %s", l.Dist, strings.Join(takes, ", "), f)
		}
	}

	positive := func(field string, d time.Duration) {
		if d <= 0 {
			add(at(field), "%s needs %s above 0, such as 40ms", l.Dist, field)
		}
	}
	checkDuration(add, at("max"), l.Max.D(), "a cap above 0, or no max")
	switch l.Dist {
	case mockapi.DistFixed:
		checkDuration(add, at("value"), l.Value.D(), "the latency of every call, such as 40ms")
	case mockapi.DistUniform:
		checkDuration(add, at("min"), l.Min.D(), "a lower bound of 0 or more")
		switch {
		case l.Max == 0:
			add(at("max"), "uniform draws between min and max; want max, such as 100ms")
		case l.Max > 0 && l.Max < l.Min:
			add(at("max"), "%s is below min (%s); want max of at least min", l.Max.D(), l.Min.D())
		}
	case mockapi.DistNormal:
		positive("mean", l.Mean.D())
		checkDuration(add, at("stddev"), l.Stddev.D(), "a spread of 0 or more, such as 10ms")
	case mockapi.DistLognormal:
		positive("median", l.Median.D())
		switch {
		case l.P99 == 0 && l.Sigma == 0:
			add(at("p99"), "lognormal needs p99 (or sigma) besides median, such as p99: 120ms")
		case l.P99 != 0 && l.Sigma != 0:
			add(at("sigma"), "give p99 or sigma, not both")
		case l.P99 != 0 && l.P99 < l.Median:
			add(at("p99"), "%s is below median (%s); want p99 of at least the median", l.P99.D(), l.Median.D())
		case l.Sigma != 0 && !(l.Sigma > 0):
			add(at("sigma"), "%s is not above 0; want the spread of log(latency), such as 0.5", num(l.Sigma))
		}
	case mockapi.DistExponential:
		positive("mean", l.Mean.D())
	case mockapi.DistPareto:
		positive("scale", l.Scale.D())
		if !(l.Alpha > 0) {
			add(at("alpha"), "pareto needs alpha above 0, such as 1.5 (lower is heavier-tailed)")
		}
	case mockapi.DistMixture:
		validateMixture(l.Parts, at("parts"), add)
	}
}

// validateMixture checks the parts of a mixture.
func validateMixture(parts []mockapi.LatencyPart, path string, add reportFunc) {
	if len(parts) == 0 {
		add(path, "a mixture needs parts, such as [{weight: 0.99, dist: fixed, value: 10ms}, {weight: 0.01, dist: fixed, value: 1s}]")
		return
	}
	for i := range parts {
		p := indexPath(path, i)
		if !(parts[i].Weight > 0) {
			add(joinPath(p, "weight"), "%s is not above 0; want a relative weight, such as 0.99", num(parts[i].Weight))
		}
		if parts[i].Dist == "" {
			add(joinPath(p, "dist"), "each part needs a dist; want one of %s", strings.Join(distNames(), ", "))
			continue
		}
		checkLatency(&parts[i].Latency, p, add)
	}
}
