package bench

import (
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fanbench/fanbench/mockapi"
	"github.com/fanbench/fanbench/reports"
	"github.com/fanbench/fanbench/scenarios"
	"github.com/fanbench/fanbench/strategies"
)

// TestBuiltinsTellTheTruth runs every built-in scenario end to end,
// shortened, and checks what its description claims: the SLOs it carries
// must pass (duplicate-trap's gate must fail: that is its point), and the
// claims an SLO cannot state (one strategy against another, a figure
// against the mock's own distribution) are checked here. A description
// that stops being true fails this test (issue 16).
//
// Each scenario keeps the part of its timeline its claim depends on (the
// outage stays 10s long, since the queue's retries must outlast it) and
// runs its strategies at once (runApart); the two long ones run beside
// the rest. A run whose harness says it was
// saturated even by tolerant thresholds is skipped, naming the reasons:
// its figures measure the machine.
func TestBuiltinsTellTheTruth(t *testing.T) {
	type check func(t *testing.T, sc *scenarios.Scenario, res *reports.Results)
	tests := []struct {
		name string
		// shorten cuts the run down; the zero rule halves nothing.
		shorten func(sc *scenarios.Scenario)
		// run lists the strategies to run (nil: all of the scenario's).
		run []string
		// sloFail is true when the scenario's SLOs are meant to fail.
		sloFail bool
		// long runs beside the others.
		long  bool
		check check
	}{
		{name: "quick", shorten: span(2*time.Second, 0), run: []string{"sequential", "errgroup"}, check: func(t *testing.T, _ *scenarios.Scenario, res *reports.Results) {
			seq, eg := get(t, res, "sequential"), get(t, res, "errgroup")
			if !(eg.LatencyMs.Corrected.P50 < seq.LatencyMs.Corrected.P50) {
				t.Errorf("errgroup p50 %v ms not below sequential's %v ms", eg.LatencyMs.Corrected.P50, seq.LatencyMs.Corrected.P50)
			}
		}},
		{name: "seed-article", shorten: span(2*time.Second, 0)},
		{name: "flaky", shorten: span(3*time.Second, 0), run: []string{"sequential", "gateway"}, check: func(t *testing.T, _ *scenarios.Scenario, res *reports.Results) {
			s := get(t, res, "sequential")
			// "about 25% more calls to b": 21% fail, three retries.
			if extra := float64(s.Calls.B)/float64(s.Requests) - 1; extra < 0.15 || extra > 0.35 {
				t.Errorf("sequential: %d calls to b for %d sends (%.0f%% more); want about 25%% more", s.Calls.B, s.Requests, 100*extra)
			}
		}},
		{name: "rate-limited", shorten: span(4*time.Second, 0), run: []string{"sequential", "queue"}},
		{name: "outage", shorten: func(sc *scenarios.Scenario) {
			// Keep the 10s outage, with 2s of load either side.
			sc.Load.Duration, sc.Load.Warmup = 11*time.Second, 0
			sc.Phases[0].At, sc.Phases[1].At = 500*time.Millisecond, 10500*time.Millisecond
		}, run: []string{"sequential", "queue"}, long: true},
		{name: "brownout", shorten: func(sc *scenarios.Scenario) {
			sc.Load.Duration, sc.Load.Warmup = 6*time.Second, 0
			sc.Phases[0].At, sc.Phases[1].At = time.Second, 5*time.Second
		}, run: []string{"sequential", "queue"}},
		// 2000 sends: enough for the p99 of the slower leg to stand clear
		// of either API's.
		{name: "tail-at-scale", shorten: span(10*time.Second, 0), run: []string{"errgroup"}, long: true, check: func(t *testing.T, sc *scenarios.Scenario, res *reports.Results) {
			// The user's tail is worse than either API's own p99,
			// drawn from the mocks' distributions.
			a, b := p99Of(t, sc.APIs.A.Latency), p99Of(t, sc.APIs.B.Latency)
			if got := get(t, res, "errgroup").LatencyMs.Corrected.P99; !(got > max(a, b)) {
				t.Errorf("errgroup p99 %v ms; want above both APIs' p99 (a %v ms, b %v ms)", got, a, b)
			}
		}},
		{name: "duplicate-trap", shorten: span(2*time.Second, 0), run: []string{"errgroup", "queue"}, sloFail: true},
		{name: "ci-smoke", shorten: span(2*time.Second, 500*time.Millisecond)},
		{name: "serverless-cold-start", shorten: func(sc *scenarios.Scenario) {
			sc.Load.Steps = []scenarios.Step{{Rate: 2, For: time.Second}, {Rate: 300, For: 2 * time.Second}}
			sc.Load.Duration = 3 * time.Second
		}, check: func(t *testing.T, sc *scenarios.Scenario, res *reports.Results) {
			// New instances pay a cold start, which shows in the
			// delivery latency; the queue pays none.
			sl, q := get(t, res, "serverless"), get(t, res, "queue")
			coldMin := float64(sc.Strategies[0].Serverless.ColdStart.Median) / float64(time.Millisecond)
			if sl.Stats["cold_starts"] < 2 || sl.DeliveryMs.Both.Max < coldMin {
				t.Errorf("serverless: %d cold starts, delivery max %v ms; want several, and a delivery max above the cold start's median %v ms",
					sl.Stats["cold_starts"], sl.DeliveryMs.Both.Max, coldMin)
			}
			if !(q.DeliveryMs.Both.Max < sl.DeliveryMs.Both.Max) {
				t.Errorf("queue delivery max %v ms not below serverless's %v ms", q.DeliveryMs.Both.Max, sl.DeliveryMs.Both.Max)
			}
		}},
	}
	covered := make([]string, len(tests))
	for i, tt := range tests {
		covered[i] = tt.name
	}
	for _, name := range builtinNames(t) {
		if !slices.Contains(covered, name) {
			t.Errorf("built-in %q has no entry here: say what its description claims", name)
		}
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.long {
				// Mostly waiting: runs beside the short ones.
				t.Parallel()
			}
			sc, err := scenarios.Open(tt.name)
			if err != nil {
				t.Fatal(err)
			}
			tt.shorten(sc)
			if tt.run != nil {
				sc.Strategies = slices.DeleteFunc(sc.Strategies, func(s strategies.Spec) bool { return !slices.Contains(tt.run, s.Name) })
				sc.SLOs = slices.DeleteFunc(sc.SLOs, func(s scenarios.SLO) bool { return s.Strategy != "*" && !slices.Contains(tt.run, s.Strategy) })
			}
			if len(sc.SLOs) == 0 && tt.check == nil {
				t.Fatalf("%s carries no SLO and this test checks nothing: its description claims nothing?", tt.name)
			}
			res := runApart(t, sc)
			for _, s := range res.Strategies {
				// The claims are about the strategies; a run the
				// harness itself limited, even by tolerant thresholds
				// (lags of a second), cannot confirm or refute them.
				if s.Harness.Saturated || s.DriverSaturated {
					t.Skipf("%s: the harness was saturated (%s): this machine, not the scenario, limited the run", s.Name, strings.Join(s.Harness.Reasons, "; "))
				}
			}
			for _, c := range res.SLO {
				if c.Pass == tt.sloFail || c.Error != "" {
					t.Errorf("SLO %s: value %v, pass %v %s; want pass %v", c.Expr, c.Value, c.Pass, c.Error, !tt.sloFail)
				}
			}
			if tt.check != nil {
				tt.check(t, sc, res)
			}
			if t.Failed() {
				for _, s := range res.Strategies {
					t.Logf("%s: %d sends, success %.3f, p50 %.1f ms, p99 %.1f ms, max %.1f ms, outcomes %+v, lost %d, dead letters %d, calls %+v",
						s.Name, s.Requests, s.SuccessRatio, s.LatencyMs.Corrected.P50, s.LatencyMs.Corrected.P99, s.LatencyMs.Corrected.Max,
						s.Outcomes, s.Lost, s.DeadLetters, s.Calls)
				}
			}
		})
	}
}

// span sets the measurement and warm-up of a shortened run.
func span(duration, warmup time.Duration) func(*scenarios.Scenario) {
	return func(sc *scenarios.Scenario) { sc.Load.Duration, sc.Load.Warmup = duration, warmup }
}

// runApart runs each strategy of sc on its own, all at once, and returns
// the results together with the scenario's SLOs evaluated on them: the
// strategies of a scenario run one after another by design, but their
// figures do not depend on it (each gets fresh mocks and the same seeded
// fates), and at once the test takes as long as its slowest strategy.
func runApart(t *testing.T, sc *scenarios.Scenario) *reports.Results {
	t.Helper()
	results := make([]*reports.Results, len(sc.Strategies))
	errs := make([]error, len(sc.Strategies))
	var wg sync.WaitGroup
	for i, spec := range sc.Strategies {
		one := *sc
		one.Strategies = []strategies.Spec{spec}
		wg.Go(func() { results[i], errs[i] = Run(t.Context(), &one, Options{Thresholds: machineTolerant}) })
	}
	wg.Wait()
	res := NewResults(sc)
	for i := range results {
		if errs[i] != nil {
			t.Fatalf("%s: %v", sc.Strategies[i].Name, errs[i])
		}
		res.Strategies = append(res.Strategies, results[i].Strategies...)
	}
	res.SLO = EvaluateSLOs(res, sc.SLOs)
	return res
}

// get returns the named strategy's result.
func get(t *testing.T, res *reports.Results, name string) reports.StrategyResult {
	t.Helper()
	s, ok := find(res, name)
	if !ok {
		t.Fatalf("strategy %s did not run", name)
	}
	return s
}

// p99Of draws from a latency distribution and returns its p99 in ms.
func p99Of(t *testing.T, l mockapi.Latency) float64 {
	t.Helper()
	s, err := l.Sampler()
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	draws := make([]time.Duration, 100_000)
	for i := range draws {
		draws[i] = s.Sample(r)
	}
	slices.Sort(draws)
	return float64(draws[len(draws)*99/100]) / float64(time.Millisecond)
}

// builtinNames lists the built-in scenarios.
func builtinNames(t *testing.T) []string {
	t.Helper()
	var names []string
	for _, info := range scenarios.Builtins() {
		names = append(names, info.Name)
	}
	return names
}
