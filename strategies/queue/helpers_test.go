package queue_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nuid"
	"go.uber.org/goleak"

	"github.com/fanbench/fanbench/mockapi"
	"github.com/fanbench/fanbench/mockapi/mocktest"
	"github.com/fanbench/fanbench/strategies"
	"github.com/fanbench/fanbench/strategies/queue"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// The external brokers the tests use: the machine's servers.
const (
	natsURL   = "nats://127.0.0.1:4222"
	rabbitURL = "amqp://guest:guest@127.0.0.1:5672/"
	redisURL  = "redis://127.0.0.1:6379/0"
)

// externalURL is the NATS server of the tests that need JetStream outside
// the process.
const externalURL = natsURL

// requireBrokers, when set and not "0", turns an unreachable external
// broker from a skip into a failure (CI sets it).
const requireBrokers = "FANBENCH_REQUIRE_BROKERS"

// brokers runs fn on every backend as subtests: "embedded" (URL ""),
// "jetstream" (the machine's NATS server), "rabbitmq" and "redis".
func brokers(t *testing.T, fn func(t *testing.T, url string)) {
	t.Helper()
	t.Run("embedded", func(t *testing.T) { fn(t, "") })
	for _, b := range []struct{ name, url string }{
		{"jetstream", natsURL}, {"rabbitmq", rabbitURL}, {"redis", redisURL},
	} {
		t.Run(b.name, func(t *testing.T) {
			needServer(t, b.url)
			fn(t, b.url)
		})
	}
}

// needExternal skips the test when the external NATS server is
// unreachable, unless FANBENCH_REQUIRE_BROKERS says it must be there.
func needExternal(t *testing.T) {
	t.Helper()
	needServer(t, natsURL)
}

// needServer skips the test when the server at rawURL is unreachable,
// unless FANBENCH_REQUIRE_BROKERS is set and not "0".
func needServer(t *testing.T, rawURL string) {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.DialTimeout("tcp", u.Host, time.Second)
	if err == nil {
		c.Close()
		return
	}
	if v := os.Getenv(requireBrokers); v != "" && v != "0" {
		t.Fatalf("broker %s unreachable (%v) and %s=%s", u.Host, err, requireBrokers, v)
	}
	t.Skipf("broker %s unreachable (%v); set %s=1 to fail instead", u.Host, err, requireBrokers)
}

// streamName returns a stream name unique to the test and the run, so a
// shared broker never mixes two tests and a leftover names its test.
func streamName(t *testing.T) string {
	t.Helper()
	name := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return '_'
	}, t.Name())
	if len(name) > 32 {
		name = name[len(name)-32:]
	}
	return "FANBENCH_T_" + name + "_" + nuid.Next()[:10]
}

// fixed returns a latency of exactly d.
func fixed(d time.Duration) mockapi.Latency {
	return mockapi.Latency{Dist: "fixed", Value: mockapi.Duration(d)}
}

// apis are the two mock APIs of a test, served on loopback until it ends.
type apis struct {
	a, b *mockapi.API
	legA *strategies.Leg
	legB *strategies.Leg
}

// startAPIs serves mocks a and b with cfgA and cfgB and returns legs to
// them with policy. Everything is closed when the test ends.
func startAPIs(t testing.TB, cfgA, cfgB mockapi.Config, policy strategies.Policy) *apis {
	t.Helper()
	client := strategies.NewClient(64)
	t.Cleanup(client.CloseIdleConnections)
	var out apis
	for i, cfg := range []mockapi.Config{cfgA, cfgB} {
		name := string(rune('a' + i))
		api, url := mocktest.Serve(t, name, cfg, 42)
		leg := strategies.NewLeg(name, url+"/send", client, policy, new(strategies.LegStats))
		if i == 0 {
			out.a, out.legA = api, leg
		} else {
			out.b, out.legB = api, leg
		}
	}
	return &out
}

// newQueue starts a queue over m's legs, closed when the test ends.
func newQueue(t *testing.T, m *apis, opt queue.Options) *queue.Queue {
	t.Helper()
	if opt.Stream == "" {
		opt.Stream = streamName(t)
	}
	opt.Logf = t.Logf
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	q, err := queue.New(ctx, m.legA, m.legB, opt)
	if err != nil {
		t.Fatalf("queue.New: %v", err)
	}
	t.Cleanup(func() {
		created := q.Created()
		if err := q.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		if opt.URL != "" {
			assertGone(t, q.Broker(), opt.URL, created)
		}
	})
	return q
}

// assertGone fails the test if the broker at url still holds any of what
// the run created (Queue.Created): a shared broker is left clean.
func assertGone(t *testing.T, broker, url string, created []string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	left, err := queue.Leftovers(ctx, broker, url, created)
	if err != nil {
		t.Errorf("check what is left on %s: %v", url, err)
	}
	if len(left) > 0 {
		t.Errorf("after Close, %s still holds %v; want everything the run created deleted", url, left)
	}
}

// assertNoStreams fails the test if the NATS server at url still holds
// the run's stream or its dead-letter stream.
func assertNoStreams(t *testing.T, url, stream string) {
	t.Helper()
	assertGone(t, queue.BrokerJetStream, url, []string{stream, stream + queue.DeadLetterSuffix})
}

// sent is what a paced run of sends saw.
type sent struct {
	ids     []string
	start   []time.Time     // when each Send began
	latency []time.Duration // how long each Send took
}

// sendPaced makes n sends at rate per second, one after another on the
// schedule, and fails the test unless each is accepted with 202.
func sendPaced(t *testing.T, q *queue.Queue, prefix string, n int, rate float64) sent {
	t.Helper()
	out := sent{ids: make([]string, n), start: make([]time.Time, n), latency: make([]time.Duration, n)}
	interval := time.Duration(float64(time.Second) / rate)
	t0 := time.Now()
	for i := range n {
		if d := time.Until(t0.Add(time.Duration(i) * interval)); d > 0 {
			time.Sleep(d)
		}
		id := fmt.Sprintf("%s-%04d", prefix, i)
		out.ids[i], out.start[i] = id, time.Now()
		rep := q.Send(t.Context(), strategies.Send{ID: id, Body: []byte(`{"n":` + fmt.Sprint(i) + `}`)})
		out.latency[i] = time.Since(out.start[i])
		if rep.Status != http.StatusAccepted {
			t.Fatalf("Send(%s) = %d (legs %+v); want 202", id, rep.Status, rep.Legs)
		}
	}
	return out
}

// drain waits for q to deliver everything, or fails the test after limit.
func drain(t *testing.T, q *queue.Queue, limit time.Duration) time.Duration {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), limit)
	defer cancel()
	start := time.Now()
	if err := q.Drain(ctx); err != nil {
		t.Fatalf("Drain: %v", err)
	}
	return time.Since(start)
}

// wantEffectsOnce fails the test unless every id took effect exactly once
// at each of apis.
func wantEffectsOnce(t *testing.T, ids []string, apis ...*mockapi.API) {
	t.Helper()
	for _, id := range ids {
		for _, api := range apis {
			if e, ok := api.Ledger().Lookup(id); !ok || e.Effects != 1 {
				t.Fatalf("API %s, send %s: entry %+v (found %v); want Effects 1", api.Name(), id, e, ok)
			}
		}
	}
}

// quantile returns the q-quantile (0..1) of ds by the nearest rank.
func quantile(ds []time.Duration, q float64) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(q*float64(len(s))+0.5) - 1
	return s[max(0, min(i, len(s)-1))]
}
