package bench

import (
	"bytes"
	"flag"
	"io"
	"math"
	"net"
	"net/http"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// floorLoad is the load BenchmarkFloor and BenchmarkStrategy share: a = 5ms,
// b = 10ms, 200 sends/s for 1s after a 200ms warm-up.
const (
	floorA, floorB  = 5 * time.Millisecond, 10 * time.Millisecond
	floorRate       = 200
	floorWarmup     = 200 * time.Millisecond
	floorMeasure    = time.Second
	floorMaxInFlght = 1000
)

// BenchmarkFloor is the floor fanbench's send path is held against: a plain
// net/http program, no fanbench code, doing the same three exchanges per
// send — an open-loop client POSTs to a front, which POSTs to two servers
// concurrently (a goroutine per leg) and answers once both have — at
// BenchmarkStrategy's load, in one process. It reports the same metrics
// (cpu-us/send: process CPU from the first measured send until every send
// answered, per measured send), so `make bench` prints fanbench's and the
// floor's figures from the same run.
func BenchmarkFloor(b *testing.B) {
	var runs []runFigures
	for b.Loop() {
		r := runFloor(b, floorA, floorB, floorRate, floorWarmup, floorMeasure)
		if r.failed > 0 {
			b.Fatalf("%d floor sends failed; the benchmark wants a clean run", r.failed)
		}
		runs = append(runs, runFigures{r.p50, r.p99, r.rate, r.cpuUsPerSend})
	}
	reportRuns(b, runs)
}

type floorResult struct {
	p50, p99, rate, cpuUsPerSend float64
	failed                       int64 // sends not answered 200
}

// runFloor serves a, b and the front on loopback and offers rate sends/s;
// everything it started is closed when it returns.
func runFloor(tb testing.TB, aLat, bLat time.Duration, rate float64, warmup, measure time.Duration) floorResult {
	tb.Helper()
	var closers []func()
	defer func() {
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i]()
		}
	}()
	api := func(lat time.Duration) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			time.Sleep(lat)
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"ok":true}`)
		})
	}
	serve := func(h http.Handler) string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			tb.Fatal(err)
		}
		srv := &http.Server{Handler: h}
		done := make(chan struct{})
		go func() { defer close(done); _ = srv.Serve(ln) }()
		closers = append(closers, func() { _ = srv.Close(); <-done })
		return "http://" + ln.Addr().String()
	}
	newClient := func() *http.Client {
		tr := &http.Transport{MaxIdleConns: 2 * floorMaxInFlght, MaxIdleConnsPerHost: floorMaxInFlght}
		closers = append(closers, tr.CloseIdleConnections)
		return &http.Client{Transport: tr}
	}
	post := func(c *http.Client, url string, body []byte) int {
		resp, err := c.Post(url, "application/json", bytes.NewReader(body))
		if err != nil {
			return 0
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	urlA, urlB := serve(api(aLat)), serve(api(bLat))
	legs := newClient()
	front := serve(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var wg sync.WaitGroup
		var sa, sb int
		wg.Add(2)
		go func() { defer wg.Done(); sa = post(legs, urlA, body) }()
		go func() { defer wg.Done(); sb = post(legs, urlB, body) }()
		wg.Wait()
		if sa != http.StatusOK || sb != http.StatusOK {
			w.WriteHeader(http.StatusBadGateway)
		}
	}))
	users := newClient()

	period := time.Duration(float64(time.Second) / rate)
	nWarm, nMeasure := int(warmup/period), int(measure/period)
	lat := make([]time.Duration, nMeasure)
	var wg sync.WaitGroup
	var failed atomic.Int64
	start := time.Now()
	var cpu0 time.Duration
	for i := range nWarm + nMeasure {
		due := start.Add(time.Duration(i) * period)
		time.Sleep(time.Until(due))
		if i == nWarm {
			cpu0 = cpuTime()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			body := []byte(`{"id":"` + strconv.Itoa(i) + `"}`)
			if post(users, front, body) != http.StatusOK {
				failed.Add(1)
			}
			if i >= nWarm {
				lat[i-nWarm] = time.Since(due)
			}
		}()
	}
	wg.Wait()
	cpu := cpuTime() - cpu0
	elapsed := time.Since(start.Add(time.Duration(nWarm) * period))
	slices.Sort(lat)
	q := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))]) / float64(time.Millisecond) }
	return floorResult{
		p50: q(0.50), p99: q(0.99),
		rate:         float64(nMeasure) / max(elapsed, measure).Seconds(),
		cpuUsPerSend: float64(cpu.Microseconds()) / float64(nMeasure),
		failed:       failed.Load(),
	}
}

var heapDuration = flag.Duration("heap-duration", 8*time.Second, "BenchmarkHeapPerSend: measurement length, of which the first 4s are not sampled (the README's figure uses 2m)")

// BenchmarkHeapPerSend measures the live heap growth per send of a steady
// errgroup run at 1,000 sends/s against zero-latency mocks: at every
// progress report once the run is steady (about once a second) it reads
// the heap after a full GC, and reports the least-squares slope of heap
// bytes against sends answered (both ledgers included). In-flight state
// comes and goes; the slope is what stays.
//
// Steady means past the warm-up and past the first timeout+3s of
// measurement: until then the per-second series is still opening the
// seconds a late answer may land in (each a 136 KB histogram, reused
// once the first closes), a start-up cost of the run, not of its sends.
func BenchmarkHeapPerSend(b *testing.B) {
	var perSend float64
	runs := 0
	for b.Loop() {
		sc := fixedScenario(0, 0, 1000, *heapDuration, "errgroup")
		sc.Load.Warmup = time.Second
		sc.Load.Timeout = time.Second
		steady := sc.Load.Warmup + sc.Load.Timeout + 3*time.Second
		var xs, ys []float64
		_, err := Run(b.Context(), sc, Options{Progress: func(p Progress) {
			if p.Warmup || p.Requests == 0 || p.Elapsed < steady {
				return
			}
			runtime.GC()
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			xs, ys = append(xs, float64(p.Requests)), append(ys, float64(ms.HeapAlloc))
		}})
		if err != nil {
			b.Fatal(err)
		}
		if len(xs) < 3 {
			b.Fatalf("%d progress reports after the warm-up; want at least 3 (raise -heap-duration)", len(xs))
		}
		perSend += slope(xs, ys)
		runs++
	}
	b.ReportMetric(perSend/float64(runs), "B/send")
}

// slope is the least-squares slope of ys against xs.
func slope(xs, ys []float64) float64 {
	var mx, my float64
	for i := range xs {
		mx, my = mx+xs[i], my+ys[i]
	}
	n := float64(len(xs))
	mx, my = mx/n, my/n
	var sxy, sxx float64
	for i := range xs {
		sxy += (xs[i] - mx) * (ys[i] - my)
		sxx += (xs[i] - mx) * (xs[i] - mx)
	}
	if sxx == 0 {
		return 0
	}
	return sxy / sxx
}

func TestSlope(t *testing.T) {
	if got := slope([]float64{0, 1, 2, 3}, []float64{10, 12, 14, 16}); got != 2 {
		t.Errorf("slope = %v; want 2", got)
	}
}

var (
	floorKnee       = flag.Bool("floor-knee", false, "TestFloorKnee: sweep the floor program for its knee (about a minute)")
	floorKneeFrom   = flag.Float64("floor-from", 250, "TestFloorKnee: first rate (sweep's --from)")
	floorKneeFactor = flag.Float64("floor-factor", 2, "TestFloorKnee: rate factor between steps (sweep's --factor)")
	floorKneeTo     = flag.Float64("floor-to", 8000, "TestFloorKnee: highest rate (sweep's --to)")
)

// TestFloorKnee finds the floor program's knee under sweep's rule (achieved
// ≥ 99% of offered, every send answered, p99 ≤ 10ms — the zero-latency
// scenario's limit — stepping ×-floor-factor from -floor-from up to
// -floor-to until two steps after the first bad one, then two bisections,
// each step 1s of warm-up and 3s measured), so errgroup's knee from
// `fanbench sweep --from F --factor X --to T --step-duration 3s
// --p99-max 10ms` can be set against it. Run with
// `go test -run TestFloorKnee -v ./bench/ -floor-knee`.
func TestFloorKnee(t *testing.T) {
	if !*floorKnee {
		t.Skip("-floor-knee not set")
	}
	const step = 3 * time.Second
	good := func(rate float64) bool {
		r := runFloor(t, 0, 0, rate, time.Second, step)
		ok := r.rate >= 0.99*rate && r.p99 <= 10 && r.failed == 0
		t.Logf("floor %.0f/s: achieved %.0f/s, p50 %.1fms, p99 %.1fms, %d failed, %.0f cpu-us/send, good %v", rate, r.rate, r.p50, r.p99, r.failed, r.cpuUsPerSend, ok)
		return ok
	}
	last, bad, extra := 0.0, 0.0, 0
	for r := *floorKneeFrom; r <= *floorKneeTo && extra < 3; r *= *floorKneeFactor {
		if bad > 0 {
			extra++
			good(r)
			continue
		}
		if good(r) {
			last = r
		} else {
			bad, extra = r, 1
		}
	}
	if last == 0 || bad == 0 {
		t.Fatalf("no knee: last good %v, first bad %v", last, bad)
	}
	for range 2 {
		mid := math.Round((last+bad)/2*1000) / 1000
		if good(mid) {
			last = mid
		} else {
			bad = mid
		}
	}
	t.Logf("knee: floor %.0f sends/s", last)
}

// BenchmarkFloorRatio measures errgroup's CPU per send against the floor's
// in pairs: each op runs errgroup (the whole engine: driver, front, legs,
// mocks with their ledgers, recorder, harness monitor) and the floor
// program at the same load, one right after the other (alternating which
// goes first), and keeps their ratio. Pairing cancels the machine's drift
// between runs, which moves either figure by ±10% here; the reported
// x-floor is the median of the pairs' ratios. Two loads: BenchmarkStrategy's
// (a = 5ms, b = 10ms, 200/s) and zero-latency APIs at 1,000/s, where the
// runtime's idle work weighs less per send.
func BenchmarkFloorRatio(b *testing.B) {
	loads := []struct {
		name string
		aLat time.Duration
		bLat time.Duration
		rate float64
	}{
		{"200/s", floorA, floorB, floorRate},
		{"1000/s zero latency", 0, 0, 1000},
	}
	for _, l := range loads {
		b.Run(l.name, func(b *testing.B) {
			sc := fixedScenario(l.aLat, l.bLat, l.rate, floorMeasure, "errgroup")
			sc.Load.Warmup = floorWarmup
			var ratios, eg, fl []float64
			i := 0
			for b.Loop() {
				var e, f float64
				runE := func() {
					res, err := Run(b.Context(), sc, Options{})
					if err != nil {
						b.Fatal(err)
					}
					s := res.Strategies[0]
					if s.Outcomes.Both != s.Requests {
						b.Fatalf("errgroup: %+v of %d sends delivered; the benchmark wants a clean run", s.Outcomes, s.Requests)
					}
					e = s.CPUUsPerSend
				}
				runF := func() {
					r := runFloor(b, l.aLat, l.bLat, l.rate, floorWarmup, floorMeasure)
					if r.failed > 0 {
						b.Fatalf("%d floor sends failed; the benchmark wants a clean run", r.failed)
					}
					f = r.cpuUsPerSend
				}
				if i%2 == 0 {
					runE()
					runF()
				} else {
					runF()
					runE()
				}
				i++
				if f > 0 {
					ratios, eg, fl = append(ratios, e/f), append(eg, e), append(fl, f)
				}
			}
			if len(ratios) == 0 {
				return
			}
			b.ReportMetric(medianOf(ratios), "x-floor")
			b.ReportMetric(medianOf(eg), "errgroup-cpu-us/send")
			b.ReportMetric(medianOf(fl), "floor-cpu-us/send")
		})
	}
}

// medianOf returns the median of v (v is reordered).
func medianOf(v []float64) float64 {
	slices.Sort(v)
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}
