package queue

import (
	"sync"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// Stats counts what a Queue did; Stats() takes a snapshot.
type Stats struct {
	// Broker is the backend: BrokerJetStream, BrokerRabbitMQ or BrokerRedis.
	Broker string
	// Published is the sends the broker stored (202 to the user).
	Published int64
	// Duplicates is the publishes the broker recognised as an id it held
	// already (202 too; delivered once).
	Duplicates int64
	// PublishErrors is the publishes that failed or timed out (503).
	PublishErrors int64
	// Unavailable is the publish errors that failed at once because the
	// broker was down (included in PublishErrors).
	Unavailable int64
	// Restarts is the broker restarts RestartBroker made.
	Restarts int64
	// PublishLatency is how long publishes took, up to the broker's
	// confirmation (failed ones included; refused-at-once ones not).
	PublishLatency LatencySummary
	// Redeliveries is the delivery attempts after a message's first, both
	// APIs together: the queue's retries.
	Redeliveries int64
	// DeadLetters is the messages an API's consumer gave up on after
	// MaxDeliver attempts, both APIs together; each is in the dead-letter
	// stream and was never delivered to that API.
	DeadLetters int64
	// PeakPending is the largest backlog of either consumer: messages
	// published but not yet acked or dead-lettered by it, sampled at each
	// publish.
	PeakPending int64
	// Consumers are the per-API counts, a then b.
	Consumers [2]ConsumerStats
}

// ConsumerStats counts what one API's consumer did.
type ConsumerStats struct {
	API              string
	Deliveries       int64 // delivery attempts handled (one leg call each)
	Acked            int64 // messages delivered and acked
	Naks             int64 // failed attempts sent back for a delayed redelivery
	Redeliveries     int64 // attempts after a message's first
	DeadLetters      int64 // messages given up on
	DeadLetterErrors int64 // dead letters the broker failed to store (retried)
	SettleErrors     int64 // acks, naks or terms that failed (the broker redelivers)
	PeakPending      int64 // largest backlog seen at a publish
}

// Stats returns a snapshot of the queue's counters. Once Drain has
// returned nil, they account for every message published before it.
func (q *Queue) Stats() Stats {
	s := Stats{
		Broker:         q.opt.Broker,
		Unavailable:    q.unavailable.Load(),
		Restarts:       q.restarts.Load(),
		PublishLatency: q.pubLatency.summary(),
		Published:      q.published.Load(),
		Duplicates:     q.duplicates.Load(),
		PublishErrors:  q.publishErrors.Load(),
	}
	for i, c := range q.consumers {
		if c == nil {
			continue
		}
		cs := ConsumerStats{
			API:              c.api,
			Deliveries:       c.counts.deliveries.Load(),
			Acked:            c.counts.acked.Load(),
			Naks:             c.counts.naks.Load(),
			Redeliveries:     c.counts.redeliveries.Load(),
			DeadLetters:      c.counts.deadLetters.Load(),
			DeadLetterErrors: c.counts.deadLetterErrors.Load(),
			SettleErrors:     c.counts.settleErrors.Load(),
			PeakPending:      c.peak.Load(),
		}
		s.Consumers[i] = cs
		s.Redeliveries += cs.Redeliveries
		s.DeadLetters += cs.DeadLetters
		s.PeakPending = max(s.PeakPending, cs.PeakPending)
	}
	return s
}

// LatencySummary is a few quantiles of a latency distribution.
type LatencySummary struct {
	Count         int64
	P50, P99, Max time.Duration
}

// latencyHistogram records durations from 1µs to 1 minute with 3
// significant digits. A mutex guards it: it is recorded once per publish,
// a network round trip that costs far more (BenchmarkSend).
type latencyHistogram struct {
	mu sync.Mutex
	h  *hdrhistogram.Histogram
}

// record adds d, clamped to the histogram's range.
func (l *latencyHistogram) record(d time.Duration) {
	us := min(max(d.Microseconds(), 1), latencyMaxUs)
	l.mu.Lock()
	if l.h == nil {
		l.h = hdrhistogram.New(1, latencyMaxUs, 3)
	}
	_ = l.h.RecordValue(us) // in range by the clamp above
	l.mu.Unlock()
}

// latencyMaxUs is the histogram's largest value, in microseconds.
const latencyMaxUs = int64(time.Minute / time.Microsecond)

// summary returns the recorded quantiles (zero when nothing was recorded).
func (l *latencyHistogram) summary() LatencySummary {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.h == nil || l.h.TotalCount() == 0 {
		return LatencySummary{}
	}
	us := func(v int64) time.Duration { return time.Duration(v) * time.Microsecond }
	return LatencySummary{
		Count: l.h.TotalCount(),
		P50:   us(l.h.ValueAtQuantile(50)),
		P99:   us(l.h.ValueAtQuantile(99)),
		Max:   us(l.h.Max()),
	}
}
