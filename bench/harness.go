package bench

import (
	"fmt"
	"strconv"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/fanbench/fanbench/mockapi"
	"github.com/fanbench/fanbench/reports"
)

// Thresholds say when the harness itself (driver, fronts, mock APIs, one
// process on one machine) is saturated, so that a strategy's figures are
// the harness's. The README lists the measurements behind each default.
type Thresholds struct {
	// DriverLagP99 is the p99 of how late the driver may launch sends
	// against their intended times.
	DriverLagP99 time.Duration
	// MockLatenessP99 is the p99 of how late the mocks' latency timers may
	// fire against the drawn latencies.
	MockLatenessP99 time.Duration
	// SchedLatencyP99 is the p99 of how long a runnable goroutine may wait
	// for a CPU (Go's scheduler latency).
	SchedLatencyP99 time.Duration
	// CPU is the share of all cores the process may use (0..1).
	CPU float64
	// FDShare is the share of the descriptor limit the process may hold open.
	FDShare float64
	// CPUWait is how long the process's threads may wait for a CPU per
	// unit of time they run (Linux schedstat): above it, other processes
	// are taking the cores.
	CPUWait float64
}

// DefaultThresholds returns the thresholds fanbench judges runs by.
func DefaultThresholds() Thresholds {
	return Thresholds{
		DriverLagP99:    5 * time.Millisecond,
		MockLatenessP99: 5 * time.Millisecond,
		SchedLatencyP99: 5 * time.Millisecond,
		CPU:             0.90,
		FDShare:         0.90,
		CPUWait:         1.0,
	}
}

// withDefaults fills each zero field from DefaultThresholds, so a caller
// who sets some thresholds keeps the defaults of the others (a zero CPU
// wait would flag every run).
func (t Thresholds) withDefaults() Thresholds {
	d := DefaultThresholds()
	for _, f := range []struct{ v, def *time.Duration }{
		{&t.DriverLagP99, &d.DriverLagP99}, {&t.MockLatenessP99, &d.MockLatenessP99}, {&t.SchedLatencyP99, &d.SchedLatencyP99},
	} {
		if *f.v == 0 {
			*f.v = *f.def
		}
	}
	for _, f := range []struct{ v, def *float64 }{{&t.CPU, &d.CPU}, {&t.FDShare, &d.FDShare}, {&t.CPUWait, &d.CPUWait}} {
		if *f.v == 0 {
			*f.v = *f.def
		}
	}
	return t
}

// health is what the harness measured about itself over one strategy's load.
type health struct {
	cores           int
	cpuUtilization  float64 // 0..1 of all cores
	lagP99          time.Duration
	latenessP99     time.Duration
	schedP99        time.Duration
	capHits         int64 // sends that waited for the in-flight cap
	fdWaits         int64 // of which the cap came from the descriptor budget
	fdsPeak         int64
	fdsLimit        int64
	cpuWait         float64 // CPU wait per run time
	cpuWaitKnown    bool
	rateRequested   float64
	rateAchieved    float64
	interrupted     bool // a cut-short run's achieved rate says nothing
	requestsMeasure int64
}

// verdict judges h against t: saturated, with one reason per threshold
// crossed. It is a pure function so that every rule is tested by a table.
func verdict(h health, t Thresholds) (saturated bool, reasons []string) {
	add := func(format string, args ...any) { reasons = append(reasons, fmt.Sprintf(format, args...)) }
	if h.lagP99 > t.DriverLagP99 {
		add("driver lag p99 %s > %s", msDur(h.lagP99), msDur(t.DriverLagP99))
	}
	if h.latenessP99 > t.MockLatenessP99 {
		add("mock timers fired %s late at p99 (> %s)", msDur(h.latenessP99), msDur(t.MockLatenessP99))
	}
	if h.schedP99 > t.SchedLatencyP99 {
		add("Go scheduler latency p99 %s > %s", msDur(h.schedP99), msDur(t.SchedLatencyP99))
	}
	if h.cpuUtilization > t.CPU {
		add("CPU %.0f%% of %d cores (> %.0f%%)", 100*h.cpuUtilization, h.cores, 100*t.CPU)
	}
	if h.cpuWaitKnown && h.cpuWait > t.CPUWait {
		add("waited for a CPU %.1f× as long as it ran (> %.1f×): other processes hold the cores", h.cpuWait, t.CPUWait)
	}
	switch {
	case h.fdWaits > 0:
		add("file descriptor budget reached: the driver waited %s times", thousands(h.fdWaits))
	case h.capHits > 0:
		add("in-flight cap hit %s times", thousands(h.capHits))
	}
	if h.fdsLimit > 0 && float64(h.fdsPeak) > t.FDShare*float64(h.fdsLimit) {
		add("file descriptors %s of %s", thousands(h.fdsPeak), thousands(h.fdsLimit))
	}
	if !h.interrupted && h.requestsMeasure > 0 && h.rateAchieved < 0.99*h.rateRequested {
		add("achieved %s sends/s of %s requested", thousands(int64(h.rateAchieved)), thousands(int64(h.rateRequested)))
	}
	return len(reasons) > 0, reasons
}

// driverBehind reports whether the driver itself fell behind its schedule:
// it waited for the in-flight cap, launched sends late, or achieved less
// than 99% of the rate.
func driverBehind(h health, t Thresholds) bool {
	return h.capHits > 0 || h.lagP99 > t.DriverLagP99 ||
		(!h.interrupted && h.requestsMeasure > 0 && h.rateAchieved < 0.99*h.rateRequested)
}

// msDur formats d in milliseconds with one decimal ("14.2ms").
func msDur(d time.Duration) string {
	return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond))
}

// thousands formats n with commas between groups of three digits ("19,870").
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	var b []byte
	for i, c := range []byte(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			b = append(b, ',')
		}
		b = append(b, c)
	}
	if neg {
		return "-" + string(b)
	}
	return string(b)
}

// harnessRun is everything measured about the harness over one strategy's load.
type harnessRun struct {
	seen      monitored
	lag       tail // driver lag of measured sends
	lateness  tail // both mocks' timers
	capHits   int64
	peak      int64
	cap       int
	capByFDs  bool
	requested float64
	achieved  float64
	requests  int64
	interrupt bool
}

// tail is a delay's median, p99 and max.
type tail struct{ p50, p99, max time.Duration }

func (t tail) ms() reports.Tail {
	return reports.Tail{P50: durMs(t.p50), P99: durMs(t.p99), Max: durMs(t.max)}
}

func durMs(d time.Duration) float64 { return round3(float64(d) / float64(time.Millisecond)) }

// assess judges a strategy's load by t and returns the harness object of
// its result and whether the driver fell behind.
func (hr harnessRun) assess(t Thresholds) (reports.Harness, bool) {
	h := health{
		cores:           hr.seen.cores,
		cpuUtilization:  hr.seen.cpuUtilization,
		lagP99:          hr.lag.p99,
		latenessP99:     hr.lateness.p99,
		schedP99:        hr.seen.schedP99,
		cpuWait:         hr.seen.cpuWait,
		cpuWaitKnown:    hr.seen.cpuWaitOK,
		capHits:         hr.capHits,
		fdsPeak:         hr.seen.fdsPeak,
		fdsLimit:        hr.seen.fdsLimit,
		rateRequested:   hr.requested,
		rateAchieved:    hr.achieved,
		interrupted:     hr.interrupt,
		requestsMeasure: hr.requests,
	}
	if hr.capByFDs {
		h.fdWaits = hr.capHits
	}
	saturated, reasons := verdict(h, t)
	if reasons == nil {
		reasons = []string{}
	}
	return reports.Harness{
		Saturated:         saturated,
		Reasons:           reasons,
		CPUUtilization:    round3(hr.seen.cpuUtilization),
		DriverLagMs:       hr.lag.ms(),
		SchedLatencyP99Ms: durMs(hr.seen.schedP99),
		GCPauseMs:         reports.GCPauses{Total: durMs(hr.seen.gcTotal), Max: durMs(hr.seen.gcMax)},
		MockLatenessMs:    hr.lateness.ms(),
		FDs:               reports.FDUsage{Peak: hr.seen.fdsPeak, Limit: hr.seen.fdsLimit},
		InFlightPeak:      hr.peak,
		InFlightCap:       hr.cap,
		GoroutinesPeak:    hr.seen.goroutinesPeak,
		CPUWaitRatio:      waitField(hr.seen.cpuWait, hr.seen.cpuWaitOK),
	}, driverBehind(h, t)
}

// waitField is the cpu_wait_ratio field: nil where it was not measured.
func waitField(v float64, ok bool) *float64 {
	if !ok {
		return nil
	}
	r := round3(v)
	return &r
}

// tailOfHist reads a tail from a histogram of microseconds.
func tailOfHist(h *hdrhistogram.Histogram) tail {
	us := func(v int64) time.Duration { return time.Duration(v) * time.Microsecond }
	return tail{p50: us(h.ValueAtQuantile(50)), p99: us(h.ValueAtQuantile(99)), max: us(h.Max())}
}

// tailOfTimers reads how late the mocks' latency timers fired, all APIs together.
func tailOfTimers(apis [2]*mockapi.API) tail {
	l := apis[0].TimerLateness().Merge(apis[1].TimerLateness())
	return tail{p50: l.Quantile(0.50), p99: l.Quantile(0.99), max: l.Max()}
}

// liveVerdict returns what the progress line shows about the harness: the
// verdict's reasons over the last monitor interval (CPU, CPU wait,
// descriptors) and
// so far (driver lag, mock timers).
func liveVerdict(mon *monitor, apis [2]*mockapi.API, t Thresholds) func(*liveStats) []string {
	return func(ls *liveStats) []string {
		lv := mon.liveView()
		h := health{
			cores: mon.cores, cpuUtilization: lv.cpu, fdsPeak: lv.fds, fdsLimit: mon.fdLimit,
			latenessP99: tailOfTimers(apis).p99, cpuWait: lv.wait, cpuWaitKnown: lv.waitSet,
		}
		if ls != nil {
			h.lagP99 = ls.LagP99
		}
		_, reasons := verdict(h, t)
		return reasons
	}
}
