package scenarios

import "github.com/fanbench/fanbench/mockapi"

// validateAPI checks a mock API profile found at path.
func validateAPI(c *mockapi.Config, path string, add reportFunc) {
	validateLatency(&c.Latency, joinPath(path, "latency"), add)

	errsPath := joinPath(path, "errors")
	var sum float64
	for i, e := range c.Errors {
		p := indexPath(errsPath, i)
		if e.Status < 400 || e.Status > 599 {
			add(joinPath(p, "status"), "%d is not an HTTP error status; want 400 to 599", e.Status)
		}
		checkShare(add, joinPath(p, "rate"), e.Rate)
		sum += e.Rate
	}
	const slack = 1e-9 // 0.1+0.2+0.7 is not exactly 1
	if sum > 1+slack {
		add(errsPath, "the rates sum to %s; each arrival draws at most one error, so want a sum of at most 1", num(sum))
	}

	checkNonNegative(add, joinPath(path, "fail_first"), float64(c.FailFirst), "a count of arrivals (0 = off)")

	if rl := c.RateLimit; rl != nil {
		p := joinPath(path, "rate_limit")
		if !(rl.RPS > 0) {
			add(joinPath(p, "rps"), "%s is not a rate; want tokens per second above 0 (omit rate_limit for none)", num(rl.RPS))
		}
		checkNonNegative(add, joinPath(p, "burst"), float64(rl.Burst), "a bucket size of 0 or more")
		checkDuration(add, joinPath(p, "retry_after"), rl.RetryAfter.D(), "0 (no Retry-After header) or more")
	}

	checkNonNegative(add, joinPath(path, "concurrency_limit"), float64(c.ConcurrencyLimit), "0 (off) or more")
	switch c.LimitStatus {
	case 0, 429, 503:
	default:
		add(joinPath(path, "limit_status"), "%d is not a limit status; want 429 or 503", c.LimitStatus)
	}

	faultsPath := joinPath(path, "faults")
	kinds := []string{mockapi.FaultReset, mockapi.FaultHang, mockapi.FaultEmpty,
		mockapi.FaultGarbage, mockapi.FaultSlowBody, mockapi.FaultLostAck}
	for i, f := range c.Faults {
		p := indexPath(faultsPath, i)
		checkOneOf(add, joinPath(p, "kind"), "fault kind", f.Kind, kinds...)
		checkShare(add, joinPath(p, "rate"), f.Rate)
		switch {
		case f.Kind == mockapi.FaultSlowBody && f.Duration <= 0:
			add(joinPath(p, "duration"), "slow_body needs the time to dribble the body over; want a duration above 0, such as 2s")
		case f.Kind != mockapi.FaultSlowBody && f.Duration != 0:
			add(joinPath(p, "duration"), "only slow_body takes a duration; remove it")
		}
	}

	checkOneOf(add, joinPath(path, "idempotency"), "idempotency", c.Idempotency, "on", "off")
}
