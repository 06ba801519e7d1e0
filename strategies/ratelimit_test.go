package strategies

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"golang.org/x/time/rate"
)

func TestParseRateLimitPolicy(t *testing.T) {
	tests := []struct {
		in     string
		want   float64
		window time.Duration
		ok     bool
	}{
		{`"default";q=100;w=60`, 100.0 / 60, maxLearnedHold, true},
		{`"default";q=50;w=1`, 50, time.Second, true},
		{`"burst";q=10;w=1, "daily";q=1000;w=86400`, 10, time.Second, true}, // the first policy
		{`"default"; w=2 ; q=5`, 2.5, 2 * time.Second, true},
		{`"p";q=1;w=100000`, 1e-5, maxLearnedHold, true}, // the caller floors the rate
		{`"default";q=100`, 0, 0, false},                 // no window
		{`"default";q=0;w=1`, 0, 0, false},
		{`"default";q=x;w=1`, 0, 0, false},
		{``, 0, 0, false},
	}
	for _, tt := range tests {
		got, window, ok := parseRateLimitPolicy(tt.in)
		if ok != tt.ok || math.Abs(got-tt.want) > 1e-9 || window != tt.window {
			t.Errorf("parseRateLimitPolicy(%q) = %v, %v, %v; want %v, %v, %v", tt.in, got, window, ok, tt.want, tt.window, tt.ok)
		}
	}
}

// FuzzParseRateLimitPolicy: any header parses to a usable rate and window
// or to nothing, and never panics.
func FuzzParseRateLimitPolicy(f *testing.F) {
	for _, s := range []string{`"default";q=100;w=60`, `"p";q=1;w=100000`, `"a";q=1e308;w=1e-308`, `;;q=;w=`, `"x";q=NaN;w=Inf`, ``} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		perSecond, window, ok := parseRateLimitPolicy(h)
		if !ok {
			if perSecond != 0 || window != 0 {
				t.Errorf("%q: not ok but %v, %v", h, perSecond, window)
			}
			return
		}
		if !(perSecond > 0) || math.IsNaN(perSecond) || window <= 0 || window > maxLearnedHold {
			t.Errorf("%q: rate %v, window %v; want a rate above 0 and a window in (0, %v]", h, perSecond, window, maxLearnedHold)
		}
		if !strings.Contains(h, "q") || !strings.Contains(h, "w") {
			t.Errorf("%q: parsed without both q and w", h)
		}
	})
}

func TestClientLimiterLearns(t *testing.T) {
	now := time.Now()
	if newClientLimiter(0, false) != nil {
		t.Error("a limiter with no rate that does not learn should be nil (no cost)")
	}
	c := newClientLimiter(0, true)
	if c.active.Load() {
		t.Error("an adaptive limiter limits before it learned anything")
	}
	c.learn(20, time.Second, now)
	if !c.active.Load() || c.l.Limit() != 20 {
		t.Errorf("after learning 20/s: active %v, limit %v; want true, 20", c.active.Load(), c.l.Limit())
	}
	c.answered(now.Add(time.Second - 1))
	if c.l.Limit() != 20 {
		t.Errorf("a 2xx within the window: limit %v; want 20 still", c.l.Limit())
	}
	c.answered(now.Add(2 * time.Second))
	if got := float64(c.l.Limit()); math.Abs(got-40) > 1e-6 {
		t.Errorf("a 2xx one doubling after the window: limit %v; want 40", got)
	}
	c.answered(now.Add(time.Second + 10*decayDoubling))
	if c.active.Load() || c.l.Limit() != rate.Inf {
		t.Errorf("a 2xx ten doublings after the window: active %v, limit %v; want the learned rate lifted", c.active.Load(), c.l.Limit())
	}
	c.learn(1e-5, maxLearnedHold, now)
	if c.l.Limit() != minLearnedRate {
		t.Errorf("learned 1e-5/s: limit %v; want the floor %v", c.l.Limit(), minLearnedRate)
	}

	fixed := newClientLimiter(5, true)
	fixed.learn(20, time.Second, now)
	if fixed.l.Limit() != 5 {
		t.Errorf("configured 5/s, learned 20/s: limit %v; want the lower, 5", fixed.l.Limit())
	}
	fixed.learn(2, time.Second, now)
	fixed.answered(now.Add(time.Second + 10*decayDoubling))
	if !fixed.active.Load() || fixed.l.Limit() != 5 {
		t.Errorf("configured 5/s, learned 2/s, lifted: active %v, limit %v; want the configured 5 again", fixed.active.Load(), fixed.l.Limit())
	}
}

// Issue 12 item 8: one 429 advertising one call per 100,000 s, then b
// recovers. Every send completes within its attempt's deadline (none waits
// on the limiter past it), and once the learned rate's hold has passed and
// 2xx answers returned, sends go at once again.
func TestLearnedRateRecovers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFakeTransport(status(429, "RateLimit-Policy", `"p";q=1;w=100000`), status(200))
		const timeout = 2 * time.Second
		leg := fakeLeg(f, Policy{Timeout: timeout, HonorRetryAfter: true}, new(LegStats))
		if r := call(leg, "first"); r.Status != 429 {
			t.Fatalf("first call: %+v; want the 429", r)
		}
		var fast int
		for i := range 200 { // one send every 100ms for 20s
			r := leg.Call(context.Background(), Send{ID: fmt.Sprint("send-", i)})
			if r.Latency > timeout {
				t.Fatalf("send %d took %v; want at most the attempt's timeout %v", i, r.Latency, timeout)
			}
			if r.OK() && r.Latency == 0 {
				fast++
			} else if i >= 150 {
				t.Errorf("send %d at %v: %+v; want an answer at once, the learned rate lifted", i, time.Duration(i)*100*ms, r)
			}
			time.Sleep(100*ms - r.Latency%(100*ms))
		}
		if fast < 50 {
			t.Errorf("%d sends went at once; want the last 50 at least", fast)
		}
	})
}
