package strategies

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/fanbench/fanbench/mockapi"
	"github.com/fanbench/fanbench/mockapi/mocktest"
)

// mockRig is the two mock APIs, served on 127.0.0.1:0, and the legs to
// them, for tests of the policy against real sockets and ledgers.
type mockRig struct {
	apis  [2]*mockapi.API
	stats [2]*LegStats
	legs  [2]*Leg
}

// withMocks serves a and b (seed 42) until the test ends and returns legs
// to them that share one client and use policy p.
func withMocks(t *testing.T, a, b mockapi.Config, p Policy) *mockRig {
	t.Helper()
	r := &mockRig{}
	client := NewClient(64)
	t.Cleanup(client.CloseIdleConnections) // runs after the servers close
	for i, cfg := range [2]mockapi.Config{a, b} {
		name := string(rune('a' + i))
		api, url := mocktest.Serve(t, name, cfg, 42)
		r.apis[i], r.stats[i] = api, new(LegStats)
		r.legs[i] = NewLeg(name, url+"/send", client, p, r.stats[i])
	}
	return r
}

// sendAll sends n messages through s from workers goroutines and returns
// the replies by message, with the ids it used.
func sendAll(t *testing.T, s Strategy, n, workers int) ([]string, []Reply) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	ids := make([]string, n)
	replies := make([]Reply, n)
	next := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := range next {
				ids[i] = fmt.Sprintf("%016x", i+1)
				replies[i] = s.Send(ctx, Send{ID: ids[i], Body: []byte(`{"n":1}`)})
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	return ids, replies
}

// checkAccounting checks that the legs' counters agree with what the mock
// APIs saw: every call arrived once (no attempt the policy did not make,
// such as a replay by net/http), and the replies' attempts add up to it.
func checkAccounting(t *testing.T, r *mockRig, replies []Reply) {
	t.Helper()
	for i, api := range r.apis {
		var attempts int64
		for _, rep := range replies {
			attempts += int64(rep.Legs[i].Attempts)
		}
		calls, arrivals := r.stats[i].Calls.Load(), int64(api.Stats().Requests)
		if calls != arrivals || attempts != calls {
			t.Errorf("API %s: %d calls counted, %d attempts in replies, %d arrivals at the mock; want all equal",
				api.Name(), calls, attempts, arrivals)
		}
	}
}

// TestMockRetriesDeliverOnce: b fails 30% of arrivals with 503; with 5
// retries every send reaches both APIs, and b applies each exactly once.
func TestMockRetriesDeliverOnce(t *testing.T) {
	p := Policy{
		Timeout: 2 * time.Second,
		Retries: 5,
		Backoff: Backoff{Initial: ms, Max: 10 * ms},
	}
	b := mockapi.Config{Errors: []mockapi.ErrorRule{{Status: 503, Rate: 0.3}}, Idempotency: "on"}
	r := withMocks(t, mockapi.Config{}, b, p)
	ids, replies := sendAll(t, NewErrgroup(r.legs[0], r.legs[1], false), 200, 4)

	for i, id := range ids {
		if replies[i].Status != http.StatusOK {
			t.Errorf("send %s: status %d (b: %q after %d attempts); want 200",
				id, replies[i].Status, replies[i].Legs[1].Failure(), replies[i].Legs[1].Attempts)
		}
		for _, api := range r.apis {
			e, ok := api.Ledger().Lookup(id)
			if !ok || e.Effects != 1 {
				t.Errorf("send %s at %s: found %v, %d effects; want found, 1 effect", id, api.Name(), ok, e.Effects)
			}
		}
	}
	retries := r.stats[1].Retries.Load()
	if retries < 40 {
		t.Errorf("b: %d retries for 200 sends failing 30%%; want about 85", retries)
	}
	if got := r.stats[0].Retries.Load(); got != 0 {
		t.Errorf("a: %d retries; want 0 (a never fails)", got)
	}
	checkAccounting(t, r, replies)
	t.Logf("b: %d calls, %d retries", r.stats[1].Calls.Load(), retries)
}

// TestMockLostAck: b applies 5% of arrivals and then resets the connection,
// so the client retries a write that took effect. Without idempotency some
// messages take effect twice; with it, none does.
func TestMockLostAck(t *testing.T) {
	p := Policy{
		Timeout: 2 * time.Second,
		Retries: 3,
		Backoff: Backoff{Initial: ms, Max: 10 * ms},
	}
	for _, tt := range []struct {
		idempotency string
		wantDup     bool
	}{
		{"off", true},
		{"on", false},
	} {
		t.Run("idempotency "+tt.idempotency, func(t *testing.T) {
			b := mockapi.Config{
				Faults:      []mockapi.Fault{{Kind: mockapi.FaultLostAck, Rate: 0.05}},
				Idempotency: tt.idempotency,
			}
			r := withMocks(t, mockapi.Config{}, b, p)
			ids, replies := sendAll(t, NewSequential(r.legs[0], r.legs[1]), 200, 4)

			dups := 0
			for i, id := range ids {
				if replies[i].Status != http.StatusOK {
					t.Errorf("send %s: status %d (b: %q); want 200", id, replies[i].Status, replies[i].Legs[1].Failure())
				}
				e, ok := r.apis[1].Ledger().Lookup(id)
				switch {
				case !ok || e.Effects < 1:
					t.Errorf("send %s: not applied at b (%+v)", id, e)
				case e.Effects > 1:
					dups++
				}
			}
			if retries := r.stats[1].Retries.Load(); retries == 0 {
				t.Error("b: no retries; want the lost acks retried")
			}
			if gotDup := dups > 0; gotDup != tt.wantDup {
				t.Errorf("%d ids applied more than once at b; want duplicates: %v", dups, tt.wantDup)
			}
			checkAccounting(t, r, replies)
			t.Logf("b: %d calls, %d retries, %d ids with duplicate effects", r.stats[1].Calls.Load(), r.stats[1].Retries.Load(), dups)
		})
	}
}

// TestMockRateLimitedB: b takes 100 calls a second (burst 100) and the
// client offers far more. Honouring b's Retry-After, the calls b receives
// stay within 10% of what its limit admits over the run, and every send
// still reaches b.
//
// The bound holds for a few closed-loop workers, whose retries hold them
// back. An open-loop load keeps making first attempts whatever b says; only
// a client rate limit (Policy.ClientRateLimit) keeps that within the limit.
func TestMockRateLimitedB(t *testing.T) {
	const rps, burst = 100, 100
	p := Policy{
		Timeout:         2 * time.Second,
		Retries:         20,
		Backoff:         Backoff{Initial: 5 * ms, Max: 2 * time.Second},
		RetryOn:         []string{RetryOn429},
		HonorRetryAfter: true,
	}
	b := mockapi.Config{RateLimit: &mockapi.RateLimit{RPS: rps, Burst: burst}}
	r := withMocks(t, mockapi.Config{}, b, p)
	start := time.Now()
	ids, replies := sendAll(t, NewErrgroup(r.legs[0], r.legs[1], false), 300, 4)
	window := time.Since(start)

	ok := 0
	for i := range ids {
		if replies[i].Legs[1].OK() {
			ok++
		}
	}
	calls := r.stats[1].Calls.Load()
	admits := burst + rps*window.Seconds() // what the token bucket admits over the window
	over := float64(calls)/admits - 1
	t.Logf("b: %d calls (%d retries) in %v, %.0f/s; its limit admits %.0f; %+.1f%%",
		calls, r.stats[1].Retries.Load(), window.Round(ms), float64(calls)/window.Seconds(), admits, 100*over)
	if over > 0.10 {
		t.Errorf("calls to b %+.1f%% over what its limit admits (%d calls, %.0f admitted in %v); want at most +10%%",
			100*over, calls, admits, window.Round(ms))
	}
	if ok != len(ids) {
		t.Errorf("%d of %d sends reached b; want all (20 retries honouring Retry-After)", ok, len(ids))
	}
	checkAccounting(t, r, replies)
}

// TestMockBreakerOnDownB: b answers every call with 503. The breaker opens
// after 5 failures and, while open, the calls to b stop: only the probes of
// the half-open states (and calls already on their way) reach it.
func TestMockBreakerOnDownB(t *testing.T) {
	const workers = 4
	p := Policy{
		Timeout: 2 * time.Second,
		Breaker: &Breaker{Failures: 5, OpenFor: 200 * ms},
	}
	b := mockapi.Config{Errors: []mockapi.ErrorRule{{Status: 503, Rate: 1}}}
	r := withMocks(t, mockapi.Config{}, b, p)
	start := time.Now()
	ids, replies := sendAll(t, NewErrgroup(r.legs[0], r.legs[1], false), 1000, workers)
	window := time.Since(start)

	refused := 0
	for i := range ids {
		if replies[i].Legs[1].Failure() == "breaker open" {
			refused++
		}
	}
	opens := r.stats[1].BreakerOpens.Load()
	calls := r.stats[1].Calls.Load()
	t.Logf("b: %d sends in %v, %d calls, %d refused by the breaker, %d opens", len(ids), window.Round(ms), calls, refused, opens)
	if opens < 1 {
		t.Fatalf("breaker opened %d times; want at least 1", opens)
	}
	// Each time the breaker opens, at most the other workers' calls are
	// already past it; each half-open state lets one probe through.
	if limit := 5 + opens*workers; calls > limit {
		t.Errorf("%d calls reached b; want at most %d (5 to open it, then %d per opening)", calls, limit, workers)
	}
	if int64(refused)+calls != int64(len(ids)) {
		t.Errorf("%d refused + %d calls != %d sends", refused, calls, len(ids))
	}
	checkAccounting(t, r, replies)
}

// TestMockRateLimitedOpenLoop: users send to b at twice its limit, open
// loop (a send every 10ms whatever the answers). Honouring Retry-After
// alone would still send every first attempt; the leg learns b's
// advertised rate from the 429's RateLimit-Policy and paces its calls, so b
// receives no more than its limit admits (+10%) and the wait shows in the
// sends' latency instead.
func TestMockRateLimitedOpenLoop(t *testing.T) {
	const rps, burst, n = 50, 5, 150
	p := Policy{
		Timeout:         2 * time.Second,
		Retries:         10,
		Backoff:         Backoff{Initial: 5 * ms, Max: 2 * time.Second},
		HonorRetryAfter: true,
	}
	b := mockapi.Config{RateLimit: &mockapi.RateLimit{RPS: rps, Burst: burst}}
	r := withMocks(t, mockapi.Config{}, b, p)
	s := NewErrgroup(r.legs[0], r.legs[1], false)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	replies := make([]Reply, n)
	lat := make([]time.Duration, n)
	var wg sync.WaitGroup
	start := time.Now()
	for i := range n {
		time.Sleep(time.Until(start.Add(time.Duration(i) * 10 * time.Millisecond)))
		wg.Go(func() {
			t0 := time.Now()
			replies[i] = s.Send(ctx, Send{ID: fmt.Sprintf("%016x", i+1), Body: []byte(`{}`)})
			lat[i] = time.Since(t0)
		})
	}
	wg.Wait()
	window := time.Since(start)
	calls := r.stats[1].Calls.Load()
	admits := burst + rps*window.Seconds()
	ok := 0
	for _, rep := range replies {
		if rep.Legs[1].OK() {
			ok++
		}
	}
	t.Logf("b: %d calls in %v (its limit admits %.0f); %d of %d delivered; last send waited %v",
		calls, window.Round(ms), admits, ok, n, lat[n-1].Round(ms))
	if float64(calls) > 1.10*admits {
		t.Errorf("b got %d calls; its limit admits %.0f in %v: want at most 10%% more (no hammering)", calls, admits, window.Round(ms))
	}
	if ok < n*9/10 {
		t.Errorf("%d of %d sends reached b; want nearly all (paced, not refused)", ok, n)
	}
	// 150 sends at 100/s through 50/s: the last ones queue about 1.5s.
	if lat[n-1] < 500*time.Millisecond {
		t.Errorf("the last send took %v; want the pacing to show as latency (≥ 500ms)", lat[n-1])
	}
	checkAccounting(t, r, replies)
}
