package strategies

import (
	"errors"
	"net/http"

	"github.com/sony/gobreaker/v2"
)

// ErrBreakerOpen is LegResult.Refused when the API's circuit breaker
// refused an attempt: open, or half-open with its one probe already out.
var ErrBreakerOpen = errors.New("strategies: breaker open")

// Verdicts an attempt hands the breaker (gobreaker judges by error).
var (
	errBreakerFailure = errors.New("strategies: attempt failed")     // 5xx, network error, timeout
	errBreakerIgnore  = errors.New("strategies: attempt not judged") // 429, or the caller went away
)

// breaker is a circuit breaker per API (sony/gobreaker): it opens after
// Failures consecutive failed attempts, refuses every attempt for OpenFor,
// then lets one probe through (half-open); the probe's success closes it,
// its failure opens it again. Opens are counted in LegStats.BreakerOpens.
// A nil *breaker lets everything through.
type breaker struct {
	cb *gobreaker.CircuitBreaker[LegResult]
}

// newBreaker returns the breaker cfg describes for the API named api, or nil
// when cfg is nil or asks for no failures.
func newBreaker(api string, cfg *Breaker, stats *LegStats) *breaker {
	if cfg == nil || cfg.Failures < 1 {
		return nil
	}
	failures := uint32(cfg.Failures)
	return &breaker{cb: gobreaker.NewCircuitBreaker[LegResult](gobreaker.Settings{
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

// do runs attempt if the breaker lets it, and reports ErrBreakerOpen if not.
// judge says what the attempt's result means for the API's health.
func (b *breaker) do(attempt func() LegResult, judge func(LegResult) error) (LegResult, error) {
	if b == nil {
		return attempt(), nil
	}
	res, err := b.cb.Execute(func() (LegResult, error) {
		r := attempt()
		return r, judge(r)
	})
	if errors.Is(err, gobreaker.ErrOpenState) || errors.Is(err, gobreaker.ErrTooManyRequests) {
		return res, ErrBreakerOpen
	}
	return res, nil
}

// breakerVerdict judges one attempt for the breaker: a 5xx, a network
// error or a timeout is a failure; a 429 says the API is up but busy, and an
// attempt cut short because the caller gave up says nothing, so neither
// counts; any other answer (4xx included) shows the API works. parentDone
// reports whether the leg's own context had ended.
func breakerVerdict(r LegResult, parentDone bool) error {
	switch {
	case r.Err != nil && parentDone:
		return errBreakerIgnore
	case r.Err != nil:
		return errBreakerFailure
	case r.Status == http.StatusTooManyRequests:
		return errBreakerIgnore
	case r.Status >= 500:
		return errBreakerFailure
	default:
		return nil
	}
}
