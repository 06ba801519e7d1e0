package bench

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/fanbench/fanbench/reports"
)

// sample is one user request as the driver saw it. Times are elapsed since
// the driver began.
type sample struct {
	seq     uint64
	due     time.Duration // intended send time
	sent    time.Duration // actual send time
	done    time.Duration // response (or error) time
	status  int           // 0 when no response arrived
	errKind string        // why no response arrived
	warmup  bool
	// interrupted: the send was canceled when an interrupt's grace ran out;
	// neither a success nor a failure of the strategy.
	interrupted bool
}

// recorder is the single owner of a run's measurements. Senders hand it
// samples over a buffered channel, so nothing it keeps needs a lock and a
// slow step (encoding to the vegeta results file) never holds a sender.
// BenchmarkRecorder measured both ways on 2 cores: about 87ns per sample
// through the channel against 57ns under a mutex — 30ns dearer, against
// ~260µs for the dual send it records, and a sender never waits on disk.
type recorder struct {
	measureFrom time.Duration // start of measurement (end of warm-up)
	timeout     time.Duration

	corrected, uncorrected *hdrhistogram.Histogram
	lag                    *hdrhistogram.Histogram // driver lag (sent − due) of measured sends
	warm                   *hdrhistogram.Histogram
	warmN                  int64
	requests, ok           int64
	interrupted            int64 // sends canceled by an interrupt, not counted in requests
	status                 map[int]int64
	errs                   map[string]int64
	acked                  bitset // by seq − firstMeasured
	firstMeasured          uint64
	lastSent               time.Duration

	series *series

	// sink, when set, receives every measured send in vegeta's encoding.
	sink    vegeta.Encoder
	sinkErr error
	attack  string
	began   time.Time
	ids     idSpace
	// live is the latest snapshot for progress lines, published about once
	// a second by the recorder goroutine.
	live        atomic.Pointer[liveStats]
	lastPublish time.Duration
	// window holds the corrected latencies of the measured sends answered
	// since the last publish, for a live per-second p50/p99.
	window *hdrhistogram.Histogram
}

// liveStats is what a progress line shows while a run lasts.
type liveStats struct {
	At       time.Duration // elapsed since the driver began
	Requests int64         // measured sends answered so far
	Errors   int64         // of which not 2xx
	P99Ms    float64       // corrected p99 so far
	LagP99   time.Duration // driver lag p99 so far
	// P50WindowMs and P99WindowMs are the corrected latency of the
	// measured answers since the previous snapshot.
	P50WindowMs, P99WindowMs float64
}

func newRecorder(measureFrom, timeout time.Duration, firstMeasured uint64) *recorder {
	return &recorder{
		measureFrom:   measureFrom,
		timeout:       timeout,
		corrected:     reports.NewHistogram(),
		uncorrected:   reports.NewHistogram(),
		lag:           reports.NewHistogram(),
		warm:          reports.NewHistogram(),
		status:        make(map[int]int64),
		errs:          make(map[string]int64),
		firstMeasured: firstMeasured,
		// The first snapshot comes a full second into measurement, so its
		// per-second figures cover a second.
		lastPublish: measureFrom,
		series:      newSeries(measureFrom, timeout),
	}
}

// run records samples until in is closed.
func (r *recorder) run(in <-chan sample) {
	for s := range in {
		r.record(s)
	}
	r.series.flush()
}

func (r *recorder) record(s sample) {
	if s.interrupted {
		r.interrupted++
		return
	}
	corrected := (s.done - s.due).Microseconds()
	if s.warmup {
		r.warmN++
		reports.RecordUs(r.warm, corrected)
		return
	}
	if r.window == nil {
		r.window = hdrhistogram.New(reports.HistMinUs, reports.HistMaxUs, 2)
	}
	reports.RecordUs(r.window, corrected)
	r.requests++
	reports.RecordUs(r.corrected, corrected)
	reports.RecordUs(r.uncorrected, (s.done - s.sent).Microseconds())
	reports.RecordUs(r.lag, (s.sent - s.due).Microseconds())
	r.status[s.status]++
	if s.status == 0 {
		r.errs[s.errKind]++
	}
	good := s.status >= 200 && s.status < 300
	if good {
		r.ok++
		r.acked.set(s.seq - r.firstMeasured)
	}
	if s.sent > r.lastSent {
		r.lastSent = s.sent
	}
	r.series.record(s.due, corrected, good)
	if r.sink != nil && r.sinkErr == nil {
		res := vegeta.Result{
			Attack: r.attack, Seq: s.seq - r.firstMeasured, Code: uint16(s.status),
			Timestamp: r.began.Add(s.due), Latency: s.done - s.due,
			Error: s.errKind, Method: "POST", URL: r.ids.id(s.seq),
		}
		r.sinkErr = r.sink.Encode(&res)
	}
	if s.done-r.lastPublish >= time.Second {
		r.publish(s.done)
	}
}

func (r *recorder) publish(at time.Duration) {
	r.lastPublish = at
	r.live.Store(&liveStats{
		At: at, Requests: r.requests, Errors: r.requests - r.ok,
		P99Ms:       float64(r.corrected.ValueAtQuantile(99)) / 1000,
		LagP99:      time.Duration(r.lag.ValueAtQuantile(99)) * time.Microsecond,
		P50WindowMs: float64(r.window.ValueAtQuantile(50)) / 1000,
		P99WindowMs: float64(r.window.ValueAtQuantile(99)) / 1000,
	})
	r.window.Reset()
}

// statusCodes returns the status counts keyed as results.json wants them.
func (r *recorder) statusCodes() map[string]int64 {
	out := make(map[string]int64, len(r.status))
	for code, n := range r.status {
		out[strconv.Itoa(code)] = n
	}
	return out
}

// errKind classifies a transport error for the report.
func errKind(ctx context.Context, err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	case errors.Is(err, context.Canceled) || ctx.Err() != nil:
		return "canceled"
	case errors.Is(err, syscall.ECONNRESET):
		return "reset"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "refused"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "eof"
	case errors.Is(err, os.ErrDeadlineExceeded):
		return "timeout"
	default:
		return "other"
	}
}

// bitset is a growable set of small integers.
type bitset []uint64

func (b *bitset) set(i uint64) {
	w := i / 64
	for uint64(len(*b)) <= w {
		*b = append(*b, 0)
	}
	(*b)[w] |= 1 << (i % 64)
}

func (b bitset) has(i uint64) bool {
	w := i / 64
	return w < uint64(len(b)) && b[w]&(1<<(i%64)) != 0
}
