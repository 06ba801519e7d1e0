package strategies

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync/atomic"
	"time"
)

// LegResult is the outcome of one leg of a send, after every attempt.
type LegResult struct {
	// Status of the last attempt's response; 0 when no response arrived.
	Status int
	// Err is the last attempt's transport error (timeout, reset, ...), if any.
	Err error
	// Refused says why the leg stopped short of what its policy would have
	// done next: ErrBreakerOpen (the API's breaker refused an attempt) or
	// ErrRetryBudget (the API's retry budget had no room for a retry).
	// With Attempts == 0 the leg made no call at all.
	Refused error
	// RetryAfter is the last answer's Retry-After (capped by the policy's
	// backoff.max) when the policy honours it; 0 otherwise. Strategies that
	// retry elsewhere (the queue's broker) use it for their own delay.
	RetryAfter time.Duration
	// Attempts made (1 + retries); only calls that went out count.
	Attempts int
	// Latency from the start of the leg (waits included) to its end.
	Latency time.Duration
}

// OK reports whether the leg succeeded (a 2xx answer).
func (r LegResult) OK() bool { return r.Err == nil && r.Status >= 200 && r.Status < 300 }

// Failure names what went wrong with the leg, for error bodies and reports:
// "" on success, else "status 503", "timeout" or the transport error, then
// why no further attempt was made if the policy refused one ("breaker open",
// "status 503, then breaker open", "status 503, then retry budget exhausted").
func (r LegResult) Failure() string {
	if r.OK() {
		return ""
	}
	var f string
	switch {
	case r.Err != nil && errors.Is(r.Err, context.DeadlineExceeded):
		f = "timeout"
	case r.Err != nil:
		f = r.Err.Error()
	case r.Refused == nil || r.Attempts > 0:
		f = fmt.Sprintf("status %d", r.Status)
	}
	if r.Refused == nil {
		return f
	}
	why := strings.TrimPrefix(r.Refused.Error(), "strategies: ")
	if f == "" {
		return why
	}
	return f + ", then " + why
}

// LegStats counts what the legs to one API did; safe for concurrent use.
type LegStats struct {
	Calls        atomic.Int64 // attempts sent (refused attempts are not calls)
	Retries      atomic.Int64 // attempts sent after the first of their leg
	BreakerOpens atomic.Int64 // times the API's breaker opened
}

// Leg sends the legs of every send to one API through the run's policy.
// It is the one place where timeouts, retries with backoff, Retry-After,
// the retry budget, the circuit breaker and the client rate limit apply,
// so every strategy gets the same behaviour.
type Leg struct {
	api     string // "a" or "b"
	url     string
	client  *http.Client
	policy  Policy // Backoff normalized
	retryOn retryOn
	stats   *LegStats
	guard   *APIGuard
	rand    func() float64
}

// LegOption sets an optional part of a Leg.
type LegOption func(*Leg)

// WithGuard makes the leg share g (breaker, client rate limit, retry budget)
// with every other leg given g. Legs to the same API in
// one run must share a guard; without this option a leg has its own.
func WithGuard(g *APIGuard) LegOption {
	return func(l *Leg) { l.guard = g }
}

// WithRand sets the source of backoff jitter: f returns a uniform value in
// [0, 1) and must be safe for concurrent use. The default is math/rand/v2's
// Float64. Tests pin it to check the bounds of a jitter.
func WithRand(f func() float64) LegOption {
	return func(l *Leg) {
		if f != nil {
			l.rand = f
		}
	}
}

// NewLeg returns a leg to the API named api at url, sending through client
// with policy (already validated: see scenarios). stats may be shared by
// several legs to the same API; so must their guard be (WithGuard). Without
// WithGuard the leg gets NewAPIGuard(api, policy, stats) of its own, which is
// per API whenever one leg serves each API, as the engine builds them.
func NewLeg(api, url string, client *http.Client, policy Policy, stats *LegStats, opts ...LegOption) *Leg {
	if stats == nil {
		stats = new(LegStats)
	}
	policy.Backoff = policy.Backoff.Normalize()
	l := &Leg{
		api:     api,
		url:     url,
		client:  client,
		policy:  policy,
		retryOn: newRetryOn(policy.RetryOn),
		stats:   stats,
		rand:    rand.Float64,
	}
	for _, o := range opts {
		o(l)
	}
	if l.guard == nil {
		l.guard = NewAPIGuard(api, policy, stats)
	}
	return l
}

// API returns the name of the leg's API.
func (l *Leg) API() string { return l.api }

// Call sends s to the leg's API, retrying as the policy says, and returns
// the result. A failed call is data, not an error.
func (l *Leg) Call(ctx context.Context, s Send) LegResult {
	start := time.Now()
	var res LegResult
	if l.policy.Retries > 0 {
		res = l.retry(ctx, s)
	} else {
		o := l.try(ctx, s, 0)
		res = o.res
		if o.sent {
			res.Attempts = 1
		}
	}
	res.Latency = time.Since(start)
	return res
}

// tried is what one try at an attempt came to.
type tried struct {
	res  LegResult
	sent bool // the request went out (it is in Calls)
	// retryAfter is the answer's Retry-After capped by Backoff.Max; set
	// only when the policy honours it and the answer carried a valid one.
	retryAfter    time.Duration
	hasRetryAfter bool
}

// try makes attempt n (0 = the first) of a leg through the API's guard: it
// asks the breaker, waits for the client rate limit, then calls. Waiting
// for the limiter inside the breaker's admission means a refused attempt
// never spends a rate-limit slot; an attempt the limiter gives up on is
// not judged by the breaker, so it frees a half-open probe slot.
func (l *Leg) try(ctx context.Context, s Send, n int) tried {
	g := l.guard
	var t tried
	res, err := g.breaker.do(func() LegResult {
		if err := g.limiter.wait(ctx); err != nil {
			return LegResult{Err: err}
		}
		t.sent = true
		l.stats.Calls.Add(1)
		if n == 0 {
			g.budget.firstAttempt()
		} else {
			l.stats.Retries.Add(1)
		}
		r, hints := l.attempt(ctx, s)
		if l.policy.HonorRetryAfter && hints.retryAfter != "" && (r.Status == http.StatusTooManyRequests || r.Status >= 500) {
			if d, ok := parseRetryAfter(hints.retryAfter, time.Now()); ok {
				t.retryAfter, t.hasRetryAfter = min(d, l.policy.Backoff.Max), true
			}
		}
		if l.policy.HonorRetryAfter && r.Status == http.StatusTooManyRequests && hints.ratePolicy != "" {
			if rps, ok := parseRateLimitPolicy(hints.ratePolicy); ok {
				g.limiter.learn(rps)
			}
		}
		return r
	}, func(r LegResult) error {
		if !t.sent {
			return errBreakerIgnore
		}
		return breakerVerdict(r, ctx.Err() != nil)
	})
	if err != nil {
		return tried{res: LegResult{Refused: err}}
	}
	t.res = res
	if t.hasRetryAfter {
		t.res.RetryAfter = t.retryAfter
	}
	return t
}

// answerHints are the headers of an answer that tell a client how to pace.
type answerHints struct {
	retryAfter string // Retry-After
	ratePolicy string // RateLimit-Policy
}

// attempt makes one HTTP call, bounded by the policy's timeout, and returns
// its result and the answer's pacing headers.
func (l *Leg) attempt(ctx context.Context, s Send) (LegResult, answerHints) {
	if l.policy.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, l.policy.Timeout)
		defer cancel()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, l.url, bytes.NewReader(s.Body))
	if err != nil {
		return LegResult{Err: fmt.Errorf("build request: %w", err)}, answerHints{}
	}
	// Without GetBody net/http never replays the request by itself. It
	// would otherwise resend a request carrying Idempotency-Key on a reused
	// connection that broke before the answer (a reset, a lost ack): an
	// attempt no policy allowed and no counter sees.
	req.GetBody = nil
	req.Header.Set("Idempotency-Key", s.ID)
	req.Header.Set("Content-Type", "application/json")
	resp, err := l.client.Do(req)
	if err != nil {
		return LegResult{Err: err}, answerHints{}
	}
	hints := answerHints{retryAfter: resp.Header.Get("Retry-After")}
	if resp.StatusCode == http.StatusTooManyRequests {
		hints.ratePolicy = resp.Header.Get("RateLimit-Policy")
	}
	// Drain so the connection goes back to the pool.
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err != nil {
		return LegResult{Status: resp.StatusCode, Err: fmt.Errorf("read body: %w", err)}, hints
	}
	return LegResult{Status: resp.StatusCode}, hints
}
