package queue_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/fanbench/fanbench/mockapi"
	"github.com/fanbench/fanbench/strategies"
	"github.com/fanbench/fanbench/strategies/queue"
)

// outcome is what a run of concurrent sends saw.
type outcome struct {
	mu       sync.Mutex
	accepted []string // 202: the user was told the send is on its way
	refused  int      // 503
	other    []int
}

// sendConcurrently makes sends at rate per second, each in a goroutine of
// its own so that one waiting for a broker that is down does not hold up
// the schedule, at most n of them. more(i) is called before send i, in
// schedule order, and ends the run by returning false.
func sendConcurrently(t *testing.T, q *queue.Queue, prefix string, n int, rate float64, more func(i int) bool) *outcome {
	t.Helper()
	var out outcome
	var wg sync.WaitGroup
	interval := time.Duration(float64(time.Second) / rate)
	t0 := time.Now()
	for i := range n {
		if d := time.Until(t0.Add(time.Duration(i) * interval)); d > 0 {
			time.Sleep(d)
		}
		if !more(i) {
			break
		}
		id := fmt.Sprintf("%s-%05d", prefix, i)
		wg.Go(func() {
			rep := q.Send(t.Context(), strategies.Send{ID: id, Body: []byte(`{}`)})
			out.mu.Lock()
			defer out.mu.Unlock()
			switch rep.Status {
			case http.StatusAccepted:
				out.accepted = append(out.accepted, id)
			case http.StatusServiceUnavailable:
				out.refused++
			default:
				out.other = append(out.other, rep.Status)
			}
		})
	}
	wg.Wait()
	return &out
}

// TestBrokerRestartLosesNothing stops the broker for 3s in the middle of a
// 200/s run and starts it again: every send the user was told was
// accepted reaches both APIs once the broker is back. With the default
// (fail fast) the sends during the outage get 503 at once; with
// WaitOnOutage they wait for the broker and none is refused.
func TestBrokerRestartLosesNothing(t *testing.T) {
	const down = 3 * time.Second
	t.Run("embedded", func(t *testing.T) {
		restartRun(t, queue.Options{}, down, false)
	})
	t.Run("embedded-wait", func(t *testing.T) {
		restartRun(t, queue.Options{WaitOnOutage: true, PublishTimeout: down + 5*time.Second}, down, true)
	})
	t.Run("rabbitmq", func(t *testing.T) {
		needServer(t, rabbitURL)
		if _, err := exec.LookPath("rabbitmqctl"); err != nil {
			if v := os.Getenv(requireBrokers); v != "" && v != "0" {
				t.Fatalf("rabbitmqctl not found (%v) and %s=%s", err, requireBrokers, v)
			}
			t.Skipf("rabbitmqctl not found (%v): cannot stop and start the machine's RabbitMQ", err)
		}
		// Whatever happens to the run, leave the machine's RabbitMQ
		// running for the tests after this one (start_app on a running
		// node does nothing).
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			if out, err := exec.CommandContext(ctx, "rabbitmqctl", "-q", "start_app").CombinedOutput(); err != nil {
				t.Errorf("restarting the machine's RabbitMQ after the test: %v\n%s", err, out)
			}
		})
		restartRun(t, queue.Options{
			URL:          rabbitURL,
			StopCommand:  "rabbitmqctl -q stop_app",
			StartCommand: "rabbitmqctl -q start_app",
		}, down, false)
	})
}

// restartRun sends at 200/s for 1s, restarts the broker for down, keeps
// sending until 1s after it is back, and checks nothing accepted is lost.
func restartRun(t *testing.T, opt queue.Options, down time.Duration, wait bool) {
	m := startAPIs(t, mockapi.Config{Latency: fixed(5 * time.Millisecond)}, mockapi.Config{Latency: fixed(5 * time.Millisecond)}, policy)
	// Deliveries unacked when the broker stopped come again after AckWait:
	// keep it short (above the policy's 2s timeout) so the drain is.
	opt.MaxDeliver, opt.Backoff, opt.AckWait = 20, quickBackoff, 3*time.Second
	q := newQueue(t, m, opt)

	// 1s of sends, the restart, and 1s of sends once the broker is back
	// (at most 30s in all: a restart by commands takes seconds more).
	const rate = 200
	restarted := make(chan error, 1)
	back := make(chan struct{})
	var after int // sends made once the broker was back
	out := sendConcurrently(t, q, "restart", 30*rate, rate, func(i int) bool {
		switch {
		case i == rate:
			go func() {
				ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
				defer cancel()
				restarted <- q.RestartBroker(ctx, down)
				close(back)
			}()
		case i > rate:
			select {
			case <-back:
				after++
			default:
			}
		}
		return after < rate
	})
	if err := <-restarted; err != nil {
		t.Fatalf("RestartBroker: %v", err)
	}
	if after == 0 {
		t.Fatal("the broker was not back before the sends ended; the run says nothing about after the restart")
	}
	drain(t, q, 30*time.Second)

	wantEffectsOnce(t, out.accepted, m.a, m.b)
	st := q.Stats()
	if len(out.other) > 0 {
		t.Errorf("statuses other than 202 and 503: %v", out.other)
	}
	if st.Restarts != 1 {
		t.Errorf("Restarts = %d; want 1", st.Restarts)
	}
	if got := int64(len(out.accepted)); st.Published+st.Duplicates < got {
		t.Errorf("%d sends accepted but the broker stored %d (%d duplicates)", got, st.Published, st.Duplicates)
	}
	if int64(out.refused) != st.PublishErrors {
		t.Errorf("%d sends refused; PublishErrors = %d", out.refused, st.PublishErrors)
	}
	switch {
	case wait && out.refused > 0:
		t.Errorf("%d sends refused while waiting for the broker was on; want none", out.refused)
	case !wait && st.Unavailable == 0:
		t.Errorf("no send was refused at once during a %v outage; want the outage to show (Stats %+v)", down, st)
	}
	t.Logf("%s: %d accepted (%d after the restart), %d refused (%d at once), %d redeliveries",
		st.Broker, len(out.accepted), after, out.refused, st.Unavailable, st.Redeliveries)
}
