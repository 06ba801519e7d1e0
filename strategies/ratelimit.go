package strategies

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync/atomic"

	"golang.org/x/time/rate"
)

// clientLimiter caps the calls a run makes to one API with
// golang.org/x/time/rate: at Policy.ClientRateLimit per second, and — when
// the policy honours Retry-After — at the rate the API itself advertises in
// a 429's RateLimit-Policy header (q calls per w seconds), whichever is
// lower. Its burst is 1: calls are spaced evenly, so the client never bursts
// past a server limit of the same rate, whatever that server's own burst.
//
// Honouring Retry-After only holds back the retries of one send; under an
// open-loop load new sends keep arriving, so without pacing the API would
// be hammered with first attempts. Learning the advertised rate makes the
// sends queue here instead, and the wait shows in the user's latency.
// A nil *clientLimiter lets everything through at once.
type clientLimiter struct {
	l          *rate.Limiter
	configured float64       // Policy.ClientRateLimit; 0 = none
	active     atomic.Bool   // a limit is in force (skip the limiter's lock until then)
	learned    atomic.Uint64 // float64 bits of the rate last learned from the API
}

// newClientLimiter returns a limiter of perSecond calls a second (0 = no
// fixed limit) that also learns the API's advertised rate when adaptive is
// set; nil when it would never limit anything.
func newClientLimiter(perSecond float64, adaptive bool) *clientLimiter {
	fixed := perSecond > 0 && !math.IsInf(perSecond, 0)
	if !fixed && !adaptive {
		return nil
	}
	c := &clientLimiter{l: rate.NewLimiter(rate.Inf, 1)}
	if fixed {
		c.configured = perSecond
		c.l.SetLimit(rate.Limit(perSecond))
		c.active.Store(true)
	}
	return c
}

// wait blocks until the next call may go, or fails at once if ctx would
// end first.
func (c *clientLimiter) wait(ctx context.Context) error {
	if c == nil || !c.active.Load() {
		return nil
	}
	if err := c.l.Wait(ctx); err != nil {
		return fmt.Errorf("client rate limit: %w", err)
	}
	return nil
}

// learn paces calls to perSecond (or the configured limit, if lower), as
// the API advertised it.
func (c *clientLimiter) learn(perSecond float64) {
	if c == nil || !(perSecond > 0) || math.IsInf(perSecond, 0) {
		return
	}
	bits := math.Float64bits(perSecond)
	if c.learned.Swap(bits) == bits {
		return // already in force: no lock on the limiter
	}
	if c.configured > 0 {
		perSecond = min(perSecond, c.configured)
	}
	c.l.SetLimit(rate.Limit(perSecond))
	c.active.Store(true)
}

// parseRateLimitPolicy reads the rate the first policy of a RateLimit-Policy
// header allows (draft-ietf-httpapi-ratelimit-headers: `"default";q=100;w=60`
// is 100 calls per 60 seconds) in calls per second.
func parseRateLimitPolicy(h string) (float64, bool) {
	first, _, _ := strings.Cut(h, ",")
	var q, w float64
	_, params, _ := strings.Cut(first, ";")
	for _, p := range strings.Split(params, ";") {
		k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
		if !ok {
			continue
		}
		n, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil || !(n > 0) || math.IsInf(n, 0) {
			continue
		}
		switch k {
		case "q":
			q = n
		case "w":
			w = n
		}
	}
	if q == 0 || w == 0 {
		return 0, false
	}
	return q / w, true
}
