package bench

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fanbench/fanbench/mockapi"
	"github.com/fanbench/fanbench/strategies"
)

// A caller who sets some thresholds keeps the defaults of the others.
func TestThresholdsDefaultPerField(t *testing.T) {
	got := Thresholds{DriverLagP99: time.Second}.withDefaults()
	want := DefaultThresholds()
	want.DriverLagP99 = time.Second
	if got != want {
		t.Errorf("withDefaults = %+v; want %+v", got, want)
	}
	if (Thresholds{}).withDefaults() != DefaultThresholds() {
		t.Error("the zero Thresholds do not take every default")
	}
}

func TestVerdict(t *testing.T) {
	th := DefaultThresholds()
	quiet := health{
		cores: 2, cpuUtilization: 0.18, lagP99: 300 * time.Microsecond, latenessP99: 400 * time.Microsecond,
		schedP99: 200 * time.Microsecond, fdsPeak: 160, fdsLimit: 20000,
		rateRequested: 1000, rateAchieved: 999.8, requestsMeasure: 10000,
		cpuWait: 0.66, cpuWaitKnown: true,
	}
	with := func(f func(*health)) health { h := quiet; f(&h); return h }
	for _, tc := range []struct {
		name    string
		in      health
		reasons []string
		behind  bool
	}{
		{"quiet", quiet, nil, false},
		{"at every threshold", with(func(h *health) {
			h.lagP99, h.latenessP99, h.schedP99 = th.DriverLagP99, th.MockLatenessP99, th.SchedLatencyP99
			h.cpuUtilization, h.fdsPeak = th.CPU, 18000
			h.rateAchieved = 990
			h.cpuWait = th.CPUWait
		}), nil, false},
		{"driver lag", with(func(h *health) { h.lagP99 = 14200 * time.Microsecond }),
			[]string{"driver lag p99 14.2ms > 5.0ms"}, true},
		{"mock timers late", with(func(h *health) { h.latenessP99 = 9 * time.Millisecond }),
			[]string{"mock timers fired 9.0ms late at p99 (> 5.0ms)"}, false},
		{"scheduler", with(func(h *health) { h.schedP99 = 7 * time.Millisecond }),
			[]string{"Go scheduler latency p99 7.0ms > 5.0ms"}, false},
		{"CPU hog", with(func(h *health) { h.cpuUtilization = 0.97 }),
			[]string{"CPU 97% of 2 cores (> 90%)"}, false},
		{"CPU held by other processes", with(func(h *health) { h.cpuWait = 1.62 }),
			[]string{"waited for a CPU 1.6× as long as it ran (> 1.0×): other processes hold the cores"}, false},
		{"CPU wait not measured", with(func(h *health) { h.cpuWait, h.cpuWaitKnown = 5, false }), nil, false},
		{"cap hits", with(func(h *health) { h.capHits = 312 }),
			[]string{"in-flight cap hit 312 times"}, true},
		{"descriptor budget", with(func(h *health) { h.capHits, h.fdWaits = 4100, 4100 }),
			[]string{"file descriptor budget reached: the driver waited 4,100 times"}, true},
		{"descriptors near the limit", with(func(h *health) { h.fdsPeak = 19870 }),
			[]string{"file descriptors 19,870 of 20,000"}, false},
		{"rate behind", with(func(h *health) { h.rateAchieved = 3812; h.rateRequested = 5000 }),
			[]string{"achieved 3,812 sends/s of 5,000 requested"}, true},
		{"interrupted runs say nothing by their rate", with(func(h *health) { h.rateAchieved, h.interrupted = 10, true }), nil, false},
		{"nothing measured", with(func(h *health) { h.rateAchieved, h.requestsMeasure = 0, 0 }), nil, false},
		{"8000/s collapse", with(func(h *health) {
			h.cpuUtilization, h.lagP99, h.latenessP99 = 0.99, 640*time.Millisecond, 30*time.Millisecond
			h.capHits, h.fdWaits, h.fdsPeak = 20000, 20000, 18990
			h.rateRequested, h.rateAchieved = 8000, 4100
		}), []string{
			"driver lag p99 640.0ms > 5.0ms",
			"mock timers fired 30.0ms late at p99 (> 5.0ms)",
			"CPU 99% of 2 cores (> 90%)",
			"file descriptor budget reached: the driver waited 20,000 times",
			"file descriptors 18,990 of 20,000",
			"achieved 4,100 sends/s of 8,000 requested",
		}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sat, reasons := verdict(tc.in, th)
			if sat != (len(tc.reasons) > 0) || !slices.Equal(reasons, tc.reasons) {
				t.Errorf("verdict(%+v) = %v, %q; want %v, %q", tc.in, sat, reasons, len(tc.reasons) > 0, tc.reasons)
			}
			if got := driverBehind(tc.in, th); got != tc.behind {
				t.Errorf("driverBehind = %v; want %v", got, tc.behind)
			}
		})
	}
}

func TestInFlightBudget(t *testing.T) {
	for _, tc := range []struct {
		perSend int
		max     int
		limit   int64
		want    int
		byFDs   bool
	}{
		{descriptorsPerSend(false), 10000, 20000, 2571, true}, // (20000−2000)/7
		{descriptorsPerSend(false), 1000, 20000, 1000, false},
		{descriptorsPerSend(true), 10000, 20000, 4500, true}, // (20000−2000)/4: the load leaves the process
		{driverOnlyDescriptors, 10000, 20000, 9000, true},    // (20000−2000)/2: a distributed worker
		{descriptorsPerSend(false), 10000, 256, 32, true},    // (256−32)/7
		{descriptorsPerSend(false), 10000, 1 << 20, 10000, false},
		{descriptorsPerSend(false), 10000, 0, 10000, false}, // unknown limit
		{descriptorsPerSend(false), 10000, 10, 1, true},     // never 0
	} {
		got, byFDs := inFlightBudget(tc.perSend, tc.max, tc.limit)
		if got != tc.want || byFDs != tc.byFDs {
			t.Errorf("inFlightBudget(%d, %d, %d) = %d, %v; want %d, %v", tc.perSend, tc.max, tc.limit, got, byFDs, tc.want, tc.byFDs)
		}
	}
}

func TestThousands(t *testing.T) {
	for in, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 19870: "19,870", 1234567: "1,234,567", -4100: "-4,100"} {
		if got := thousands(in); got != want {
			t.Errorf("thousands(%d) = %q; want %q", in, got, want)
		}
	}
}

// A driver held back on purpose (a tiny in-flight cap) is saturated, with
// the cap named among the reasons, and the harness object carries every
// figure the monitor measured.
func TestRunHarnessSaturatedByCap(t *testing.T) {
	sc := fixedScenario(50*time.Millisecond, 50*time.Millisecond, 100, time.Second, strategies.NameErrgroup)
	sc.Load.MaxInFlight = 2
	res, err := Run(t.Context(), sc, Options{})
	if err != nil {
		t.Fatal(err)
	}
	h := res.Strategies[0].Harness
	if !h.Saturated || !slices.ContainsFunc(h.Reasons, func(r string) bool { return strings.HasPrefix(r, "in-flight cap hit ") }) {
		t.Errorf("harness %+v; want saturated with an in-flight cap reason", h)
	}
	if !res.Strategies[0].DriverSaturated {
		t.Error("driver_saturated false; want true")
	}
	if h.InFlightPeak != 2 || h.InFlightCap != 2 || h.FDs.Limit <= 0 || h.FDs.Peak <= 0 || h.GoroutinesPeak <= 0 {
		t.Errorf("harness %+v; want in-flight peak and cap 2, descriptors and goroutines measured", h)
	}
	if h.MockLatenessMs.Max <= 0 || h.DriverLagMs.Max <= 0 || h.CPUUtilization <= 0 {
		t.Errorf("harness %+v; want mock lateness, driver lag and CPU measured", h)
	}
	if res.Strategies[0].Harness.DriverLagMs.P99 < 100 {
		t.Errorf("driver lag p99 %vms; want the cap's wait (≥ 100ms: 2 in flight of 50ms legs at 100/s)", h.DriverLagMs.P99)
	}
}

// machineTolerant keeps the verdict's exact rules (in-flight cap, achieved
// rate, descriptors) and lifts its timing ones out of reach of a busy shared
// test machine, for tests that assert a light run is healthy.
var machineTolerant = Thresholds{DriverLagP99: time.Second, MockLatenessP99: time.Second, SchedLatencyP99: time.Second, CPU: 1, CPUWait: 1000}

// A light, healthy run is not saturated and its driver did not fall behind
// (issue 16 item 9). The timing thresholds are generous so that a busy
// shared machine cannot fail it; the cap and rate rules are exact.
func TestRunHealthyNotSaturated(t *testing.T) {
	sc := fixedScenario(2*time.Millisecond, 2*time.Millisecond, 50, time.Second, strategies.NameErrgroup)
	res, err := Run(t.Context(), sc, Options{Thresholds: machineTolerant})
	if err != nil {
		t.Fatal(err)
	}
	s := res.Strategies[0]
	if s.DriverSaturated || s.Harness.Saturated || len(s.Harness.Reasons) != 0 || s.Saturation.InFlightCapHits != 0 {
		t.Errorf("driver_saturated %v, harness %+v, saturation %+v; want a healthy run", s.DriverSaturated, s.Harness, s.Saturation)
	}
	if s.Harness.Reasons == nil {
		t.Error("reasons is nil; want an empty list (results.json writes [])")
	}
}

// The first interrupt gives sends in flight a grace, then cancels them:
// they are counted as interrupted, not as requests that failed (issue 12
// item 12: a hang fault with a long timeout used to ignore Ctrl-C).
func TestRunInterruptGraceCancelsHungSends(t *testing.T) {
	sc := fixedScenario(time.Millisecond, time.Millisecond, 50, 10*time.Second, strategies.NameErrgroup)
	sc.APIs.B.Faults = []mockapi.Fault{{Kind: "hang", Rate: 1}}
	sc.Load.Timeout = 10 * time.Minute // the longest a scenario allows
	sc.Policy = strategies.Policy{Timeout: 10 * time.Minute}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	res, err := Run(ctx, sc, Options{
		InterruptGrace: 100 * time.Millisecond,
		Progress: func(p Progress) {
			if p.Requests == 0 { // nothing answers: every send is in flight
				cancel()
			}
		},
	})
	if !errors.Is(err, ErrInterrupted) {
		t.Fatalf("err = %v; want ErrInterrupted", err)
	}
	s := res.Strategies[0]
	if s.Interrupted == 0 || s.Requests != 0 || s.Errors["interrupted"] != 0 || s.StatusCodes["0"] != 0 {
		t.Errorf("interrupted %d, requests %d, errors %v, status codes %v; want every hung send interrupted and none counted as a failed request",
			s.Interrupted, s.Requests, s.Errors, s.StatusCodes)
	}
}

func TestGraceContext(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	sendCtx, stop := graceContext(ctx, 50*time.Millisecond)
	defer stop()
	cancel()
	if sendCtx.Err() != nil {
		t.Fatal("send context ended with its parent; want it to outlive the parent by the grace")
	}
	<-sendCtx.Done() // ends once the grace has passed (the test times out otherwise)

	// Stopped before any interrupt: canceled at once, no timer left behind.
	ctx2, cancel2 := context.WithCancel(t.Context())
	s2, stop2 := graceContext(ctx2, time.Hour)
	stop2()
	cancel2()
	if s2.Err() == nil {
		t.Error("stop did not cancel the send context")
	}
}

// TestCPUWaitReadsThisProcess: on Linux the threads' schedstat is read, and
// a thread that spins for a while shows run time; the ratio of two
// readings is finite and not negative.
func TestCPUWaitReadsThisProcess(t *testing.T) {
	run0, wait0, ok0 := cpuWait()
	if !ok0 {
		t.Skip("no /proc/self/task/*/schedstat here")
	}
	for end := time.Now().Add(20 * time.Millisecond); time.Now().Before(end); {
	}
	run1, wait1, ok1 := cpuWait()
	if !ok1 || run1 <= run0 {
		t.Fatalf("run time %v -> %v (ok %v); want it to grow while this test spins", run0, run1, ok1)
	}
	r, ok := waitRatio(run0, wait0, run1, wait1, ok0, ok1)
	if !ok || r < 0 {
		t.Fatalf("waitRatio = %v, %v; want a ratio >= 0", r, ok)
	}
	if _, ok := waitRatio(run0, wait0, run0, wait0, true, true); ok {
		t.Error("waitRatio with no run time in between: ok; want not measured")
	}
	if _, ok := waitRatio(run0, wait0, run1, wait1, false, true); ok {
		t.Error("waitRatio with an unreadable first reading: ok; want not measured")
	}
}
