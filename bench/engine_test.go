package bench

import (
	"bytes"
	"context"
	"errors"
	"io"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/fanbench/fanbench/mockapi"
	"github.com/fanbench/fanbench/reports"
	"github.com/fanbench/fanbench/scenarios"
	"github.com/fanbench/fanbench/strategies"
)

// fixedScenario is a = aLat, b = bLat fixed, at rate/s for dur, no warm-up.
func fixedScenario(aLat, bLat time.Duration, rate float64, dur time.Duration, names ...string) *scenarios.Scenario {
	sc := &scenarios.Scenario{
		Name: "fixed",
		Seed: 1,
		APIs: scenarios.APIs{
			A: mockapi.Config{Latency: mockapi.Latency{Dist: mockapi.DistFixed, Value: mockapi.Duration(aLat)}},
			B: mockapi.Config{Latency: mockapi.Latency{Dist: mockapi.DistFixed, Value: mockapi.Duration(bLat)}},
		},
		Load: scenarios.Load{
			Profile: scenarios.ProfileConstant, Rate: rate, Duration: dur,
			MaxInFlight: 1000, Timeout: 5 * time.Second,
		},
		Policy:       strategies.Policy{Timeout: 2 * time.Second},
		DrainTimeout: 5 * time.Second,
	}
	for _, n := range names {
		sc.Strategies = append(sc.Strategies, strategies.Spec{Name: n})
	}
	return sc
}

func byName(t *testing.T, res *reports.Results, name string) reports.StrategyResult {
	t.Helper()
	for _, s := range res.Strategies {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("no result for strategy %q in %+v", name, res.Strategies)
	return reports.StrategyResult{}
}

// The acceptance test: with a = 20ms and b = 30ms fixed, a
// sequential send takes about a+b and a concurrent one about max(a,b).
func TestRunSequentialVersusErrgroup(t *testing.T) {
	sc := fixedScenario(20*time.Millisecond, 30*time.Millisecond, 100, 2*time.Second,
		strategies.NameSequential, strategies.NameErrgroup)
	res, err := Run(t.Context(), sc, Options{Logf: t.Logf})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	// The bands tell a+b from max(a, b) with room for a busy machine's
	// overhead (a run under -race beside other work measured sequential at
	// 56.1ms): the lower bounds are the sum and the max themselves, and a
	// concurrent send that took as long as a+b would be out of errgroup's.
	tests := []struct {
		name     string
		lo, hi   float64
		idealP50 float64
	}{
		{strategies.NameSequential, 50, 65, 50},
		{strategies.NameErrgroup, 30, 45, 30},
	}
	for _, tt := range tests {
		s := byName(t, res, tt.name)
		if s.Requests != 200 {
			t.Errorf("%s: requests = %d; want 200 (100/s for 2s)", tt.name, s.Requests)
		}
		if p := s.LatencyMs.Corrected.P50; p < tt.lo || p > tt.hi {
			t.Errorf("%s: corrected p50 = %vms; want in [%v, %v]", tt.name, p, tt.lo, tt.hi)
		} else {
			t.Logf("%s: corrected p50 = %vms", tt.name, p)
		}
		if p := s.IdealMs.P50; p < tt.idealP50-0.1 || p > tt.idealP50+0.1 {
			t.Errorf("%s: ideal p50 = %vms; want %v", tt.name, p, tt.idealP50)
		}
		if s.Outcomes.Both != s.Requests || s.Lost != 0 || s.SuccessRatio != 1 {
			t.Errorf("%s: outcomes %+v, lost %d, success %v; want every send delivered to both", tt.name, s.Outcomes, s.Lost, s.SuccessRatio)
		}
		if s.Calls.A != 200 || s.Calls.B != 200 {
			t.Errorf("%s: calls %+v; want 200 each", tt.name, s.Calls)
		}
		if d := s.DeliveryMs.Both.P50; d < 30 {
			t.Errorf("%s: delivery p50 (both) = %vms; want ≥ 30ms", tt.name, d)
		}
		if s.StatusCodes["200"] != 200 {
			t.Errorf("%s: status codes %v; want 200 × 200", tt.name, s.StatusCodes)
		}
	}
	if res.Partial {
		t.Error("partial = true; want false")
	}
}

func TestRunInterruptedIsPartial(t *testing.T) {
	sc := fixedScenario(time.Millisecond, time.Millisecond, 100, 10*time.Second,
		strategies.NameSequential, strategies.NameErrgroup)
	ctx, cancel := context.WithTimeout(t.Context(), 700*time.Millisecond)
	defer cancel()
	res, err := Run(ctx, sc, Options{})
	if !errors.Is(err, ErrInterrupted) {
		t.Fatalf("err = %v; want ErrInterrupted", err)
	}
	if !res.Partial || len(res.Strategies) != 1 {
		t.Fatalf("partial = %v with %d strategies; want true with 1", res.Partial, len(res.Strategies))
	}
	s := res.Strategies[0]
	if s.Requests < 40 || s.Requests > 80 || s.Outcomes.Both != s.Requests {
		t.Errorf("requests = %d, outcomes %+v; want the ~70 sends made before the interrupt, all delivered", s.Requests, s.Outcomes)
	}
}

func TestRunUnknownStrategy(t *testing.T) {
	sc := fixedScenario(time.Millisecond, time.Millisecond, 10, time.Second, "carrier-pigeon")
	if _, err := Run(t.Context(), sc, Options{}); err == nil {
		t.Fatal("Run with an unknown strategy succeeded; want an error")
	}
}

func TestRunGatewayAndVegetaResults(t *testing.T) {
	sc := fixedScenario(20*time.Millisecond, 30*time.Millisecond, 100, time.Second, strategies.NameGateway)
	sc.Strategies[0].Wait = "all"
	var bins = map[string]*bytes.Buffer{}
	res, err := Run(t.Context(), sc, Options{ResultsOut: func(name string) (io.WriteCloser, error) {
		b := new(bytes.Buffer)
		bins[name] = b
		return nopCloser{b}, nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	s := byName(t, res, strategies.NameGateway)
	if p := s.LatencyMs.Corrected.P50; p < 30 || p > 36 || s.Outcomes.Both != 100 {
		t.Errorf("gateway wait=all: p50 %vms, outcomes %+v; want p50 in [30,36] and 100 delivered to both", p, s.Outcomes)
	}
	dec := vegeta.NewDecoder(bins[strategies.NameGateway])
	n := 0
	for {
		var r vegeta.Result
		if err := dec.Decode(&r); err != nil {
			break
		}
		if r.Attack != "gateway" || r.Code != 200 || r.Latency < 30*time.Millisecond {
			t.Fatalf("vegeta result %d = %+v; want attack gateway, 200, latency ≥ 30ms", n, r)
		}
		n++
	}
	if n != 100 {
		t.Errorf("decoded %d vegeta results; want 100, one per measured send", n)
	}
}

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }

// A driver held back by its in-flight cap says so in the result, and the
// corrected latency shows what users would have waited.
func TestRunReportsSaturation(t *testing.T) {
	sc := fixedScenario(50*time.Millisecond, 50*time.Millisecond, 100, time.Second, strategies.NameErrgroup)
	sc.Load.MaxInFlight = 2 // at most 40 sends/s get through 50ms legs
	res, err := Run(t.Context(), sc, Options{})
	if err != nil {
		t.Fatal(err)
	}
	s := res.Strategies[0]
	if !s.DriverSaturated || s.Saturation.InFlightCapHits == 0 || s.Saturation.PeakInFlight != 2 {
		t.Errorf("saturated %v, %+v; want true with cap hits and a peak of 2 in flight", s.DriverSaturated, s.Saturation)
	}
	if s.RateAchieved >= 0.99*s.RateRequested {
		t.Errorf("achieved %v/s of %v/s requested; want it visibly lower", s.RateAchieved, s.RateRequested)
	}
	if c, u := s.LatencyMs.Corrected.P50, s.LatencyMs.Uncorrected.P50; c < 3*u {
		t.Errorf("corrected p50 %vms vs uncorrected %vms; want the wait for the cap in the corrected figure", c, u)
	}
	if s.Requests != 100 || s.Outcomes.Both != 100 {
		t.Errorf("requests %d, outcomes %+v; want all 100 scheduled sends made and delivered, late", s.Requests, s.Outcomes)
	}
}
