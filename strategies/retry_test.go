package strategies

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"syscall"
	"testing"
	"testing/synctest"
	"time"
)

const ms = time.Millisecond

// TestLegRetryTiming checks when each attempt of one leg goes out, on fake
// time: the backoff schedule and its jitter bounds, the cap by backoff.max,
// Retry-After as delta-seconds and as HTTP-date, and what retry_on retries.
func TestLegRetryTiming(t *testing.T) {
	// base: 3 retries, waits 100ms·2^n up to 1s, no jitter.
	base := Policy{
		Timeout:         time.Second,
		Retries:         3,
		Backoff:         Backoff{Initial: 100 * ms, Max: time.Second, Multiplier: 2, Jitter: JitterNone},
		HonorRetryAfter: true,
	}
	with := func(f func(p *Policy)) Policy {
		p := base
		f(&p)
		return p
	}
	reset := fmt.Errorf("read: %w", syscall.ECONNRESET)
	tests := []struct {
		name       string
		policy     Policy
		rand       float64 // jitter draw
		replies    []fakeReply
		wantTimes  []time.Duration // arrival of each attempt
		wantStatus int
		wantFail   string
	}{
		{
			name:       "503 then 200: waits 100ms, 200ms",
			policy:     base,
			replies:    []fakeReply{status(503), status(503), status(200)},
			wantTimes:  []time.Duration{0, 100 * ms, 300 * ms},
			wantStatus: 200,
		},
		{
			name:       "retries exhausted: 1+3 attempts",
			policy:     base,
			replies:    []fakeReply{status(503)},
			wantTimes:  []time.Duration{0, 100 * ms, 300 * ms, 700 * ms},
			wantStatus: 503,
			wantFail:   "status 503",
		},
		{
			name:       "backoff.max caps the exponential",
			policy:     with(func(p *Policy) { p.Retries = 4; p.Backoff.Max = 250 * ms }),
			replies:    []fakeReply{status(503)},
			wantTimes:  []time.Duration{0, 100 * ms, 300 * ms, 550 * ms, 800 * ms},
			wantStatus: 503,
		},
		{
			name:       "full jitter draws 0: retries at once",
			policy:     with(func(p *Policy) { p.Backoff.Jitter = JitterFull }),
			rand:       0,
			replies:    []fakeReply{status(503)},
			wantTimes:  []time.Duration{0, 0, 0, 0},
			wantStatus: 503,
		},
		{
			name:       "full jitter draws 0.5: half of each ceiling",
			policy:     with(func(p *Policy) { p.Backoff.Jitter = JitterFull }),
			rand:       0.5,
			replies:    []fakeReply{status(503)},
			wantTimes:  []time.Duration{0, 50 * ms, 150 * ms, 350 * ms},
			wantStatus: 503,
		},
		{
			name:       "full jitter near 1: just under each ceiling",
			policy:     with(func(p *Policy) { p.Backoff.Jitter = JitterFull }),
			rand:       0.999,
			replies:    []fakeReply{status(503)},
			wantTimes:  []time.Duration{0, 99900 * time.Microsecond, 299700 * time.Microsecond, 699300 * time.Microsecond},
			wantStatus: 503,
		},
		{
			name:       "empty jitter means full",
			policy:     with(func(p *Policy) { p.Backoff.Jitter = "" }),
			rand:       0.5,
			replies:    []fakeReply{status(503), status(200)},
			wantTimes:  []time.Duration{0, 50 * ms},
			wantStatus: 200,
		},
		{
			name:       "equal jitter draws 0: half the ceiling",
			policy:     with(func(p *Policy) { p.Backoff.Jitter = JitterEqual }),
			rand:       0,
			replies:    []fakeReply{status(503)},
			wantTimes:  []time.Duration{0, 50 * ms, 150 * ms, 350 * ms},
			wantStatus: 503,
		},
		{
			name:       "Retry-After seconds on 429",
			policy:     with(func(p *Policy) { p.Backoff.Max = 5 * time.Second }),
			replies:    []fakeReply{status(429, "Retry-After", "2"), status(200)},
			wantTimes:  []time.Duration{0, 2 * time.Second},
			wantStatus: 200,
		},
		{
			name:       "Retry-After HTTP-date on 503",
			policy:     with(func(p *Policy) { p.Backoff.Max = 5 * time.Second }),
			replies:    []fakeReply{{status: 503, retryAfterIn: 3 * time.Second}, status(200)},
			wantTimes:  []time.Duration{0, 3 * time.Second},
			wantStatus: 200,
		},
		{
			name:       "Retry-After seconds beyond backoff.max waits the max",
			policy:     base,
			replies:    []fakeReply{status(429, "Retry-After", "120"), status(200)},
			wantTimes:  []time.Duration{0, time.Second},
			wantStatus: 200,
		},
		{
			name:       "Retry-After HTTP-date beyond backoff.max waits the max",
			policy:     base,
			replies:    []fakeReply{{status: 503, retryAfterIn: time.Hour}, status(200)},
			wantTimes:  []time.Duration{0, time.Second},
			wantStatus: 200,
		},
		{
			name:       "Retry-After in the past retries at once",
			policy:     base,
			replies:    []fakeReply{status(503, "Retry-After", "Fri, 31 Dec 1999 23:59:59 GMT"), status(200)},
			wantTimes:  []time.Duration{0, 0},
			wantStatus: 200,
		},
		{
			name:    "Retry-After does not reset the exponential",
			policy:  base,
			replies: []fakeReply{status(503), status(429, "Retry-After", "0"), status(503), status(200)},
			// waits: backoff 100ms, Retry-After 0, backoff of retry 3 = 400ms
			wantTimes:  []time.Duration{0, 100 * ms, 100 * ms, 500 * ms},
			wantStatus: 200,
		},
		{
			name:       "no Retry-After falls back to backoff",
			policy:     base,
			replies:    []fakeReply{status(429), status(200)},
			wantTimes:  []time.Duration{0, 100 * ms},
			wantStatus: 200,
		},
		{
			name:       "malformed Retry-After falls back to backoff",
			policy:     base,
			replies:    []fakeReply{status(429, "Retry-After", "soon"), status(200)},
			wantTimes:  []time.Duration{0, 100 * ms},
			wantStatus: 200,
		},
		{
			name:       "Retry-After ignored unless honoured",
			policy:     with(func(p *Policy) { p.HonorRetryAfter = false }),
			replies:    []fakeReply{status(429, "Retry-After", "2"), status(200)},
			wantTimes:  []time.Duration{0, 100 * ms},
			wantStatus: 200,
		},
		{
			name:       "no retry on 501",
			policy:     base,
			replies:    []fakeReply{status(501), status(200)},
			wantTimes:  []time.Duration{0},
			wantStatus: 501,
			wantFail:   "status 501",
		},
		{
			name:       "no retry on 400",
			policy:     base,
			replies:    []fakeReply{status(400), status(200)},
			wantTimes:  []time.Duration{0},
			wantStatus: 400,
		},
		{
			name:       "retry on network error",
			policy:     base,
			replies:    []fakeReply{{err: reset}, {err: reset}, status(200)},
			wantTimes:  []time.Duration{0, 100 * ms, 300 * ms},
			wantStatus: 200,
		},
		{
			name:       "retry on timeout: the attempt ends at the policy timeout",
			policy:     base,
			replies:    []fakeReply{{hang: true}, status(200)},
			wantTimes:  []time.Duration{0, 1100 * ms},
			wantStatus: 200,
		},
		{
			name:      "timeouts exhausted read as timeout",
			policy:    with(func(p *Policy) { p.Retries = 1 }),
			replies:   []fakeReply{{hang: true}},
			wantTimes: []time.Duration{0, 1100 * ms},
			wantFail:  "timeout",
		},
		{
			name:       "retry_on [429] leaves 503 alone",
			policy:     with(func(p *Policy) { p.RetryOn = []string{RetryOn429} }),
			replies:    []fakeReply{status(503), status(200)},
			wantTimes:  []time.Duration{0},
			wantStatus: 503,
		},
		{
			name:       "retry_on [503] retries 503",
			policy:     with(func(p *Policy) { p.RetryOn = []string{"503"} }),
			replies:    []fakeReply{status(503), status(200)},
			wantTimes:  []time.Duration{0, 100 * ms},
			wantStatus: 200,
		},
		{
			name:       "retry_on [503] leaves 500 alone",
			policy:     with(func(p *Policy) { p.RetryOn = []string{"503"} }),
			replies:    []fakeReply{status(500), status(200)},
			wantTimes:  []time.Duration{0},
			wantStatus: 500,
		},
		{
			name:       "retry_on [501] retries 501 when named",
			policy:     with(func(p *Policy) { p.RetryOn = []string{"501"} }),
			replies:    []fakeReply{status(501), status(200)},
			wantTimes:  []time.Duration{0, 100 * ms},
			wantStatus: 200,
		},
		{
			name:       "retry_on [5xx] leaves 429 alone",
			policy:     with(func(p *Policy) { p.RetryOn = []string{RetryOn5xx} }),
			replies:    []fakeReply{status(429), status(200)},
			wantTimes:  []time.Duration{0},
			wantStatus: 429,
		},
		{
			name:      "retry_on [network] leaves timeouts alone",
			policy:    with(func(p *Policy) { p.RetryOn = []string{RetryOnNetwork} }),
			replies:   []fakeReply{{hang: true}, status(200)},
			wantTimes: []time.Duration{0},
			wantFail:  "timeout",
		},
		{
			name:      "retry_on [timeout] leaves resets alone",
			policy:    with(func(p *Policy) { p.RetryOn = []string{RetryOnTimeout} }),
			replies:   []fakeReply{{err: reset}, status(200)},
			wantTimes: []time.Duration{0},
			wantFail:  `Post "http://b.invalid/send": read: connection reset by peer`,
		},
		{
			name:       "retries 0: one attempt",
			policy:     with(func(p *Policy) { p.Retries = 0 }),
			replies:    []fakeReply{status(503), status(200)},
			wantTimes:  []time.Duration{0},
			wantStatus: 503,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				f := newFakeTransport(tt.replies...)
				stats := new(LegStats)
				leg := fakeLeg(f, tt.policy, stats, WithRand(constRand(tt.rand)))
				res := call(leg, "id-1")

				if got := f.times(); !slices.Equal(got, tt.wantTimes) {
					t.Errorf("attempts at %v; want %v", got, tt.wantTimes)
				}
				if res.Status != tt.wantStatus {
					t.Errorf("status %d; want %d (result %+v)", res.Status, tt.wantStatus, res)
				}
				if tt.wantFail != "" && res.Failure() != tt.wantFail {
					t.Errorf("Failure() = %q; want %q", res.Failure(), tt.wantFail)
				}
				n := len(tt.wantTimes)
				if res.Attempts != n || stats.Calls.Load() != int64(n) || stats.Retries.Load() != int64(n-1) {
					t.Errorf("attempts %d, calls %d, retries %d; want %d, %d, %d",
						res.Attempts, stats.Calls.Load(), stats.Retries.Load(), n, n, n-1)
				}
				for i, k := range f.idempotencyKeys() {
					if k != "id-1" {
						t.Errorf("attempt %d: Idempotency-Key %q; want %q", i+1, k, "id-1")
					}
				}
				if want := tt.wantTimes[n-1]; res.Latency < want {
					t.Errorf("latency %v; want at least the last attempt's start %v", res.Latency, want)
				}
			})
		})
	}
}

// TestLegRetryStopsWithContext: a leg whose context ends during a backoff
// wait returns at once with its last attempt's result.
func TestLegRetryStopsWithContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFakeTransport(status(503))
		p := Policy{Retries: 5, Backoff: Backoff{Initial: 100 * ms, Max: time.Second, Jitter: JitterNone}}
		leg := fakeLeg(f, p, new(LegStats))
		ctx, cancel := context.WithTimeout(context.Background(), 250*ms)
		defer cancel()
		res := leg.Call(ctx, Send{ID: "id-1"})
		if got, want := f.times(), []time.Duration{0, 100 * ms}; !slices.Equal(got, want) {
			t.Errorf("attempts at %v; want %v", got, want)
		}
		if res.Status != 503 || res.Attempts != 2 || res.Latency != 250*ms {
			t.Errorf("got status %d, %d attempts, latency %v; want 503, 2, 250ms", res.Status, res.Attempts, res.Latency)
		}
	})
}

// TestRetryBudget: against an API that always fails, retries stay at or
// below the budget's share of all calls, and the legs it refuses say so.
func TestRetryBudget(t *testing.T) {
	for _, share := range []float64{0.1, 0.2, 0.5} {
		t.Run(fmt.Sprint(share), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				f := newFakeTransport(status(503))
				stats := new(LegStats)
				p := Policy{Retries: 3, RetryBudget: share, Backoff: Backoff{Initial: ms, Max: ms}}
				leg := fakeLeg(f, p, stats)
				refused := 0
				for i := range 500 {
					r := call(leg, fmt.Sprint("id-", i))
					if errors.Is(r.Refused, ErrRetryBudget) {
						refused++
						if r.Failure() != "status 503, then retry budget exhausted" {
							t.Fatalf("Failure() = %q", r.Failure())
						}
					}
				}
				calls, retries := stats.Calls.Load(), stats.Retries.Load()
				if float64(retries) > share*float64(calls) {
					t.Errorf("retries %d of %d calls = %.3f; want <= %v", retries, calls, float64(retries)/float64(calls), share)
				}
				if float64(retries) < 0.9*share*float64(calls) {
					t.Errorf("retries %d of %d calls = %.3f; want close to %v (the budget should be used)", retries, calls, float64(retries)/float64(calls), share)
				}
				if refused == 0 {
					t.Error("no leg was refused a retry")
				}
			})
		})
	}
}

// TestClientRateLimit: the client limiter spaces the calls to an API
// evenly, however many goroutines call.
func TestClientRateLimit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFakeTransport(status(200))
		leg := fakeLeg(f, Policy{ClientRateLimit: 10}, new(LegStats))
		done := make(chan struct{})
		for g := range 4 {
			go func() {
				for i := range 5 {
					call(leg, fmt.Sprintf("id-%d-%d", g, i))
				}
				done <- struct{}{}
			}()
		}
		for range 4 {
			<-done
		}
		got := f.times()
		if len(got) != 20 {
			t.Fatalf("%d calls; want 20", len(got))
		}
		for i, at := range got {
			if want := time.Duration(i) * 100 * ms; at != want {
				t.Errorf("call %d at %v; want %v", i, at, want)
			}
		}
	})
}

// TestClientRateLimitGivesUpBeforeDeadline: a leg whose context would end
// before its turn fails at once without a call.
func TestClientRateLimitGivesUpBeforeDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFakeTransport(status(200))
		stats := new(LegStats)
		leg := fakeLeg(f, Policy{ClientRateLimit: 1, Retries: 2}, stats)
		call(leg, "id-1")
		ctx, cancel := context.WithTimeout(context.Background(), 500*ms)
		defer cancel()
		res := leg.Call(ctx, Send{ID: "id-2"})
		if res.OK() || res.Attempts != 0 || res.Latency != 0 || stats.Calls.Load() != 1 {
			t.Errorf("got %+v, calls %d; want a failure at once, no attempt, 1 call in all", res, stats.Calls.Load())
		}
		if f := res.Failure(); !strings.HasPrefix(f, "client rate limit: ") {
			t.Errorf("Failure() = %q; want it to say the client rate limit stopped the leg", f)
		}
	})
}

var _ http.RoundTripper = (*fakeTransport)(nil)
