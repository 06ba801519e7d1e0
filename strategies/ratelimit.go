package strategies

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

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
//
// A header is not trusted beyond reason: a learned rate is never below
// minLearnedRate; it holds for the policy's window (at most maxLearnedHold)
// after the last 429 that taught it, and after that each 2xx answer lets
// it grow back, doubling every decayDoubling, until it lifts. An API that
// recovered is so no longer paced by what it said while it struggled,
// and one still at its limit answers 429 again and is learned anew.
// A nil *clientLimiter lets everything through at once.
type clientLimiter struct {
	l          *rate.Limiter
	configured float64       // Policy.ClientRateLimit; 0 = none
	active     atomic.Bool   // a limit is in force (skip the limiter's lock until then)
	learned    atomic.Uint64 // float64 bits of the rate last learned; 0 = none in force
	heldUntil  atomic.Int64  // Unix ns until which the learned rate holds
	mu         sync.Mutex    // serialises changes of the limit
}

// Bounds on what a RateLimit-Policy header can make a leg do.
const (
	// minLearnedRate is the slowest pace a header can impose, in calls per
	// second: `q=1;w=100000` would otherwise leave one call a day.
	minLearnedRate = 1.0
	// maxLearnedHold bounds how long a learned rate holds without a new 429.
	maxLearnedHold = 10 * time.Second
	// decayDoubling is how fast a learned rate grows back once its hold
	// has passed and 2xx answers return.
	decayDoubling = time.Second
	// decayLift is the growth at which a learned rate lifts altogether
	// (ten doublings).
	decayLift = 1024
)

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

// learn paces calls to perSecond (at least minLearnedRate; the configured
// limit, if lower), as the API advertised it at now in a 429 whose policy
// window is window; the rate holds until min(window, maxLearnedHold) after
// now.
func (c *clientLimiter) learn(perSecond float64, window time.Duration, now time.Time) {
	if c == nil || !(perSecond > 0) || math.IsInf(perSecond, 0) {
		return
	}
	perSecond = max(perSecond, minLearnedRate)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.heldUntil.Store(now.Add(min(window, maxLearnedHold)).UnixNano())
	c.learned.Store(math.Float64bits(perSecond))
	c.setLimit(perSecond)
}

// answered is told of each 2xx answer, at now: past its hold, the learned
// rate grows back, and lifts (back to the configured limit, or none) once
// it has grown decayLift-fold.
func (c *clientLimiter) answered(now time.Time) {
	if c == nil || c.learned.Load() == 0 || now.UnixNano() <= c.heldUntil.Load() {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	bits, held := c.learned.Load(), c.heldUntil.Load()
	if bits == 0 || now.UnixNano() <= held {
		return // lifted meanwhile, or learned anew
	}
	growth := math.Exp2(float64(now.UnixNano()-held) / float64(decayDoubling))
	if growth < decayLift {
		c.setLimit(math.Float64frombits(bits) * growth)
		return
	}
	c.learned.Store(0)
	if c.configured > 0 {
		c.l.SetLimit(rate.Limit(c.configured))
		return
	}
	c.l.SetLimit(rate.Inf)
	c.active.Store(false)
}

// setLimit paces calls to perSecond, or to the configured limit if lower.
// c.mu must be held.
func (c *clientLimiter) setLimit(perSecond float64) {
	if c.configured > 0 {
		perSecond = min(perSecond, c.configured)
	}
	c.l.SetLimit(rate.Limit(perSecond))
	c.active.Store(true)
}

// parseRateLimitPolicy reads the rate the first policy of a RateLimit-Policy
// header allows (draft-ietf-httpapi-ratelimit-headers: `"default";q=100;w=60`
// is 100 calls per 60 seconds) in calls per second, and its window (capped
// at maxLearnedHold, the longest a caller keeps it).
func parseRateLimitPolicy(h string) (perSecond float64, window time.Duration, ok bool) {
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
	perSecond = q / w
	if q == 0 || w == 0 || math.IsInf(perSecond, 0) || perSecond == 0 {
		return 0, 0, false
	}
	window = maxLearnedHold
	if w < maxLearnedHold.Seconds() {
		window = max(time.Duration(w*float64(time.Second)), 1)
	}
	return perSecond, window, true
}
