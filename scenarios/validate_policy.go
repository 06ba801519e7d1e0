package scenarios

import (
	"strconv"

	"github.com/fanbench/fanbench/strategies"
)

// validatePolicy checks a resilience policy found at path.
func validatePolicy(p *strategies.Policy, path string, add reportFunc) {
	at := func(field string) string { return joinPath(path, field) }
	checkDuration(add, at("timeout"), p.Timeout, "0 (no per-attempt timeout) or more")
	checkNonNegative(add, at("retries"), float64(p.Retries), "the number of extra attempts, 0 or more")

	b := joinPath(path, "backoff")
	checkDuration(add, joinPath(b, "initial"), p.Backoff.Initial, "a first wait above 0, such as 50ms")
	checkDuration(add, joinPath(b, "max"), p.Backoff.Max, "a longest wait above 0, such as 2s")
	if p.Backoff.Max >= 0 && p.Backoff.Max < p.Backoff.Initial {
		add(joinPath(b, "max"), "%s is below backoff.initial (%s); want a longest wait of at least the first", p.Backoff.Max, p.Backoff.Initial)
	}
	if p.Backoff.Multiplier < 1 {
		add(joinPath(b, "multiplier"), "%s would shrink the waits; want 1 or more, such as 2", num(p.Backoff.Multiplier))
	}
	checkOneOf(add, joinPath(b, "jitter"), "jitter", p.Backoff.Jitter, strategies.JitterFull, strategies.JitterEqual, strategies.JitterNone)

	for i, cond := range p.RetryOn {
		if !retryCondition(cond) {
			add(indexPath(at("retry_on"), i), "%q is not a retry condition; want 429, 5xx, network, timeout or an error status such as 503", cond)
		}
	}
	checkShare(add, at("retry_budget"), p.RetryBudget)
	if br := p.Breaker; br != nil {
		if br.Failures < 1 {
			add(joinPath(at("breaker"), "failures"), "%d; want the number of consecutive failures that opens the breaker, 1 or more", br.Failures)
		}
		if br.OpenFor <= 0 {
			add(joinPath(at("breaker"), "open_for"), "want how long the breaker stays open, above 0, such as 5s")
		}
	}
	checkNonNegative(add, at("client_rate_limit"), p.ClientRateLimit, "calls per second to each API, 0 (off) or more")
}

// retryCondition reports whether s is a retry_on entry.
func retryCondition(s string) bool {
	switch s {
	case "429", "5xx", "network", "timeout":
		return true
	}
	code, err := strconv.Atoi(s)
	return err == nil && len(s) == 3 && code >= 400 && code <= 599
}
