package queue

import (
	"math"
	"time"

	"github.com/fanbench/fanbench/strategies"
)

// retryDelay returns the delay before redelivery n (0 = the first) under
// the normalized backoff b, given u uniform in [0, 1): with
// d = min(b.Max, b.Initial·b.Multiplier^n), full jitter waits u·d, equal
// jitter d/2 + u·d/2, none d. It is the leg's backoff, applied by the broker.
func retryDelay(b strategies.Backoff, n int, u float64) time.Duration {
	d := b.Max
	if c := float64(b.Initial) * math.Pow(b.Multiplier, float64(n)); c < float64(b.Max) {
		d = time.Duration(c)
	}
	switch b.Jitter {
	case strategies.JitterNone:
		return d
	case strategies.JitterEqual:
		return d/2 + time.Duration(u*float64(d-d/2))
	default: // full
		return time.Duration(u * float64(d))
	}
}
