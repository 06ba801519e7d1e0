package queue

import (
	"context"
	"fmt"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/fanbench/fanbench/strategies"
)

// A user who gives up while RabbitMQ's confirm is on its way is answered
// 503, but the message is on the broker and will be delivered: once its
// confirm comes it counts as accepted, so Pending does not undercount.
func TestRabbitConfirmAfterTheCallerGaveUpCountsAccepted(t *testing.T) {
	const url = "amqp://guest:guest@127.0.0.1:5672/"
	if c, err := net.DialTimeout("tcp", "127.0.0.1:5672", time.Second); err != nil {
		if v := os.Getenv("FANBENCH_REQUIRE_BROKERS"); v != "" && v != "0" {
			t.Fatalf("RabbitMQ unreachable (%v) and FANBENCH_REQUIRE_BROKERS=%s", err, v)
		}
		t.Skipf("RabbitMQ unreachable (%v); set FANBENCH_REQUIRE_BROKERS=1 to fail instead", err)
	} else {
		c.Close()
	}
	name := fmt.Sprintf("fanbench_test_lateconfirm_%d", time.Now().UnixNano())
	r, err := openRabbitMQ(t.Context(), url, brokerConfig{Name: name, APIs: [2]string{"a", "b"}, MaxMessages: 1000, AckWait: time.Minute, MaxAckPending: 10})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := r.Close(ctx); err != nil {
			t.Error(err)
		}
	}()
	// A quorum queue's confirm takes a round trip and a disk write; a
	// deadline of tens of microseconds ends the wait before it, but not
	// (mostly) the publish itself — try until a publish gave up waiting.
	for i := range 200 {
		before := r.accepted.Load()
		ctx, cancel := context.WithTimeout(t.Context(), time.Duration(20+i%10*20)*time.Microsecond)
		_, err := r.Publish(ctx, strategies.Send{ID: fmt.Sprintf("late-%d", i), Body: []byte(`{}`)})
		cancel()
		if err == nil || !strings.Contains(err.Error(), "wait for the publisher confirm") {
			continue // confirmed in time, or given up before it was sent
		}
		deadline := time.Now().Add(5 * time.Second)
		for r.accepted.Load() == before && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
		if got := r.accepted.Load(); got != before+1 {
			t.Fatalf("accepted %d after a publish whose caller gave up; want %d once its confirm came", got, before+1)
		}
		return
	}
	t.Fatal("no publish in 200 gave up while waiting for its confirm; the test could not exercise the case")
}
