package bench

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"time"

	"github.com/fanbench/fanbench/reports"
	"github.com/fanbench/fanbench/scenarios"
	"github.com/fanbench/fanbench/strategies"
)

// SweepOptions say how `fanbench sweep` steps the rate. Zero values take
// the defaults named on each field.
type SweepOptions struct {
	From, To float64 // sends/s; From default: the scenario's rate; To default: 100 × From
	// Factor multiplies the rate from step to step (default 1.25) unless
	// Steps > 0, which spaces Steps rates evenly from From to To.
	Factor float64
	Steps  int
	// StepDuration is each step's measurement (default 10s); each step
	// warms up for the scenario's warm-up first.
	StepDuration time.Duration
	// P99Max is the corrected p99 a good step stays within; 0: 10 × the
	// strategy's ideal p99, at least 10ms.
	P99Max time.Duration
	// AllowSaturated judges steps without the harness verdict.
	AllowSaturated bool
	// Run carries the engine's options (thresholds, progress, logs).
	Run Options
	// Step, when set, is called after every step.
	Step func(strategy string, s reports.SweepStep)
}

// The good-step rule's shares.
const (
	sweepAchievedShare = 0.99
	sweepSuccessRatio  = 0.99
)

// Sweep runs each strategy of sc at increasing rates, fresh mocks and front
// per step, until two steps after the first bad one, then bisects twice
// between the last good and the first bad rate. When ctx ends, it returns
// what it measured with Partial set and an error wrapping ErrInterrupted.
func Sweep(ctx context.Context, sc *scenarios.Scenario, opt SweepOptions) (*reports.SweepResults, error) {
	if opt.From <= 0 {
		opt.From = sc.Load.Rate
	}
	if opt.To <= 0 {
		opt.To = 100 * opt.From
	}
	if opt.Factor <= 0 {
		opt.Factor = 1.25
	}
	if opt.StepDuration <= 0 {
		opt.StepDuration = 10 * time.Second
	}
	switch {
	case !(opt.From > 0) || opt.To < opt.From:
		return nil, fmt.Errorf("sweep: rates from %g to %g: want 0 < from ≤ to", opt.From, opt.To)
	case opt.Steps <= 0 && !(opt.Factor > 1):
		return nil, fmt.Errorf("sweep: factor %g: want above 1", opt.Factor)
	}
	res := &reports.SweepResults{
		Schema: reports.SweepSchema, Scenario: sc.Name, Seed: sc.Seed, StartedAt: time.Now().UTC().Truncate(time.Second),
		Machine: reports.Machine{CPUs: runtime.NumCPU(), GoVersion: runtime.Version(), OS: runtime.GOOS, Arch: runtime.GOARCH},
		Rule: reports.SweepRule{
			MinAchievedShare: sweepAchievedShare, MinSuccessRatio: sweepSuccessRatio, SLO: sc.SLO,
			P99MaxMs: map[string]float64{}, HarnessSaturation: !opt.AllowSaturated,
			StepDurationS: opt.StepDuration.Seconds(), WarmupS: sc.Load.Warmup.Seconds(),
		},
		Strategies: []reports.SweepStrategy{},
	}
	for _, spec := range sc.Strategies {
		ss, err := sweepStrategy(ctx, sc, spec, opt, res)
		res.Strategies = append(res.Strategies, ss)
		if err != nil {
			if errors.Is(err, ErrInterrupted) {
				res.Partial = true
			}
			return res, err
		}
	}
	return res, nil
}

// rates returns the stepping rates from opt.From up to opt.To.
func (opt SweepOptions) rates() []float64 {
	var rs []float64
	if opt.Steps > 0 {
		for i := range opt.Steps {
			r := opt.From
			if opt.Steps > 1 {
				r += (opt.To - opt.From) * float64(i) / float64(opt.Steps-1)
			}
			rs = append(rs, math.Round(r*1000)/1000)
		}
		return rs
	}
	for r := opt.From; r <= opt.To*(1+1e-9); r *= opt.Factor {
		rs = append(rs, math.Round(r*1000)/1000)
	}
	return rs
}

func sweepStrategy(ctx context.Context, sc *scenarios.Scenario, spec strategies.Spec, opt SweepOptions, res *reports.SweepResults) (reports.SweepStrategy, error) {
	ss := reports.SweepStrategy{Name: spec.Label(), Steps: []reports.SweepStep{}}
	p99Max := opt.P99Max
	step := func(rate float64, bisected bool) (reports.SweepStep, error) {
		st, ideal99, err := sweepStep(ctx, sc, spec, rate, opt, p99Max)
		if p99Max == 0 && err == nil {
			// The first step sets the limit from the strategy's ideal and is judged again by it.
			p99Max = max(10*ideal99, 10*time.Millisecond)
			st = judge(st, sc, p99Max, opt.AllowSaturated, st.sloOK)
		}
		st.Bisected = bisected
		if err == nil || errors.Is(err, ErrInterrupted) {
			ss.Steps = append(ss.Steps, st.SweepStep)
			if opt.Step != nil {
				opt.Step(ss.Name, st.SweepStep)
			}
		}
		return st.SweepStep, err
	}
	good, bad := -1.0, -1.0
	var goodStep reports.SweepStep
	extra := 0
	for _, r := range opt.rates() {
		st, err := step(r, false)
		if err != nil {
			return ss, err
		}
		if bad < 0 {
			if st.Good {
				good, goodStep = r, st
				continue
			}
			bad = r
		}
		if extra++; extra > 2 {
			break
		}
	}
	res.Rule.P99MaxMs[ss.Name] = durMs(p99Max)
	switch {
	case bad < 0:
		ss.Note = fmt.Sprintf("no step failed up to %g sends/s: raise --to", opt.To)
		return ss, nil
	case good < 0:
		ss.Note = fmt.Sprintf("the first step, %g sends/s, already failed: start lower, e.g. --from %g", bad, math.Max(bad/4, 1))
		return ss, nil
	}
	for range 2 {
		mid := math.Round((good+bad)/2*1000) / 1000
		st, err := step(mid, true)
		if err != nil {
			return ss, err
		}
		if st.Good {
			good, goodStep = mid, st
		} else {
			bad = mid
		}
	}
	ss.Knee = &goodStep
	return ss, nil
}

// stepResult is a step with what judging it again needs.
type stepResult struct {
	reports.SweepStep
	sr      reports.StrategyResult
	sloOK   bool
	overran bool // cut at its time budget
}

func sweepStep(ctx context.Context, sc *scenarios.Scenario, spec strategies.Spec, rate float64, opt SweepOptions, p99Max time.Duration) (stepResult, time.Duration, error) {
	step := *sc
	// A constant load at rate: the scenario's own shape (slope, amp,
	// period, steps) does not apply to a step.
	step.Load = scenarios.Load{
		Profile: scenarios.ProfileConstant, Rate: rate, Duration: opt.StepDuration,
		Warmup: sc.Load.Warmup, MaxInFlight: sc.Load.MaxInFlight, Timeout: sc.Load.Timeout,
	}
	step.Strategies = []strategies.Spec{spec}
	// A step far past the knee would launch its whole schedule late, for
	// as long as the backlog takes; it gets a fifth of its length (at least
	// 1s) of slack and is then cut (its sends in flight get 200ms), and
	// counts as bad.
	budget := step.Load.Warmup + step.Load.Duration + max(step.Load.Duration/5, time.Second)
	stepCtx, cancel := context.WithTimeout(ctx, budget)
	defer cancel()
	runOpt := opt.Run
	if runOpt.InterruptGrace == 0 {
		runOpt.InterruptGrace = 200 * time.Millisecond
	}
	out, err := Run(stepCtx, &step, runOpt)
	overran := false
	if errors.Is(err, ErrInterrupted) && ctx.Err() == nil {
		err, overran = nil, true
	}
	if err != nil && !errors.Is(err, ErrInterrupted) {
		return stepResult{}, 0, fmt.Errorf("step at %g/s: %w", rate, err)
	}
	if out == nil || len(out.Strategies) == 0 {
		return stepResult{}, 0, err
	}
	sr := out.Strategies[0]
	sloOK := true
	for _, c := range out.SLO {
		if c.Strategy == sr.Name {
			sloOK = sloOK && c.Pass
		}
	}
	st := stepResult{sr: sr, sloOK: sloOK, overran: overran, SweepStep: reports.SweepStep{
		Offered: sr.RateRequested, Achieved: sr.RateAchieved, Success: sr.SuccessRatio,
		LatencyMs: sr.LatencyMs.Corrected, CPUUsPerSend: sr.CPUUsPerSend,
		Harness: reports.SweepHarness{Saturated: sr.Harness.Saturated, Reasons: sr.Harness.Reasons},
	}}
	ideal99 := time.Duration(sr.IdealMs.P99 * float64(time.Millisecond))
	if p99Max > 0 {
		st = judge(st, sc, p99Max, opt.AllowSaturated, sloOK)
	}
	return st, ideal99, err
}

// judge applies the good-step rule.
func judge(st stepResult, sc *scenarios.Scenario, p99Max time.Duration, allowSaturated, sloOK bool) stepResult {
	st.Why = []string{}
	if st.overran {
		st.Why = append(st.Why, "could not launch its schedule within the step's time")
	}
	if st.Achieved < sweepAchievedShare*st.Offered {
		st.Why = append(st.Why, fmt.Sprintf("achieved %.1f/s < 99%% of %.1f/s", st.Achieved, st.Offered))
	}
	if len(sc.SLOs) > 0 {
		if !sloOK {
			st.Why = append(st.Why, "an SLO of the scenario failed")
		}
	} else if st.Success < sweepSuccessRatio {
		st.Why = append(st.Why, fmt.Sprintf("success %.2f%% < 99%%", 100*st.Success))
	}
	if limit := durMs(p99Max); st.LatencyMs.P99 > limit {
		st.Why = append(st.Why, fmt.Sprintf("p99 %.1fms > %.1fms", st.LatencyMs.P99, limit))
	}
	if st.Harness.Saturated && !allowSaturated {
		st.Why = append(st.Why, "harness saturated")
	}
	st.Good = len(st.Why) == 0
	return st
}
