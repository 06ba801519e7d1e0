package serverless

import (
	"fmt"
	"time"

	"github.com/fanbench/fanbench/field"
	"github.com/fanbench/fanbench/strategies"
)

// Modes (Options.Mode).
const (
	ModeOrchestrator = strategies.ServerlessOrchestrator
	ModeFanout       = strategies.ServerlessFanout
)

// Defaults filled in by normalize; see strategies' DefaultServerless*
// for the documented ones.
const (
	DefaultConcurrency    = strategies.DefaultServerlessConcurrency
	DefaultRetries        = strategies.DefaultServerlessRetries
	DefaultRetryDelay     = strategies.DefaultServerlessRetryDelay
	DefaultMaxEventAge    = strategies.DefaultServerlessMaxEventAge
	DefaultKeepWarm       = strategies.DefaultServerlessKeepWarm
	DefaultMaxDeadLetters = strategies.DefaultServerlessMaxDeadLetters
	// DefaultThrottleInitial and DefaultThrottleMax bound the retry interval
	// of a throttled event (documented: increasing exponentially from 1
	// second to at most 5 minutes).
	DefaultThrottleInitial = time.Second
	DefaultThrottleMax     = 5 * time.Minute
)

// Options configure a Platform: the scenario's options plus what the
// run gives.
type Options struct {
	strategies.ServerlessOptions
	// Seed drives the cold-start draws and the throttle jitter (default 1).
	Seed int64
	// Logf receives rare operational messages; nil discards them.
	Logf func(format string, args ...any)
}

// normalize returns o with its zero fields set to their defaults, or an
// error naming every invalid field.
func (o Options) normalize() (Options, error) {
	if err := field.Err(o.Validate()); err != nil {
		return o, fmt.Errorf("serverless: %w", err)
	}
	if o.KeepWarm == 0 {
		o.KeepWarm = DefaultKeepWarm
	}
	if o.Concurrency == 0 {
		o.Concurrency = DefaultConcurrency
	}
	if o.Retries == nil {
		r := DefaultRetries
		o.Retries = &r
	}
	if o.RetryDelay == 0 {
		o.RetryDelay = DefaultRetryDelay
	}
	if o.MaxEventAge == 0 {
		o.MaxEventAge = DefaultMaxEventAge
	}
	if o.Mode == "" {
		o.Mode = ModeOrchestrator
	}
	if o.Throttle.Initial == 0 {
		o.Throttle.Initial = DefaultThrottleInitial
	}
	if o.Throttle.Max == 0 {
		o.Throttle.Max = max(DefaultThrottleMax, o.Throttle.Initial)
	}
	if o.Throttle.Jitter == "" {
		o.Throttle.Jitter = strategies.JitterEqual
	}
	o.Throttle = o.Throttle.Normalize()
	if o.MaxDeadLetters == 0 {
		o.MaxDeadLetters = DefaultMaxDeadLetters
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
	return o, nil
}
