package bench

import (
	"testing"
	"time"

	"github.com/fanbench/fanbench/mockapi"
	"github.com/fanbench/fanbench/scenarios"
	"github.com/fanbench/fanbench/strategies"
)

// The queue answers after the publish, the gateway after both legs: with
// a = b = 50ms fixed, queue user latency is far below its delivery latency
// and the gateway's is max(a, b) plus its overhead.
func TestRunQueueAndGateway(t *testing.T) {
	sc := fixedScenario(50*time.Millisecond, 50*time.Millisecond, 100, 2*time.Second,
		strategies.NameQueue, strategies.NameGateway)
	sc.Strategies[1].Wait = "all"
	res, err := Run(t.Context(), sc, Options{Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	q := byName(t, res, strategies.NameQueue)
	if q.LatencyMs.Corrected.P50 >= 10 || q.DeliveryMs.Both.P50 < 50 {
		t.Errorf("queue: user p50 %vms, delivery p50 %vms; want < 10ms and ≥ 50ms", q.LatencyMs.Corrected.P50, q.DeliveryMs.Both.P50)
	}
	g := byName(t, res, strategies.NameGateway)
	if p := g.LatencyMs.Corrected.P50; p < 50 || p > 58 {
		t.Errorf("gateway wait=all: p50 %vms; want in [50, 58]", p)
	}
	for _, s := range []string{strategies.NameQueue, strategies.NameGateway} {
		r := byName(t, res, s)
		if r.Requests != 200 || r.Outcomes.Both != r.Requests || r.Lost != 0 {
			t.Errorf("%s: requests %d, outcomes %+v, lost %d; want all 200 delivered to both", s, r.Requests, r.Outcomes, r.Lost)
		}
	}
	if q.Broker == nil || q.Broker.Published < 200 {
		t.Errorf("queue broker stats %+v; want ≥ 200 published", q.Broker)
	}
}

// With b failing 40%, the queue's broker retries deliver everything by the
// end of the drain; with b down and two deliveries at most, every message
// b never got is a dead letter — and lost, since the user was told 202.
func TestRunQueueRetriesAndDeadLetters(t *testing.T) {
	flaky := fixedScenario(time.Millisecond, time.Millisecond, 100, time.Second, strategies.NameQueue)
	flaky.APIs.B.Errors = []mockapi.ErrorRule{{Status: 503, Rate: 0.4}}
	flaky.Policy = strategies.Policy{Timeout: time.Second, Retries: 10,
		Backoff: strategies.Backoff{Initial: 5 * time.Millisecond, Max: 50 * time.Millisecond, Multiplier: 2}}
	res, err := Run(t.Context(), flaky, Options{})
	if err != nil {
		t.Fatal(err)
	}
	s := res.Strategies[0]
	if s.Lost != 0 || s.Outcomes.Both != s.Requests || s.DeadLetters != 0 || s.Retries.B == 0 {
		t.Errorf("b 40%% 503: lost %d, outcomes %+v, dead letters %d, retries %+v; want all delivered through broker retries",
			s.Lost, s.Outcomes, s.DeadLetters, s.Retries)
	}

	down := fixedScenario(time.Millisecond, time.Millisecond, 100, time.Second, strategies.NameQueue)
	down.APIs.B.Errors = []mockapi.ErrorRule{{Status: 503, Rate: 1}}
	down.Strategies[0].Queue.MaxDeliver = 2
	down.Policy.Backoff = strategies.Backoff{Initial: time.Millisecond, Max: 5 * time.Millisecond, Multiplier: 2}
	res, err = Run(t.Context(), down, Options{})
	if err != nil {
		t.Fatal(err)
	}
	s = res.Strategies[0]
	// Warm-up is off, so every dead letter belongs to a measured send.
	if s.Outcomes.AOnly != s.Requests || s.DeadLetters != s.Outcomes.AOnly || s.Lost != s.Requests || s.Calls.B != 2*s.Requests {
		t.Errorf("b down, max_deliver 2: outcomes %+v, dead letters %d, lost %d, calls %+v; want every send a-only, dead-lettered, lost, 2 calls each at b",
			s.Outcomes, s.DeadLetters, s.Lost, s.Calls)
	}
}

// The built-in outage scenario, its timeline scaled from 30s to 6s: errors
// appear only inside the phase window, for every strategy.
func TestRunOutagePhases(t *testing.T) {
	sc, err := scenarios.Open("outage")
	if err != nil {
		t.Fatal(err)
	}
	sc.Load.Duration, sc.Load.Warmup, sc.Load.Rate = 6*time.Second, 0, 50
	sc.Phases[0].At, sc.Phases[1].At = 2*time.Second, 4*time.Second
	sc.DrainTimeout = 15 * time.Second
	sc.Strategies = sc.Strategies[:2] // sequential, errgroup; the queue hides errors from users by design
	sc.Strategies = append(sc.Strategies, strategies.Spec{Name: strategies.NameGateway, Wait: "all", Policy: &sc.Policy})
	res, err := Run(t.Context(), sc, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range res.Strategies {
		var inside, outside int64
		for _, p := range s.Series {
			// Seconds 2 and 3 are the outage; allow a second either side
			// for requests in flight across a boundary.
			switch {
			case p.T >= 2 && p.T < 4:
				inside += p.Errors
			case p.T < 1 || p.T >= 5:
				outside += p.Errors
			}
		}
		if inside < 50 || outside != 0 {
			t.Errorf("%s: %d errors inside the outage, %d well outside it; want most of its 100 sends failing inside, none outside\n%+v",
				s.Name, inside, outside, s.Series)
		}
		var marks int
		for _, m := range res.Phases {
			if m.Strategy == s.Name {
				marks++
				if want := map[string]float64{"set": 2, "reset": 4}[m.Action]; m.AtS < want || m.AtS > want+0.1 {
					t.Errorf("%s: phase %s at %vs; want %vs", s.Name, m.Action, m.AtS, want)
				}
			}
		}
		if marks != 2 {
			t.Errorf("%s: %d phase marks; want 2", s.Name, marks)
		}
	}
}
