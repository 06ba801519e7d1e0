package strategies

import "time"

// Policy is the resilience policy applied to every leg (one downstream call
// of a send): the `policy:` block of a scenario, overridable per strategy.
// The zero value makes one attempt with no timeout beyond the caller's.
type Policy struct {
	// Timeout bounds one attempt of a leg, its wait for the client rate
	// limit included. 0 = no per-attempt timeout.
	Timeout time.Duration `json:"timeout,omitempty" yaml:"timeout,omitempty"`
	// Retries is the number of extra attempts after the first.
	Retries int `json:"retries,omitempty" yaml:"retries,omitempty"`
	// Backoff shapes the wait between attempts.
	Backoff Backoff `json:"backoff,omitempty" yaml:"backoff,omitempty"`
	// RetryOn lists what is retried: "429", "5xx" (5xx except 501), a
	// literal status such as "503", "network", "timeout". Empty with
	// Retries > 0 means all of 429, 5xx, network and timeout.
	RetryOn []string `json:"retry_on,omitempty" yaml:"retry_on,omitempty"`
	// HonorRetryAfter makes the retry after a 429 or 5xx answer wait as long
	// as its Retry-After header says (delta-seconds or HTTP-date), capped by
	// Backoff.Max; an answer without a valid one falls back to the backoff.
	// It holds back the retries of the leg that got it, not other sends.
	HonorRetryAfter bool `json:"honor_retry_after,omitempty" yaml:"honor_retry_after,omitempty"`
	// RetryBudget caps retries at this share of all calls to an API
	// (0 = no budget; 0.2 = at most one call in five is a retry). The credit
	// a healthy spell banks is bounded (10 retries), so an outage cannot
	// spend an old surplus at once.
	RetryBudget float64 `json:"retry_budget,omitempty" yaml:"retry_budget,omitempty"`
	// Breaker, when set, is a circuit breaker per API. A 5xx, a network
	// error or a timeout counts as a failure; a 429 counts as nothing; any
	// other answer is a success.
	Breaker *Breaker `json:"breaker,omitempty" yaml:"breaker,omitempty"`
	// ClientRateLimit caps calls per second to each API (0 = off), evenly
	// spaced (burst 1). A leg whose attempt deadline or context would end
	// before its turn fails at once. With HonorRetryAfter the leg also
	// paces to the rate a 429's RateLimit-Policy advertises (never below 1
	// call per second; held for the policy's window, at most 10s, then
	// doubling every second while 2xx answers return, until it lifts).
	ClientRateLimit float64 `json:"client_rate_limit,omitempty" yaml:"client_rate_limit,omitempty"`
	// OnPartial is what a synchronous strategy (sequential, errgroup) does
	// when, after its retries, exactly one leg succeeded: OnPartialIgnore
	// (default) leaves it, OnPartialCompensate undoes it with a
	// compensating request to that API (see Compensation).
	OnPartial string `json:"on_partial,omitempty" yaml:"on_partial,omitempty"`
	// Compensation shapes the compensating request and its own retry
	// policy; nil, or any field left out, takes the defaults (DELETE on the
	// leg's path, 2s per attempt, 3 retries).
	Compensation *Compensation `json:"compensation,omitempty" yaml:"compensation,omitempty"`
}

// Backoff is exponential backoff: the n-th retry waits about
// min(Max, Initial·Multiplier^n), randomised by Jitter.
type Backoff struct {
	Initial    time.Duration `json:"initial,omitempty" yaml:"initial,omitempty"`       // default 50ms
	Max        time.Duration `json:"max,omitempty" yaml:"max,omitempty"`               // default 2s
	Multiplier float64       `json:"multiplier,omitempty" yaml:"multiplier,omitempty"` // default 2
	// Jitter is "full" (default: uniform in [0, d]), "equal" (d/2 + uniform
	// in [0, d/2]) or "none".
	Jitter string `json:"jitter,omitempty" yaml:"jitter,omitempty"`
}

// Jitter modes (Backoff.Jitter).
const (
	JitterFull  = "full"  // uniform in [0, d]
	JitterEqual = "equal" // d/2 + uniform in [0, d/2]
	JitterNone  = "none"  // exactly d
)

// Backoff defaults, filled by Normalize.
const (
	DefaultBackoffInitial    = 50 * time.Millisecond
	DefaultBackoffMax        = 2 * time.Second
	DefaultBackoffMultiplier = 2
)

// Normalize returns b with its zero fields set to the defaults: Initial
// 50ms, Max 2s (or Initial, if larger), Multiplier 2, Jitter full.
func (b Backoff) Normalize() Backoff {
	if b.Initial <= 0 {
		b.Initial = DefaultBackoffInitial
	}
	if b.Max <= 0 {
		b.Max = max(DefaultBackoffMax, b.Initial)
	}
	if b.Multiplier <= 0 {
		b.Multiplier = DefaultBackoffMultiplier
	}
	if b.Jitter == "" {
		b.Jitter = JitterFull
	}
	return b
}

// Breaker opens after Failures consecutive failures and stays open for OpenFor.
type Breaker struct {
	Failures int           `json:"failures" yaml:"failures"`
	OpenFor  time.Duration `json:"open_for" yaml:"open_for"`
}
