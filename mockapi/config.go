package mockapi

// Config is the fault profile of one mock API: the `apis.<name>` block of a
// scenario file. The zero value answers every request at once with 200 and
// honours Idempotency-Key.
type Config struct {
	// Latency is the service time drawn for every arrival.
	Latency Latency `json:"latency" yaml:"latency"`
	// Errors are HTTP error answers; each arrival draws at most one of them.
	Errors []ErrorRule `json:"errors,omitempty" yaml:"errors,omitempty"`
	// FailFirst fails the first N arrivals of each id (with 503), then succeeds.
	FailFirst int `json:"fail_first,omitempty" yaml:"fail_first,omitempty"`
	// RateLimit is a token bucket; arrivals beyond it get 429.
	RateLimit *RateLimit `json:"rate_limit,omitempty" yaml:"rate_limit,omitempty"`
	// ConcurrencyLimit > 0 rejects arrivals beyond N in flight with LimitStatus.
	ConcurrencyLimit int `json:"concurrency_limit,omitempty" yaml:"concurrency_limit,omitempty"`
	// LimitStatus is the status for ConcurrencyLimit rejections: 429 (default) or 503.
	LimitStatus int `json:"limit_status,omitempty" yaml:"limit_status,omitempty"`
	// Faults are connection-level faults, each with its own rate.
	Faults []Fault `json:"faults,omitempty" yaml:"faults,omitempty"`
	// Idempotency is "on" (default: honour Idempotency-Key) or "off" (every
	// arrival applies its effect).
	Idempotency string `json:"idempotency,omitempty" yaml:"idempotency,omitempty"`
	// RequireIdempotencyKey answers 400 to requests without Idempotency-Key.
	RequireIdempotencyKey bool `json:"require_idempotency_key,omitempty" yaml:"require_idempotency_key,omitempty"`
	// AllowHeaderFaults enables the X-Fanbench-Delay/-Status/-Fault request headers.
	AllowHeaderFaults bool `json:"allow_header_faults,omitempty" yaml:"allow_header_faults,omitempty"`
}

// Latency describes a latency distribution. Dist selects which fields apply:
//
//	fixed{value}  uniform{min,max}  normal{mean,stddev}
//	lognormal{median,p99} or {median,sigma}  exponential{mean}
//	pareto{scale,alpha}  mixture{parts}
//
// Max, when set, caps every draw (for uniform it is also the upper bound).
// The empty Dist means no latency.
type Latency struct {
	Dist   string        `json:"dist,omitempty" yaml:"dist,omitempty"`
	Value  Duration      `json:"value,omitempty" yaml:"value,omitempty"`
	Min    Duration      `json:"min,omitempty" yaml:"min,omitempty"`
	Max    Duration      `json:"max,omitempty" yaml:"max,omitempty"`
	Mean   Duration      `json:"mean,omitempty" yaml:"mean,omitempty"`
	Stddev Duration      `json:"stddev,omitempty" yaml:"stddev,omitempty"`
	Median Duration      `json:"median,omitempty" yaml:"median,omitempty"`
	P99    Duration      `json:"p99,omitempty" yaml:"p99,omitempty"`
	Sigma  float64       `json:"sigma,omitempty" yaml:"sigma,omitempty"`
	Scale  Duration      `json:"scale,omitempty" yaml:"scale,omitempty"`
	Alpha  float64       `json:"alpha,omitempty" yaml:"alpha,omitempty"`
	Parts  []LatencyPart `json:"parts,omitempty" yaml:"parts,omitempty"`
}

// LatencyPart is one weighted component of a mixture distribution.
type LatencyPart struct {
	Weight  float64 `json:"weight" yaml:"weight"`
	Latency `yaml:",inline"`
}

// ErrorRule answers Status (400-599, with Body and Headers) to a share Rate
// of arrivals. The rates of all errors and faults together must be <= 1:
// one draw per arrival picks at most one of them. Without Body the answer is
// an application/problem+json document.
type ErrorRule struct {
	Status  int               `json:"status" yaml:"status"`
	Rate    float64           `json:"rate" yaml:"rate"`
	Body    string            `json:"body,omitempty" yaml:"body,omitempty"`
	Headers map[string]string `json:"headers,omitempty" yaml:"headers,omitempty"`
}

// RateLimit is a token bucket of RPS tokens per second holding at most Burst
// (0 means 1). A rejected arrival gets 429 with Retry-After: RetryAfter
// rounded up to whole seconds, or, when 0, the time until the next token.
type RateLimit struct {
	RPS        float64  `json:"rps" yaml:"rps"`
	Burst      int      `json:"burst,omitempty" yaml:"burst,omitempty"`
	RetryAfter Duration `json:"retry_after,omitempty" yaml:"retry_after,omitempty"`
}

// Fault kinds (Fault.Kind).
const (
	FaultReset    = "reset"     // TCP RST, no response
	FaultHang     = "hang"      // never answers; the caller's timeout decides
	FaultEmpty    = "empty"     // close without a byte
	FaultGarbage  = "garbage"   // random bytes, then close
	FaultSlowBody = "slow_body" // dribble the body over Duration
	FaultLostAck  = "lost_ack"  // apply the effect, then reset: the ack is lost
)

// Fault is a connection-level fault injected into a share Rate of arrivals.
// Duration is how long slow_body takes to dribble its body (default 1s);
// the other kinds ignore it.
type Fault struct {
	Kind     string   `json:"kind" yaml:"kind"`
	Rate     float64  `json:"rate" yaml:"rate"`
	Duration Duration `json:"duration,omitempty" yaml:"duration,omitempty"`
}
