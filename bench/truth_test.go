package bench

import (
	"testing"
	"time"

	"github.com/fanbench/fanbench/mockapi"
	"github.com/fanbench/fanbench/scenarios"
	"github.com/fanbench/fanbench/strategies"
)

// TestRunPartialFailureIsNotLost: b answers 503 to some sends and nothing
// retries them. Those sends reached a only and the user got a 502, so they
// are a_only outcomes, not lost: lost is only what the user was told
// succeeded. A healthy driver says it was not saturated.
func TestRunPartialFailureIsNotLost(t *testing.T) {
	sc := fixedScenario(time.Millisecond, time.Millisecond, 100, time.Second, strategies.NameErrgroup, strategies.NameSequential)
	sc.APIs.B.Errors = []mockapi.ErrorRule{{Status: 503, Rate: 0.3}}
	sc.Policy = strategies.Policy{Timeout: time.Second} // no retries
	// Driver lag also saturates the driver; its timing thresholds are lifted
	// so that a busy shared test machine does not count as an unhealthy run.
	res, err := Run(t.Context(), sc, Options{Thresholds: machineTolerant})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range res.Strategies {
		failed := s.StatusCodes["502"]
		if s.Outcomes.AOnly == 0 || s.Outcomes.AOnly != failed || s.Lost != 0 {
			t.Errorf("%s: a_only %d, 502s %d, lost %d; want every 502 an a_only send and none lost (outcomes %+v)",
				s.Name, s.Outcomes.AOnly, failed, s.Lost, s.Outcomes)
		}
		if s.Outcomes.Both+s.Outcomes.AOnly != s.Requests {
			t.Errorf("%s: outcomes %+v do not add up to %d requests", s.Name, s.Outcomes, s.Requests)
		}
		if got := s.Undelivered["a_only"]; len(got) == 0 || len(s.Undelivered["lost"]) != 0 {
			t.Errorf("%s: undelivered sample %v; want a_only ids and no lost ones", s.Name, s.Undelivered)
		}
		if s.DriverSaturated {
			t.Errorf("%s: driver_saturated on a healthy 100/s run (saturation %+v)", s.Name, s.Saturation)
		}
	}
}

// TestRunDuplicateTrap runs the duplicate-trap built-in end to end,
// shortened: b applies some calls and loses the answer (lost_ack), the
// leg retries, and with idempotency off every such retry applies the send
// again — duplicate effects. With idempotency on, the same retries arrive
// (duplicate deliveries) but apply once.
func TestRunDuplicateTrap(t *testing.T) {
	for _, idem := range []string{"off", "on"} {
		t.Run("idempotency "+idem, func(t *testing.T) {
			sc, err := scenarios.Open("duplicate-trap")
			if err != nil {
				t.Fatal(err)
			}
			sc.Load.Duration, sc.Load.Warmup = 2*time.Second, 0
			sc.APIs.A.Latency = mockapi.Latency{Dist: mockapi.DistFixed, Value: mockapi.Duration(2 * time.Millisecond)}
			sc.APIs.B.Latency = mockapi.Latency{Dist: mockapi.DistFixed, Value: mockapi.Duration(3 * time.Millisecond)}
			sc.APIs.B.Faults[0].Rate = 0.2
			sc.APIs.B.Idempotency = idem
			sc.Strategies = sc.Strategies[:1] // sequential
			res, err := Run(t.Context(), sc, Options{})
			if err != nil {
				t.Fatal(err)
			}
			s := res.Strategies[0]
			if s.DuplicateDeliveries.B == 0 || s.DuplicateDeliveries.A != 0 || s.DuplicateEffects.A != 0 {
				t.Fatalf("duplicate deliveries %+v, effects %+v; want deliveries at b only", s.DuplicateDeliveries, s.DuplicateEffects)
			}
			switch idem {
			case "off":
				// Every retried id at b was applied again: a lost ack is
				// the only way this scenario has to retry.
				if s.DuplicateEffects.B == 0 || s.DuplicateEffects.B != s.DuplicateDeliveries.B {
					t.Errorf("idempotency off: duplicate effects at b %d, deliveries %d; want equal and > 0",
						s.DuplicateEffects.B, s.DuplicateDeliveries.B)
				}
				if slo := res.SLO; len(slo) != 1 || slo[0].Pass || slo[0].Value != float64(s.DuplicateEffects.B) {
					t.Errorf("SLO %+v; want the built-in's duplicate_effects.b == 0 to fail with the measured value %d", slo, s.DuplicateEffects.B)
				}
			case "on":
				if s.DuplicateEffects.B != 0 {
					t.Errorf("idempotency on: %d duplicate effects at b; want 0", s.DuplicateEffects.B)
				}
			}
		})
	}
}
