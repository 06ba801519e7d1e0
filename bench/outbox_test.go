package bench

import (
	"testing"
	"time"

	"github.com/fanbench/fanbench/scenarios"
	"github.com/fanbench/fanbench/strategies"
)

// A phase {relay: crash, down: 2s} in the middle of the load stops the
// outbox's relay for 2s: nothing is lost, every send reaches both APIs,
// and the crash and restart are marked.
func TestRunOutboxRelayCrash(t *testing.T) {
	// The crash ends before the load does (a phase still running when the
	// load ends is cut short).
	sc := fixedScenario(10*time.Millisecond, 10*time.Millisecond, 50, 3*time.Second, strategies.NameOutbox)
	sc.Strategies[0].Outbox = strategies.OutboxOptions{Lease: 500 * time.Millisecond}
	sc.Phases = []scenarios.Phase{{At: 500 * time.Millisecond, Relay: scenarios.RelayCrash, Down: 2 * time.Second}}
	res, err := Run(t.Context(), sc, Options{Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	s := res.Strategies[0]
	if s.Requests != 150 || s.Outcomes.Both != 150 || s.Lost != 0 {
		t.Errorf("requests %d, outcomes %+v, lost %d; want all 150 delivered to both", s.Requests, s.Outcomes, s.Lost)
	}
	if s.Stats["relay_crashes"] != 1 || s.Stats["peak_backlog"] < 80 {
		t.Errorf("stats %v; want 1 relay crash and the sends of the outage waiting", s.Stats)
	}
	var actions []string
	var at []float64
	for _, m := range res.Phases {
		if m.API == "relay" && m.Error == "" {
			actions, at = append(actions, m.Action), append(at, m.AtS)
		}
	}
	if len(actions) != 2 || actions[0] != "crash" || actions[1] != "restart" || at[1]-at[0] < 2 {
		t.Errorf("phase marks %+v; want relay crash, then restart 2s later", res.Phases)
	}
}
