package bench

import (
	"math"
	"os"
	"runtime"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// monitor watches the process while a strategy's load runs: CPU, open
// descriptors, goroutines, the Go scheduler's latency and GC pauses. It
// samples on its own goroutine (started by startMonitor, ended by stop), so
// nothing is added to the send path.
type monitor struct {
	interval time.Duration
	window   time.Duration // CPU utilization is measured over this much of the load
	cores    int
	fdLimit  int64

	began    time.Time
	cpuBegan time.Duration
	metrics0 []metrics.Sample
	gcTotal0 uint64
	// run0, wait0: the threads' run and CPU-wait time at the start (ok0:
	// readable).
	run0, wait0 time.Duration
	ok0         bool

	peakFDs, peakGoroutines atomic.Int64
	mu                      sync.Mutex
	cpuWindow               time.Duration // CPU time used within window (set once)
	cpuWindowSet            bool
	live                    liveHealth

	done   chan struct{}
	exited chan struct{}
}

// liveHealth is the monitor's view over the last interval, for the progress line.
type liveHealth struct {
	cpu     float64 // share of all cores over the last interval
	fds     int64
	wait    float64 // CPU wait per run time over the last interval
	waitSet bool
}

const (
	metricSched = "/sched/latencies:seconds"
	metricGC    = "/sched/pauses/total/gc:seconds"
)

// startMonitor starts watching; window is the load's length (warm-up plus
// measurement), over which CPU utilization is averaged.
func startMonitor(window, interval time.Duration) *monitor {
	m := &monitor{
		interval: interval,
		window:   window,
		cores:    runtime.GOMAXPROCS(0),
		fdLimit:  fdLimit(),
		began:    time.Now(),
		cpuBegan: cpuTime(),
		metrics0: []metrics.Sample{{Name: metricSched}, {Name: metricGC}},
		done:     make(chan struct{}),
		exited:   make(chan struct{}),
	}
	metrics.Read(m.metrics0)
	m.gcTotal0 = gcPauseTotal()
	m.run0, m.wait0, m.ok0 = cpuWait()
	m.sample()
	go m.run()
	return m
}

func (m *monitor) run() {
	defer close(m.exited)
	tick := time.NewTicker(m.interval)
	defer tick.Stop()
	lastCPU, lastAt := m.cpuBegan, m.began
	lastRun, lastWait, lastOK := m.run0, m.wait0, m.ok0
	for {
		select {
		case <-m.done:
			return
		case now := <-tick.C:
			fds := m.sample()
			cpu := cpuTime()
			run, wait, ok := cpuWait()
			m.mu.Lock()
			if dt := now.Sub(lastAt); dt > 0 {
				m.live = liveHealth{cpu: float64(cpu-lastCPU) / float64(dt) / float64(m.cores), fds: fds}
				m.live.wait, m.live.waitSet = waitRatio(lastRun, lastWait, run, wait, lastOK, ok)
			}
			lastRun, lastWait, lastOK = run, wait, ok
			if !m.cpuWindowSet && now.Sub(m.began) >= m.window {
				m.cpuWindow, m.cpuWindowSet = cpu-m.cpuBegan, true
			}
			m.mu.Unlock()
			lastCPU, lastAt = cpu, now
		}
	}
}

// sample records the peaks of descriptors and goroutines and returns the
// descriptors open now.
func (m *monitor) sample() int64 {
	fds := openFDs()
	raise(&m.peakFDs, fds)
	raise(&m.peakGoroutines, int64(runtime.NumGoroutine()))
	return fds
}

// liveView returns the last interval's figures.
func (m *monitor) liveView() liveHealth {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.live
}

// monitored is what the monitor saw over a load.
type monitored struct {
	cpuUtilization  float64
	schedP99        time.Duration
	gcTotal, gcMax  time.Duration
	fdsPeak         int64
	fdsLimit        int64
	goroutinesPeak  int64
	cores           int
	elapsed         time.Duration
	cpuTimeInWindow time.Duration
	// cpuWait is how long the threads waited for a CPU per unit of time
	// they ran, over the whole load (cpuWaitOK: measured).
	cpuWait   float64
	cpuWaitOK bool
}

// stop ends the monitor and returns what it saw.
func (m *monitor) stop() monitored {
	close(m.done)
	<-m.exited
	m.sample()
	elapsed := time.Since(m.began)
	cpu := cpuTime() - m.cpuBegan
	window := elapsed
	if m.cpuWindowSet {
		cpu, window = m.cpuWindow, m.window
	}
	now := []metrics.Sample{{Name: metricSched}, {Name: metricGC}}
	metrics.Read(now)
	run, wait, ok := cpuWait()
	out := monitored{
		schedP99:        histQuantile(m.metrics0[0].Value, now[0].Value, 0.99),
		gcMax:           histQuantile(m.metrics0[1].Value, now[1].Value, 1),
		gcTotal:         time.Duration(gcPauseTotal() - m.gcTotal0),
		fdsPeak:         m.peakFDs.Load(),
		fdsLimit:        m.fdLimit,
		goroutinesPeak:  m.peakGoroutines.Load(),
		cores:           m.cores,
		elapsed:         elapsed,
		cpuTimeInWindow: cpu,
	}
	out.cpuWait, out.cpuWaitOK = waitRatio(m.run0, m.wait0, run, wait, m.ok0, ok)
	if window > 0 {
		out.cpuUtilization = float64(cpu) / float64(window) / float64(m.cores)
	}
	return out
}

// histQuantile returns quantile q of the observations a cumulative
// runtime/metrics histogram gained between before and after, as the upper
// bound of the bucket it falls in (the lower bound for the open top bucket).
func histQuantile(before, after metrics.Value, q float64) time.Duration {
	if before.Kind() != metrics.KindFloat64Histogram || after.Kind() != metrics.KindFloat64Histogram {
		return 0
	}
	b, a := before.Float64Histogram(), after.Float64Histogram()
	if len(b.Counts) != len(a.Counts) {
		return 0
	}
	var total uint64
	for i := range a.Counts {
		total += a.Counts[i] - b.Counts[i]
	}
	if total == 0 {
		return 0
	}
	rank := uint64(math.Ceil(q * float64(total)))
	rank = max(rank, 1)
	var seen uint64
	for i := range a.Counts {
		if seen += a.Counts[i] - b.Counts[i]; seen >= rank {
			hi := a.Buckets[i+1]
			if math.IsInf(hi, 1) {
				hi = a.Buckets[i]
			}
			return time.Duration(hi * float64(time.Second))
		}
	}
	return 0
}

// gcPauseTotal is the total stop-the-world GC pause so far, in nanoseconds.
func gcPauseTotal() uint64 {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.PauseTotalNs
}

func raise(peak *atomic.Int64, v int64) {
	for {
		p := peak.Load()
		if v <= p || peak.CompareAndSwap(p, v) {
			return
		}
	}
}

// openFDs counts the process's open descriptors (0 where /proc is missing).
func openFDs() int64 {
	f, err := os.Open("/proc/self/fd")
	if err != nil {
		return 0
	}
	defer f.Close()
	var n int64
	for {
		names, err := f.Readdirnames(1024)
		n += int64(len(names))
		if err != nil || len(names) == 0 {
			break
		}
	}
	return n - 1 // the directory being read
}

// fdLimit is the soft RLIMIT_NOFILE (0 when unknown).
func fdLimit() int64 {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		return 0
	}
	return int64(min(rl.Cur, math.MaxInt64))
}
