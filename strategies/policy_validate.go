package strategies

import (
	"strconv"

	"github.com/fanbench/fanbench/field"
)

// Validate returns every problem with p, each with the path of its field
// relative to the policy ("backoff.max", "retry_on[1]"). Zero backoff
// fields are fine (Backoff.Normalize fills them); negative ones are not.
func (p Policy) Validate() []field.Error {
	var es field.Errors
	es.Duration("timeout", p.Timeout, "0 (no per-attempt timeout) or more")
	es.NonNegative("retries", float64(p.Retries), "the number of extra attempts, 0 or more")

	b := p.Backoff
	es.Duration("backoff.initial", b.Initial, "a first wait above 0, such as 50ms")
	es.Duration("backoff.max", b.Max, "a longest wait above 0, such as 2s")
	if b.Max > 0 && b.Max < b.Initial {
		es.Addf("backoff.max", "%s is below backoff.initial (%s); want a longest wait of at least the first", b.Max, b.Initial)
	}
	if b.Multiplier != 0 && !(b.Multiplier >= 1) {
		es.Addf("backoff.multiplier", "%s would shrink the waits; want 1 or more, such as 2", field.Num(b.Multiplier))
	}
	if b.Jitter != "" {
		es.OneOf("backoff.jitter", "jitter", b.Jitter, JitterFull, JitterEqual, JitterNone)
	}

	for i, cond := range p.RetryOn {
		if !retryCondition(cond) {
			es.Addf(field.Index("retry_on", i), "%q is not a retry condition; want 429, 5xx, network, timeout or an error status such as 503", cond)
		}
	}
	es.Share("retry_budget", p.RetryBudget)
	if br := p.Breaker; br != nil {
		if br.Failures < 1 {
			es.Addf("breaker.failures", "%d; want the number of consecutive failures that opens the breaker, 1 or more", br.Failures)
		}
		if br.OpenFor <= 0 {
			es.Addf("breaker.open_for", "want how long the breaker stays open, above 0, such as 5s")
		}
	}
	es.NonNegative("client_rate_limit", p.ClientRateLimit, "calls per second to each API, 0 (off) or more")
	if p.OnPartial != "" {
		es.OneOf("on_partial", "on_partial", p.OnPartial, OnPartialIgnore, OnPartialCompensate)
	}
	if c := p.Compensation; c != nil {
		es.Nest("compensation", c.Validate())
	}
	return es
}

// retryCondition reports whether s is a retry_on entry: a named condition
// or a literal error status.
func retryCondition(s string) bool {
	switch s {
	case RetryOn429, RetryOn5xx, RetryOnNetwork, RetryOnTimeout:
		return true
	}
	code, err := strconv.Atoi(s)
	return err == nil && len(s) == 3 && code >= 400 && code <= 599
}
