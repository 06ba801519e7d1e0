// Package scenarios holds the scenario file schema, its strict YAML decoding
// with line-numbered errors, validation, and the built-in scenarios.
package scenarios

import (
	"time"

	"github.com/fanbench/fanbench/mockapi"
	"github.com/fanbench/fanbench/strategies"
)

// Scenario is one experiment: two mock APIs, a load, the strategies to
// compare, the default resilience policy, a fault timeline and SLO gates.
type Scenario struct {
	Name        string `yaml:"name"`
	Description string `yaml:"description,omitempty"`
	// Seed drives every random draw (default 1).
	Seed int64 `yaml:"seed,omitempty"`
	// APIs holds exactly the APIs a and b.
	APIs APIs `yaml:"apis"`
	Load Load `yaml:"load"`
	// Strategies run one after another, with the same seed and timeline.
	Strategies []strategies.Spec `yaml:"strategies"`
	// Policy is the default resilience policy for every leg.
	Policy strategies.Policy `yaml:"policy,omitempty"`
	// Phases is the fault-injection timeline, relative to the start of measurement.
	Phases []Phase `yaml:"phases,omitempty"`
	// SLO gates, evaluated after the run, as written.
	SLO []string `yaml:"slo,omitempty"`
	// SLOs holds SLO parsed, in the same order; Parse fills it.
	SLOs []SLO `yaml:"-"`
	// DrainTimeout bounds the wait for in-flight work after the load (default 30s).
	DrainTimeout time.Duration `yaml:"drain_timeout,omitempty"`
}

// API names: the keys of `apis:` and the values of Phase.API.
const (
	APIA = "a"
	APIB = "b"
)

// APIs are the two mock APIs every send goes to.
type APIs struct {
	A mockapi.Config `yaml:"a"`
	B mockapi.Config `yaml:"b"`
}

// Profile returns a copy of the scenario profile of the API named name
// ("a" or "b"), sharing no memory with the scenario.
func (a *APIs) Profile(name string) (mockapi.Config, bool) {
	switch name {
	case APIA:
		return a.A.Clone(), true
	case APIB:
		return a.B.Clone(), true
	}
	return mockapi.Config{}, false
}

// Load profiles (Load.Profile).
const (
	ProfileConstant = "constant"
	ProfileLinear   = "linear"
	ProfileSine     = "sine"
	ProfileSteps    = "steps"
)

// Load is the open-loop load the driver offers.
type Load struct {
	// Profile is constant (default), linear, sine or steps.
	Profile string `yaml:"profile,omitempty"`
	// Rate is the constant rate, the start rate of linear, and the mean of sine (per second).
	Rate float64 `yaml:"rate,omitempty"`
	// Slope is linear's change of rate per second.
	Slope float64 `yaml:"slope,omitempty"`
	// Amp and Period shape sine.
	Amp    float64       `yaml:"amp,omitempty"`
	Period time.Duration `yaml:"period,omitempty"`
	// Steps is the steps profile: each rate held for its duration.
	Steps []Step `yaml:"steps,omitempty"`
	// Duration of measurement (steps: the sum of the steps when unset).
	Duration time.Duration `yaml:"duration,omitempty"`
	// Warmup runs before measurement, measured apart and excluded from results.
	Warmup time.Duration `yaml:"warmup,omitempty"`
	// MaxInFlight caps concurrent user requests (default 10000).
	MaxInFlight int `yaml:"max_in_flight,omitempty"`
	// Timeout is the user request timeout (default 10s).
	Timeout time.Duration `yaml:"timeout,omitempty"`
}

// Step is one stage of the steps profile.
type Step struct {
	Rate float64       `yaml:"rate"`
	For  time.Duration `yaml:"for"`
}

// Phase changes API's fault profile at offset At: Set replaces the given
// parts of the profile; Reset restores the scenario's profile.
//
// After Parse, Set holds the complete profile the API runs with from At on
// (the scenario profile with the named fields replaced), so the engine
// swaps it in as it is. A Reset phase has a nil Set: swap in
// APIs.Profile(API).
//
// A broker phase ({at: 10s, broker: restart, down: 3s}) names no API: it
// stops the queue strategy's broker at At and starts it again Down later.
type Phase struct {
	At    time.Duration   `yaml:"at"`
	API   string          `yaml:"api"`
	Set   *mockapi.Config `yaml:"set,omitempty"`
	Reset bool            `yaml:"reset,omitempty"`
	// Broker is the broker action: "restart" (BrokerRestart).
	Broker string `yaml:"broker,omitempty"`
	// Relay is the outbox relay action: "crash" (RelayCrash).
	Relay string `yaml:"relay,omitempty"`
	// Down is how long a restarted broker stays stopped, or a crashed
	// relay stays down.
	Down time.Duration `yaml:"down,omitempty"`
}

// BrokerRestart is the one broker action of a phase.
const BrokerRestart = "restart"

// RelayCrash is the one relay action of a phase: the outbox's relay stops
// abruptly (deliveries in flight are cut) and a new one starts down later.
const RelayCrash = "crash"
