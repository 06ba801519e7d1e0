package mockapi

import (
	"math"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/fanbench/fanbench/field"
)

// tokenBucket is the RateLimit token bucket, written as GCRA (the generic
// cell rate algorithm): the whole state is one "theoretical arrival time",
// updated with compare-and-swap, so taking a token needs no lock. It is
// exactly a bucket of burst tokens refilled at one token per interval.
// Time is an input (take(now)) so tests drive it with a fake clock.
type tokenBucket struct {
	interval   int64 // ns per token
	burst      int64
	retryAfter time.Duration // fixed Retry-After, 0 = time until the next token
	window     int64         // seconds for RateLimit-Policy w=
	quota      int64         // RateLimit-Policy q=: calls the bucket sustains per window
	origin     time.Time
	tat        atomic.Int64 // ns since origin at which the bucket is full again
}

// limitInfo is what one take saw.
type limitInfo struct {
	allowed   bool
	remaining int64
	resetIn   time.Duration // until the bucket is full again
	retryIn   time.Duration // until the next token (rejections only)
}

func newTokenBucket(rl RateLimit, origin time.Time) (*tokenBucket, error) {
	var es field.Errors
	es.Nest("rate_limit", rl.Validate())
	if err := field.Err(es); err != nil {
		return nil, err
	}
	burst := int64(max(rl.Burst, 1))
	interval := int64(math.Round(1e9 / rl.RPS))
	// The policy advertises the sustained rate, quota per window (q/w =
	// rps), over a window long enough to hold at least one call: a client
	// that paces itself to q/w stays within the limit.
	window := max(1, int64(math.Ceil(1/rl.RPS)))
	return &tokenBucket{
		interval:   interval,
		burst:      burst,
		retryAfter: rl.RetryAfter.D(),
		window:     window,
		quota:      max(1, int64(math.Round(rl.RPS*float64(window)))),
		origin:     origin,
	}, nil
}

// take tries to take one token at now.
func (b *tokenBucket) take(now time.Time) limitInfo {
	t := now.Sub(b.origin).Nanoseconds()
	tolerance := b.burst * b.interval
	for {
		tat := b.tat.Load()
		newTat := max(tat, t) + b.interval
		if newTat-t > tolerance {
			return limitInfo{
				resetIn: time.Duration(tat - t),
				retryIn: time.Duration(newTat - tolerance - t),
			}
		}
		if b.tat.CompareAndSwap(tat, newTat) {
			return limitInfo{
				allowed:   true,
				remaining: (tolerance - (newTat - t)) / b.interval,
				resetIn:   time.Duration(newTat - t),
			}
		}
	}
}

// ceilSeconds rounds d up to whole seconds (HTTP headers speak seconds).
func ceilSeconds(d time.Duration) int64 {
	if d <= 0 {
		return 0
	}
	return int64((d + time.Second - 1) / time.Second)
}

// writeHeaders sets the IETF draft RateLimit-Policy / RateLimit headers, the
// common X-RateLimit-* trio (Reset in epoch seconds, as GitHub does) and, on
// a rejection, Retry-After (at least 1 second). All values are formatted
// into one string and one value slice — two allocations instead of one or
// two per header (BenchmarkServeHTTP/with_rate_limit_headers).
func (b *tokenBucket) writeHeaders(h http.Header, now time.Time, li limitInfo) {
	reset := ceilSeconds(li.resetIn)
	var buf [192]byte
	var ends [6]int
	out := buf[:0]
	out = append(out, `"default";q=`...)
	out = strconv.AppendInt(out, b.quota, 10)
	out = append(out, ";w="...)
	out = strconv.AppendInt(out, b.window, 10)
	ends[0] = len(out)
	out = append(out, `"default";r=`...)
	out = strconv.AppendInt(out, li.remaining, 10)
	out = append(out, ";t="...)
	out = strconv.AppendInt(out, reset, 10)
	ends[1] = len(out)
	out = strconv.AppendInt(out, b.quota, 10)
	ends[2] = len(out)
	out = strconv.AppendInt(out, li.remaining, 10)
	ends[3] = len(out)
	out = strconv.AppendInt(out, now.Add(time.Duration(reset)*time.Second).Unix(), 10)
	ends[4] = len(out)
	n := 5
	if !li.allowed {
		ra := b.retryAfter
		if ra == 0 {
			ra = li.retryIn
		}
		out = strconv.AppendInt(out, max(1, ceilSeconds(ra)), 10)
		ends[5] = len(out)
		n = 6
	}
	all := string(out)
	vals := make([]string, n)
	// Canonical keys, so the map can be written directly; each value slice
	// has capacity 1 so an Add elsewhere cannot overwrite its neighbour.
	keys := [6]string{"Ratelimit-Policy", "Ratelimit", "X-Ratelimit-Limit", "X-Ratelimit-Remaining", "X-Ratelimit-Reset", "Retry-After"}
	start := 0
	for i := range n {
		vals[i] = all[start:ends[i]]
		start = ends[i]
		h[keys[i]] = vals[i : i+1 : i+1]
	}
}
