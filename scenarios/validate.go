package scenarios

import (
	"slices"
	"strings"

	"github.com/fanbench/fanbench/strategies"
)

// validate checks a decoded, defaulted and overlaid scenario and records
// every problem in r. It parses the SLOs into s.SLOs.
func validate(s *Scenario, r *report) {
	add := r.addf
	validateName(s.Name, add)
	if !r.idx.present("apis") {
		add("apis", "missing; want exactly the APIs a and b, such as {a: {latency: {dist: fixed, value: 40ms}}, b: {}}")
	} else {
		for _, api := range []string{APIA, APIB} {
			if p := joinPath("apis", api); !r.idx.has(p) {
				add(p, "missing; want exactly the APIs a and b")
			}
		}
	}
	validateAPI(&s.APIs.A, "apis.a", add)
	validateAPI(&s.APIs.B, "apis.b", add)
	if !r.idx.present("load") && !r.mocksOnly {
		add("load", "missing; want a load such as {rate: 100, duration: 30s}")
	} else if r.idx.present("load") {
		validateLoad(&s.Load, add)
	}
	checkDuration(add, "drain_timeout", s.DrainTimeout, "a bound on the wait for in-flight work, such as 30s")
	if span := s.Load.Warmup + s.Load.Duration + s.DrainTimeout; span > MaxSpan {
		add("load.duration", "warmup + duration + drain_timeout is %v; want at most %v: the mock APIs' ledgers keep arrival times to the microsecond for 71 minutes", span, MaxSpan)
	}
	validatePolicy(&s.Policy, "policy", add)
	validateStrategies(s.Strategies, r)
	validatePhases(s, r)
	s.SLOs = validateSLOs(s, add)
}

// validateName checks the scenario name: [a-z0-9-]+.
func validateName(name string, add reportFunc) {
	if name == "" {
		add("name", "missing; want a name of lower-case letters, digits and dashes, such as flaky-b")
		return
	}
	for _, c := range name {
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
			add("name", "%q has %q; want lower-case letters, digits and dashes only, such as flaky-b", name, c)
			return
		}
	}
}

// validateStrategies checks the strategy list: known names, each once,
// options only where they apply, and what each strategy's policy names.
func validateStrategies(specs []strategies.Spec, r *report) {
	if r.idx.present("strategies") && len(specs) == 0 {
		r.addf("strategies", "the list is empty; want at least one of %s (or omit it for sequential and errgroup)", strings.Join(strategies.Names(), ", "))
	}
	seen := make(map[string]int)
	for i, sp := range specs {
		p := indexPath("strategies", i)
		at := func(field string) string { return joinPath(p, field) }
		namePath := p
		if r.idx.has(at("name")) {
			namePath = at("name")
		}
		switch {
		case sp.Name == "":
			r.addf(namePath, "missing name; want one of %s", strings.Join(strategies.Names(), ", "))
		case !slices.Contains(strategies.Names(), sp.Name):
			checkOneOf(r.addf, namePath, "strategy", sp.Name, strategies.Names()...)
		default:
			if j, dup := seen[sp.Name]; dup {
				r.addf(namePath, "%s is listed twice (also strategies[%d]); want each strategy once", sp.Name, j)
			} else {
				seen[sp.Name] = i
			}
		}
		if sp.Name != strategies.NameErrgroup && r.idx.has(at("cancel_on_error")) {
			r.addf(at("cancel_on_error"), "only errgroup takes cancel_on_error; remove it")
		}
		if sp.Name == strategies.NameGateway {
			checkOneOf(r.addf, at("wait"), "gateway wait", sp.Wait, "all", "none")
		} else if r.idx.has(at("wait")) {
			r.addf(at("wait"), "only gateway takes wait; remove it")
		}
		if sp.Name == strategies.NameQueue {
			q := at("queue")
			checkNonNegative(r.addf, joinPath(q, "concurrency"), float64(sp.Queue.Concurrency), "messages in flight per consumer, 0 (default 64) or more")
			checkDuration(r.addf, joinPath(q, "ack_wait"), sp.Queue.AckWait, "0 (default 30s) or more")
			checkNonNegative(r.addf, joinPath(q, "max_deliver"), float64(sp.Queue.MaxDeliver), "delivery attempts, 0 (default: retries + 1) or more")
		} else if r.idx.has(at("queue")) {
			r.addf(at("queue"), "only queue takes queue options; remove them")
		}
		if sp.Policy != nil && r.idx.has(at("policy")) {
			validatePolicy(sp.Policy, at("policy"), r.under(at("policy")))
		}
	}
}

// validatePhases checks the fault timeline: phases in time order within
// the measurement, on API a or b, each either setting or resetting.
func validatePhases(s *Scenario, r *report) {
	for i, ph := range s.Phases {
		p := indexPath("phases", i)
		at := func(field string) string { return joinPath(p, field) }
		switch {
		case ph.At < 0:
			r.addf(at("at"), "%s is negative; want an offset from the start of measurement, 0 or more", ph.At)
		case s.Load.Duration > 0 && ph.At >= s.Load.Duration:
			r.addf(at("at"), "%s is not before the end of the load (%s), so the phase would never start", ph.At, s.Load.Duration)
		case i > 0 && ph.At < s.Phases[i-1].At:
			r.addf(at("at"), "%s comes before phases[%d].at (%s); want the phases in time order", ph.At, i-1, s.Phases[i-1].At)
		}
		if _, ok := s.APIs.Profile(ph.API); !ok {
			if ph.API == "" {
				r.addf(at("api"), "missing; want a or b")
			} else {
				checkOneOf(r.addf, at("api"), "API", ph.API, APIA, APIB)
			}
		}
		switch {
		case ph.Set != nil && ph.Reset:
			r.addf(p, "both set and reset; want one: set changes the profile, reset: true restores it")
		case ph.Set == nil && !ph.Reset:
			r.addf(p, "neither set nor reset; want set: {...} to change the profile or reset: true to restore it")
		case ph.Set != nil:
			validateAPI(ph.Set, at("set"), r.under(at("set")))
		}
	}
}

// validateSLOs parses the SLO gates, checking that each names a metric and
// a strategy of this scenario.
func validateSLOs(s *Scenario, add reportFunc) []SLO {
	names := make([]string, len(s.Strategies))
	for i, sp := range s.Strategies {
		names[i] = sp.Name
	}
	var out []SLO
	for i, expr := range s.SLO {
		p := indexPath("slo", i)
		slo, err := ParseSLO(expr)
		if err != nil {
			add(p, "%v", err)
			continue
		}
		if slo.Strategy != wildcardTarget && !slices.Contains(names, slo.Strategy) {
			add(p, "%q: strategy %s is not run by this scenario; want * or one of %s", slo.Expr, slo.Strategy, strings.Join(names, ", "))
			continue
		}
		out = append(out, slo)
	}
	return out
}
