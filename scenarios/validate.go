package scenarios

import (
	"math"
	"slices"
	"strings"
	"time"

	"github.com/fanbench/fanbench/field"
	"github.com/fanbench/fanbench/strategies"
)

// Validate returns every problem with the scenario's values, each with the
// path of its field ("apis.b.latency.p99", "load.rate"). The rules of
// each part are those of the package that owns it (mockapi.Config,
// strategies.Spec and Policy, Load); Validate adds the scenario's own:
// its name, each strategy once, the phase timeline and the run's length.
// Parse runs it and says where each field was written; `fanbench run`
// runs it again after its flags have changed the scenario.
func (s *Scenario) Validate() []field.Error {
	return s.problems(true)
}

// problems is Validate; withLoad is false for a mocks-only file without a
// load.
func (s *Scenario) problems(withLoad bool) field.Errors {
	var es field.Errors
	validateName(s.Name, &es)
	es.Nest("apis.a", s.APIs.A.Validate())
	es.Nest("apis.b", s.APIs.B.Validate())
	if withLoad {
		es.Nest("load", s.Load.Validate())
	}
	switch {
	case s.DrainTimeout < 0:
		es.Addf("drain_timeout", "%s is negative; want a bound on the wait for in-flight work, such as 30s", s.DrainTimeout)
	case s.DrainTimeout > MaxSpan:
		es.Addf("drain_timeout", "%s is longer than a run may last; want at most %s, such as 30s", s.DrainTimeout, MaxSpan)
	}
	if span := Span(s.Load.Warmup, s.Load.Duration, s.DrainTimeout); span > MaxSpan {
		sum := "is " + span.String()
		if span == math.MaxInt64 {
			sum = "overflows a duration"
		}
		es.Addf("load.duration", "warmup + duration + drain_timeout %s; want at most %v: the mocks keep every id until the run is reconciled, so a longer run is several runs", sum, MaxSpan)
	}
	es.Nest("policy", s.Policy.Validate())
	seen := make(map[string]int)
	for i, sp := range s.Strategies {
		p := field.Index("strategies", i)
		es.Nest(p, sp.Validate())
		if sp.Name == "" {
			continue
		}
		// By label: gateway with impl own and with impl nginx may both run.
		if j, dup := seen[sp.Label()]; dup {
			es.Addf(field.Join(p, "name"), "%s is listed twice (also strategies[%d]); want each strategy once", sp.Label(), j)
		} else {
			seen[sp.Label()] = i
		}
	}
	s.validatePhases(&es)
	return es
}

// validateName checks the scenario name: [a-z0-9-]+.
func validateName(name string, es *field.Errors) {
	if name == "" {
		es.Addf("name", "missing; want a name of lower-case letters, digits and dashes, such as flaky-b")
		return
	}
	for _, c := range name {
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
			es.Addf("name", "%q has %q; want lower-case letters, digits and dashes only, such as flaky-b", name, c)
			return
		}
	}
}

// validateBrokerPhase checks a phase {at, broker: restart, down}: the
// action, the outage's length, and a queue strategy whose broker fanbench
// can restart (the embedded one, or one with stop and start commands).
func (s *Scenario) validateBrokerPhase(ph Phase, p string, es *field.Errors) {
	at := func(name string) string { return field.Join(p, name) }
	es.OneOf(at("broker"), "broker action", ph.Broker, BrokerRestart)
	switch {
	case ph.Down <= 0:
		es.Addf(at("down"), "%s; want how long the broker stays stopped, such as 3s", ph.Down)
	case ph.Down > maxBrokerDown:
		es.Addf(at("down"), "%s is longer than %s; want a shorter outage", ph.Down, maxBrokerDown)
	}
	if ph.API != "" || ph.Set != nil || ph.Reset {
		es.Addf(p, "a broker phase takes at, broker and down only; put api, set and reset in a phase of their own")
	}
	i := slices.IndexFunc(s.Strategies, func(sp strategies.Spec) bool { return sp.Name == strategies.NameQueue })
	switch {
	case i < 0:
		es.Addf(at("broker"), "no queue strategy in strategies, so there is no broker to restart; add queue or remove the phase")
	case s.Strategies[i].Queue.URL != "" && s.Strategies[i].Queue.Stop == "":
		es.Addf(at("broker"), "the queue's broker at %s is external: give %s stop: and start: shell commands that stop and start it", s.Strategies[i].Queue.URL, field.Join(field.Index("strategies", i), "queue"))
	}
}

// validateRelayPhase checks a phase {at, relay: crash, down}: the action,
// how long the relay stays down, and an outbox strategy to crash.
func (s *Scenario) validateRelayPhase(ph Phase, p string, es *field.Errors) {
	at := func(name string) string { return field.Join(p, name) }
	es.OneOf(at("relay"), "relay action", ph.Relay, RelayCrash)
	switch {
	case ph.Down <= 0:
		es.Addf(at("down"), "%s; want how long the relay stays down, such as 2s", ph.Down)
	case ph.Down > maxBrokerDown:
		es.Addf(at("down"), "%s is longer than %s; want a shorter outage", ph.Down, maxBrokerDown)
	}
	if ph.API != "" || ph.Set != nil || ph.Reset || ph.Broker != "" {
		es.Addf(p, "a relay phase takes at, relay and down only; put api, set, reset and broker in phases of their own")
	}
	if !slices.ContainsFunc(s.Strategies, func(sp strategies.Spec) bool { return sp.Name == strategies.NameOutbox }) {
		es.Addf(at("relay"), "no outbox strategy in strategies, so there is no relay to crash; add outbox or remove the phase")
	}
}

// maxBrokerDown bounds a broker phase's outage.
const maxBrokerDown = 10 * time.Minute

// validatePhases checks the fault timeline: phases in time order within
// the measurement, each on API a or b, setting or resetting, or restarting
// the broker.
func (s *Scenario) validatePhases(es *field.Errors) {
	for i, ph := range s.Phases {
		p := field.Index("phases", i)
		at := func(name string) string { return field.Join(p, name) }
		switch {
		case ph.At < 0:
			es.Addf(at("at"), "%s is negative; want an offset from the start of measurement, 0 or more", ph.At)
		case s.Load.Duration > 0 && ph.At >= s.Load.Duration:
			es.Addf(at("at"), "%s is not before the end of the load (%s), so the phase would never start", ph.At, s.Load.Duration)
		case i > 0 && ph.At < s.Phases[i-1].At:
			es.Addf(at("at"), "%s comes before phases[%d].at (%s); want the phases in time order", ph.At, i-1, s.Phases[i-1].At)
		}
		if ph.Relay != "" {
			s.validateRelayPhase(ph, p, es)
			continue
		}
		if ph.Broker != "" || ph.Down != 0 {
			s.validateBrokerPhase(ph, p, es)
			continue
		}
		if _, ok := s.APIs.Profile(ph.API); !ok {
			if ph.API == "" {
				es.Addf(at("api"), "missing; want a or b")
			} else {
				es.OneOf(at("api"), "API", ph.API, APIA, APIB)
			}
		}
		switch {
		case ph.Set != nil && ph.Reset:
			es.Addf(p, "both set and reset; want one: set changes the profile, reset: true restores it")
		case ph.Set == nil && !ph.Reset:
			es.Addf(p, "neither set nor reset; want set: {...} to change the profile or reset: true to restore it")
		case ph.Set != nil:
			es.Nest(at("set"), ph.Set.Validate())
		}
	}
}

// validate checks a decoded, defaulted and overlaid scenario and records
// every problem in r at the place the file wrote it. It parses the SLOs
// into s.SLOs.
func validate(s *Scenario, r *report) {
	withLoad := r.idx.present("load")
	for _, e := range s.problems(withLoad) {
		r.field(e)
	}
	if !r.idx.present("apis") {
		r.addf("apis", "missing; want exactly the APIs a and b, such as {a: {latency: {dist: fixed, value: 40ms}}, b: {}}")
	} else {
		for _, api := range []string{APIA, APIB} {
			if p := joinPath("apis", api); !r.idx.has(p) {
				r.addf(p, "missing; want exactly the APIs a and b")
			}
		}
	}
	if !withLoad && !r.mocksOnly {
		r.addf("load", "missing; want a load such as {rate: 100, duration: 30s}")
	}
	if r.idx.present("strategies") && len(s.Strategies) == 0 {
		r.addf("strategies", "the list is empty; want at least one of %s (or omit it for sequential and errgroup)", strings.Join(strategies.Names(), ", "))
	}
	s.SLOs = validateSLOs(s, r.addf)
}

// validateSLOs parses the SLO gates, checking that each names a metric and
// a strategy of this scenario.
func validateSLOs(s *Scenario, add reportFunc) []SLO {
	names := make([]string, len(s.Strategies))
	for i, sp := range s.Strategies {
		names[i] = sp.Label()
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
