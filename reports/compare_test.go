package reports_test

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/fanbench/fanbench/reports"
)

// regressions is what Compare says regressed, as "strategy: figure …".
func regressions(t *testing.T, base, next *reports.Results, opt reports.CompareOptions) []string {
	t.Helper()
	c, err := reports.Compare(base, next, opt)
	if err != nil {
		t.Fatal(err)
	}
	if c.Regressed() != (len(c.Regressions()) > 0) {
		t.Errorf("Regressed() = %v with regressions %v", c.Regressed(), c.Regressions())
	}
	return c.Regressions()
}

func TestCompareIdenticalRunPasses(t *testing.T) {
	if got := regressions(t, fixture(t), fixture(t), reports.CompareOptions{}); len(got) != 0 {
		t.Errorf("an identical run regressed: %v", got)
	}
}

func TestCompareFlagsDoubledP99(t *testing.T) {
	next := fixture(t)
	next.Strategies[0].LatencyMs.Corrected.P99 *= 2 // sequential has no repeats
	got := regressions(t, fixture(t), next, reports.CompareOptions{})
	if len(got) != 1 || !strings.HasPrefix(got[0], "sequential: latency.p99 worse by 100.0% > 10.0%") {
		t.Errorf("regressions = %q; want only sequential latency.p99 worse by 100%%", got)
	}
}

func TestCompareRules(t *testing.T) {
	for _, c := range []struct {
		name   string
		opt    reports.CompareOptions
		change func(s *reports.StrategyResult) // applied to sequential in the new run
		want   string                          // the one regression, "" for none
	}{
		{"p99 halved is an improvement", reports.CompareOptions{}, func(s *reports.StrategyResult) { s.LatencyMs.Corrected.P99 /= 2 }, ""},
		{"p50 up 9% is within 10%", reports.CompareOptions{}, func(s *reports.StrategyResult) { s.LatencyMs.Corrected.P50 *= 1.09 }, ""},
		{"p50 up 11% regresses", reports.CompareOptions{}, func(s *reports.StrategyResult) { s.LatencyMs.Corrected.P50 *= 1.11 }, "sequential: latency.p50 worse by 11.0% > 10.0%"},
		{"p999 doubled regresses", reports.CompareOptions{}, func(s *reports.StrategyResult) { s.LatencyMs.Corrected.P999 *= 2 }, "sequential: latency.p999"},
		{"max is not tracked", reports.CompareOptions{}, func(s *reports.StrategyResult) { s.LatencyMs.Corrected.Max *= 5 }, ""},
		{"delivery is not tracked", reports.CompareOptions{}, func(s *reports.StrategyResult) { s.DeliveryMs.Both.P99 *= 5 }, ""},
		{"a looser threshold lets a doubled p99 pass", reports.CompareOptions{MaxRegression: 1.5}, func(s *reports.StrategyResult) { s.LatencyMs.Corrected.P99 *= 2 }, ""},
		// The fixture's sequential succeeds 99.8%: failures are judged relative to failures.
		{"success 99.8% to 95% regresses", reports.CompareOptions{}, func(s *reports.StrategyResult) { s.SuccessRatio = 0.95 }, "sequential: failure_ratio worse by"},
		{"success 99.8% to 99% (5x the failures) regresses", reports.CompareOptions{}, func(s *reports.StrategyResult) { s.SuccessRatio = 0.99 }, "sequential: failure_ratio worse by"},
		{"a tenth of a percentage point more failures passes", reports.CompareOptions{}, func(s *reports.StrategyResult) { s.SuccessRatio -= 0.0009 }, ""},
		{"success ratio up passes", reports.CompareOptions{}, func(s *reports.StrategyResult) { s.SuccessRatio = 1 }, ""},
		{"a lost send where none was regresses", reports.CompareOptions{}, func(s *reports.StrategyResult) { s.Lost = 1 }, "sequential: lost went from 0 to 1"},
		{"achieved rate down 25% regresses", reports.CompareOptions{}, func(s *reports.StrategyResult) { s.RateAchieved = 150 }, "sequential: rate_achieved worse by 25."},
		{"achieved rate up passes", reports.CompareOptions{}, func(s *reports.StrategyResult) { s.RateAchieved = 250 }, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			next := fixture(t)
			c.change(&next.Strategies[0])
			got := regressions(t, fixture(t), next, c.opt)
			switch {
			case c.want == "" && len(got) != 0:
				t.Errorf("regressions = %q; want none", got)
			case c.want != "" && (len(got) != 1 || !strings.HasPrefix(got[0], c.want)):
				t.Errorf("regressions = %q; want one starting %q", got, c.want)
			}
		})
	}
}

func TestCompareLostGrowth(t *testing.T) {
	base, next := fixture(t), fixture(t)
	base.Strategies[0].Lost, next.Strategies[0].Lost = 10, 11 // +10%: at the limit, not over
	if got := regressions(t, base, next, reports.CompareOptions{}); len(got) != 0 {
		t.Errorf("lost 10 → 11 regressed: %v", got)
	}
	next.Strategies[0].Lost = 12
	if got := regressions(t, base, next, reports.CompareOptions{}); len(got) != 1 {
		t.Errorf("lost 10 → 12: regressions %v; want one", got)
	}
}

// TestCompareRepeatRanges: with repeats on both sides, a figure beyond the
// threshold regresses only when its range clears the base's.
func TestCompareRepeatRanges(t *testing.T) {
	base := fixture(t)
	eg := base.Strategies[1] // errgroup carries a spread: p99 range ±10%
	p99 := eg.LatencyMs.Corrected.P99

	overlap := fixture(t)
	s := &overlap.Strategies[1]
	s.LatencyMs.Corrected.P99 = p99 * 1.3 // 30% worse as a point…
	s.Spread.LatencyMs["p99"] = reports.Range{Median: p99 * 1.3, Min: p99 * 1.05, Max: p99 * 1.6}
	if got := regressions(t, base, overlap, reports.CompareOptions{}); len(got) != 0 {
		t.Errorf("p99 +30%% with overlapping repeat ranges regressed: %v", got)
	}
	c, _ := reports.Compare(base, overlap, reports.CompareOptions{})
	if f := figure(c, "errgroup", "latency.p99"); !strings.Contains(f.Verdict, "ranges overlap") || f.BaseRange == nil {
		t.Errorf("verdict %q (base range %v); want it to say the ranges overlap", f.Verdict, f.BaseRange)
	}

	apart := fixture(t)
	s = &apart.Strategies[1]
	s.LatencyMs.Corrected.P99 = p99 * 2
	s.Spread.LatencyMs["p99"] = reports.Range{Median: p99 * 2, Min: p99 * 1.8, Max: p99 * 2.2}
	got := regressions(t, base, apart, reports.CompareOptions{})
	if len(got) != 1 || !strings.Contains(got[0], "errgroup: latency.p99") || !strings.Contains(got[0], "repeat ranges apart") {
		t.Errorf("p99 doubled with ranges apart: regressions %q; want errgroup latency.p99", got)
	}
}

// TestCompareRepeatRangesFailureAndRate: the failure ratio's range is
// built from the success ratio's (its min from the success max), and for
// the achieved rate, where higher is better, "apart" means the new range
// lies wholly below the base's.
func TestCompareRepeatRangesFailureAndRate(t *testing.T) {
	base := fixture(t) // errgroup: success 0.975–0.985, rate 185–190

	for _, tc := range []struct {
		name        string
		success     reports.Range
		rate        reports.Range
		wantFigures []string
	}{
		{"failures overlap", reports.Range{Median: 0.96, Min: 0.95, Max: 0.978}, reports.Range{Median: 187.5, Min: 185, Max: 190}, nil},
		{"failures apart", reports.Range{Median: 0.92, Min: 0.90, Max: 0.93}, reports.Range{Median: 187.5, Min: 185, Max: 190}, []string{"failure_ratio"}},
		{"rate overlaps", reports.Range{Median: 0.981, Min: 0.975, Max: 0.985}, reports.Range{Median: 160, Min: 150, Max: 186}, nil},
		{"rate apart below", reports.Range{Median: 0.981, Min: 0.975, Max: 0.985}, reports.Range{Median: 150, Min: 148, Max: 152}, []string{"rate_achieved"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			next := fixture(t)
			s := &next.Strategies[1]
			s.SuccessRatio, s.RateAchieved = tc.success.Median, tc.rate.Median
			s.Spread.SuccessRatio, s.Spread.RateAchieved = tc.success, tc.rate
			c, err := reports.Compare(base, next, reports.CompareOptions{})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range figuresOf(c, "errgroup") {
				if f.Regression {
					got = append(got, f.Figure)
				}
				if f.NewRange != nil && f.NewRange.Min > f.NewRange.Max {
					t.Errorf("%s: new range %+v has min > max", f.Figure, *f.NewRange)
				}
				if f.BaseRange != nil && f.BaseRange.Min > f.BaseRange.Max {
					t.Errorf("%s: base range %+v has min > max", f.Figure, *f.BaseRange)
				}
			}
			if strings.Join(got, ",") != strings.Join(tc.wantFigures, ",") {
				t.Errorf("regressed figures %q; want %q", got, tc.wantFigures)
			}
			f := figure(c, "errgroup", "failure_ratio")
			if f.NewRange == nil || f.NewRange.Min != round6(1-tc.success.Max) || f.NewRange.Max != round6(1-tc.success.Min) {
				t.Errorf("failure range %+v; want 1 − success range %+v", f.NewRange, tc.success)
			}
		})
	}
}

func figuresOf(c *reports.Comparison, strategy string) []reports.FigureDelta {
	for _, s := range c.Strategies {
		if s.Name == strategy {
			return s.Figures
		}
	}
	return nil
}

func round6(v float64) float64 { return math.Round(v*1e6) / 1e6 }

// TestCompareStrategySets: a strategy the new run lacks is listed, not
// judged, unless RequireAll; one only the new run has is listed.
func TestCompareStrategySets(t *testing.T) {
	base, next := fixture(t), fixture(t)
	next.Strategies = next.Strategies[1:]                                              // sequential dropped
	next.Strategies = append(next.Strategies, reports.StrategyResult{Name: "gateway"}) // gateway added
	c, err := reports.Compare(base, next, reports.CompareOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Regressions(); len(got) != 0 || len(c.Missing) != 1 || c.Missing[0] != "sequential" {
		t.Errorf("regressions %q, missing %q; want none, and sequential missing", got, c.Missing)
	}
	last := c.Strategies[len(c.Strategies)-1]
	if last.Name != "gateway" || last.Only != "new" {
		t.Errorf("last strategy = %+v; want gateway only in the new run", last)
	}
	var text bytes.Buffer
	if err := reports.WriteComparison(&text, c, "text"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text.String(), "sequential: only in the base run (not compared; --require-all") {
		t.Errorf("text comparison does not say sequential was not compared:\n%s", text.String())
	}

	c, err = reports.Compare(base, next, reports.CompareOptions{RequireAll: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Regressions(); len(got) != 1 || got[0] != "sequential: missing from the new run" {
		t.Errorf("RequireAll: regressions = %q; want sequential missing", got)
	}
}

func TestCompareWarnings(t *testing.T) {
	base, next := fixture(t), fixture(t)
	next.Scenario, next.Seed, next.Machine.CPUs, next.Partial = "other", 7, 8, true
	c, err := reports.Compare(base, next, reports.CompareOptions{})
	if err != nil {
		t.Fatal(err)
	}
	all := strings.Join(c.Warnings, "\n")
	for _, want := range []string{"different scenarios", "different seeds", "different machines", "new run is partial"} {
		if !strings.Contains(all, want) {
			t.Errorf("warnings lack %q:\n%s", want, all)
		}
	}
}

func TestCompareRefusesBadInput(t *testing.T) {
	if _, err := reports.Compare(nil, fixture(t), reports.CompareOptions{}); err == nil {
		t.Error("Compare(nil, …) gave no error")
	}
	if _, err := reports.Compare(fixture(t), fixture(t), reports.CompareOptions{MaxRegression: -0.1}); err == nil {
		t.Error("Compare with a negative threshold gave no error")
	}
}

func TestComparisonGolden(t *testing.T) {
	next := fixture(t)
	next.StartedAt = next.StartedAt.Add(24 * 3600e9)
	next.Strategies[0].LatencyMs.Corrected.P99 *= 2
	next.Strategies[2].Lost = 2
	c, err := reports.Compare(fixture(t), next, reports.CompareOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []struct{ format, file string }{{"text", "compare.txt"}, {"md", "compare.md"}} {
		var buf bytes.Buffer
		if err := reports.WriteComparison(&buf, c, f.format); err != nil {
			t.Fatal(err)
		}
		golden(t, f.file, buf.Bytes())
	}
	var buf bytes.Buffer
	if err := reports.WriteComparison(&buf, c, "json"); err != nil {
		t.Fatal(err)
	}
	var back reports.Comparison
	if err := json.Unmarshal(buf.Bytes(), &back); err != nil {
		t.Fatalf("comparison JSON does not read back: %v", err)
	}
	if len(back.Regressions()) != 2 {
		t.Errorf("comparison JSON read back with regressions %v; want 2", back.Regressions())
	}
	if err := reports.WriteComparison(&buf, c, "yaml"); err == nil {
		t.Error(`WriteComparison("yaml") gave no error`)
	}
}

func figure(c *reports.Comparison, strategy, name string) reports.FigureDelta {
	for _, s := range c.Strategies {
		if s.Name != strategy {
			continue
		}
		for _, f := range s.Figures {
			if f.Figure == name {
				return f
			}
		}
	}
	return reports.FigureDelta{}
}
