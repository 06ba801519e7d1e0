package strategies

import (
	"context"
	"errors"

	"github.com/cenkalti/backoff/v5"
)

// Reasons an attempt hands backoff.Retry; only their kind matters to it
// (permanent, retry-after or plain), the leg's result carries the rest.
var (
	errRetry   = errors.New("strategies: retryable failure")
	errNoRetry = errors.New("strategies: failure not retried")
)

// retry runs the leg's attempts with cenkalti/backoff's retry loop: up to
// 1+Retries attempts, each failure retried when RetryOn covers it and the
// API's retry budget allows, after the answer's Retry-After (when honoured,
// capped by Backoff.Max) or else the jittered exponential backoff. It ends
// early when ctx ends (the result is then the last attempt's) or when the
// breaker or the rate limiter lets no further attempt out.
func (l *Leg) retry(ctx context.Context, s Send) LegResult {
	maxTries := l.policy.Retries + 1
	var last LegResult
	op := func() (LegResult, error) {
		t := l.try(ctx, s, last.Attempts)
		if !t.sent {
			// Refused, or the wait for the rate limiter was cut
			// short: the leg ends with what its last call got.
			if last.Attempts == 0 {
				return t.res, backoff.Permanent(errNoRetry)
			}
			if t.res.Refused != nil {
				last.Refused = t.res.Refused
			}
			return last, backoff.Permanent(errNoRetry)
		}
		t.res.Attempts = last.Attempts + 1
		last = t.res
		switch {
		case last.OK():
			return last, nil
		case !l.retryable(ctx, last):
			return last, backoff.Permanent(errNoRetry)
		case last.Attempts >= maxTries:
			return last, errRetry // WithMaxTries ends the loop
		case !l.guard.budget.allowRetry():
			last.Refused = ErrRetryBudget
			return last, backoff.Permanent(ErrRetryBudget)
		case t.hasRetryAfter:
			return last, &backoff.RetryAfterError{Duration: t.retryAfter}
		default:
			return last, errRetry
		}
	}
	res, _ := backoff.Retry(ctx, op,
		backoff.WithBackOff(&jitteredBackOff{b: l.policy.Backoff, rand: l.rand}),
		backoff.WithMaxTries(uint(maxTries)),
		backoff.WithMaxElapsedTime(0), // ctx bounds the leg, not the library's 15m default
	)
	return res // the error is in res: a failed call is data
}

// Retryable reports whether the policy's retry_on covers a failed result:
// strategies that retry outside the leg (the queue's broker) ask it so that
// a 400 or 501 is not retried there either.
func (l *Leg) Retryable(ctx context.Context, r LegResult) bool { return l.retryable(ctx, r) }

// retryable reports whether the policy retries a failed attempt with
// result r; ctx is the leg's.
func (l *Leg) retryable(ctx context.Context, r LegResult) bool {
	if r.Err != nil {
		return l.retryOn.transport(ctx, r.Err)
	}
	return l.retryOn.status(r.Status)
}
