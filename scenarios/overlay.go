package scenarios

import (
	"reflect"
	"slices"

	"github.com/fanbench/fanbench/mockapi"
	"github.com/fanbench/fanbench/strategies"
)

// overlayPolicies gives every strategy its own complete policy: the
// scenario's policy with whatever the strategy's `policy:` names laid over
// it, field by field and into nested blocks (`backoff: {max: 5s}` keeps the
// scenario's initial, multiplier and jitter). A list (retry_on) is replaced
// as a whole; `breaker: null` removes the scenario's breaker.
//
// The strategy's policy node is decoded a second time, into a copy of the
// scenario policy: decoding changes only what a node names.
func (d *decoder) overlayPolicies(s *Scenario) {
	for i := range s.Strategies {
		p := clonePolicy(s.Policy)
		path := joinPath(indexPath("strategies", i), "policy")
		if d.r.idx.present(path) {
			e := d.r.idx.entries[path]
			d.decode(e.node, e.pos, path, reflect.ValueOf(&p).Elem())
		}
		fillBackoff(&p.Backoff)
		s.Strategies[i].Policy = &p
	}
}

// overlayPhases turns each phase's `set:` into the complete profile the API
// runs with from that phase on: the API's scenario profile with each field
// the set names replaced as a whole (`latency: {dist: fixed, value: 1s}`
// replaces the whole distribution, `errors: [...]` the whole list). A set
// is always laid over the scenario profile, not over an earlier phase.
// Phases that reset, or name an unknown API, keep Set nil.
func (d *decoder) overlayPhases(s *Scenario) {
	fields := d.fieldsOf(reflect.TypeFor[mockapi.Config]())
	for i := range s.Phases {
		ph := &s.Phases[i]
		base, ok := s.APIs.Profile(ph.API)
		if ph.Set == nil || !ok {
			continue
		}
		path := joinPath(indexPath("phases", i), "set")
		entries, _ := d.entries(d.r.idx.node(path), path)
		merged := base
		from := reflect.ValueOf(ph.Set).Elem()
		to := reflect.ValueOf(&merged).Elem()
		for _, e := range entries {
			j := slices.IndexFunc(fields, func(f yamlField) bool { return f.name == e.key })
			if j >= 0 {
				to.FieldByIndex(fields[j].index).Set(from.FieldByIndex(fields[j].index))
			}
		}
		ph.Set = &merged
	}
}

// clonePolicy returns a copy of p that shares no memory with it.
func clonePolicy(p strategies.Policy) strategies.Policy {
	p.RetryOn = slices.Clone(p.RetryOn)
	if p.Breaker != nil {
		b := *p.Breaker
		p.Breaker = &b
	}
	return p
}
