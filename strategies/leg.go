package strategies

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/cenkalti/backoff/v5"
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
	why := r.Refused.Error()
	var rf *refusal
	if errors.As(r.Refused, &rf) {
		why = rf.reason
	}
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
	method  string // POST, or what WithMethod says
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

// WithMethod makes the leg send with method instead of POST (a
// compensating request is a DELETE).
func WithMethod(method string) LegOption {
	return func(l *Leg) {
		if method != "" {
			l.method = method
		}
	}
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
		method:  http.MethodPost,
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

// Call sends s to the leg's API and returns the result: attempts one after
// another, each through the API's guard, until one succeeds or the policy
// says stop — the failure is not retried (RetryOn), the retries are spent,
// the caller gave up (ctx), the retry budget has no room, or the breaker or
// the rate limiter lets no further attempt out. Between attempts it waits
// the answer's Retry-After when the policy honours it, else the next
// jittered backoff delay. A failed call is data, not an error.
func (l *Leg) Call(ctx context.Context, s Send) LegResult {
	start := time.Now()
	res := l.call(ctx, s)
	res.Latency = time.Since(start)
	return res
}

func (l *Leg) call(ctx context.Context, s Send) LegResult {
	var last LegResult
	var delays backoff.BackOff // made at the first retry: most legs never retry
	for n := 0; ; n++ {
		a := l.try(ctx, s, n)
		switch a.outcome {
		case outcomeRefused:
			if n == 0 {
				return a.res
			}
			last.Refused = a.res.Refused
			return last
		case outcomeUnsent:
			if n == 0 {
				return a.res
			}
			return last
		}
		last = a.res
		last.Attempts = n + 1
		if last.OK() || n == l.policy.Retries || !l.retryable(ctx, last) || ctx.Err() != nil {
			return last
		}
		if !l.guard.budget.allowRetry() {
			last.Refused = ErrRetryBudget
			return last
		}
		if delays == nil {
			delays = &jitteredBackOff{b: l.policy.Backoff, rand: l.rand}
		}
		wait := delays.NextBackOff() // the n-th retry waits by n, even after a Retry-After
		if a.hasRetryAfter {
			wait = a.res.RetryAfter
		}
		if !sleep(ctx, wait) {
			return last
		}
	}
}

// outcome is how one attempt ended.
type outcome int

const (
	// outcomeSent: the call went out and got an answer or a transport
	// error; it is in Calls.
	outcomeSent outcome = iota
	// outcomeRefused: the breaker refused the attempt (no call).
	outcomeRefused
	// outcomeUnsent: the attempt's deadline or its caller's ended before
	// the rate limiter's turn (no call).
	outcomeUnsent
)

// attempted is one attempt's outcome and result.
type attempted struct {
	outcome outcome
	res     LegResult
	// hasRetryAfter says res.RetryAfter came from the answer (it may be 0:
	// a date in the past), so the next retry waits that long.
	hasRetryAfter bool
}

// try makes attempt n (0 = the first) through the API's guard: the breaker
// admits it, it waits for the client rate limit, calls, and the breaker
// judges the answer. Waiting for the limiter after the breaker's admission
// means a refused attempt never spends a rate-limit slot; an attempt the
// limiter gives up on is not judged, so it frees a half-open probe slot.
// The policy's timeout bounds the limiter's wait and the call together.
func (l *Leg) try(ctx context.Context, s Send, n int) attempted {
	g := l.guard
	judged, err := g.breaker.admit()
	if err != nil {
		return attempted{outcome: outcomeRefused, res: LegResult{Refused: err}}
	}
	actx := ctx
	if l.policy.Timeout > 0 {
		var cancel context.CancelFunc
		actx, cancel = context.WithTimeout(ctx, l.policy.Timeout)
		defer cancel()
	}
	if err := g.limiter.wait(actx); err != nil {
		judged(verdictNone.err())
		return attempted{outcome: outcomeUnsent, res: LegResult{Err: err}}
	}
	l.stats.Calls.Add(1)
	if n == 0 {
		g.budget.firstAttempt()
	} else {
		l.stats.Retries.Add(1)
	}
	res, hints := l.send(actx, s)
	judged(verdictOf(res, ctx.Err() != nil).err())
	a := attempted{outcome: outcomeSent, res: res}
	if !l.policy.HonorRetryAfter {
		return a
	}
	now := time.Now()
	switch {
	case res.OK():
		g.limiter.answered(now)
	case res.Status == http.StatusTooManyRequests && hints.ratePolicy != "":
		if rps, window, ok := parseRateLimitPolicy(hints.ratePolicy); ok {
			g.limiter.learn(rps, window, now)
		}
	}
	if hints.retryAfter != "" && (res.Status == http.StatusTooManyRequests || res.Status >= 500) {
		if d, ok := parseRetryAfter(hints.retryAfter, now); ok {
			a.res.RetryAfter, a.hasRetryAfter = min(d, l.policy.Backoff.Max), true
		}
	}
	return a
}

// sleep waits d, or less if ctx ends first; it reports whether d passed.
func sleep(ctx context.Context, d time.Duration) bool {
	if ctx.Err() != nil {
		return false
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// answerHints are the headers of an answer that tell a client how to pace.
type answerHints struct {
	retryAfter string // Retry-After
	ratePolicy string // RateLimit-Policy
}

// send makes one HTTP call within ctx and returns its result and the
// answer's pacing headers.
func (l *Leg) send(ctx context.Context, s Send) (LegResult, answerHints) {
	req, err := http.NewRequestWithContext(ctx, l.method, l.url, bytes.NewReader(s.Body))
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
