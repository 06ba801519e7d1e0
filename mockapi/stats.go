package mockapi

import (
	"math/bits"
	"strconv"
	"sync/atomic"
	"time"
)

// stats counts what one API answered. Every field is an atomic, so the hot
// path records without a lock; the admin stats endpoint and the Prometheus
// collector read the same counters.
type stats struct {
	byStatus [maxStatus + 1]atomic.Uint64 // index 0: connection cut, no status
	faults   [numFaultKinds]atomic.Uint64
	buckets  [latencyBuckets + 1]atomic.Uint64 // last: above the top bound
	sumNS    atomic.Int64
	count    atomic.Uint64
	inFlight atomic.Int64 // arrivals whose body is in and that are not answered yet
	reading  atomic.Int64 // arrivals whose body is still being read
	keyless  atomic.Uint64
}

// maxStatus is the highest status counted individually; higher ones count
// as 0 (HTTP uses 100-599).
const maxStatus = 599

// Latency histogram: bucket i holds answers that took at most
// latencyBase<<i (0.5ms, 1ms, ... 16.384s).
const (
	latencyBase    = 500 * time.Microsecond
	latencyBuckets = 16
)

// bucketOf returns the index of the smallest bound >= d.
func bucketOf(d time.Duration) int {
	if d <= 0 {
		return 0
	}
	i := bits.Len64(uint64((d - 1) / latencyBase))
	return min(i, latencyBuckets)
}

// bucketBound returns the upper bound of bucket i.
func bucketBound(i int) time.Duration { return latencyBase << i }

func (s *stats) record(status int, fault faultKind, took time.Duration) {
	if status < 0 || status > maxStatus {
		status = 0
	}
	s.byStatus[status].Add(1)
	if fault != faultNone {
		s.faults[fault].Add(1)
	}
	s.buckets[bucketOf(took)].Add(1)
	s.sumNS.Add(int64(took))
	s.count.Add(1)
}

func (s *stats) reset() {
	for i := range s.byStatus {
		s.byStatus[i].Store(0)
	}
	for i := range s.faults {
		s.faults[i].Store(0)
	}
	for i := range s.buckets {
		s.buckets[i].Store(0)
	}
	s.sumNS.Store(0)
	s.count.Store(0)
	s.keyless.Store(0)
}

// Stats is a snapshot of what an API answered since it started or was last
// reset. Status "0" counts arrivals whose connection was cut without a status.
type Stats struct {
	API      string            `json:"api"`
	Requests uint64            `json:"requests"`
	ByStatus map[string]uint64 `json:"by_status"`
	Faults   map[string]uint64 `json:"faults"`
	InFlight int64             `json:"in_flight"`
	Reading  int64             `json:"reading_body"` // requests still sending their body (not in flight yet)
	// Keyless counts arrivals without an Idempotency-Key (given a generated
	// id): a client's retry of one cannot be recognised as a repeat.
	Keyless uint64        `json:"keyless"`
	MeanMS  float64       `json:"mean_ms"`
	Ledger  LedgerSummary `json:"ledger"`
}

func (s *stats) snapshot() Stats {
	out := Stats{ByStatus: map[string]uint64{}, Faults: map[string]uint64{}}
	for i := range s.byStatus {
		if n := s.byStatus[i].Load(); n > 0 {
			out.ByStatus[strconv.Itoa(i)] = n
		}
	}
	for k := faultReset; k < numFaultKinds; k++ {
		if n := s.faults[k].Load(); n > 0 {
			out.Faults[k.String()] = n
		}
	}
	out.Requests = s.count.Load()
	out.InFlight = s.inFlight.Load()
	out.Reading = s.reading.Load()
	out.Keyless = s.keyless.Load()
	if out.Requests > 0 {
		out.MeanMS = float64(s.sumNS.Load()) / float64(out.Requests) / 1e6
	}
	return out
}
