package strategies

import (
	"math"
	"time"

	"github.com/cenkalti/backoff/v5"
)

// jitteredBackOff is the policy's backoff as a backoff.BackOff: the n-th
// wait (n from 0) is drawn from d = min(Max, Initial·Multiplier^n) by
// Jitter. The library's own ExponentialBackOff cannot do full jitter (its
// randomisation is symmetric around d), so this one replaces it. Not safe
// for concurrent use: one per Call.
type jitteredBackOff struct {
	b    Backoff        // normalized
	rand func() float64 // uniform in [0, 1)
	n    int
}

var _ backoff.BackOff = (*jitteredBackOff)(nil)

// Reset implements backoff.BackOff as a no-op: the policy says the n-th
// retry waits by n, whatever the waits before it (a honoured Retry-After
// included), and a jitteredBackOff serves one Call, so there is nothing
// to reset.
func (j *jitteredBackOff) Reset() {}

// NextBackOff implements backoff.BackOff.
func (j *jitteredBackOff) NextBackOff() time.Duration {
	d := j.b.Delay(j.n, j.rand())
	j.n++
	return d
}

// backoffCeiling returns min(b.Max, b.Initial·b.Multiplier^n) for a
// normalized b, without overflowing for large n.
func backoffCeiling(b Backoff, n int) time.Duration {
	d := float64(b.Initial) * math.Pow(b.Multiplier, float64(n))
	if math.IsNaN(d) || d >= float64(b.Max) {
		return b.Max
	}
	return time.Duration(d)
}

// Delay returns the wait before retry n (0 = the first retry) for a
// normalized b, given u uniform in [0, 1): full jitter u·d, equal jitter
// d/2 + u·d/2, none d, where d = min(Max, Initial·Multiplier^n). The queue
// strategy's broker redeliveries use it too, so both retry alike.
func (b Backoff) Delay(n int, u float64) time.Duration {
	d := backoffCeiling(b, n)
	switch b.Jitter {
	case JitterNone:
		return d
	case JitterEqual:
		return d/2 + time.Duration(u*float64(d-d/2))
	default: // full
		return time.Duration(u * float64(d))
	}
}
