package bench

import (
	"testing"
	"time"

	"github.com/fanbench/fanbench/mockapi"
	"github.com/fanbench/fanbench/strategies"
)

// Through the engine, against the mocks' ledgers: with a fixed 300ms cold
// start, the first send's delivery includes it, the sends once instances
// are warm do not; every send reaches both APIs and the platform's own
// figures and series are in the result.
func TestRunServerlessColdStart(t *testing.T) {
	sc := fixedScenario(20*time.Millisecond, 20*time.Millisecond, 20, 2*time.Second, strategies.NameServerless)
	sc.Strategies[0].Serverless = strategies.ServerlessOptions{
		ColdStart: mockapi.Latency{Dist: mockapi.DistFixed, Value: mockapi.Duration(300 * time.Millisecond)},
	}
	res, err := Run(t.Context(), sc, Options{Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	s := res.Strategies[0]
	if s.Requests != 40 || s.Outcomes.Both != 40 || s.Lost != 0 {
		t.Fatalf("requests %d, outcomes %+v, lost %d; want 40 delivered to both", s.Requests, s.Outcomes, s.Lost)
	}
	// 50ms apart, 320ms per cold invocation: about the first seven sends
	// start instances; the rest find one warm.
	if d := s.DeliveryMs.Both; d.Max < 300 || d.P50 >= 300 {
		t.Errorf("delivery max %vms, p50 %vms; want the max to carry the 300ms cold start and the median not", d.Max, d.P50)
	}
	cold := s.Stats["cold_starts"]
	if cold < 1 || cold > 10 || s.Stats["invocations"] != 40 || s.Stats["peak_instances"] != cold {
		t.Errorf("stats %v; want a few cold starts (instances reused), 40 invocations", s.Stats)
	}
	if len(s.StatsSeries["instances"]) == 0 || len(s.StatsSeries["cold_starts"]) == 0 {
		t.Errorf("stats series %v; want instances and cold_starts", s.StatsSeries)
	}
}
