package mockapi

import (
	"math"
	"strconv"
	"sync/atomic"
	"testing"
	"time"
)

// TestTokenBucketOffered2x offers twice the limit, evenly, for 2 seconds of
// fake time: the accepted rate must be within 5% of the limit.
func TestTokenBucketOffered2x(t *testing.T) {
	tests := []struct {
		name  string
		rl    RateLimit
		offer float64 // requests per second
	}{
		{"100/s burst 1", RateLimit{RPS: 100}, 200},
		{"300/s burst 30", RateLimit{RPS: 300, Burst: 30}, 600},
		{"50/s burst 1", RateLimit{RPS: 50, Burst: 1}, 100},
		{"10k/s burst 5", RateLimit{RPS: 10000, Burst: 5}, 20000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			origin := time.Unix(1_700_000_000, 0)
			b, err := newTokenBucket(tt.rl, origin)
			if err != nil {
				t.Fatal(err)
			}
			const span = 2 * time.Second
			n := int(tt.offer * span.Seconds())
			ok := 0
			for i := range n {
				now := origin.Add(time.Duration(float64(i) / tt.offer * 1e9))
				if b.take(now).allowed {
					ok++
				}
			}
			// Over the span the bucket gives rps·span tokens plus the burst it starts with.
			want := tt.rl.RPS*span.Seconds() + float64(max(tt.rl.Burst, 1))
			if math.Abs(float64(ok)-want) > 0.05*tt.rl.RPS*span.Seconds() {
				t.Fatalf("accepted %d of %d offered; want %.0f ± 5%% of the limit", ok, n, want)
			}
		})
	}
}

func TestTokenBucketInfo(t *testing.T) {
	origin := time.Unix(1_700_000_000, 0)
	b, err := newTokenBucket(RateLimit{RPS: 10, Burst: 3}, origin)
	if err != nil {
		t.Fatal(err)
	}
	ms := func(n int) time.Time { return origin.Add(time.Duration(n) * time.Millisecond) }
	tests := []struct {
		at            time.Time
		allowed       bool
		remaining     int64
		reset, retryI time.Duration
	}{
		{ms(0), true, 2, 100 * time.Millisecond, 0},
		{ms(0), true, 1, 200 * time.Millisecond, 0},
		{ms(0), true, 0, 300 * time.Millisecond, 0},
		{ms(0), false, 0, 300 * time.Millisecond, 100 * time.Millisecond},
		{ms(40), false, 0, 260 * time.Millisecond, 60 * time.Millisecond},
		{ms(100), true, 0, 300 * time.Millisecond, 0},
		{ms(1000), true, 2, 100 * time.Millisecond, 0},
	}
	for i, tt := range tests {
		got := b.take(tt.at)
		want := limitInfo{allowed: tt.allowed, remaining: tt.remaining, resetIn: tt.reset, retryIn: tt.retryI}
		if got != want {
			t.Errorf("take %d at +%v = %+v; want %+v", i, tt.at.Sub(origin), got, want)
		}
	}
}

// TestRateLimitHeaders checks the 429 answer and its headers, with a clock
// that does not move.
func TestRateLimitHeaders(t *testing.T) {
	tests := []struct {
		name           string
		rl             RateLimit
		wantRetryAfter string
		wantPolicy     string // q/w is the sustained rate, whatever the burst
		wantLimit      string // X-RateLimit-Limit: the same quota
	}{
		{"retry_after set", RateLimit{RPS: 10, Burst: 3, RetryAfter: D(2 * time.Second)}, "2", `"default";q=10;w=1`, "10"},
		{"retry_after from the bucket", RateLimit{RPS: 0.25, Burst: 2}, "4", `"default";q=1;w=4`, "1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			frozen := time.Unix(1_700_000_000, 0)
			a := newAPI(t, "a", Config{})
			a.now = func() time.Time { return frozen }
			rl := tt.rl
			if err := a.SetConfig(Config{RateLimit: &rl}); err != nil {
				t.Fatal(err)
			}
			s := withServer(t, a)
			c := newClient(t, 5*time.Second)
			burst := max(tt.rl.Burst, 1)
			for i := range burst + 2 {
				r := send(c, s.URL(), "", "")
				if r.err != nil {
					t.Fatal(r.err)
				}
				h := r.header
				if h.Get("RateLimit-Policy") != tt.wantPolicy || h.Get("X-RateLimit-Limit") != tt.wantLimit {
					t.Errorf("request %d: RateLimit-Policy %q, X-RateLimit-Limit %q; want %q, %s", i, h.Get("RateLimit-Policy"), h.Get("X-RateLimit-Limit"), tt.wantPolicy, tt.wantLimit)
				}
				if i < burst {
					if r.status != 200 || h.Get("Retry-After") != "" || h.Get("X-RateLimit-Remaining") != itoa(burst-1-i) {
						t.Errorf("request %d: %d, Retry-After %q, remaining %q; want 200, none, %d", i, r.status, h.Get("Retry-After"), h.Get("X-RateLimit-Remaining"), burst-1-i)
					}
					continue
				}
				reset := int(math.Ceil(float64(burst) / tt.rl.RPS))
				wantRL := `"default";r=0;t=` + itoa(reset)
				wantReset := itoa(int(frozen.Unix()) + reset)
				if r.status != 429 || h.Get("Retry-After") != tt.wantRetryAfter || h.Get("RateLimit") != wantRL ||
					h.Get("X-RateLimit-Remaining") != "0" || h.Get("X-RateLimit-Reset") != wantReset ||
					h.Get("Content-Type") != "application/problem+json" {
					t.Errorf("request %d: %d %v; want 429 with Retry-After %s, RateLimit %s, X-RateLimit-Reset %s", i, r.status, h, tt.wantRetryAfter, wantRL, wantReset)
				}
			}
		})
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// TestRateLimitOverHTTP offers 200 requests per second for 2 s to a 100/s
// limit with a burst of 50, over real HTTP, on a virtual clock: request i
// arrives at i × 5ms whatever this machine's speed, so the 2xx count is
// exactly what the bucket allows (the burst plus 100/s of refill) and
// every 429 carries Retry-After and the RateLimit headers. Nothing here
// depends on how fast the machine sends.
func TestRateLimitOverHTTP(t *testing.T) {
	const (
		limit = 100.0
		offer = 200
		span  = 2 * time.Second
		burst = 50
	)
	a := newAPI(t, "a", Config{})
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var virtual atomic.Int64 // the arrival time of the request in flight, ns after start
	a.now = func() time.Time { return start.Add(time.Duration(virtual.Load())) }
	// The bucket starts full at the virtual start.
	if err := a.SetConfig(Config{RateLimit: &RateLimit{RPS: limit, Burst: burst}}); err != nil {
		t.Fatal(err)
	}
	s := withServer(t, a)
	c := newClient(t, 5*time.Second)
	var ok, limited int
	n := int(offer * span.Seconds())
	for i := range n {
		virtual.Store(int64(time.Duration(i) * time.Second / offer))
		r := send(c, s.URL(), "", "")
		switch {
		case r.err == nil && r.status == 200:
			ok++
		case r.err == nil && r.status == 429 && r.header.Get("Retry-After") != "" &&
			r.header.Get("RateLimit") != "" && r.header.Get("RateLimit-Policy") != "" &&
			r.header.Get("X-RateLimit-Reset") != "":
			limited++
		default:
			t.Fatalf("request %d: %d %v %v; want 200, or 429 with Retry-After and RateLimit headers", i, r.status, r.header, r.err)
		}
	}
	// The last arrival is at (n-1)/offer s: the bucket refilled limit × that.
	want := burst + int(limit*float64(n-1)/offer)
	if ok < want-1 || ok > want+1 || ok+limited != n {
		t.Fatalf("%d ok, %d limited of %d offered at %d/s; want %d ± 1 ok (burst %d + %.0f/s)", ok, limited, n, offer, want, burst, limit)
	}
}

func TestConcurrencyLimit(t *testing.T) {
	tests := []struct {
		name       string
		status     int
		wantStatus int
	}{
		{"default 429", 0, 429},
		{"503", 503, 503},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newAPI(t, "a", Config{ConcurrencyLimit: 2, LimitStatus: tt.status, Latency: Latency{Dist: "fixed", Value: D(time.Minute)}})
			s := withServer(t, a)
			stop1 := inFlight(t, a, s.URL(), "0000000000000001", "")
			stop2 := inFlight(t, a, s.URL(), "0000000000000002", "")
			r := send(newClient(t, 5*time.Second), s.URL(), "0000000000000003", "")
			stop1()
			stop2()
			if r.err != nil || r.status != tt.wantStatus {
				t.Fatalf("third request = %d %v; want %d", r.status, r.err, tt.wantStatus)
			}
		})
	}
}
