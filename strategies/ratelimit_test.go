package strategies

import (
	"math"
	"testing"
)

func TestParseRateLimitPolicy(t *testing.T) {
	tests := []struct {
		in   string
		want float64
		ok   bool
	}{
		{`"default";q=100;w=60`, 100.0 / 60, true},
		{`"default";q=50;w=1`, 50, true},
		{`"burst";q=10;w=1, "daily";q=1000;w=86400`, 10, true}, // the first policy
		{`"default"; w=2 ; q=5`, 2.5, true},
		{`"default";q=100`, 0, false}, // no window
		{`"default";q=0;w=1`, 0, false},
		{`"default";q=x;w=1`, 0, false},
		{``, 0, false},
	}
	for _, tt := range tests {
		got, ok := parseRateLimitPolicy(tt.in)
		if ok != tt.ok || math.Abs(got-tt.want) > 1e-9 {
			t.Errorf("parseRateLimitPolicy(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestClientLimiterLearns(t *testing.T) {
	if newClientLimiter(0, false) != nil {
		t.Error("a limiter with no rate that does not learn should be nil (no cost)")
	}
	c := newClientLimiter(0, true)
	if c.active.Load() {
		t.Error("an adaptive limiter limits before it learned anything")
	}
	c.learn(20)
	if !c.active.Load() || c.l.Limit() != 20 {
		t.Errorf("after learning 20/s: active %v, limit %v; want true, 20", c.active.Load(), c.l.Limit())
	}
	fixed := newClientLimiter(5, true)
	fixed.learn(20)
	if fixed.l.Limit() != 5 {
		t.Errorf("configured 5/s, learned 20/s: limit %v; want the lower, 5", fixed.l.Limit())
	}
}
