package strategies

import (
	"context"
	"io"
	"net/http"
	"time"
)

// Constructor builds one strategy for one run. It is the whole contract
// between a strategy and the engine: the engine starts the mock APIs, calls
// the constructor of the spec's name with what it shares (Deps), and from
// then on knows the strategy only through what it returned (Built). A
// strategy is added by writing its constructor in its own package and
// adding one row to the table in strategies/catalog; the engine does not
// change.
//
// ctx bounds the construction only (connecting to a broker, waiting for a
// service to listen); background work the strategy starts must outlive it
// and stop in Built.Close. A constructor that fails releases whatever it
// started and returns an error that names what failed and what would work.
type Constructor func(ctx context.Context, spec Spec, deps Deps) (Built, error)

// Deps are what the engine shares with a strategy it builds. The fields
// are values, never flags or environment variables: only the command line
// reads those.
type Deps struct {
	// APIs are the base URLs of mock API a and mock API b (no path), as a
	// service outside the process would be configured with them.
	APIs [2]string
	// Client is the HTTP client every leg of the run shares.
	Client *http.Client
	// Policy is the resilience policy for this strategy's legs: the spec's
	// own, else the scenario's.
	Policy Policy
	// LegStats count the calls, retries and breaker openings to API a and
	// API b for the report; every leg to an API must count into its entry.
	LegStats [2]*LegStats
	// Seed is the run's seed; a strategy draws any randomness from it.
	Seed int64
	// MaxInFlight is the load's cap on user requests in flight; strategies
	// that deliver in the background size their own bounds from it.
	MaxInFlight int
	// Logf receives one line per notable event (never per send); nil
	// discards.
	Logf func(format string, args ...any)
	// BrokerURL, when set, is the message broker strategies that use one
	// connect to instead of their spec's (or an embedded one).
	BrokerURL string
	// Env is the environment of commands a strategy starts (the external
	// strategy's Exec), such as os.Environ() from the caller; the
	// strategy adds its own variables to it.
	Env []string
	// Stdout and Stderr receive such commands' output (nil discards it).
	Stdout, Stderr io.Writer
}

// Leg returns a leg to API i (0 for a, 1 for b) that sends to its /send
// path with policy p, counting into LegStats[i]. Strategies that retry
// elsewhere (a broker's redelivery) pass a policy with Retries 0.
func (d Deps) Leg(i int, p Policy) *Leg {
	return NewLeg(string(rune('a'+i)), d.APIs[i]+"/send", d.Client, p, d.LegStats[i])
}

// Logger returns Logf, or a function that discards when it is nil.
func (d Deps) Logger() func(format string, args ...any) {
	if d.Logf == nil {
		return func(string, ...any) {}
	}
	return d.Logf
}

// Built is a strategy ready to run: what the engine needs to put it behind
// an endpoint, to drive load at it, to wait for it, to release it and to
// report on it. Only one of Strategy, Handler and Target is needed; the
// optional functions may be nil.
type Built struct {
	// Strategy carries each send; the engine serves it behind NewFront
	// unless Handler or Target is set.
	Strategy Strategy
	// Handler, when set, is the front the driver talks to instead of
	// NewFront(Strategy).
	Handler http.Handler
	// Target, when set, is a URL outside the engine that takes the load
	// (the user's own service); the engine starts no front.
	Target string
	// Combine says how the user's latency composes the legs', for the
	// ideal the report sets beside it.
	Combine Combine
	// Drain, when set, is called once the load has ended and returns once
	// everything accepted has been delivered, or when ctx ends (then with
	// an error saying what is left).
	Drain func(ctx context.Context) error
	// Close, when set, releases what the strategy holds: goroutines,
	// connections, brokers, commands it started. The engine calls it once,
	// after Drain and Stats.
	Close func() error
	// Stats, when set, is called once after Drain and returns the
	// strategy's own figures for the report.
	Stats func() Stats
	// RestartBroker, when set, stops the strategy's message broker, keeps
	// it down for down and starts it again (a phase {broker: restart}); it
	// returns once the broker has been started.
	RestartBroker func(ctx context.Context, down time.Duration) error
	// CrashRelay, when set, stops the strategy's relay abruptly, keeps it
	// down for down and starts a new one (a phase {relay: crash}); it
	// returns once the new relay runs.
	CrashRelay func(ctx context.Context, down time.Duration) error
}

// Stats are a strategy's own figures, beyond what the engine measures at
// the driver and in the mocks' ledgers. Every field is optional; the
// engine copies them into the strategy's results without knowing which
// strategy they came from.
type Stats struct {
	// DeadLetters counts deliveries given up on for good, both APIs
	// together (results.json "dead_letters").
	DeadLetters int64
	// Broker, for strategies that carry sends through a message broker,
	// is what the broker did (results.json "broker").
	Broker *BrokerStats
	// Counters are further counts by snake_case name ("cold_starts",
	// "relayed", "compensations"), written as results.json "stats".
	Counters map[string]int64
	// Series are time series by snake_case name ("outbox_backlog"), each a
	// list of samples in time order, written as results.json
	// "stats_series" with times in seconds from the start of measurement.
	Series map[string][]Sample
}

// BrokerStats are what a message broker did during a run.
type BrokerStats struct {
	Published     int64 // sends the broker stored
	Duplicates    int64 // publishes recognised as an id already held
	PublishErrors int64 // publishes that failed
	Redeliveries  int64 // delivery attempts after a message's first
	DeadLetters   int64 // messages given up on
	PeakPending   int64 // largest backlog of any consumer
}

// Sample is one point of a strategy's time series.
type Sample struct {
	At    time.Time
	Value float64
}
