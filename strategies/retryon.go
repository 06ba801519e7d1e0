package strategies

import (
	"context"
	"errors"
	"net"
	"strconv"
)

// Retry conditions (Policy.RetryOn); a literal status such as "503" is one too.
const (
	RetryOn429     = "429"     // Too Many Requests
	RetryOn5xx     = "5xx"     // every 5xx except 501 Not Implemented
	RetryOnNetwork = "network" // connection refused or reset, EOF, a cut or garbled answer
	RetryOnTimeout = "timeout" // the policy's per-attempt timeout fired
)

// retryOn is Policy.RetryOn compiled once per leg, so classifying an
// attempt neither parses nor allocates.
type retryOn struct {
	s429, s5xx, network, timeout bool
	codes                        []int // literal statuses
}

// newRetryOn compiles conds. An empty list means all four conditions.
// Entries that are none of the conditions match nothing: policies reach a
// leg validated (Policy.Validate names the bad entry for people).
func newRetryOn(conds []string) retryOn {
	if len(conds) == 0 {
		return retryOn{s429: true, s5xx: true, network: true, timeout: true}
	}
	var r retryOn
	for _, c := range conds {
		switch c {
		case RetryOn429:
			r.s429 = true
		case RetryOn5xx:
			r.s5xx = true
		case RetryOnNetwork:
			r.network = true
		case RetryOnTimeout:
			r.timeout = true
		default:
			if code, err := strconv.Atoi(c); err == nil {
				r.codes = append(r.codes, code)
			}
		}
	}
	return r
}

// status reports whether an answer with HTTP status code is retried.
func (r retryOn) status(code int) bool {
	switch {
	case code == 429 && r.s429:
		return true
	case code >= 500 && code <= 599 && code != 501 && r.s5xx:
		return true
	}
	for _, c := range r.codes {
		if c == code {
			return true
		}
	}
	return false
}

// transport reports whether an attempt that ended with err and no usable
// answer is retried. parent is the leg's context: once it is done nothing
// is retried, whatever err says.
func (r retryOn) transport(parent context.Context, err error) bool {
	if parent.Err() != nil {
		return false
	}
	if isTimeout(err) {
		return r.timeout
	}
	return r.network
}

// isTimeout reports whether err is a timeout (the per-attempt deadline, or
// a net.Error that says so, such as a dial timeout) rather than another
// connection failure.
func isTimeout(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
