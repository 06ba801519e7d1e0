package serverless

import (
	"fmt"
	"time"

	"github.com/fanbench/fanbench/mockapi"
	"github.com/fanbench/fanbench/strategies"
)

// Modes (Options.Mode).
const (
	// ModeOrchestrator runs one function per send that calls API a and API
	// b concurrently; a failed leg fails the invocation and the platform
	// retries the whole function.
	ModeOrchestrator = "orchestrator"
	// ModeFanout runs an orchestrator function that invokes two functions
	// asynchronously, one per API (the article's example); each is queued,
	// throttled and retried on its own.
	ModeFanout = "fanout"
)

// Defaults filled in by Normalize. Those marked (documented) are AWS
// Lambda's for asynchronous invocation; the README cites them.
const (
	// DefaultConcurrency is Lambda's default concurrency limit per account
	// and Region (documented: 1000).
	DefaultConcurrency = 1000
	// DefaultRetries is how often Lambda retries a failed asynchronous
	// invocation (documented: two more times; configurable 0 to 2).
	DefaultRetries = 2
	// DefaultRetryDelay is the wait before the first retry; the n-th retry
	// waits n times it (documented: one minute, then two minutes).
	DefaultRetryDelay = time.Minute
	// DefaultMaxEventAge is how long an event may stay in the queue
	// (documented: 6 hours by default, configurable from 60 s to 6 h).
	DefaultMaxEventAge = 6 * time.Hour
	// DefaultKeepWarm is how long an idle instance is kept. Lambda publishes
	// no figure for it; 5 minutes is a common observation, not a guarantee.
	DefaultKeepWarm = 5 * time.Minute
	// DefaultThrottleInitial and DefaultThrottleMax bound the retry interval
	// of a throttled event (documented: increasing exponentially from 1
	// second to at most 5 minutes).
	DefaultThrottleInitial = time.Second
	DefaultThrottleMax     = 5 * time.Minute
	// DefaultMaxDeadLetters caps the dead letters kept for the report; all
	// are counted.
	DefaultMaxDeadLetters = 10000
)

// Options configure a Platform: the serverless strategy's block of a
// scenario. The zero value is Lambda's asynchronous invocation with its
// documented defaults, no cold start cost, and the orchestrator mode.
type Options struct {
	// ColdStart is the time a new instance takes before it runs its first
	// event, drawn per instance from one of the mock APIs' distributions.
	// The zero value costs nothing.
	ColdStart mockapi.Latency `json:"cold_start,omitzero" yaml:"cold_start,omitempty"`
	// KeepWarm is how long an idle instance waits for another event before
	// it is reclaimed (default 5m).
	KeepWarm time.Duration `json:"keep_warm,omitempty" yaml:"keep_warm,omitempty"`
	// Concurrency caps the invocations running at once, cold starts
	// included, all functions together (default 1000). An event beyond it
	// is throttled: it goes back to the queue and is retried with backoff.
	Concurrency int `json:"concurrency,omitempty" yaml:"concurrency,omitempty"`
	// Retries is how often a failed invocation is retried (nil = 2).
	Retries *int `json:"retries,omitempty" yaml:"retries,omitempty"`
	// RetryDelay is the wait before the first retry of a failed invocation;
	// the n-th retry waits n·RetryDelay (default 1m).
	RetryDelay time.Duration `json:"retry_delay,omitempty" yaml:"retry_delay,omitempty"`
	// MaxEventAge drops an event that waited longer in the queue (throttled
	// or waiting for a retry) to the dead-letter list (default 6h).
	MaxEventAge time.Duration `json:"max_event_age,omitempty" yaml:"max_event_age,omitempty"`
	// Mode is ModeOrchestrator (default) or ModeFanout.
	Mode string `json:"mode,omitempty" yaml:"mode,omitempty"`
	// Throttle shapes the retry interval of throttled events; zero fields
	// are 1s initial, 5m max, multiplier 2, equal jitter.
	Throttle strategies.Backoff `json:"throttle_backoff,omitzero" yaml:"throttle_backoff,omitempty"`
	// MaxDeadLetters caps the dead letters kept with their reasons
	// (default 10000); every dead letter is counted.
	MaxDeadLetters int `json:"max_dead_letters,omitempty" yaml:"max_dead_letters,omitempty"`

	// Seed drives the cold-start draws and the throttle jitter (default 1).
	Seed int64 `json:"-" yaml:"-"`
	// Logf receives rare operational messages; nil discards them.
	Logf func(format string, args ...any) `json:"-" yaml:"-"`
}

// FieldError is one invalid setting, with its field path under the
// strategy's block (e.g. "retries").
type FieldError struct {
	Field string
	Msg   string
}

func (e FieldError) Error() string { return e.Field + ": " + e.Msg }

// Validate returns every invalid setting of o, each naming its field and
// what would be valid; nil when o is valid.
func (o Options) Validate() []FieldError {
	var errs []FieldError
	add := func(field, format string, args ...any) {
		errs = append(errs, FieldError{Field: field, Msg: fmt.Sprintf(format, args...)})
	}
	if _, err := o.ColdStart.Sampler(); err != nil {
		add("cold_start", "%v", err)
	}
	if o.KeepWarm < 0 {
		add("keep_warm", "%v is negative; want a duration > 0 (0 = %v)", o.KeepWarm, DefaultKeepWarm)
	}
	if o.Concurrency < 0 {
		add("concurrency", "%d is negative; want >= 1 (0 = %d)", o.Concurrency, DefaultConcurrency)
	}
	if o.Retries != nil && *o.Retries < 0 {
		add("retries", "%d is negative; want >= 0 (Lambda allows 0 to 2; default %d)", *o.Retries, DefaultRetries)
	}
	if o.RetryDelay < 0 {
		add("retry_delay", "%v is negative; want a duration >= 0 (0 = %v)", o.RetryDelay, DefaultRetryDelay)
	}
	if o.MaxEventAge < 0 {
		add("max_event_age", "%v is negative; want a duration > 0 (0 = %v)", o.MaxEventAge, DefaultMaxEventAge)
	}
	switch o.Mode {
	case "", ModeOrchestrator, ModeFanout:
	default:
		add("mode", "unknown mode %q; want %s or %s", o.Mode, ModeOrchestrator, ModeFanout)
	}
	if o.Throttle.Initial < 0 || o.Throttle.Max < 0 || o.Throttle.Multiplier < 0 {
		add("throttle_backoff", "negative initial, max or multiplier; want values >= 0 (0 = default)")
	}
	switch o.Throttle.Jitter {
	case "", strategies.JitterFull, strategies.JitterEqual, strategies.JitterNone:
	default:
		add("throttle_backoff.jitter", "unknown jitter %q; want full, equal or none", o.Throttle.Jitter)
	}
	if o.MaxDeadLetters < 0 {
		add("max_dead_letters", "%d is negative; want >= 0 (0 = %d)", o.MaxDeadLetters, DefaultMaxDeadLetters)
	}
	return errs
}

// normalize returns o with its zero fields set to their defaults, or an
// error naming every invalid field.
func (o Options) normalize() (Options, error) {
	if errs := o.Validate(); len(errs) > 0 {
		return o, fmt.Errorf("serverless: %w", joinFieldErrors(errs))
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

// fieldErrors joins FieldErrors into one error.
type fieldErrors []FieldError

func (e fieldErrors) Error() string {
	s := ""
	for i, fe := range e {
		if i > 0 {
			s += "; "
		}
		s += fe.Error()
	}
	return s
}

func joinFieldErrors(errs []FieldError) error { return fieldErrors(errs) }
