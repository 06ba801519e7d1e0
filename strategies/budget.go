package strategies

import "sync/atomic"

// ErrRetryBudget is LegResult.Refused when a leg would have retried but the
// API's retry budget had no room for it.
var ErrRetryBudget error = &refusal{reason: "retry budget exhausted"}

// Retry budget sizes, in milli-tokens (one retry costs one token).
const (
	budgetUnit = 1000
	// budgetCap bounds the credit a healthy spell can bank, so that the
	// next outage cannot spend an old surplus in one burst: the budget is
	// a window over recent calls, not over the whole run.
	budgetCap = 10 * budgetUnit
)

// retryBudget keeps the retries to one API at or below a share of all the
// calls to it, as gRPC's retry throttling and Finagle's RetryBudget do: every
// first attempt deposits share/(1-share) tokens, every retry must withdraw
// one whole token or is refused. Starting empty, retries ≤ share·calls holds
// at every moment of a run, whatever the failure pattern. Lock-free; a nil
// *retryBudget allows every retry.
type retryBudget struct {
	deposit int64 // milli-tokens per first attempt
	tokens  atomic.Int64
}

// newRetryBudget returns a budget for share in (0, 1), or nil (no budget)
// for share <= 0 or share >= 1.
func newRetryBudget(share float64) *retryBudget {
	if !(share > 0 && share < 1) {
		return nil
	}
	return &retryBudget{deposit: max(1, int64(share/(1-share)*budgetUnit))}
}

// firstAttempt credits the budget for a first attempt about to be sent.
func (b *retryBudget) firstAttempt() {
	if b == nil {
		return
	}
	for {
		cur := b.tokens.Load()
		next := min(cur+b.deposit, budgetCap)
		if next == cur || b.tokens.CompareAndSwap(cur, next) {
			return
		}
	}
}

// allowRetry withdraws one token for a retry, or reports false if the
// budget has none to give.
func (b *retryBudget) allowRetry() bool {
	if b == nil {
		return true
	}
	for {
		cur := b.tokens.Load()
		if cur < budgetUnit {
			return false
		}
		if b.tokens.CompareAndSwap(cur, cur-budgetUnit) {
			return true
		}
	}
}
