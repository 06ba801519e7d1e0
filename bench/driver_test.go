package bench

import (
	"context"
	"math"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/fanbench/fanbench/reports"
	"github.com/fanbench/fanbench/scenarios"
)

func TestDueTime(t *testing.T) {
	tests := []struct {
		name  string
		pacer vegeta.Pacer
		n     uint64
		want  time.Duration
	}{
		{"constant first hit", vegeta.ConstantPacer{Freq: 100, Per: time.Second}, 0, 10 * time.Millisecond},
		{"constant 200th hit", vegeta.ConstantPacer{Freq: 100, Per: time.Second}, 199, 2 * time.Second},
		{"constant fractional", vegeta.ConstantPacer{Freq: 1, Per: 2 * time.Second}, 2, 6 * time.Second},
		// LinearPacer sends hit 0 at once, then hit n when 5t²+10t reaches n+1.
		{"linear hit 0", vegeta.LinearPacer{StartAt: vegeta.Rate{Freq: 10, Per: time.Second}, Slope: 10}, 0, 0},
		{"linear hit 1", vegeta.LinearPacer{StartAt: vegeta.Rate{Freq: 10, Per: time.Second}, Slope: 10}, 1,
			time.Duration((-10 + math.Sqrt(100+40)) / 10 * 1e9)},
		{"steps second stage", stepsPacer{{Rate: 10, For: time.Second}, {Rate: 100, For: time.Second}}, 14, 1050 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := schedule{p: tt.pacer}
			var got time.Duration
			for i := uint64(0); i <= tt.n; i++ {
				d, ok := s.next(time.Hour)
				if !ok {
					t.Fatalf("schedule stopped at hit %d", i)
				}
				got = d
			}
			if diff := got - tt.want; diff < -2*dueResolution || diff > 2*dueResolution {
				t.Errorf("due(%d) = %v; want %v", tt.n, got, tt.want)
			}
		})
	}
}

func TestScheduleMonotoneAndBounded(t *testing.T) {
	pacers := map[string]vegeta.Pacer{
		"constant": vegeta.ConstantPacer{Freq: 300, Per: time.Second},
		"linear":   vegeta.LinearPacer{StartAt: vegeta.Rate{Freq: 50, Per: time.Second}, Slope: 20},
		"sine": vegeta.SinePacer{Period: 2 * time.Second, Mean: vegeta.Rate{Freq: 100, Per: time.Second},
			Amp: vegeta.Rate{Freq: 50, Per: time.Second}},
	}
	for name, p := range pacers {
		t.Run(name, func(t *testing.T) {
			s := schedule{p: p}
			var last time.Duration
			n := 0
			for {
				d, ok := s.next(3 * time.Second)
				if !ok {
					break
				}
				if d < last {
					t.Fatalf("hit %d due %v before hit %d at %v", n, d, n-1, last)
				}
				last, n = d, n+1
			}
			// The count must match the rate integrated over 3s (within a hit or two).
			var want float64
			for ms := 0; ms < 3000; ms++ {
				want += p.Rate(time.Duration(ms)*time.Millisecond) / 1000
			}
			if math.Abs(float64(n)-want) > 2 {
				t.Errorf("%d hits in 3s; want about %.1f", n, want)
			}
		})
	}
}

// fakeDoer answers after lat, except that requests arriving while the front
// is stalled wait until the stall ends.
func fakeDoer(start time.Time, lat time.Duration, stallFrom, stallTo time.Duration) Doer {
	return func(ctx context.Context, id string, body []byte) (int, error) {
		now := time.Since(start)
		if now >= stallFrom && now < stallTo {
			time.Sleep(stallTo - now)
		}
		time.Sleep(lat)
		return 200, nil
	}
}

func TestDriverOnSchedule(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := driverConfig{
			pacer:       vegeta.ConstantPacer{Freq: 100, Per: time.Second},
			warmup:      time.Second,
			duration:    2 * time.Second,
			maxInFlight: 100,
			timeout:     time.Second,
			ids:         newIDSpace(1),
			do:          fakeDoer(time.Now(), 20*time.Millisecond, 0, 0),
		}
		d := newDriver(cfg).run(t.Context())
		if got, want := d.rec.requests, int64(200); got != want {
			t.Errorf("requests = %d; want %d (100/s for 2s)", got, want)
		}
		if got, want := d.rec.warmN, int64(100); got != want {
			t.Errorf("warm-up requests = %d; want %d", got, want)
		}
		p := reports.PercentilesOf(d.rec.corrected)
		if p.P50 < 19.9 || p.P50 > 20.1 || p.Max > 20.1 {
			t.Errorf("corrected p50 = %v, max = %v; want 20ms (fake clock)", p.P50, p.Max)
		}
		if d.capHits != 0 || d.maxLag != 0 {
			t.Errorf("capHits = %d, maxLag = %v; want 0, 0", d.capHits, d.maxLag)
		}
		if d.rec.ok != 200 {
			t.Errorf("ok = %d; want 200", d.rec.ok)
		}
		for seq := d.firstMeasured; seq < d.sent; seq++ {
			if !d.rec.acked.has(seq - d.firstMeasured) {
				t.Fatalf("send %d not recorded as acknowledged", seq)
			}
		}
	})
}

// The driver's Live snapshot moves while the load runs: it is what the
// progress line reads, from another goroutine.
func TestDriverLive(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		drv := newDriver(driverConfig{
			pacer:       vegeta.ConstantPacer{Freq: 100, Per: time.Second},
			duration:    3 * time.Second,
			maxInFlight: 100,
			timeout:     time.Second,
			ids:         newIDSpace(1),
			do:          fakeDoer(time.Now(), 10*time.Millisecond, 0, 0),
		})
		if ls := drv.Live(); ls != nil {
			t.Fatalf("Live before the load: %+v; want nil", ls)
		}
		done := make(chan *drive)
		go func() { done <- drv.run(t.Context()) }()
		time.Sleep(2500 * time.Millisecond) // fake clock: mid-run
		synctest.Wait()
		ls := drv.Live()
		if ls == nil || ls.Requests < 100 || ls.Requests > 250 || ls.Errors != 0 || ls.P99Ms < 9.9 || ls.P99Ms > 10.1 {
			t.Errorf("Live at 2.5s: %+v; want 100-250 requests answered, no errors, p99 10ms", ls)
		}
		d := <-done
		if d.rec.requests != 300 {
			t.Errorf("requests = %d; want 300", d.rec.requests)
		}
	})
}

// A front that stalls for a second while the in-flight cap is small: the
// driver cannot send during the stall. Latency from the intended send time
// shows the stall; latency from the actual send time hides most of it.
func TestDriverCorrectsCoordinatedOmission(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		cfg := driverConfig{
			pacer:       vegeta.ConstantPacer{Freq: 100, Per: time.Second},
			duration:    3 * time.Second,
			maxInFlight: 5,
			timeout:     5 * time.Second,
			ids:         newIDSpace(1),
			do:          fakeDoer(start, time.Millisecond, time.Second, 2*time.Second),
		}
		d := newDriver(cfg).run(t.Context())
		if d.rec.requests != 300 {
			t.Errorf("requests = %d; want 300", d.rec.requests)
		}
		corr := reports.PercentilesOf(d.rec.corrected)
		unc := reports.PercentilesOf(d.rec.uncorrected)
		if corr.P90 < 500 {
			t.Errorf("corrected p90 = %vms; want ≥ 500ms: the stall must show", corr.P90)
		}
		if unc.P90 > 5 {
			t.Errorf("uncorrected p90 = %vms; want ≤ 5ms (what a closed-loop tool would report)", unc.P90)
		}
		if d.capHits == 0 || d.maxLag < 900*time.Millisecond {
			t.Errorf("capHits = %d, maxLag = %v; want the driver to report it fell behind", d.capHits, d.maxLag)
		}
	})
}

func TestDriverStopsOnCancel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		var calls atomic.Int64
		cfg := driverConfig{
			pacer:       vegeta.ConstantPacer{Freq: 100, Per: time.Second},
			duration:    10 * time.Second,
			maxInFlight: 100,
			timeout:     time.Second,
			ids:         newIDSpace(1),
			do: func(ctx context.Context, id string, body []byte) (int, error) {
				calls.Add(1)
				time.Sleep(50 * time.Millisecond)
				return 200, nil
			},
		}
		time.AfterFunc(time.Second, cancel)
		d := newDriver(cfg).run(ctx)
		if !d.interrupted {
			t.Error("interrupted = false; want true")
		}
		// Sends in flight at the interrupt finish and are counted.
		if d.rec.requests != int64(d.sent) || calls.Load() != int64(d.sent) || d.sent < 99 || d.sent > 101 {
			t.Errorf("sent %d, recorded %d, calls %d; want about 100, all recorded", d.sent, d.rec.requests, calls.Load())
		}
	})
}

func TestIDSpace(t *testing.T) {
	s := newIDSpace(42)
	if got := s.id(1); len(got) != 16 || got == s.id(2) || got != newIDSpace(42).id(1) {
		t.Errorf("id(1) = %q; want 16 hex digits, distinct per seq, same for the same seed", got)
	}
	if newIDSpace(1).id(1) == newIDSpace(2).id(1) {
		t.Error("seeds 1 and 2 give the same ids")
	}
}

func TestSeriesSeconds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := driverConfig{
			pacer: vegeta.ConstantPacer{Freq: 100, Per: time.Second}, warmup: time.Second, duration: 3 * time.Second,
			maxInFlight: 10, timeout: time.Second, ids: newIDSpace(1), do: fakeDoer(time.Now(), time.Millisecond, 0, 0),
		}
		d := newDriver(cfg).run(t.Context())
		pts := d.rec.series.points
		if len(pts) != 3 {
			t.Fatalf("%d series points; want 3 (one per second of a 3s measurement): %+v", len(pts), pts)
		}
		for i, p := range pts {
			if p.T != float64(i) || p.Sent != 100 || p.OK != 100 {
				t.Errorf("point %d = %+v; want t=%d with 100 sent, 100 ok", i, p, i)
			}
		}
	})
}

func TestPacerFor(t *testing.T) {
	ok := []scenarios.Load{
		{Profile: scenarios.ProfileConstant, Rate: 0.5, Duration: 10 * time.Second},
		{Profile: scenarios.ProfileLinear, Rate: 1, Slope: 10, Duration: 10 * time.Second},
		{Profile: scenarios.ProfileSine, Rate: 100, Amp: 0, Period: time.Second, Duration: 10 * time.Second},
		{Profile: scenarios.ProfileSteps, Steps: []scenarios.Step{{Rate: 10, For: time.Second}}},
	}
	for _, l := range ok {
		p, err := pacerFor(l)
		if err != nil {
			t.Errorf("pacerFor(%+v): %v", l, err)
			continue
		}
		s := schedule{p: p}
		if _, ok := s.next(10 * time.Second); !ok {
			t.Errorf("pacerFor(%+v) schedules nothing", l)
		}
	}
	bad := []scenarios.Load{
		{Rate: math.Inf(1)}, {Rate: math.NaN()}, {Rate: 3e9}, {Rate: 0},
		{Profile: scenarios.ProfileLinear, Rate: 0, Slope: 5},
		{Profile: scenarios.ProfileSine, Rate: 10, Amp: 10, Period: time.Second},
		{Profile: scenarios.ProfileSteps, Steps: []scenarios.Step{{Rate: math.Inf(1), For: time.Second}}},
		{Profile: scenarios.ProfileSteps, Steps: []scenarios.Step{{Rate: math.NaN(), For: time.Second}}},
		{Profile: scenarios.ProfileLinear, Rate: 1, Slope: math.NaN(), Duration: time.Second},
		{Profile: scenarios.ProfileSine, Rate: 10, Amp: math.NaN(), Period: time.Second, Duration: time.Second},
		// A period longer than the run sends nothing (issue 12, item 10).
		{Rate: 1e-11, Duration: time.Minute},
	}
	for _, l := range bad {
		if _, err := pacerFor(l); err == nil {
			t.Errorf("pacerFor(%+v) accepted a load vegeta cannot pace", l)
		}
	}
}

// A warm-up before steps runs at the first step's rate, so every step is
// measured: the measurement window (warm-up, warm-up + sum of steps] holds
// exactly the steps' sends.
func TestStepsAfterWarmup(t *testing.T) {
	l := scenarios.Load{Profile: scenarios.ProfileSteps, Warmup: time.Second,
		Steps: []scenarios.Step{{Rate: 50, For: 2 * time.Second}, {Rate: 100, For: 2 * time.Second}}}
	p, err := pacerFor(l)
	if err != nil {
		t.Fatal(err)
	}
	if got := scheduledIn(p, time.Second, 5*time.Second); got != 300 {
		t.Errorf("%d sends in the measurement window; want 300 (50/s for 2s, then 100/s for 2s)", got)
	}
	if got := firstAfter(p, time.Second); got != 50 {
		t.Errorf("warm-up sends = %d; want 50 (1s at the first step's 50/s)", got)
	}
}

// zenoPacer's waits only ever cover an eighth of the way to each hit's due time
// (hit n at n+1 seconds): a walk that trusted the wait would never arrive.
type zenoPacer struct{}

func (zenoPacer) Pace(elapsed time.Duration, hits uint64) (time.Duration, bool) {
	due := time.Duration(hits+1) * time.Second
	if elapsed >= due {
		return 0, false
	}
	return max((due-elapsed)/8, time.Nanosecond), false
}

func (zenoPacer) Rate(time.Duration) float64 { return 1 }

func TestScheduleReachesCreepingPacer(t *testing.T) {
	s := schedule{p: zenoPacer{}}
	for n := range 5 {
		due, ok := s.next(time.Hour)
		if want := time.Duration(n+1) * time.Second; !ok || due < want || due > want+dueResolution {
			t.Fatalf("hit %d: due %v, %v; want %v (within %v), true", n, due, ok, want, dueResolution)
		}
	}
}
