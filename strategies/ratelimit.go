package strategies

import (
	"context"
	"fmt"
	"math"

	"golang.org/x/time/rate"
)

// clientLimiter caps the calls a run makes to one API
// (Policy.ClientRateLimit per second) with golang.org/x/time/rate. Its burst
// is 1: calls are spaced evenly, so the client never bursts past a server
// limit of the same rate, whatever that server's own burst. A nil
// *clientLimiter lets everything through at once.
type clientLimiter struct {
	l *rate.Limiter
}

// newClientLimiter returns a limiter of perSecond calls a second, or nil
// for 0 (off), a negative or a non-finite rate.
func newClientLimiter(perSecond float64) *clientLimiter {
	if !(perSecond > 0) || math.IsInf(perSecond, 0) {
		return nil
	}
	return &clientLimiter{l: rate.NewLimiter(rate.Limit(perSecond), 1)}
}

// wait blocks until the next call may go, or fails at once if ctx would
// end first.
func (c *clientLimiter) wait(ctx context.Context) error {
	if c == nil {
		return nil
	}
	if err := c.l.Wait(ctx); err != nil {
		return fmt.Errorf("client rate limit: %w", err)
	}
	return nil
}
