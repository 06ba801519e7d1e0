package reports

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// DefaultMaxRegression is the relative worsening of a tracked figure that
// Compare tolerates when CompareOptions.MaxRegression is zero: 10%.
const DefaultMaxRegression = 0.10

// CompareOptions tune Compare.
type CompareOptions struct {
	// MaxRegression is how much worse a tracked figure may get, relative
	// to the base run, before it counts as a regression: 0.10 is 10%.
	// Zero means DefaultMaxRegression.
	MaxRegression float64
	// RequireAll makes a strategy of the base run that the new run lacks
	// a regression. Without it the strategies both runs have are compared
	// and the missing ones are listed (Comparison.Missing), not judged.
	RequireAll bool
}

// Comparison is a new run measured against a base run, strategy by
// strategy (matched by name) and figure by figure.
type Comparison struct {
	Base          RunInfo              `json:"base"`
	New           RunInfo              `json:"new"`
	MaxRegression float64              `json:"max_regression"`
	Strategies    []StrategyComparison `json:"strategies"`
	// Warnings say why the two runs may not be comparable: another
	// scenario, seed, load or machine, a partial run, a saturated driver.
	Warnings []string `json:"warnings,omitempty"`
	// Missing names the base run's strategies the new run lacks.
	Missing []string `json:"missing,omitempty"`
	// RequireAll records CompareOptions.RequireAll: a missing strategy is
	// then a regression.
	RequireAll bool `json:"require_all,omitempty"`
}

// RunInfo identifies one side of a comparison.
type RunInfo struct {
	Scenario  string    `json:"scenario"`
	Seed      int64     `json:"seed"`
	StartedAt time.Time `json:"started_at"`
	Machine   Machine   `json:"machine"`
	Load      LoadInfo  `json:"load"`
	Partial   bool      `json:"partial"`
}

// StrategyComparison is one strategy's figures in both runs.
type StrategyComparison struct {
	Name string `json:"name"`
	// Only is "base" or "new" when the strategy ran in one run only; it
	// then has no figures. Missing from the new run is a regression only
	// with CompareOptions.RequireAll.
	Only    string        `json:"only,omitempty"`
	Figures []FigureDelta `json:"figures,omitempty"`
}

// FigureDelta is one figure of a strategy in both runs.
type FigureDelta struct {
	// Figure names it as results.json does: "latency.p99" (corrected
	// user latency), "success_ratio", "rate_achieved", "lost",
	// "delivery.p99" (to both APIs).
	Figure string  `json:"figure"`
	Unit   string  `json:"unit"` // "ms", "ratio", "/s" or "sends"
	Base   float64 `json:"base"`
	New    float64 `json:"new"`
	// Delta is New − Base.
	Delta float64 `json:"delta"`
	// Change is Delta relative to Base (0.5 = +50%); nil when Base is 0.
	Change *float64 `json:"change,omitempty"`
	// BaseRange and NewRange are the min–max over repeats, when both runs
	// were repeated.
	BaseRange *Range `json:"base_range,omitempty"`
	NewRange  *Range `json:"new_range,omitempty"`
	// Tracked figures can regress; the others are shown for context.
	Tracked    bool `json:"tracked"`
	Regression bool `json:"regression"`
	// Verdict says in words why the figure is, or is not, a regression.
	Verdict string `json:"verdict,omitempty"`
}

// Regressed reports whether any strategy regressed.
func (c *Comparison) Regressed() bool { return len(c.Regressions()) > 0 }

// Regressions lists every regression as "strategy: figure verdict".
func (c *Comparison) Regressions() []string {
	var out []string
	for _, s := range c.Strategies {
		if s.Only == "base" && c.RequireAll {
			out = append(out, s.Name+": missing from the new run")
		}
		for _, f := range s.Figures {
			if f.Regression {
				out = append(out, fmt.Sprintf("%s: %s %s", s.Name, f.Figure, f.Verdict))
			}
		}
	}
	return out
}

// figureSpec is how to read, judge and range one figure.
type figureSpec struct {
	name, unit string
	tracked    bool
	// lowerIsBetter: latency and lost; higher is better for the ratio and rate.
	lowerIsBetter bool
	value         func(StrategyResult) float64
	// spread returns the figure's range over repeats, if recorded.
	spread func(*Spread) (Range, bool)
	// floor is an absolute worsening always tolerated on top of the
	// relative threshold; with it, a zero base value can regress too.
	floor float64
}

// compareFigures are the figures Compare reports, tracked ones first.
func compareFigures() []figureSpec {
	lat := func(key string, get func(Percentiles) float64) figureSpec {
		return figureSpec{
			name: "latency." + key, unit: "ms", tracked: key != "max", lowerIsBetter: true,
			value: func(s StrategyResult) float64 { return get(s.LatencyMs.Corrected) },
			spread: func(sp *Spread) (Range, bool) {
				r, ok := sp.LatencyMs[key]
				return r, ok
			},
		}
	}
	return []figureSpec{
		lat("p50", func(p Percentiles) float64 { return p.P50 }),
		lat("p90", func(p Percentiles) float64 { return p.P90 }),
		lat("p99", func(p Percentiles) float64 { return p.P99 }),
		lat("p999", func(p Percentiles) float64 { return p.P999 }),
		// Failures, not successes, are what a threshold should be relative
		// to: 99.9% → 95% success is 50 times the failures, only a 4.9%
		// drop of the ratio. A tenth of a percentage point is always allowed.
		{name: "failure_ratio", unit: "ratio", tracked: true, lowerIsBetter: true, floor: 0.001,
			value: func(s StrategyResult) float64 { return round6(1 - s.SuccessRatio) },
			spread: func(sp *Spread) (Range, bool) {
				r := sp.SuccessRatio
				return Range{Median: round6(1 - r.Median), Min: round6(1 - r.Max), Max: round6(1 - r.Min)}, true
			}},
		{name: "lost", unit: "sends", tracked: true, lowerIsBetter: true,
			value:  func(s StrategyResult) float64 { return float64(s.Lost) },
			spread: func(sp *Spread) (Range, bool) { return sp.Lost, true }},
		{name: "rate_achieved", unit: "/s", tracked: true,
			value:  func(s StrategyResult) float64 { return s.RateAchieved },
			spread: func(sp *Spread) (Range, bool) { return sp.RateAchieved, true }},
		lat("max", func(p Percentiles) float64 { return p.Max }),
		{name: "delivery.p50", unit: "ms", lowerIsBetter: true,
			value: func(s StrategyResult) float64 { return s.DeliveryMs.Both.P50 }},
		{name: "delivery.p99", unit: "ms", lowerIsBetter: true,
			value: func(s StrategyResult) float64 { return s.DeliveryMs.Both.P99 }},
	}
}

// Compare measures the run next against the run base. A tracked figure —
// corrected latency p50/p90/p99/p99.9, failure ratio (1 − success ratio, with 0.1 percentage point always allowed), lost sends, achieved
// rate — regresses when it is worse than the base by more than
// opt.MaxRegression, relative to the base value (lost: any increase from
// zero). When both runs carry repeat spreads, it must also be out of
// reach of the base's min–max range: overlapping ranges are noise.
func Compare(base, next *Results, opt CompareOptions) (*Comparison, error) {
	if base == nil || next == nil {
		return nil, errors.New("compare: need two results")
	}
	thr := opt.MaxRegression
	if thr == 0 {
		thr = DefaultMaxRegression
	}
	if thr < 0 || math.IsNaN(thr) || math.IsInf(thr, 0) {
		return nil, fmt.Errorf("compare: max regression %g; want a positive fraction such as 0.1 for 10%%", opt.MaxRegression)
	}
	c := &Comparison{Base: runInfoOf(base), New: runInfoOf(next), MaxRegression: thr, RequireAll: opt.RequireAll}
	c.Warnings = comparabilityWarnings(base, next)

	newByName := map[string]StrategyResult{}
	for _, s := range next.Strategies {
		newByName[s.Name] = s
	}
	seen := map[string]bool{}
	for _, b := range base.Strategies {
		seen[b.Name] = true
		n, ok := newByName[b.Name]
		if !ok {
			c.Strategies = append(c.Strategies, StrategyComparison{Name: b.Name, Only: "base"})
			c.Missing = append(c.Missing, b.Name)
			continue
		}
		sc := StrategyComparison{Name: b.Name}
		for _, spec := range compareFigures() {
			sc.Figures = append(sc.Figures, compareFigure(spec, b, n, thr))
		}
		if n.DriverSaturated && !b.DriverSaturated {
			c.Warnings = append(c.Warnings, fmt.Sprintf("%s: the driver could not keep the schedule in the new run; its latency is not comparable", b.Name))
		}
		c.Strategies = append(c.Strategies, sc)
	}
	for _, n := range next.Strategies {
		if !seen[n.Name] {
			c.Strategies = append(c.Strategies, StrategyComparison{Name: n.Name, Only: "new"})
		}
	}
	return c, nil
}

// compareFigure judges one figure of one strategy.
func compareFigure(spec figureSpec, b, n StrategyResult, thr float64) FigureDelta {
	f := FigureDelta{Figure: spec.name, Unit: spec.unit, Base: spec.value(b), New: spec.value(n), Tracked: spec.tracked}
	f.Delta = round6(f.New - f.Base)
	if f.Base != 0 {
		ch := round6(f.Delta / f.Base)
		f.Change = &ch
	}
	if spec.spread != nil && b.Spread != nil && n.Spread != nil && b.Spread.Repeats > 1 && n.Spread.Repeats > 1 {
		br, okB := spec.spread(b.Spread)
		nr, okN := spec.spread(n.Spread)
		if okB && okN {
			f.BaseRange, f.NewRange = &br, &nr
		}
	}
	if !f.Tracked {
		f.Verdict = "not tracked"
		return f
	}
	worse := f.Delta // positive = worse
	if !spec.lowerIsBetter {
		worse = -f.Delta
	}
	limit := thr*math.Abs(f.Base) + spec.floor
	switch {
	case worse <= 0:
		f.Verdict = "not worse"
		return f
	case f.Base == 0 && spec.name != "lost" && spec.floor == 0:
		f.Verdict = "no base value to compare with"
		return f
	case worse <= limit && f.Base == 0:
		f.Verdict = fmt.Sprintf("worse by %g, within the %g allowed", worse, spec.floor)
		return f
	case worse <= limit:
		f.Verdict = fmt.Sprintf("worse by %s, within %s", pct(worse/math.Abs(f.Base)), pct(thr))
		return f
	}
	if f.BaseRange != nil {
		apart := f.NewRange.Min > f.BaseRange.Max
		if !spec.lowerIsBetter {
			apart = f.NewRange.Max < f.BaseRange.Min
		}
		if !apart {
			f.Verdict = fmt.Sprintf("worse by %s, but the repeat ranges overlap (base %g–%g, new %g–%g)",
				pct(worse/math.Abs(f.Base)), f.BaseRange.Min, f.BaseRange.Max, f.NewRange.Min, f.NewRange.Max)
			return f
		}
	}
	f.Regression = true
	if f.Base == 0 {
		f.Verdict = fmt.Sprintf("went from 0 to %g", f.New)
	} else {
		f.Verdict = fmt.Sprintf("worse by %s > %s", pct(worse/math.Abs(f.Base)), pct(thr))
	}
	if f.BaseRange != nil {
		f.Verdict += ", repeat ranges apart"
	}
	return f
}

// comparabilityWarnings lists what differs between the runs besides the
// code under test.
func comparabilityWarnings(base, next *Results) []string {
	var w []string
	if base.Scenario != next.Scenario {
		w = append(w, fmt.Sprintf("different scenarios: %q vs %q", base.Scenario, next.Scenario))
	}
	if base.Seed != next.Seed {
		w = append(w, fmt.Sprintf("different seeds: %d vs %d", base.Seed, next.Seed))
	}
	if base.Load != next.Load {
		w = append(w, fmt.Sprintf("different load: %s vs %s", describeLoadInfo(base.Load), describeLoadInfo(next.Load)))
	}
	if base.Machine.CPUs != next.Machine.CPUs || base.Machine.GoVersion != next.Machine.GoVersion {
		w = append(w, fmt.Sprintf("different machines: %s vs %s", describeMachine(base.Machine), describeMachine(next.Machine)))
	}
	if base.Partial {
		w = append(w, "the base run is partial (interrupted)")
	}
	if next.Partial {
		w = append(w, "the new run is partial (interrupted)")
	}
	return w
}

func runInfoOf(r *Results) RunInfo {
	return RunInfo{Scenario: r.Scenario, Seed: r.Seed, StartedAt: r.StartedAt, Machine: r.Machine, Load: r.Load, Partial: r.Partial}
}

// changeText is a figure's relative change, "+12.5%", or "n/a" without a base.
func changeText(f FigureDelta) string {
	if f.Change == nil {
		return "n/a"
	}
	return fmt.Sprintf("%+.1f%%", 100**f.Change)
}

func pct(v float64) string { return fmt.Sprintf("%.1f%%", 100*v) }

func round6(v float64) float64 { return math.Round(v*1e6) / 1e6 }
