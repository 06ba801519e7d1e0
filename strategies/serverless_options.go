package strategies

import (
	"time"

	"github.com/fanbench/fanbench/field"
	"github.com/fanbench/fanbench/mockapi"
)

// Serverless modes (ServerlessOptions.Mode).
const (
	// ServerlessOrchestrator runs one function per send that calls API a
	// and API b concurrently; a failed leg fails the invocation and the
	// platform retries the whole function.
	ServerlessOrchestrator = "orchestrator"
	// ServerlessFanout runs an orchestrator function that invokes two
	// functions asynchronously, one per API (the article's example); each
	// is queued, throttled and retried on its own.
	ServerlessFanout = "fanout"
)

// Serverless defaults (see strategies/serverless, which fills them in).
// Those marked (documented) are AWS Lambda's for asynchronous invocation.
const (
	// DefaultServerlessConcurrency is Lambda's default concurrency limit
	// per account and Region (documented: 1000).
	DefaultServerlessConcurrency = 1000
	// DefaultServerlessRetries (documented: two more times; 0 to 2).
	DefaultServerlessRetries = 2
	// DefaultServerlessRetryDelay is the wait before the first retry; the
	// n-th waits n times it (documented: one minute, then two).
	DefaultServerlessRetryDelay = time.Minute
	// DefaultServerlessMaxEventAge (documented: 6 hours, from 60 s to 6 h).
	DefaultServerlessMaxEventAge = 6 * time.Hour
	// DefaultServerlessKeepWarm: Lambda publishes no figure; 5 minutes is
	// a common observation, not a guarantee.
	DefaultServerlessKeepWarm = 5 * time.Minute
	// DefaultServerlessMaxDeadLetters caps the dead letters kept with
	// their reasons; all are counted.
	DefaultServerlessMaxDeadLetters = 10000
)

// ServerlessOptions configure the serverless strategy: the `serverless:`
// block of its entry in a scenario. The zero value is Lambda's
// asynchronous invocation with its documented defaults, no cold start
// cost, and the orchestrator mode.
type ServerlessOptions struct {
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
	// Mode is ServerlessOrchestrator (default) or ServerlessFanout.
	Mode string `json:"mode,omitempty" yaml:"mode,omitempty"`
	// Throttle shapes the retry interval of throttled events; zero fields
	// are 1s initial, 5m max, multiplier 2, equal jitter.
	Throttle Backoff `json:"throttle_backoff,omitzero" yaml:"throttle_backoff,omitempty"`
	// MaxDeadLetters caps the dead letters kept with their reasons
	// (default 10000); every dead letter is counted.
	MaxDeadLetters int `json:"max_dead_letters,omitempty" yaml:"max_dead_letters,omitempty"`
}

// Validate returns every invalid setting of o, each naming its field and
// what would be valid; nil when o is valid.
func (o ServerlessOptions) Validate() []field.Error {
	var es field.Errors
	add := es.Addf
	es.Nest("cold_start", o.ColdStart.Validate())
	if o.KeepWarm < 0 {
		add("keep_warm", "%v is negative; want a duration > 0 (0 = %v)", o.KeepWarm, DefaultServerlessKeepWarm)
	}
	if o.Concurrency < 0 {
		add("concurrency", "%d is negative; want >= 1 (0 = %d)", o.Concurrency, DefaultServerlessConcurrency)
	}
	if o.Retries != nil && *o.Retries < 0 {
		add("retries", "%d is negative; want >= 0 (Lambda allows 0 to 2; default %d)", *o.Retries, DefaultServerlessRetries)
	}
	if o.RetryDelay < 0 {
		add("retry_delay", "%v is negative; want a duration >= 0 (0 = %v)", o.RetryDelay, DefaultServerlessRetryDelay)
	}
	if o.MaxEventAge < 0 {
		add("max_event_age", "%v is negative; want a duration > 0 (0 = %v)", o.MaxEventAge, DefaultServerlessMaxEventAge)
	}
	switch o.Mode {
	case "", ServerlessOrchestrator, ServerlessFanout:
	default:
		add("mode", "unknown mode %q; want %s or %s", o.Mode, ServerlessOrchestrator, ServerlessFanout)
	}
	if o.Throttle.Initial < 0 || o.Throttle.Max < 0 || o.Throttle.Multiplier < 0 {
		add("throttle_backoff", "negative initial, max or multiplier; want values >= 0 (0 = default)")
	}
	switch o.Throttle.Jitter {
	case "", JitterFull, JitterEqual, JitterNone:
	default:
		add("throttle_backoff.jitter", "unknown jitter %q; want full, equal or none", o.Throttle.Jitter)
	}
	if o.MaxDeadLetters < 0 {
		add("max_dead_letters", "%d is negative; want >= 0 (0 = %d)", o.MaxDeadLetters, DefaultServerlessMaxDeadLetters)
	}
	return es
}
