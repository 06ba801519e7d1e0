package queue_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"go.uber.org/goleak"

	"github.com/fanbench/fanbench/mockapi"
	"github.com/fanbench/fanbench/strategies"
	"github.com/fanbench/fanbench/strategies/queue"
)

// policy is the legs' policy in these tests: one attempt per delivery.
var policy = strategies.Policy{Timeout: 2 * time.Second}

// quickBackoff keeps redeliveries fast enough for tests.
var quickBackoff = strategies.Backoff{Initial: 5 * time.Millisecond, Max: 40 * time.Millisecond}

func TestDeliversEverySendOnce(t *testing.T) {
	brokers(t, func(t *testing.T, url string) {
		m := startAPIs(t,
			mockapi.Config{Latency: fixed(50 * time.Millisecond)},
			mockapi.Config{Latency: fixed(50 * time.Millisecond)},
			policy)
		q := newQueue(t, m, queue.Options{URL: url})

		const n = 120
		s := sendPaced(t, q, "once", n, 100)
		took := drain(t, q, 5*time.Second)

		var delivery []time.Duration
		for i, id := range s.ids {
			var both time.Time
			for _, api := range []*mockapi.API{m.a, m.b} {
				e, ok := api.Ledger().Lookup(id)
				if !ok || e.Effects != 1 {
					t.Fatalf("API %s, send %s: entry %+v (found %v); want Effects 1", api.Name(), id, e, ok)
				}
				if e.FirstSuccess.After(both) {
					both = e.FirstSuccess
				}
			}
			delivery = append(delivery, both.Sub(s.start[i]))
		}
		st := q.Stats()
		if st.Published != n || st.DeadLetters != 0 || st.Redeliveries != 0 || st.PublishErrors != 0 {
			t.Errorf("Stats = %+v; want %d published, no dead letters, redeliveries or publish errors", st, n)
		}
		for _, c := range st.Consumers {
			if c.Acked != n || c.Deliveries != n {
				t.Errorf("consumer %s: %+v; want %d deliveries, all acked", c.API, c, n)
			}
		}
		// The user waits for the broker only, not for the 50ms legs.
		p50, p99 := quantile(s.latency, 0.5), quantile(s.latency, 0.99)
		if p50 > 40*time.Millisecond {
			t.Errorf("Send p50 = %v; want well under a leg's 50ms", p50)
		}
		t.Logf("Send p50 %v p99 %v max %v; delivery to both p50 %v p99 %v; drain %v; peak pending %d",
			p50, p99, quantile(s.latency, 1), quantile(delivery, 0.5), quantile(delivery, 0.99), took, st.PeakPending)
	})
}

// TestRetriesThroughBroker is the comparison scenario on every backend:
// a = b = fixed 20ms, b failing 20% with 503, 300 sends/s. Every accepted
// send reaches both APIs once, through redeliveries, and none is dead-
// lettered (9 deliveries: a dead letter has odds of 0.2^9 per send).
func TestRetriesThroughBroker(t *testing.T) {
	brokers(t, func(t *testing.T, url string) {
		m := startAPIs(t,
			mockapi.Config{Latency: fixed(20 * time.Millisecond)},
			mockapi.Config{Latency: fixed(20 * time.Millisecond), Errors: []mockapi.ErrorRule{{Status: 503, Rate: 0.2}}},
			policy)
		q := newQueue(t, m, queue.Options{URL: url, MaxDeliver: 9, Backoff: quickBackoff})

		const n = 300
		s := sendPaced(t, q, "retry", n, 300)
		drain(t, q, 10*time.Second)

		wantEffectsOnce(t, s.ids, m.a, m.b)
		st := q.Stats()
		b := st.Consumers[1]
		if st.DeadLetters != 0 || st.Published != n {
			t.Errorf("published %d, dead letters %d; want %d and 0", st.Published, st.DeadLetters, n)
		}
		// About 0.2/0.8 redeliveries per message; all of them b's.
		if b.Redeliveries < n/8 || st.Consumers[0].Redeliveries != 0 {
			t.Errorf("redeliveries a %d, b %d; want 0 for a and about %d for b", st.Consumers[0].Redeliveries, b.Redeliveries, n/4)
		}
		if b.Naks != b.Redeliveries || b.Deliveries != n+b.Redeliveries || b.Acked != n {
			t.Errorf("consumer b: %+v; want naks == redeliveries, deliveries == %d + redeliveries, %d acked", b, n, n)
		}
		if got := m.b.Ledger().Summary(); int64(got.Arrivals) != b.Deliveries {
			t.Errorf("b's ledger saw %d arrivals; consumer b made %d deliveries", got.Arrivals, b.Deliveries)
		}
		if st.PublishLatency.Count != n || st.PublishLatency.P50 <= 0 || st.PublishLatency.P99 < st.PublishLatency.P50 {
			t.Errorf("publish latency %+v; want %d publishes with 0 < p50 <= p99", st.PublishLatency, n)
		}
		t.Logf("%s: b %d redeliveries for %d sends; peak pending %d; publish p50 %v p99 %v",
			st.Broker, b.Redeliveries, n, st.PeakPending, st.PublishLatency.P50, st.PublishLatency.P99)
	})
}

func TestDeadLettersWhenAPIDown(t *testing.T) {
	brokers(t, func(t *testing.T, url string) {
		m := startAPIs(t,
			mockapi.Config{},
			mockapi.Config{Errors: []mockapi.ErrorRule{{Status: 503, Rate: 1}}},
			policy)
		q := newQueue(t, m, queue.Options{URL: url, MaxDeliver: 2, Backoff: quickBackoff})

		const n = 50
		s := sendPaced(t, q, "dlq", n, 500)
		drain(t, q, 5*time.Second)

		wantEffectsOnce(t, s.ids, m.a)
		for _, id := range s.ids {
			if e, ok := m.b.Ledger().Lookup(id); !ok || e.Effects != 0 || e.Arrivals != 2 {
				t.Fatalf("API b, send %s: entry %+v (found %v); want 2 arrivals, no effect", id, e, ok)
			}
		}
		st := q.Stats()
		if st.DeadLetters != n || st.Consumers[1].DeadLetters != n || st.Consumers[0].DeadLetters != 0 {
			t.Errorf("dead letters: total %d, a %d, b %d; want %d, all b's", st.DeadLetters, st.Consumers[0].DeadLetters, st.Consumers[1].DeadLetters, n)
		}
		hs, err := q.DeadLetterHeaders(t.Context())
		if err != nil {
			t.Fatalf("read dead letters: %v", err)
		}
		if len(hs) != n {
			t.Fatalf("dead-letter stream holds %d messages; want %d", len(hs), n)
		}
		seen := map[string]bool{}
		for _, h := range hs {
			seen[h[queue.HeaderID]] = true
			if h[queue.HeaderAPI] != "b" || h[queue.HeaderFailure] != "status 503" ||
				h[queue.HeaderStatus] != "503" || h[queue.HeaderAttempts] != "2" {
				t.Errorf("dead letter headers %v; want API b, status 503, 2 attempts", h)
			}
		}
		for _, id := range s.ids {
			if !seen[id] {
				t.Errorf("send %s missing from the dead-letter stream", id)
			}
		}
	})
}

func TestDuplicateSendDeliveredOnce(t *testing.T) {
	brokers(t, func(t *testing.T, url string) {
		m := startAPIs(t, mockapi.Config{}, mockapi.Config{}, policy)
		q := newQueue(t, m, queue.Options{URL: url})
		s := strategies.Send{ID: "dup-1", Body: []byte(`{}`)}
		for range 3 {
			if rep := q.Send(t.Context(), s); rep.Status != http.StatusAccepted {
				t.Fatalf("Send = %d; want 202", rep.Status)
			}
		}
		drain(t, q, 5*time.Second)
		// RabbitMQ cannot deduplicate: it delivers each publish, and the
		// API's idempotency keeps the effect single.
		arrivals, published, duplicates := 1, int64(1), int64(2)
		if q.Broker() == queue.BrokerRabbitMQ {
			arrivals, published, duplicates = 3, 3, 0
		}
		for _, api := range []*mockapi.API{m.a, m.b} {
			if e, _ := api.Ledger().Lookup(s.ID); e.Arrivals != arrivals || e.Effects != 1 {
				t.Errorf("API %s saw %d arrivals (%d effects) of a send published 3 times; want %d (1 effect)", api.Name(), e.Arrivals, e.Effects, arrivals)
			}
		}
		if st := q.Stats(); st.Published != published || st.Duplicates != duplicates {
			t.Errorf("Published %d, Duplicates %d; want %d and %d", st.Published, st.Duplicates, published, duplicates)
		}
	})
}

// TestConcurrencyBound checks each consumer keeps at most Concurrency
// calls in flight: the mocks answer 429 past that many, and none may.
func TestConcurrencyBound(t *testing.T) {
	const limit, n, lat = 4, 60, 20 * time.Millisecond
	cfg := mockapi.Config{Latency: fixed(lat), ConcurrencyLimit: limit}
	m := startAPIs(t, cfg, cfg, policy)
	q := newQueue(t, m, queue.Options{Concurrency: limit, Backoff: quickBackoff, MaxDeliver: 5})
	start := time.Now()
	sendPaced(t, q, "bound", n, 2000)
	drain(t, q, 5*time.Second)
	took := time.Since(start)
	st := q.Stats()
	for _, api := range []*mockapi.API{m.a, m.b} {
		if sum := api.Ledger().Summary(); sum.Arrivals != n || sum.Effects != n {
			t.Errorf("API %s: %+v; want %d arrivals and effects (none refused over the limit)", api.Name(), sum, n)
		}
	}
	if st.Redeliveries != 0 {
		t.Errorf("Redeliveries = %d; want 0", st.Redeliveries)
	}
	if min := n / limit * lat; took < min {
		t.Errorf("%d sends of %v each through %d workers took %v; want at least %v", n, lat, limit, took, min)
	}
}

func TestDrainStopsWithContext(t *testing.T) {
	m := startAPIs(t, mockapi.Config{}, mockapi.Config{Errors: []mockapi.ErrorRule{{Status: 503, Rate: 1}}}, policy)
	q := newQueue(t, m, queue.Options{MaxDeliver: 1000, Backoff: quickBackoff})
	sendPaced(t, q, "stuck", 5, 1000)

	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := q.Drain(ctx)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Drain = %v; want an error wrapping context.DeadlineExceeded", err)
	}
	if took := time.Since(start); took > time.Second {
		t.Errorf("Drain took %v after its 200ms context ended", took)
	}
	if !strings.Contains(err.Error(), "for b") {
		t.Errorf("Drain error %q does not say what is pending for b", err)
	}
}

func TestSendAfterCloseIs503(t *testing.T) {
	m := startAPIs(t, mockapi.Config{}, mockapi.Config{}, policy)
	q := newQueue(t, m, queue.Options{})
	if err := q.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	rep := q.Send(t.Context(), strategies.Send{ID: "late", Body: []byte(`{}`)})
	if rep.Status != http.StatusServiceUnavailable {
		t.Fatalf("Send after Close = %d; want 503", rep.Status)
	}
	for i, leg := range rep.Legs {
		if !errors.Is(leg.Err, queue.ErrPublish) || !errors.Is(leg.Err, queue.ErrClosed) {
			t.Errorf("leg %d error %v; want ErrPublish wrapping ErrClosed", i, leg.Err)
		}
	}
	if st := q.Stats(); st.PublishErrors != 1 || st.Published != 0 {
		t.Errorf("Stats %+v; want 1 publish error, nothing published", st)
	}
	if err := q.Drain(t.Context()); !errors.Is(err, queue.ErrClosed) {
		t.Errorf("Drain after Close = %v; want ErrClosed", err)
	}
	if err := q.Close(); err != nil {
		t.Errorf("second Close = %v; want nil", err)
	}
}

// TestPublishFailureIs503 stops the broker under a live queue: the user must
// be told 503, never 202.
func TestPublishFailureIs503(t *testing.T) {
	needExternal(t) // the embedded server cannot be stopped from outside the queue
	m := startAPIs(t, mockapi.Config{}, mockapi.Config{}, policy)
	q := newQueue(t, m, queue.Options{URL: externalURL, PublishTimeout: 300 * time.Millisecond})
	// Deleting the stream under the queue makes every publish fail, as
	// a broker that lost its storage would.
	nc, err := nats.Connect(externalURL)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := queue.JetStream(nc)
	if err := js.DeleteStream(t.Context(), q.Stream()); err != nil {
		t.Fatalf("delete stream: %v", err)
	}
	start := time.Now()
	rep := q.Send(t.Context(), strategies.Send{ID: "orphan", Body: []byte(`{}`)})
	if rep.Status != http.StatusServiceUnavailable || !errors.Is(rep.Legs[0].Err, queue.ErrPublish) {
		t.Fatalf("Send to a deleted stream = %d (%v); want 503 wrapping ErrPublish", rep.Status, rep.Legs[0].Err)
	}
	if took := time.Since(start); took > time.Second {
		t.Errorf("failed Send took %v; want at most about the 300ms publish timeout", took)
	}
	if st := q.Stats(); st.PublishErrors != 1 || st.Published != 0 {
		t.Errorf("Stats %+v; want 1 publish error, nothing published", st)
	}
}

func TestCloseDeletesStreamsOnExternalBroker(t *testing.T) {
	needExternal(t)
	m := startAPIs(t, mockapi.Config{}, mockapi.Config{}, policy)
	name := streamName(t)
	q := newQueue(t, m, queue.Options{URL: externalURL, Stream: name})
	sendPaced(t, q, "gone", 10, 1000)
	drain(t, q, 5*time.Second)

	// A second run may not adopt the first's stream.
	_, err := queue.New(t.Context(), m.legA, m.legB, queue.Options{URL: externalURL, Stream: name})
	if !errors.Is(err, queue.ErrStreamExists) {
		t.Errorf("New on a stream in use = %v; want ErrStreamExists", err)
	}
	// ... and must leave it intact for its owner.
	sendPaced(t, q, "still", 10, 1000)
	drain(t, q, 5*time.Second)
	for _, api := range []*mockapi.API{m.a, m.b} {
		if e, _ := api.Ledger().Lookup("still-0009"); e.Effects != 1 {
			t.Errorf("after a refused New, API %s got %+v for a send of the first run; want Effects 1", api.Name(), e)
		}
	}
	if err := q.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	assertNoStreams(t, externalURL, name)
}

// TestRefusedNameLeavesItsOwnerIntact: on every external backend, a
// second run refused a name already in use must not delete or disturb the
// first run's queues — the first run still delivers, then cleans up.
func TestRefusedNameLeavesItsOwnerIntact(t *testing.T) {
	for _, url := range []string{rabbitURL, redisURL} {
		t.Run(url[:strings.Index(url, ":")], func(t *testing.T) {
			needServer(t, url)
			m := startAPIs(t, mockapi.Config{}, mockapi.Config{}, policy)
			name := streamName(t)
			q := newQueue(t, m, queue.Options{URL: url, Stream: name})
			if _, err := queue.New(t.Context(), m.legA, m.legB, queue.Options{URL: url, Stream: name}); !errors.Is(err, queue.ErrStreamExists) {
				t.Fatalf("New on a name in use = %v; want ErrStreamExists", err)
			}
			sendPaced(t, q, "still", 10, 1000)
			drain(t, q, 10*time.Second)
			for _, api := range []*mockapi.API{m.a, m.b} {
				if e, _ := api.Ledger().Lookup("still-0009"); e.Effects != 1 {
					t.Errorf("after a refused New, API %s got %+v for the first run's send; want Effects 1", api.Name(), e)
				}
			}
		})
	}
}

// TestEmbeddedShutdownLeavesNothing checks the embedded server's
// goroutines and store directory are gone after Close. The run is a
// subtest so that its mocks and HTTP client are closed (by its cleanups)
// before the check, which then needs no exceptions.
func TestEmbeddedShutdownLeavesNothing(t *testing.T) {
	before := goleak.IgnoreCurrent()
	t.Run("run", func(t *testing.T) {
		m := startAPIs(t, mockapi.Config{}, mockapi.Config{}, policy)
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		defer cancel()
		q, err := queue.New(ctx, m.legA, m.legB, queue.Options{Stream: streamName(t)})
		if err != nil {
			t.Fatalf("New: %v", err)
		}
		dir := q.StoreDir()
		if _, err := os.Stat(dir); err != nil {
			t.Fatalf("store directory %q: %v", dir, err)
		}
		sendPaced(t, q, "leak", 20, 1000)
		drain(t, q, 5*time.Second)
		if err := q.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		if _, err := os.Stat(dir); !os.IsNotExist(err) {
			t.Errorf("store directory %q after Close: %v; want it removed", dir, err)
		}
	})
	goleak.VerifyNone(t, before)
}

func TestUnreachableBrokerFailsFast(t *testing.T) {
	m := startAPIs(t, mockapi.Config{}, mockapi.Config{}, policy)
	const url = "nats://127.0.0.1:1"
	start := time.Now()
	q, err := queue.New(t.Context(), m.legA, m.legB, queue.Options{URL: url})
	took := time.Since(start)
	if err == nil {
		q.Close()
		t.Fatalf("New(%s) succeeded; want an error", url)
	}
	if took > 3*time.Second {
		t.Errorf("New(%s) took %v to fail; want a few seconds at most", url, took)
	}
	msg := err.Error()
	for _, want := range []string{"queue: connect", url, "connection refused", "nats-server -js", "embedded"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not contain %q", msg, want)
		}
	}
	if !errors.Is(err, queue.ErrConnect) {
		t.Errorf("error %v does not wrap ErrConnect", err)
	}
	t.Logf("%v (in %v)", err, took)
}

func TestOptionsRejected(t *testing.T) {
	m := startAPIs(t, mockapi.Config{}, mockapi.Config{}, policy)
	for _, tc := range []struct {
		name string
		opt  queue.Options
		want string
	}{
		{"negative concurrency", queue.Options{Concurrency: -1}, "concurrency -1"},
		{"negative max deliver", queue.Options{MaxDeliver: -2}, "max_deliver -2"},
		{"negative ack wait", queue.Options{AckWait: -time.Second}, "ack_wait -1s"},
		{"bad stream name", queue.Options{Stream: "a.b"}, `stream name "a.b": invalid character '.'`},
		{"unknown scheme", queue.Options{URL: "kafka://127.0.0.1:9092"}, `scheme "kafka" is not supported`},
		{"unknown broker", queue.Options{Broker: "kafka"}, `broker "kafka"; want one of jetstream, rabbitmq, redis`},
		{"broker and URL disagree", queue.Options{Broker: "redis", URL: "amqp://127.0.0.1:5672/"}, `broker redis but URL "amqp://127.0.0.1:5672/" is a rabbitmq URL`},
		{"no embedded rabbitmq", queue.Options{Broker: "rabbitmq"}, `broker rabbitmq needs a URL`},
		{"negative max messages", queue.Options{MaxMessages: -1}, "max_messages -1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q, err := queue.New(t.Context(), m.legA, m.legB, tc.opt)
			if err == nil {
				q.Close()
				t.Fatalf("New(%+v) succeeded; want an error containing %q", tc.opt, tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("New(%+v) = %q; want it to contain %q", tc.opt, err, tc.want)
			}
		})
	}
}

// A 503 with Retry-After delays the broker's redelivery by what the API
// asked (capped by backoff.max), not by the backoff; a 400 is not in
// retry_on, so it is dead-lettered at once instead of redelivered.
func TestRetryAfterAndNonRetryable(t *testing.T) {
	brokers(t, func(t *testing.T, url string) { retryAfterAndNonRetryable(t, url) })
}

func retryAfterAndNonRetryable(t *testing.T, url string) {
	pol := policy
	pol.HonorRetryAfter = true
	pol.Backoff = strategies.Backoff{Initial: time.Millisecond, Max: 5 * time.Second, Multiplier: 2}
	m := startAPIs(t,
		mockapi.Config{Errors: []mockapi.ErrorRule{{Status: 400, Rate: 1}}},
		mockapi.Config{FailFirst: 0, Errors: []mockapi.ErrorRule{{Status: 503, Rate: 0.3, Headers: map[string]string{"Retry-After": "1"}}}},
		pol)
	q := newQueue(t, m, queue.Options{URL: url, MaxDeliver: 10, Backoff: pol.Backoff})
	s := sendPaced(t, q, "ra", 20, 200)
	drain(t, q, 15*time.Second)
	wantEffectsOnce(t, s.ids, m.b)
	retried := 0
	for _, id := range s.ids {
		e, _ := m.b.Ledger().Lookup(id)
		if e.Arrivals > 1 {
			retried++
			if gap := e.FirstSuccess.Sub(e.FirstArrival); gap < time.Second {
				t.Errorf("send %s: redelivered to b after %v; want ≥ 1s (Retry-After: 1)", id, gap)
			}
		}
		if ea, _ := m.a.Ledger().Lookup(id); ea.Arrivals != 1 {
			t.Errorf("send %s: %d arrivals at a; want 1 (a 400 is not retried)", id, ea.Arrivals)
		}
	}
	if retried == 0 {
		t.Error("no send was redelivered to b; want about a third")
	}
	if st := q.Stats(); st.Consumers[0].DeadLetters != 20 {
		t.Errorf("a's dead letters = %d; want 20 (400 is not retryable)", st.Consumers[0].DeadLetters)
	}
}

// TestBoundRefusesWhenFull fills a broker bounded to 10 messages per API
// faster than a slow b drains it: the publishes past the bound are
// refused with 503 (ErrFull), and every accepted one is still delivered.
func TestBoundRefusesWhenFull(t *testing.T) {
	brokers(t, func(t *testing.T, url string) {
		m := startAPIs(t, mockapi.Config{}, mockapi.Config{Latency: fixed(20 * time.Millisecond)}, policy)
		const bound, n = 10, 40
		q := newQueue(t, m, queue.Options{URL: url, MaxMessages: bound, Concurrency: 1})
		var accepted []string
		full := 0
		for i := range n {
			id := fmt.Sprintf("full-%02d", i)
			rep := q.Send(t.Context(), strategies.Send{ID: id, Body: []byte(`{}`)})
			switch {
			case rep.Status == http.StatusAccepted:
				accepted = append(accepted, id)
			case rep.Status == http.StatusServiceUnavailable && errors.Is(rep.Legs[0].Err, queue.ErrFull):
				full++
			default:
				t.Fatalf("Send(%s) = %d (%v); want 202, or 503 wrapping ErrFull", id, rep.Status, rep.Legs[0].Err)
			}
		}
		drain(t, q, 10*time.Second)
		wantEffectsOnce(t, accepted, m.a, m.b)
		if full == 0 || len(accepted) < bound {
			t.Errorf("%d accepted, %d refused as full, of %d sent at once to a broker bounded to %d; want at least %d accepted and some refused",
				len(accepted), full, n, bound, bound)
		}
		t.Logf("%s: %d accepted, %d refused as full", q.Broker(), len(accepted), full)
	})
}
