package strategies

// APIGuard is the state of a policy that belongs to one API rather than to
// one call: its circuit breaker, client rate limiter and retry budget. Every leg to the same API in a run must share one
// guard (NewLeg's WithGuard), or each leg would keep its own breaker and
// budget and the API would see the sum of their traffic. Safe for
// concurrent use.
type APIGuard struct {
	api     string
	stats   *LegStats
	breaker *breaker       // nil: no breaker
	limiter *clientLimiter // nil: no client rate limit
	budget  *retryBudget   // nil: no retry budget
}

// NewAPIGuard returns the shared state of policy p for the API named api.
// Breaker opens are counted in stats.BreakerOpens. The guard takes from p
// only Breaker, ClientRateLimit, HonorRetryAfter and RetryBudget; legs that share it should
// have the same policy.
func NewAPIGuard(api string, p Policy, stats *LegStats) *APIGuard {
	return &APIGuard{
		api:     api,
		stats:   stats,
		breaker: newBreaker(api, p.Breaker, stats),
		limiter: newClientLimiter(p.ClientRateLimit, p.HonorRetryAfter),
		budget:  newRetryBudget(p.RetryBudget),
	}
}

// API returns the name of the guarded API.
func (g *APIGuard) API() string { return g.api }
