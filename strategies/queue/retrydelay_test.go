package queue

import (
	"testing"
	"time"

	"github.com/fanbench/fanbench/strategies"
)

func TestRetryDelay(t *testing.T) {
	b := strategies.Backoff{Initial: 50 * time.Millisecond, Max: time.Second, Multiplier: 2}.Normalize()
	none, equal := b, b
	none.Jitter, equal.Jitter = strategies.JitterNone, strategies.JitterEqual
	for _, tc := range []struct {
		name string
		b    strategies.Backoff
		n    int
		u    float64
		want time.Duration
	}{
		{"first retry, full jitter, u=0", b, 0, 0, 0},
		{"first retry, full jitter, u=0.5", b, 0, 0.5, 25 * time.Millisecond},
		{"third retry, full jitter", b, 2, 0.5, 100 * time.Millisecond},
		{"capped at max", b, 10, 0.5, 500 * time.Millisecond},
		{"huge n does not overflow", b, 1 << 20, 0.999, 999 * time.Millisecond},
		{"no jitter", none, 1, 0.9, 100 * time.Millisecond},
		{"equal jitter, u=0", equal, 1, 0, 50 * time.Millisecond},
		{"equal jitter, u=1-", equal, 1, 0.999999, 99999950 * time.Nanosecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := retryDelay(tc.b, tc.n, tc.u); got != tc.want {
				t.Errorf("retryDelay(%+v, %d, %v) = %v; want %v", tc.b, tc.n, tc.u, got, tc.want)
			}
		})
	}
}
