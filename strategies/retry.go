package strategies

import "context"

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
