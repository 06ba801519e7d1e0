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
	sc := fixedScenario(10*time.Millisecond, 10*time.Millisecond, 100, time.Second, strategies.NameOutbox)
	sc.Strategies[0].Outbox = strategies.OutboxOptions{Lease: 500 * time.Millisecond}
	sc.Phases = []scenarios.Phase{{At: 400 * time.Millisecond, Relay: scenarios.RelayCrash, Down: 2 * time.Second}}
	res, err := Run(t.Context(), sc, Options{Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	s := res.Strategies[0]
	if s.Requests != 100 || s.Outcomes.Both != 100 || s.Lost != 0 {
		t.Errorf("requests %d, outcomes %+v, lost %d; want all 100 delivered to both", s.Requests, s.Outcomes, s.Lost)
	}
	if s.Stats["relay_crashes"] != 1 || s.Stats["peak_backlog"] < 40 {
		t.Errorf("stats %v; want 1 relay crash and the sends of the outage waiting", s.Stats)
	}
	var actions []string
	for _, m := range res.Phases {
		if m.API == "relay" && m.Error == "" {
			actions = append(actions, m.Action)
		}
	}
	if len(actions) != 2 || actions[0] != "crash" || actions[1] != "restart" {
		t.Errorf("phase marks %+v; want relay crash then restart", res.Phases)
	}
}
