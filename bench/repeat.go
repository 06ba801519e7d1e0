package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/fanbench/fanbench/reports"
	"github.com/fanbench/fanbench/scenarios"
)

// RunRepeated runs sc n times with the same seed and timeline and returns
// one result per strategy: the figures of its median repeat (by corrected
// p99) and, in Spread, the median and min–max of the main figures across
// repeats, so a comparison can tell a change from noise. n ≤ 1 is Run.
func RunRepeated(ctx context.Context, sc *scenarios.Scenario, n int, opt Options) (*reports.Results, error) {
	return runRepeated(ctx, sc, n, opt, nil)
}

// runRepeated is RunRepeated; each, when set, sees every repeat's results.
func runRepeated(ctx context.Context, sc *scenarios.Scenario, n int, opt Options, each func(*reports.Results)) (*reports.Results, error) {
	if n <= 1 {
		return Run(ctx, sc, opt)
	}
	var runs []*reports.Results
	var runErr error
	for i := range n {
		logf(opt, "repeat %d of %d", i+1, n)
		ropt := opt
		if opt.ResultsOut != nil {
			// Each repeat keeps its own per-send file: <strategy>.r<k>.
			ropt.ResultsOut = func(strategy string) (io.WriteCloser, error) {
				return opt.ResultsOut(fmt.Sprintf("%s.r%d", strategy, i+1))
			}
		}
		res, err := Run(ctx, sc, ropt)
		if err != nil && !errors.Is(err, ErrInterrupted) {
			return nil, fmt.Errorf("repeat %d: %w", i+1, err)
		}
		runs = append(runs, res)
		if each != nil {
			each(res)
		}
		if err != nil {
			runErr = err
			break
		}
	}
	out := *runs[0]
	out.Strategies = nil
	out.Phases = nil
	out.Partial = runErr != nil
	for si, first := range runs[0].Strategies {
		var all []reports.StrategyResult
		var from []*reports.Results // the run each of all came from
		for _, r := range runs {
			if si < len(r.Strategies) && r.Strategies[si].Name == first.Name {
				all = append(all, r.Strategies[si])
				from = append(from, r)
			}
		}
		med := medianBy(all, func(s reports.StrategyResult) float64 { return s.LatencyMs.Corrected.P99 })
		chosen := all[med]
		chosen.Spread = spreadOf(all)
		out.Strategies = append(out.Strategies, chosen)
		for _, m := range from[med].Phases {
			if m.Strategy == first.Name {
				out.Phases = append(out.Phases, m)
			}
		}
	}
	out.SLO = EvaluateSLOs(&out, sc.SLOs)
	return &out, runErr
}

// medianBy returns the index of the element with the median key.
func medianBy(all []reports.StrategyResult, key func(reports.StrategyResult) float64) int {
	idx := make([]int, len(all))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		ka, kb := key(all[a]), key(all[b])
		switch {
		case ka < kb:
			return -1
		case ka > kb:
			return 1
		}
		return 0
	})
	return idx[(len(idx)-1)/2]
}

func spreadOf(all []reports.StrategyResult) *reports.Spread {
	rangeOf := func(get func(reports.StrategyResult) float64) reports.Range {
		v := make([]float64, len(all))
		for i, s := range all {
			v[i] = get(s)
		}
		slices.Sort(v)
		med := v[len(v)/2]
		if len(v)%2 == 0 {
			med = (v[len(v)/2-1] + v[len(v)/2]) / 2
		}
		return reports.Range{Median: round3(med), Min: v[0], Max: v[len(v)-1]}
	}
	lat := func(get func(reports.Percentiles) float64) reports.Range {
		return rangeOf(func(s reports.StrategyResult) float64 { return get(s.LatencyMs.Corrected) })
	}
	return &reports.Spread{
		Repeats: len(all),
		LatencyMs: map[string]reports.Range{
			"p50":  lat(func(p reports.Percentiles) float64 { return p.P50 }),
			"p90":  lat(func(p reports.Percentiles) float64 { return p.P90 }),
			"p99":  lat(func(p reports.Percentiles) float64 { return p.P99 }),
			"p999": lat(func(p reports.Percentiles) float64 { return p.P999 }),
			"max":  lat(func(p reports.Percentiles) float64 { return p.Max }),
		},
		RateAchieved: rangeOf(func(s reports.StrategyResult) float64 { return s.RateAchieved }),
		SuccessRatio: rangeOf(func(s reports.StrategyResult) float64 { return s.SuccessRatio }),
		Lost:         rangeOf(func(s reports.StrategyResult) float64 { return float64(s.Lost) }),
	}
}
