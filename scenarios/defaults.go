package scenarios

import (
	"math"
	"time"

	"github.com/fanbench/fanbench/strategies"
)

// DefaultName is the built-in scenario run when none is named.
const DefaultName = "quick"

// Defaults Parse fills in. A field is defaulted when the file leaves it out
// (or gives it its zero value, for fields where zero means nothing). The
// defaults of what other packages own stay theirs and are not copied here:
// a mock profile's (idempotency on), a gateway's wait (all), a queue's
// options.
//
//	seed               1 (only when seed is absent: seed: 0 is a seed)
//	load.profile       constant
//	load.max_in_flight 10000
//	load.timeout       10s (the user request timeout)
//	load.duration      steps: the sum of the steps
//	drain_timeout      30s
//	strategies         [sequential, errgroup]
//	policy             retries 0 when policy is absent entirely
//	policy.timeout     2s whenever unset, in every policy: a leg always has
//	                   a per-attempt timeout below the user's
//	policy.backoff     initial 50ms, max 2s (or initial, if larger),
//	                   multiplier 2, jitter full: each whenever unset, in
//	                   every policy
const (
	defaultSeed         = 1
	defaultProfile      = ProfileConstant
	defaultMaxInFlight  = 10000
	defaultUserTimeout  = 10 * time.Second
	defaultDrainTimeout = 30 * time.Second
	defaultLegTimeout   = 2 * time.Second
)

// defaultStrategies are run when a scenario lists none.
func defaultStrategies() []strategies.Spec {
	return []strategies.Spec{{Name: strategies.NameSequential}, {Name: strategies.NameErrgroup}}
}

// defaultPolicy is the policy of a scenario without a policy block.
func defaultPolicy() strategies.Policy {
	p := strategies.Policy{Timeout: defaultLegTimeout}
	fillBackoff(&p.Backoff)
	return p
}

// fillScenario fills the scenario-wide defaults; named reports whether the
// file gives a field path a non-null value. Strategy policies and phase
// profiles are completed by the overlays.
func fillScenario(s *Scenario, named func(path string) bool) {
	if !named("seed") {
		s.Seed = defaultSeed
	}
	if s.DrainTimeout == 0 {
		s.DrainTimeout = defaultDrainTimeout
	}
	fillLoad(&s.Load)
	if !named("policy") {
		s.Policy = defaultPolicy()
	}
	fillBackoff(&s.Policy.Backoff)
	if s.Policy.Timeout == 0 {
		s.Policy.Timeout = defaultLegTimeout
	}
	if !named("strategies") {
		s.Strategies = defaultStrategies()
	}
}

// fillLoad fills the load defaults.
func fillLoad(l *Load) {
	if l.Profile == "" {
		l.Profile = defaultProfile
	}
	if l.MaxInFlight == 0 {
		l.MaxInFlight = defaultMaxInFlight
	}
	if l.Timeout == 0 {
		l.Timeout = defaultUserTimeout
	}
	if l.Profile == ProfileSteps && l.Duration == 0 {
		l.Duration = stepsDuration(l.Steps)
	}
}

// stepsDuration is the total of the steps, saturating rather than
// overflowing on absurd inputs.
func stepsDuration(steps []Step) time.Duration {
	var total time.Duration
	for _, s := range steps {
		if s.For <= 0 {
			continue
		}
		if total > math.MaxInt64-s.For {
			return math.MaxInt64
		}
		total += s.For
	}
	return total
}

// fillBackoff fills each unset (zero) backoff field with the strategies
// package's default. Unlike Backoff.Normalize it leaves negative values
// alone, for validation to report rather than silently replace.
func fillBackoff(b *strategies.Backoff) {
	n := b.Normalize()
	if b.Initial == 0 {
		b.Initial = n.Initial
	}
	if b.Max == 0 {
		b.Max = n.Max
	}
	if b.Multiplier == 0 {
		b.Multiplier = n.Multiplier
	}
	if b.Jitter == "" {
		b.Jitter = n.Jitter
	}
}
