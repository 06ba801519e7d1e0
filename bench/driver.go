package bench

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strconv"
	"sync"
	"syscall"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// Doer sends one user request carrying message id and body, and returns the
// HTTP status, or 0 and the error when no response arrived.
type Doer func(ctx context.Context, id string, body []byte) (int, error)

// HTTPDoer returns a Doer that POSTs to target with the id as Idempotency-Key.
func HTTPDoer(client *http.Client, target string) Doer {
	return func(ctx context.Context, id string, body []byte) (int, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
		if err != nil {
			return 0, err
		}
		req.Header.Set("Idempotency-Key", id)
		req.Header.Set("Content-Type", "application/json")
		// net/http would resend a request with Idempotency-Key on a stale
		// keep-alive connection by itself; the user's request goes once.
		req.GetBody = nil
		resp, err := client.Do(req)
		if err != nil {
			return 0, err
		}
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil {
			// The status arrived; a body cut short is still an answer the user saw fail.
			return 0, err
		}
		return resp.StatusCode, nil
	}
}

// driverConfig configures one open-loop load.
type driverConfig struct {
	pacer vegeta.Pacer
	// grace is how long sends in flight may still finish once ctx ends
	// (an interrupt) before they are canceled and counted as interrupted;
	// 0 means DefaultInterruptGrace.
	grace       time.Duration
	warmup      time.Duration // sends intended before this are warm-up
	duration    time.Duration // measurement after the warm-up
	maxInFlight int
	timeout     time.Duration // per user request
	ids         idSpace
	do          Doer
	// onStart, when set, is called with the time the schedule starts.
	onStart func(began time.Time)
	// sink, when set, receives every measured send in vegeta's encoding,
	// tagged with attack.
	sink   vegeta.Encoder
	attack string
	// part, when set, is the share of the schedule this driver sends (a
	// worker of a distributed run); the others' sends are walked, not sent.
	part Part
	// start, when set, is the schedule's time zero (a distributed run's
	// agreed instant) instead of the moment run is called.
	start time.Time
}

// driver runs one open-loop load. It owns the recorder its sends report
// to; Live lets a caller watch the load while run lasts.
type driver struct {
	cfg           driverConfig
	firstMeasured uint64 // first seq of the measurement window
	rec           *recorder
}

// newDriver returns a driver for the load c describes.
func newDriver(c driverConfig) *driver {
	first := firstAfter(c.pacer, c.warmup)
	rec := newRecorder(c.warmup, c.timeout, first)
	rec.sink, rec.attack, rec.ids = c.sink, c.attack, c.ids
	return &driver{cfg: c, firstMeasured: first, rec: rec}
}

// Live returns the latest snapshot of the measurement, published about once
// a second while run lasts; nil before the first. Safe to call from any
// goroutine.
func (dr *driver) Live() *liveStats { return dr.rec.live.Load() }

// drive is the outcome of one load: the recorder plus what the driver itself saw.
type drive struct {
	rec           *recorder
	began         time.Time
	sent          uint64 // sends launched, warm-up included (seqs 0..sent-1)
	firstMeasured uint64 // first seq of the measurement window
	capHits       int64
	peakInFlight  int64
	maxLag        time.Duration
	interrupted   bool
	// include, when set, says which seqs below sent this drive launched
	// (a distributed run reconciles only its live workers' sends).
	include func(seq uint64) bool
	// cpuStart is the process CPU time when measurement began (the first
	// measured send), -1 if it never did; the engine reads the clock again
	// after the drain, so that deliveries made in the background count.
	cpuStart time.Duration
}

// run offers the load until the schedule ends or ctx is done, then waits for
// the requests in flight (each bounded by the timeout). Sends keep their own
// context so that stopping early lets them finish and be counted.
// Call it once.
func (dr *driver) run(ctx context.Context) *drive {
	c := dr.cfg
	total := c.warmup + c.duration
	d := &drive{rec: dr.rec, firstMeasured: dr.firstMeasured}
	samples := make(chan sample, 4096)
	recDone := make(chan struct{})
	go func() { defer close(recDone); d.rec.run(samples) }()

	sendCtx, stopGrace := graceContext(ctx, c.grace)
	defer stopGrace()
	sem := make(chan struct{}, c.maxInFlight)
	var wg sync.WaitGroup
	sched := schedule{p: c.pacer}
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	d.began = time.Now()
	if !c.start.IsZero() {
		d.began = c.start
	}
	d.rec.began = d.began
	if c.onStart != nil {
		c.onStart(d.began)
	}
	d.cpuStart = -1

loop:
	for {
		due, ok := sched.next(total)
		if !ok {
			break
		}
		if !c.part.Has(sched.n - 1) {
			d.sent = sched.n // another worker's send: walked, not sent
			continue
		}
		if wait := due - time.Since(d.began); wait > 0 {
			timer.Reset(wait)
			select {
			case <-timer.C:
			case <-ctx.Done():
				timer.Stop()
				d.interrupted = true
				break loop
			}
		} else if ctx.Err() != nil {
			d.interrupted = true
			break
		}
		select {
		case sem <- struct{}{}:
		default:
			d.capHits++
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				d.interrupted = true
				break loop
			}
		}
		if n := int64(len(sem)); n > d.peakInFlight {
			d.peakInFlight = n
		}
		seq := d.sent
		d.sent++
		warm := seq < d.firstMeasured
		if !warm && d.cpuStart < 0 {
			d.cpuStart = cpuTime()
		}
		sent := time.Since(d.began)
		if lag := sent - due; lag > d.maxLag && !warm {
			d.maxLag = lag
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			id := c.ids.id(seq)
			rctx, cancel := context.WithTimeout(sendCtx, c.timeout)
			status, err := c.do(rctx, id, c.ids.body(id, seq))
			s := sample{seq: seq, due: due, sent: sent, done: time.Since(d.began), status: status, warmup: warm}
			if err != nil {
				s.status, s.errKind = 0, errKind(rctx, err)
				s.interrupted = sendCtx.Err() != nil // cut by an interrupt's end of grace: not recorded
			}
			cancel()
			samples <- s
		}()
	}
	wg.Wait()
	close(samples)
	<-recDone
	return d
}

// firstAfter returns the first hit intended after t (0 when t is 0): the
// warm-up is every hit intended up to t.
func firstAfter(p vegeta.Pacer, t time.Duration) uint64 {
	if t <= 0 {
		return 0
	}
	s := schedule{p: p}
	for {
		if _, ok := s.next(t); !ok {
			return s.n
		}
	}
}

// cpuTime is the process's user+system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// idSpace names the sends of a run. Ids are 16 hex digits: a salt derived
// from the seed in the high 32 bits and the send's sequence number in the
// low ones, so a seed gives the same ids to every strategy (and the mock
// APIs, which draw each id's fate from it, treat them alike).
type idSpace struct{ salt uint32 }

func newIDSpace(seed int64) idSpace {
	x := uint64(seed) + 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return idSpace{salt: uint32(x ^ (x >> 31))}
}

func (s idSpace) id(seq uint64) string {
	v := uint64(s.salt)<<32 | seq&0xffffffff
	var b [16]byte
	const hex = "0123456789abcdef"
	for i := 15; i >= 0; i-- {
		b[i] = hex[v&0xf]
		v >>= 4
	}
	return string(b[:])
}

// body is the user request's payload: small JSON naming the send.
func (s idSpace) body(id string, seq uint64) []byte {
	b := make([]byte, 0, 48)
	b = append(b, `{"id":"`...)
	b = append(b, id...)
	b = append(b, `","seq":`...)
	b = strconv.AppendUint(b, seq, 10)
	return append(b, '}')
}
