package strategies

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"
	"time"
)

// LegResult is the outcome of one leg of a send, after every attempt.
type LegResult struct {
	// Status of the last attempt's response; 0 when no response arrived.
	Status int
	// Err is the last attempt's transport error (timeout, reset, ...), if any.
	Err error
	// Attempts made (1 + retries).
	Attempts int
	// Latency from the first attempt's start to the last attempt's end.
	Latency time.Duration
}

// OK reports whether the leg succeeded (a 2xx answer).
func (r LegResult) OK() bool { return r.Err == nil && r.Status >= 200 && r.Status < 300 }

// Failure names what went wrong with the leg, for error bodies and reports:
// "" on success, else "status 503", "timeout" or the transport error.
func (r LegResult) Failure() string {
	switch {
	case r.OK():
		return ""
	case r.Err != nil && errors.Is(r.Err, context.DeadlineExceeded):
		return "timeout"
	case r.Err != nil:
		return r.Err.Error()
	default:
		return fmt.Sprintf("status %d", r.Status)
	}
}

// LegStats counts what a leg did; safe for concurrent use.
type LegStats struct {
	Calls        atomic.Int64 // attempts sent
	Retries      atomic.Int64 // attempts after the first
	BreakerOpens atomic.Int64 // times the breaker opened
}

// Leg sends the legs of every send to one API through the run's policy.
// It is the one place where timeouts (and, with the resilience policy,
// retries, backoff, breaker and client rate limit) apply, so every strategy
// gets the same behaviour.
type Leg struct {
	api    string // "a" or "b"
	url    string
	client *http.Client
	policy Policy
	stats  *LegStats
}

// NewLeg returns a leg to the API named api at url. stats may be shared
// by several legs to the same API.
func NewLeg(api, url string, client *http.Client, policy Policy, stats *LegStats) *Leg {
	return &Leg{api: api, url: url, client: client, policy: policy, stats: stats}
}

// API returns the name of the leg's API.
func (l *Leg) API() string { return l.api }

// Call sends s to the leg's API and returns the result. A failed call is
// data, not an error.
func (l *Leg) Call(ctx context.Context, s Send) LegResult {
	start := time.Now()
	res := l.attempt(ctx, s)
	res.Attempts = 1
	res.Latency = time.Since(start)
	return res
}

// attempt makes one HTTP call, bounded by the policy's timeout.
func (l *Leg) attempt(ctx context.Context, s Send) LegResult {
	if l.policy.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, l.policy.Timeout)
		defer cancel()
	}
	l.stats.Calls.Add(1)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, l.url, bytes.NewReader(s.Body))
	if err != nil {
		return LegResult{Err: err}
	}
	req.Header.Set("Idempotency-Key", s.ID)
	req.Header.Set("Content-Type", "application/json")
	resp, err := l.client.Do(req)
	if err != nil {
		return LegResult{Err: err}
	}
	// Drain so the connection goes back to the pool.
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err != nil {
		return LegResult{Status: resp.StatusCode, Err: fmt.Errorf("read body: %w", err)}
	}
	return LegResult{Status: resp.StatusCode}
}
