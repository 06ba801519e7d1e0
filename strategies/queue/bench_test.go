package queue_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/fanbench/fanbench/mockapi"
	"github.com/fanbench/fanbench/strategies"
	"github.com/fanbench/fanbench/strategies/queue"
)

// BenchmarkSend measures what the user waits for: one publish to the
// embedded broker up to its PubAck, with both consumers delivering to
// instant mocks in the background.
func BenchmarkSend(b *testing.B) {
	m := startAPIs(b, mockapi.Config{}, mockapi.Config{}, policy)
	q, err := queue.New(b.Context(), m.legA, m.legB, queue.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer q.Close()
	body := []byte(`{"n":1}`)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		if rep := q.Send(b.Context(), strategies.Send{ID: fmt.Sprint("bench-", i), Body: body}); rep.Status != http.StatusAccepted {
			b.Fatalf("Send = %d", rep.Status)
		}
	}
	b.StopTimer()
	start := time.Now()
	if err := q.Drain(b.Context()); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(time.Since(start).Milliseconds()), "drain-ms")
}
