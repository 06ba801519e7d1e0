package strategies

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"testing/synctest"
	"time"
)

// TestBreaker walks a breaker through its states on fake time: it opens
// after Failures consecutive failures, refuses without calling while open,
// lets one probe through when half-open, and closes again on its success.
func TestBreaker(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFakeTransport(status(503), status(503), status(503), // open
			status(503),                            // the first probe fails: open again
			fakeReply{status: 200, delay: 50 * ms}, // the second probe succeeds
			status(200))
		stats := new(LegStats)
		leg := fakeLeg(f, Policy{Breaker: &Breaker{Failures: 3, OpenFor: time.Second}}, stats)

		for i := range 3 {
			if r := call(leg, fmt.Sprint("fail-", i)); r.Status != 503 {
				t.Fatalf("call %d: %+v; want 503", i, r)
			}
		}
		r := call(leg, "refused")
		if !errors.Is(r.Refused, ErrBreakerOpen) || r.Attempts != 0 || r.OK() || r.Failure() != "breaker open" {
			t.Errorf("call while open: %+v, Failure() %q; want refused, no attempt, \"breaker open\"", r, r.Failure())
		}
		if c, o := stats.Calls.Load(), stats.BreakerOpens.Load(); c != 3 || o != 1 {
			t.Errorf("calls %d, opens %d; want 3, 1", c, o)
		}

		time.Sleep(time.Second + ms) // half-open
		if r := call(leg, "probe-1"); r.Status != 503 || r.Attempts != 1 {
			t.Errorf("first probe: %+v; want one attempt, 503", r)
		}
		if r := call(leg, "refused-2"); !errors.Is(r.Refused, ErrBreakerOpen) {
			t.Errorf("after a failed probe: %+v; want refused", r)
		}
		if o := stats.BreakerOpens.Load(); o != 2 {
			t.Errorf("opens %d; want 2", o)
		}

		time.Sleep(time.Second + ms) // half-open again
		probe := make(chan LegResult)
		go func() { probe <- call(leg, "probe-2") }()
		synctest.Wait() // the probe is out, waiting for its answer
		if r := call(leg, "beside-probe"); !errors.Is(r.Refused, ErrBreakerOpen) {
			t.Errorf("second call while the probe is out: %+v; want refused", r)
		}
		if r := <-probe; !r.OK() {
			t.Errorf("second probe: %s; want success", r.Failure())
		}
		if r := call(leg, "closed"); !r.OK() {
			t.Errorf("after a successful probe: %s; want success (closed)", r.Failure())
		}
		if c := stats.Calls.Load(); c != 6 {
			t.Errorf("calls %d; want 6 (refused attempts are not calls)", c)
		}
	})
}

// TestBreakerJudgement: what counts against an API's health. 429s and
// other 4xx never open the breaker; 5xx, resets and timeouts do.
func TestBreakerJudgement(t *testing.T) {
	tests := []struct {
		name     string
		reply    fakeReply
		wantOpen bool
	}{
		{"500", status(500), true},
		{"501", status(501), true},
		{"reset", fakeReply{err: errors.New("connection reset by peer")}, true},
		{"timeout", fakeReply{hang: true}, true},
		{"429", status(429), false},
		{"400", status(400), false},
		{"200", status(200), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				stats := new(LegStats)
				p := Policy{Timeout: time.Second, Breaker: &Breaker{Failures: 2, OpenFor: time.Minute}}
				leg := fakeLeg(newFakeTransport(tt.reply), p, stats)
				for i := range 3 {
					call(leg, fmt.Sprint("id-", i))
				}
				if open := stats.BreakerOpens.Load() == 1; open != tt.wantOpen {
					t.Errorf("opened %v; want %v", open, tt.wantOpen)
				}
			})
		})
	}
}

// TestBreakerStopsRetries: a breaker that opens during a leg's retries ends
// the leg; the result keeps the last answer and says why it stopped.
func TestBreakerStopsRetries(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFakeTransport(status(503))
		stats := new(LegStats)
		p := Policy{Retries: 5, Backoff: Backoff{Initial: 10 * ms}, Breaker: &Breaker{Failures: 3, OpenFor: time.Minute}}
		r := call(fakeLeg(f, p, stats), "id-1")
		if r.Attempts != 3 || r.Status != 503 || !errors.Is(r.Refused, ErrBreakerOpen) {
			t.Errorf("got %+v; want 3 attempts, 503, refused by the breaker", r)
		}
		if got, want := r.Failure(), "status 503, then breaker open"; got != want {
			t.Errorf("Failure() = %q; want %q", got, want)
		}
		if c, rt := stats.Calls.Load(), stats.Retries.Load(); c != 3 || rt != 2 {
			t.Errorf("calls %d, retries %d; want 3, 2", c, rt)
		}
	})
}

// TestGuardShared: legs given one APIGuard share its breaker; a leg with a
// guard of its own does not.
func TestGuardShared(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := Policy{Breaker: &Breaker{Failures: 2, OpenFor: time.Minute}}
		stats := new(LegStats)
		guard := NewAPIGuard("b", p, stats)
		failing := fakeLeg(newFakeTransport(status(503)), p, stats, WithGuard(guard))
		sharing := fakeLeg(newFakeTransport(status(200)), p, stats, WithGuard(guard))
		alone := fakeLeg(newFakeTransport(status(200)), p, new(LegStats))
		call(failing, "id-1")
		call(failing, "id-2")
		if r := call(sharing, "id-3"); !errors.Is(r.Refused, ErrBreakerOpen) {
			t.Errorf("leg sharing the guard: %+v; want refused by the open breaker", r)
		}
		if r := call(alone, "id-4"); !r.OK() {
			t.Errorf("leg with its own guard: %s; want success", r.Failure())
		}
		if o := stats.BreakerOpens.Load(); o != 1 {
			t.Errorf("opens %d; want 1", o)
		}
	})
}

// Issue 16 item 5: attempts the user gave up on (the leg's own context
// ended) say nothing about the API's health, so however many there are
// they never open the breaker; attempts that time out on their own do.
func TestBreakerIgnoresAttemptsTheCallerGaveUpOn(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFakeTransport(fakeReply{hang: true})
		stats := new(LegStats)
		leg := fakeLeg(f, Policy{Timeout: time.Second, Breaker: &Breaker{Failures: 2, OpenFor: time.Minute}}, stats)
		for i := range 5 {
			ctx, cancel := context.WithTimeout(context.Background(), 100*ms) // the user's patience, below the attempt's timeout
			r := leg.Call(ctx, Send{ID: fmt.Sprint("gone-", i)})
			cancel()
			if r.Attempts != 1 || r.Refused != nil {
				t.Fatalf("call %d: %+v; want one attempt, not refused", i, r)
			}
		}
		if o := stats.BreakerOpens.Load(); o != 0 {
			t.Fatalf("breaker opened %d times after attempts the user gave up on; want 0", o)
		}
		// The same hang with the user still waiting: the attempt's own
		// timeout is the API's failure.
		for i := range 2 {
			if r := call(leg, fmt.Sprint("timeout-", i)); !errors.Is(r.Err, context.DeadlineExceeded) {
				t.Fatalf("call %d: %+v; want the attempt's timeout", i, r)
			}
		}
		if o := stats.BreakerOpens.Load(); o != 1 {
			t.Errorf("breaker opened %d times after 2 timeouts; want 1", o)
		}
	})
}
