package reports_test

import (
	"bytes"
	"encoding/json"
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

func TestCompareStrategySets(t *testing.T) {
	base, next := fixture(t), fixture(t)
	next.Strategies = next.Strategies[1:]                                              // sequential dropped
	next.Strategies = append(next.Strategies, reports.StrategyResult{Name: "gateway"}) // gateway added
	c, err := reports.Compare(base, next, reports.CompareOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got := c.Regressions()
	if len(got) != 1 || got[0] != "sequential: missing from the new run" {
		t.Errorf("regressions = %q; want sequential missing", got)
	}
	last := c.Strategies[len(c.Strategies)-1]
	if last.Name != "gateway" || last.Only != "new" {
		t.Errorf("last strategy = %+v; want gateway only in the new run", last)
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
