package bench

import (
	"testing"

	"github.com/fanbench/fanbench/scenarios"
)

// A phase {broker: restart} stops the queue's embedded broker mid-run and
// starts it again: the run marks the outage (stop, then start about down
// later), the sends during it are refused with 503, and none the user was
// told was accepted is lost. Strategies without a broker ignore the phase.
func TestRunBrokerRestartPhase(t *testing.T) {
	sc, err := scenarios.Parse("restart.yaml", []byte(`
name: restart
seed: 5
apis: {a: {latency: {dist: fixed, value: 5ms}}, b: {latency: {dist: fixed, value: 5ms}}}
load: {rate: 100, duration: 4s, warmup: 0s}
strategies: [errgroup, {name: queue, queue: {ack_wait: 3s}}]
policy: {timeout: 2s, retries: 3}
phases: [{at: 1s, broker: restart, down: 1500ms}]
drain_timeout: 20s
`))
	if err != nil {
		t.Fatal(err)
	}
	res, err := Run(t.Context(), sc, Options{Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	var stop, start float64
	for _, m := range res.Phases {
		switch {
		case m.Strategy != "queue":
			t.Errorf("phase mark %+v for a strategy without a broker; want none", m)
		case m.Error != "":
			t.Errorf("phase mark %+v failed", m)
		case m.API == "broker" && m.Action == "stop":
			stop = m.AtS
		case m.API == "broker" && m.Action == "start":
			start = m.AtS
		}
	}
	if stop < 1 || stop > 1.2 || start < stop+1.5 || start > stop+3 {
		t.Errorf("broker stop at %vs, start at %vs; want stop at about 1s and start about 1.5s later (%+v)", stop, start, res.Phases)
	}
	for _, s := range res.Strategies {
		if s.Lost != 0 {
			t.Errorf("%s: %d lost; want 0", s.Name, s.Lost)
		}
		if s.Name != "queue" {
			continue
		}
		if refused := s.StatusCodes["503"]; refused == 0 || s.Outcomes.Both == 0 {
			t.Errorf("queue: %d refused with 503, %d delivered to both; want the outage refused and the rest delivered (%v)", refused, s.Outcomes.Both, s.StatusCodes)
		}
		if s.Stats["broker_restarts"] != 1 {
			t.Errorf("queue: stats %v; want broker_restarts 1", s.Stats)
		}
	}
}
