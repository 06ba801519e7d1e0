package distributed

import (
	"net"
	"os"
	"testing"
	"time"

	"github.com/nats-io/nuid"
	"go.uber.org/goleak"

	"github.com/fanbench/fanbench/mockapi"
	"github.com/fanbench/fanbench/scenarios"
	"github.com/fanbench/fanbench/strategies"
)

// natsURL is the machine's NATS server (with JetStream); tests never start
// one of their own on its port.
const natsURL = "nats://127.0.0.1:4222"

// needNATS skips the test when the machine's NATS is unreachable, unless
// FANBENCH_REQUIRE_BROKERS is set and not "0".
func needNATS(t *testing.T) {
	t.Helper()
	c, err := net.DialTimeout("tcp", "127.0.0.1:4222", time.Second)
	if err == nil {
		c.Close()
		return
	}
	if v := os.Getenv("FANBENCH_REQUIRE_BROKERS"); v != "" && v != "0" {
		t.Fatalf("NATS at %s unreachable (%v) and FANBENCH_REQUIRE_BROKERS=%s", natsURL, err, v)
	}
	t.Skipf("NATS at %s unreachable (%v); set FANBENCH_REQUIRE_BROKERS=1 to fail instead", natsURL, err)
}

// jetstreamLeak is a goroutine nats.go's jetstream leaves behind after an
// object store Put: it reads the publisher's status channel after
// CleanupPublisher set it to nil, so it waits on a nil channel forever.
var jetstreamLeak = goleak.IgnoreTopFunction("github.com/nats-io/nats.go/jetstream.(*jetStream).resetPendingAcksOnReconnect")

// pool is a pool name no other test or run uses.
func newPool() string { return "t" + nuid.Next() }

// fixedScenario is a = aLat, b = bLat fixed at rate/s for dur after warm.
func fixedScenario(aLat, bLat time.Duration, rate float64, warm, dur time.Duration, names ...string) *scenarios.Scenario {
	sc := &scenarios.Scenario{
		Name: "fixed",
		Seed: 7,
		APIs: scenarios.APIs{
			A: mockapi.Config{Latency: mockapi.Latency{Dist: mockapi.DistFixed, Value: mockapi.Duration(aLat)}},
			B: mockapi.Config{Latency: mockapi.Latency{Dist: mockapi.DistFixed, Value: mockapi.Duration(bLat)}},
		},
		Load: scenarios.Load{
			Profile: scenarios.ProfileConstant, Rate: rate, Duration: dur, Warmup: warm,
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
