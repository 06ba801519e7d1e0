package scenarios

import "github.com/fanbench/fanbench/mockapi"

// rateSlack absorbs rounding when shares are summed: 0.1+0.2+0.7 is not
// exactly 1.
const rateSlack = 1e-9

// maxRateLimit is the largest token rate the mock accepts.
const maxRateLimit = 1e9

// validateAPI checks a mock API profile found at path.
func validateAPI(c *mockapi.Config, path string, add reportFunc) {
	validateLatency(&c.Latency, joinPath(path, "latency"), add)

	errsPath := joinPath(path, "errors")
	// Sums are checked only when each share is valid on its own.
	var errSum float64
	sharesOK := true
	for i, e := range c.Errors {
		p := indexPath(errsPath, i)
		if e.Status < 400 || e.Status > 599 {
			add(joinPath(p, "status"), "%d is not an HTTP error status; want 400 to 599", e.Status)
		}
		sharesOK = sharesOK && e.Rate >= 0 && e.Rate <= 1
		checkShare(add, joinPath(p, "rate"), e.Rate)
		errSum += e.Rate
	}
	if sharesOK && errSum > 1+rateSlack {
		add(errsPath, "the rates sum to %s; each arrival draws at most one error, so want a sum of at most 1", num(errSum))
	}

	checkNonNegative(add, joinPath(path, "fail_first"), float64(c.FailFirst), "a count of arrivals (0 = off)")

	if rl := c.RateLimit; rl != nil {
		p := joinPath(path, "rate_limit")
		if !(rl.RPS > 0 && rl.RPS <= maxRateLimit) {
			add(joinPath(p, "rps"), "%s is out of range; want tokens per second above 0 and at most %s (omit rate_limit for none)", num(rl.RPS), num(maxRateLimit))
		}
		checkNonNegative(add, joinPath(p, "burst"), float64(rl.Burst), "a bucket size of 0 (= 1) or more")
		checkDuration(add, joinPath(p, "retry_after"), rl.RetryAfter.D(), "0 (until the next token) or more")
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
	var faultSum float64
	for i, f := range c.Faults {
		p := indexPath(faultsPath, i)
		checkOneOf(add, joinPath(p, "kind"), "fault kind", f.Kind, kinds...)
		sharesOK = sharesOK && f.Rate >= 0 && f.Rate <= 1
		checkShare(add, joinPath(p, "rate"), f.Rate)
		faultSum += f.Rate
		if f.Kind == mockapi.FaultSlowBody {
			checkDuration(add, joinPath(p, "duration"), f.Duration.D(), "the time to dribble the body over (0 = 1s)")
		} else if f.Duration != 0 {
			add(joinPath(p, "duration"), "only slow_body takes a duration; remove it")
		}
	}
	// The mock decides errors and faults with one draw, so their rates
	// share one unit.
	switch {
	case !sharesOK:
	case faultSum > 1+rateSlack:
		add(faultsPath, "the rates sum to %s; each arrival meets at most one fault, so want a sum of at most 1", num(faultSum))
	case errSum <= 1+rateSlack && errSum+faultSum > 1+rateSlack:
		add(faultsPath, "with the errors, the rates sum to %s; each arrival meets at most one error or fault, so want a sum of at most 1", num(errSum+faultSum))
	}

	checkOneOf(add, joinPath(path, "idempotency"), "idempotency", c.Idempotency, "on", "off")
}
