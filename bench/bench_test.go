package bench

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fanbench/fanbench/strategies"
)

// BenchmarkSend measures one dual send per op, user → front → strategy →
// both mock APIs, against zero-latency in-process mocks: the cost of the
// machinery itself. Compare runs with benchstat.
func BenchmarkSend(b *testing.B) {
	for _, name := range []string{strategies.NameSequential, strategies.NameErrgroup} {
		b.Run(name, func(b *testing.B) {
			sc := fixedScenario(0, 0, 100, time.Second, name)
			r, err := setUp(b.Context(), sc, sc.Strategies[0], Options{})
			if err != nil {
				b.Fatal(err)
			}
			defer r.close()
			client := strategies.NewClient(64)
			defer client.CloseIdleConnections()
			do := HTTPDoer(client, r.url)
			ids := newIDSpace(1)
			b.ReportAllocs()
			start := time.Now()
			var seq uint64
			for b.Loop() {
				id := ids.id(seq)
				status, err := do(context.Background(), id, ids.body(id, seq))
				if err != nil || status != http.StatusOK {
					b.Fatalf("send %d: status %d, err %v", seq, status, err)
				}
				seq++
			}
			b.ReportMetric(float64(seq)/time.Since(start).Seconds(), "sends/s")
		})
	}
}

// BenchmarkRecorder compares the two ways of recording samples without a
// lock in every sender: one recorder goroutine fed by a channel (what the
// driver does) against a mutex-guarded histogram shared by the senders.
func BenchmarkRecorder(b *testing.B) {
	b.Run("channel", func(b *testing.B) {
		rec := newRecorder(0, time.Second, 0)
		ch := make(chan sample, 4096)
		done := make(chan struct{})
		go func() { defer close(done); rec.run(ch) }()
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			var i uint64
			for pb.Next() {
				i++
				ch <- sample{seq: i, due: time.Duration(i) * time.Microsecond, sent: time.Duration(i) * time.Microsecond,
					done: time.Duration(i)*time.Microsecond + 20*time.Millisecond, status: 200}
			}
		})
		close(ch)
		<-done
	})
	b.Run("mutex", func(b *testing.B) {
		var mu sync.Mutex
		var seq atomic.Uint64
		rec := newRecorder(0, time.Second, 0)
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				i := seq.Add(1)
				s := sample{seq: i, due: time.Duration(i) * time.Microsecond, sent: time.Duration(i) * time.Microsecond,
					done: time.Duration(i)*time.Microsecond + 20*time.Millisecond, status: 200}
				mu.Lock()
				rec.record(s)
				mu.Unlock()
			}
		})
	})
}

// BenchmarkStrategy runs each strategy end to end (driver, front, mocks,
// drain, reconcile) on a short fixed scenario — a = 5ms, b = 10ms, 200/s
// for 1s — and reports what the run measured: user latency p50/p99 (ms,
// corrected), achieved sends/s and the process CPU per send. Each op is one
// whole run; compare with benchstat (make bench).
func BenchmarkStrategy(b *testing.B) {
	for _, name := range strategies.Names() {
		b.Run(name, func(b *testing.B) {
			sc := fixedScenario(5*time.Millisecond, 10*time.Millisecond, 200, time.Second, name)
			sc.Load.Warmup = 200 * time.Millisecond
			var runs []runFigures
			for b.Loop() {
				res, err := Run(b.Context(), sc, Options{})
				if err != nil {
					b.Fatal(err)
				}
				s := res.Strategies[0]
				if s.Outcomes.Both != s.Requests {
					b.Fatalf("%s: %+v of %d sends delivered; the benchmark wants a clean run", name, s.Outcomes, s.Requests)
				}
				runs = append(runs, runFigures{s.LatencyMs.Corrected.P50, s.LatencyMs.Corrected.P99, s.RateAchieved, s.CPUUsPerSend})
			}
			reportRuns(b, runs)
		})
	}
}

// runFigures are what one whole run of BenchmarkStrategy or BenchmarkFloor
// measured.
type runFigures struct{ p50, p99, rate, cpuUsPerSend float64 }

// reportRuns reports the median of each figure over the benchmark's runs
// (percentiles are never averaged), with the metric names benchstat reads.
func reportRuns(b *testing.B, runs []runFigures) {
	b.Helper()
	if len(runs) == 0 {
		return
	}
	median := func(get func(runFigures) float64) float64 {
		v := make([]float64, len(runs))
		for i, r := range runs {
			v[i] = get(r)
		}
		return medianOf(v)
	}
	b.ReportMetric(median(func(r runFigures) float64 { return r.p50 }), "p50-ms")
	b.ReportMetric(median(func(r runFigures) float64 { return r.p99 }), "p99-ms")
	b.ReportMetric(median(func(r runFigures) float64 { return r.rate }), "sends/s")
	b.ReportMetric(median(func(r runFigures) float64 { return r.cpuUsPerSend }), "cpu-us/send")
}
