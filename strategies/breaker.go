package strategies

import (
	"errors"
	"net/http"

	"github.com/sony/gobreaker/v2"
)

// refusal is why the policy stopped a leg short of its next attempt; its
// reason is what reports and error bodies show.
type refusal struct{ reason string }

func (r *refusal) Error() string { return "strategies: " + r.reason }

// ErrBreakerOpen is LegResult.Refused when the API's circuit breaker
// refused an attempt: open, or half-open with its one probe already out.
var ErrBreakerOpen error = &refusal{reason: "breaker open"}

// verdict is what one attempt says about its API's health.
type verdict int

const (
	// verdictNone: nothing (a 429, an attempt the caller gave up on, or
	// one that never went out).
	verdictNone verdict = iota
	verdictSuccess
	verdictFailure // a 5xx, a network error or a timeout
)

// verdictOf judges one sent attempt for the breaker: a 5xx, a network
// error or a timeout is a failure; a 429 says the API is up but busy, and
// an attempt cut short because the caller gave up says nothing, so neither
// counts; any other answer (4xx included) shows the API works. parentDone
// reports whether the leg's own context had ended.
func verdictOf(r LegResult, parentDone bool) verdict {
	switch {
	case r.Err != nil && parentDone:
		return verdictNone
	case r.Err != nil:
		return verdictFailure
	case r.Status == http.StatusTooManyRequests:
		return verdictNone
	case r.Status >= 500:
		return verdictFailure
	default:
		return verdictSuccess
	}
}

// gobreaker judges by error: these carry a verdict to it.
var (
	errBreakerFailure = errors.New("strategies: attempt failed")
	errBreakerIgnore  = errors.New("strategies: attempt not judged")
)

// err is v in gobreaker's terms.
func (v verdict) err() error {
	switch v {
	case verdictSuccess:
		return nil
	case verdictFailure:
		return errBreakerFailure
	default:
		return errBreakerIgnore
	}
}

// breaker is a circuit breaker per API (sony/gobreaker): it opens after
// Failures consecutive failed attempts, refuses every attempt for OpenFor,
// then lets one probe through (half-open); the probe's success closes it,
// its failure opens it again. Opens are counted in LegStats.BreakerOpens.
// A nil *breaker lets everything through.
type breaker struct {
	cb *gobreaker.TwoStepCircuitBreaker[struct{}]
}

// newBreaker returns the breaker cfg describes for the API named api, or nil
// when cfg is nil or asks for no failures.
func newBreaker(api string, cfg *Breaker, stats *LegStats) *breaker {
	if cfg == nil || cfg.Failures < 1 {
		return nil
	}
	failures := uint32(cfg.Failures)
	return &breaker{cb: gobreaker.NewTwoStepCircuitBreaker[struct{}](gobreaker.Settings{
		Name:        api,
		MaxRequests: 1, // one probe when half-open
		Timeout:     cfg.OpenFor,
		ReadyToTrip: func(c gobreaker.Counts) bool { return c.ConsecutiveFailures >= failures },
		OnStateChange: func(_ string, _, to gobreaker.State) {
			if to == gobreaker.StateOpen {
				stats.BreakerOpens.Add(1)
			}
		},
		IsExcluded: func(err error) bool { return errors.Is(err, errBreakerIgnore) },
	})}
}

// admit asks the breaker for one attempt. It returns ErrBreakerOpen when
// the breaker refuses; otherwise the attempt must end with exactly one call
// of done with its verdict's err.
func (b *breaker) admit() (done func(error), err error) {
	if b == nil {
		return ignoreVerdict, nil
	}
	done, err = b.cb.Allow()
	if err != nil {
		return nil, ErrBreakerOpen // gobreaker.ErrOpenState or ErrTooManyRequests (half-open, probe out)
	}
	return done, nil
}

func ignoreVerdict(error) {}
