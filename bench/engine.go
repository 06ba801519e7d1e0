// Package bench is the engine: it runs a scenario — mock APIs, a front per
// strategy, the load driver, drain and reconciliation — and returns the
// results. It also holds the Go benchmarks CI compares with benchstat.
package bench

import (
	"bufio"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"net"
	"net/http"
	"runtime"
	"strings"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/fanbench/fanbench/mockapi"
	"github.com/fanbench/fanbench/reports"
	"github.com/fanbench/fanbench/scenarios"
	"github.com/fanbench/fanbench/strategies"
	"github.com/fanbench/fanbench/strategies/catalog"
)

// ErrInterrupted is returned (wrapped) with partial results when ctx ended
// before the run did.
var ErrInterrupted = errors.New("bench: run interrupted")

// Options tune a run beyond what its scenario says. The zero value is fine.
type Options struct {
	// Logf, when set, receives one line per step of the run (strategy
	// started, drained, ...).
	Logf func(format string, args ...any)
	// Progress, when set, is called about once a second while a strategy's
	// load runs.
	Progress func(Progress)
	// Follow, with Progress, fills Progress.Live: once a second the sends
	// intended so far are looked up in the mock APIs' ledgers (off the
	// send path), for a live view of deliveries (the dashboard).
	Follow bool
	// ResultsOut, when set, opens a writer per strategy that receives every
	// measured send in vegeta's binary result encoding, so `vegeta report`
	// and `vegeta plot` read it. Timestamp is the intended send time and
	// Latency is measured from it (corrected for coordinated omission).
	ResultsOut func(strategy string) (io.WriteCloser, error)
	// BrokerURL, when set, is the message broker the strategies that use
	// one connect to, instead of their spec's or an embedded one.
	BrokerURL string
	// FrontListen is where a strategy's front listens (host:port; default
	// 127.0.0.1:0). A serve host of a distributed run listens where its
	// workers reach it.
	FrontListen string
	// FrontURL, when set, turns the front's listening address into the URL
	// the drivers use (a serve host behind a Service or NAT); by default
	// it is http://<listening address>/send.
	FrontURL func(addr net.Addr) string
	// FrontTimeouts bound how long the front waits for a request's headers,
	// its body and a keep-alive connection's next request (the zero value:
	// mockapi's defaults, 10s, 30s and 60s) — what a slow or idle client
	// may hold.
	FrontTimeouts mockapi.Timeouts
	// MockAddr, when set, is where API a listens (b on the next port), so
	// a service the user runs can be configured with fixed URLs.
	MockAddr string
	// Env is the environment of commands a strategy starts (the user's
	// service), such as os.Environ(); nil starts them with only the
	// variables the strategy adds.
	Env []string
	// Stdout and Stderr receive those commands' output (nil discards it).
	Stdout, Stderr io.Writer
	// Thresholds judge whether the harness itself was saturated; the zero
	// value means DefaultThresholds.
	Thresholds Thresholds
	// InterruptGrace is how long sends in flight may finish once ctx ends
	// before they are canceled and counted as interrupted; 0 means
	// DefaultInterruptGrace (2s).
	InterruptGrace time.Duration
}

// Progress is the state of a running load, for a live progress line.
type Progress struct {
	Strategy string
	Elapsed  time.Duration // since the load began, warm-up included
	Total    time.Duration // warm-up plus measurement
	WarmupOf time.Duration // the warm-up's length (0: none)
	Warmup   bool          // still warming up
	Requests int64         // measured sends answered so far
	Errors   int64         // of which not 2xx
	Rate     float64       // answers per second over the last interval
	P99Ms    float64       // corrected p99 so far
	Phase    string        // the last fault phase applied ("b set at 10s"), if any
	// Saturated lists why the harness is saturated right now (empty when
	// it keeps up): the same rules as the result's harness verdict, over
	// the last second.
	Saturated []string
	// Live, with Options.Follow, is what a live view shows beyond this line.
	Live *Live
}

// Run runs every strategy of sc one after another against fresh mock APIs,
// with the same seed and timeline, and returns their results. When ctx ends
// early, Run returns what was measured so far with Partial set, and an
// error wrapping ErrInterrupted. Failed downstream calls are data in the
// results; an error means the run itself could not be carried out.
func Run(ctx context.Context, sc *scenarios.Scenario, opt Options) (*reports.Results, error) {
	pacer, err := pacerFor(sc.Load)
	if err != nil {
		return nil, err
	}
	res := NewResults(sc)
	for _, spec := range sc.Strategies {
		if ctx.Err() != nil {
			break
		}
		logf(opt, "%s: %s for %v after %v warm-up", spec.Label(), describeLoad(sc.Load), sc.Load.Duration, sc.Load.Warmup)
		sr, marks, interrupted, err := runStrategy(ctx, sc, spec, pacer, opt)
		if err != nil {
			return nil, fmt.Errorf("strategy %s: %w", spec.Label(), err)
		}
		res.Strategies = append(res.Strategies, sr)
		res.Phases = append(res.Phases, marks...)
		if interrupted {
			break
		}
	}
	res.SLO = EvaluateSLOs(res, sc.SLOs)
	if ctx.Err() != nil {
		res.Partial = true
		return res, fmt.Errorf("%w: %w", ErrInterrupted, context.Cause(ctx))
	}
	return res, nil
}

// NewResults returns the results of sc before any strategy ran: what was
// asked for and where it ran.
func NewResults(sc *scenarios.Scenario) *reports.Results {
	return &reports.Results{
		Schema:      reports.Schema,
		Scenario:    sc.Name,
		Description: sc.Description,
		Seed:        sc.Seed,
		StartedAt:   time.Now().UTC().Truncate(time.Second),
		Machine: reports.Machine{
			CPUs: runtime.NumCPU(), GoVersion: runtime.Version(), OS: runtime.GOOS, Arch: runtime.GOARCH,
		},
		Load: reports.LoadInfo{
			Profile: sc.Load.Profile, Rate: sc.Load.Rate,
			DurationS: sc.Load.Duration.Seconds(), WarmupS: sc.Load.Warmup.Seconds(),
			MaxInFlight: sc.Load.MaxInFlight, TimeoutS: sc.Load.Timeout.Seconds(),
		},
		Strategies: []reports.StrategyResult{},
		SLO:        []reports.SLOCheck{},
	}
}

// rig is everything one strategy's run needs running.
type rig struct {
	apis    [2]*mockapi.API
	stats   [2]*strategies.LegStats
	built   strategies.Built
	url     string // where the driver sends
	closers []func() error
}

func (r *rig) close() error {
	var errs []error
	for i := len(r.closers) - 1; i >= 0; i-- {
		errs = append(errs, r.closers[i]())
	}
	return errors.Join(errs...)
}

// setUp starts fresh mock APIs, builds the strategy from the catalog and
// puts it behind a front unless it brought its own endpoint.
func setUp(ctx context.Context, sc *scenarios.Scenario, spec strategies.Spec, opt Options) (_ *rig, err error) {
	build, ok := catalog.Lookup(spec.Name)
	if !ok {
		return nil, fmt.Errorf("unknown strategy %q; want one of %s", spec.Name, strings.Join(catalog.Names(), ", "))
	}
	r := &rig{}
	defer func() {
		if err != nil {
			_ = r.close()
		}
	}()
	var urls [2]string
	for i, name := range [2]string{"a", "b"} {
		cfg := sc.APIs.A
		if i == 1 {
			cfg = sc.APIs.B
		}
		api, err := mockapi.New(name, cfg, sc.Seed)
		if err != nil {
			return nil, fmt.Errorf("apis.%s: %w", name, err)
		}
		// Reconciliation needs every id of the run: no eviction (a run's
		// sends are bounded by its rate and MaxSpan).
		if err := api.SetLimits(mockapi.Limits{LedgerCapacity: mockapi.UnboundedLedger}); err != nil {
			return nil, fmt.Errorf("apis.%s: %w", name, err)
		}
		addr := "127.0.0.1:0"
		if opt.MockAddr != "" {
			if addr, err = nextPort(opt.MockAddr, i); err != nil {
				return nil, err
			}
		}
		// The rig closes the mocks; an interrupt (ctx) must not cut the
		// sends still in flight, which drain and are counted.
		srv, err := mockapi.Serve(context.WithoutCancel(ctx), api, addr)
		if err != nil {
			return nil, fmt.Errorf("start mock API %q: %w", name, err)
		}
		r.apis[i], r.stats[i], urls[i] = api, new(strategies.LegStats), srv.URL()
		r.closers = append(r.closers, srv.Close)
	}
	deps := strategies.Deps{
		APIs:        urls,
		Client:      strategies.NewClient(min(max(sc.Load.MaxInFlight, 64), 2048)),
		Policy:      sc.Policy,
		LegStats:    r.stats,
		Seed:        sc.Seed,
		MaxInFlight: sc.Load.MaxInFlight,
		Logf:        opt.Logf,
		BrokerURL:   opt.BrokerURL,
		Env:         opt.Env,
		Stdout:      opt.Stdout,
		Stderr:      opt.Stderr,
	}
	if spec.Policy != nil {
		deps.Policy = *spec.Policy
	}
	r.closers = append(r.closers, func() error { deps.Client.CloseIdleConnections(); return nil })
	if r.built, err = build(ctx, spec, deps); err != nil {
		return nil, err
	}
	if r.built.Close != nil {
		r.closers = append(r.closers, r.built.Close)
	}
	if r.built.Target != "" {
		r.url = r.built.Target
		return r, nil
	}
	handler := r.built.Handler
	if handler == nil {
		if r.built.Strategy == nil {
			return nil, fmt.Errorf("strategy %s built no strategy, handler or target to send the load to", spec.Name)
		}
		handler = strategies.NewFront(r.built.Strategy)
	}
	listen := cmp.Or(opt.FrontListen, "127.0.0.1:0")
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return nil, fmt.Errorf("listen for the front on %s: %w", listen, err)
	}
	front := &http.Server{Handler: handler}
	if err := opt.FrontTimeouts.Apply(front); err != nil {
		ln.Close()
		return nil, fmt.Errorf("front: %w", err)
	}
	served := make(chan struct{})
	go func() { defer close(served); _ = front.Serve(ln) }()
	r.closers = append(r.closers, func() error {
		err := front.Close()
		<-served
		return err
	})
	r.url = "http://" + ln.Addr().String() + "/send"
	if opt.FrontURL != nil {
		r.url = opt.FrontURL(ln.Addr())
	}
	return r, nil
}

func runStrategy(ctx context.Context, sc *scenarios.Scenario, spec strategies.Spec, pacer vegeta.Pacer, opt Options) (sr reports.StrategyResult, marks []reports.PhaseMark, interrupted bool, err error) {
	r, err := setUp(ctx, sc, spec, opt)
	if err != nil {
		return sr, nil, false, err
	}
	defer func() {
		if cerr := r.close(); cerr != nil && err == nil {
			err = fmt.Errorf("shut down: %w", cerr)
		}
	}()

	driverClient := strategies.NewClient(min(sc.Load.MaxInFlight, 4096))
	defer driverClient.CloseIdleConnections()
	ids := newIDSpace(sc.Seed)
	tl := newTimeline(sc.Phases, sc.APIs, r.apis, spec.Label(), r.built.RestartBroker, r.built.CrashRelay)
	inFlightCap, capByFDs := inFlightBudget(descriptorsPerSend(r.built.Target != ""), sc.Load.MaxInFlight, fdLimit())
	cfg := driverConfig{
		pacer:       pacer,
		warmup:      sc.Load.Warmup,
		duration:    sc.Load.Duration,
		maxInFlight: inFlightCap,
		grace:       opt.InterruptGrace,
		timeout:     sc.Load.Timeout,
		ids:         ids,
		do:          HTTPDoer(driverClient, r.url),
		onStart:     func(began time.Time) { tl.start(ctx, began.Add(sc.Load.Warmup)) },
		attack:      spec.Label(),
	}
	if opt.ResultsOut != nil {
		sink, finish, err := openResults(opt, spec.Label())
		if err != nil {
			return sr, nil, false, err
		}
		defer func() {
			if ferr := finish(); ferr != nil && err == nil {
				err = ferr
			}
		}()
		cfg.sink = sink
	}
	thresholds := opt.thresholds()
	drv := newDriver(cfg)
	mon := startMonitor(sc.Load.Warmup+sc.Load.Duration, 250*time.Millisecond)
	var fl *follower
	if opt.Follow {
		fl = newFollower(pacer, ids, r.apis, r.stats)
	}
	stopProgress := watch(opt.Progress, spec.Label(), cfg, drv, tl, liveVerdict(mon, r.apis, thresholds), fl)
	d := drv.run(ctx)
	stopProgress()
	seen := mon.stop()
	marks = tl.stop()
	if d.rec.sinkErr != nil {
		return sr, nil, false, fmt.Errorf("write vegeta results: %w", d.rec.sinkErr)
	}

	if r.built.Drain != nil {
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), sc.DrainTimeout)
		if ctx.Err() != nil { // interrupted: drain briefly
			cancel()
			dctx, cancel = context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		}
		if err := r.built.Drain(dctx); err != nil {
			logf(opt, "%s: drain ended before everything was delivered: %v", spec.Label(), err)
		}
		cancel()
	}

	var cpu time.Duration // measurement and drain: background deliveries count too
	if d.cpuStart >= 0 {
		cpu = cpuTime() - d.cpuStart
	}
	rec := reconcile(d, pacer, ids, sc.Load.Warmup, r.apis[0].Ledger(), r.apis[1].Ledger())
	idealH, err := ideal(sc.APIs.A.Latency, sc.APIs.B.Latency, r.built.Combine, sc.Seed)
	if err != nil {
		return sr, nil, false, err
	}
	sr = summarize(spec.Label(), sc, pacer, d, rec, r)
	sr.Harness, sr.DriverSaturated = harnessRun{
		seen: seen, lag: tailOfHist(d.rec.lag), lateness: tailOfTimers(r.apis),
		capHits: d.capHits, peak: d.peakInFlight, cap: inFlightCap, capByFDs: capByFDs,
		requested: sr.RateRequested, achieved: sr.RateAchieved, requests: sr.Requests, interrupt: d.interrupted,
	}.assess(thresholds)
	sr.Interrupted = d.rec.interrupted
	if sr.Requests > 0 {
		sr.CPUUsPerSend = round3(float64(cpu.Microseconds()) / float64(sr.Requests))
	}
	if r.built.Stats != nil {
		addStats(&sr, r.built.Stats(), d.began.Add(sc.Load.Warmup))
	}
	sr.IdealMs = reports.PercentilesOf(idealH)
	if r.built.Combine != strategies.CombineNone {
		sr.OverheadMs = sr.LatencyMs.Corrected.Sub(sr.IdealMs)
	}
	if sr.Histograms.Ideal, err = reports.EncodeHistogram(idealH); err != nil {
		return sr, nil, false, err
	}
	logf(opt, "%s: %d sends, %d lost, drained", spec.Label(), sr.Requests, sr.Lost)
	return sr, marks, d.interrupted, nil
}

// summarize turns a drive and its reconciliation into a strategy's result.
func summarize(name string, sc *scenarios.Scenario, pacer vegeta.Pacer, d *drive, rec reconciliation, r *rig) reports.StrategyResult {
	sr := reports.StrategyResult{Name: name, Requests: d.rec.requests}
	scheduled := scheduledIn(pacer, sc.Load.Warmup, sc.Load.Warmup+sc.Load.Duration)
	if sc.Load.Duration > 0 {
		sr.RateRequested = round3(float64(scheduled) / sc.Load.Duration.Seconds())
	}
	if window := d.rec.lastSent - sc.Load.Warmup; window > 0 && d.rec.requests > 0 {
		sr.RateAchieved = round3(float64(d.rec.requests) / max(window, sc.Load.Duration).Seconds())
		if d.interrupted {
			sr.RateAchieved = round3(float64(d.rec.requests) / window.Seconds())
		}
	}
	if d.rec.requests > 0 {
		sr.SuccessRatio = float64(d.rec.ok) / float64(d.rec.requests)
	}
	sr.Saturation = reports.Saturation{
		InFlightCapHits: d.capHits,
		MaxLagMs:        round3(float64(d.maxLag.Microseconds()) / 1000),
		PeakInFlight:    d.peakInFlight,
	}
	sr.LatencyMs.Corrected = reports.PercentilesOf(d.rec.corrected)
	sr.LatencyMs.Uncorrected = reports.PercentilesOf(d.rec.uncorrected)
	sr.DeliveryMs = reports.Delivery{
		A: reports.PercentilesOf(rec.a), B: reports.PercentilesOf(rec.b), Both: reports.PercentilesOf(rec.both),
	}
	sr.Outcomes = rec.outcomes
	sr.Lost = rec.lost
	if len(rec.undelivered) > 0 {
		sr.Undelivered = rec.undelivered
	}
	sr.DuplicateDeliveries = rec.dupDeliver
	sr.DuplicateEffects = rec.dupEffects
	// Calls and retries are what reached the APIs for measured sends (their
	// ledgers), so warm-up traffic and attempts that never left are not counted.
	sr.Calls = rec.calls
	sr.Retries = rec.retries
	sr.BreakerOpens = reports.AB{A: r.stats[0].BreakerOpens.Load(), B: r.stats[1].BreakerOpens.Load()}
	sr.StatusCodes = d.rec.statusCodes()
	if len(d.rec.errs) > 0 {
		sr.Errors = d.rec.errs
	}
	w := reports.PercentilesOf(d.rec.warm)
	sr.Warmup = reports.WarmupResult{Requests: d.rec.warmN, P50Ms: w.P50, P99Ms: w.P99}
	sr.Series = rec.perSecond(d.rec.series.points)
	sr.MeasuredFrom = d.began.Add(sc.Load.Warmup).UTC()
	sr.Intervals = d.rec.series.intervals
	sr.Histograms.Corrected, _ = reports.EncodeHistogram(d.rec.corrected)
	sr.Histograms.Uncorrected, _ = reports.EncodeHistogram(d.rec.uncorrected)
	sr.Histograms.DeliveryBoth, _ = reports.EncodeHistogram(rec.both)
	return sr
}

// addStats copies a strategy's own figures into its result; series times
// become seconds from measureFrom, the start of measurement.
func addStats(sr *reports.StrategyResult, st strategies.Stats, measureFrom time.Time) {
	sr.DeadLetters = st.DeadLetters
	if b := st.Broker; b != nil {
		sr.Broker = &reports.BrokerStats{
			Published: b.Published, Duplicates: b.Duplicates, PublishErrors: b.PublishErrors,
			Redeliveries: b.Redeliveries, DeadLetters: b.DeadLetters, PeakPending: b.PeakPending,
		}
	}
	if len(st.Counters) > 0 {
		sr.Stats = maps.Clone(st.Counters)
	}
	for name, samples := range st.Series {
		if sr.StatsSeries == nil {
			sr.StatsSeries = make(map[string][]reports.StatPoint, len(st.Series))
		}
		points := make([]reports.StatPoint, len(samples))
		for i, s := range samples {
			points[i] = reports.StatPoint{T: round3(s.At.Sub(measureFrom).Seconds()), V: s.Value}
		}
		sr.StatsSeries[name] = points
	}
}

// scheduledIn counts the hits p intends in (from, to].
func scheduledIn(p vegeta.Pacer, from, to time.Duration) int64 {
	s := schedule{p: p}
	var n int64
	for {
		due, ok := s.next(to)
		if !ok {
			return n
		}
		if due > from || from == 0 {
			n++
		}
	}
}

// watch calls report about once a second with the load's progress until
// the returned stop is called.
func watch(report func(Progress), name string, cfg driverConfig, drv *driver, tl *timeline, saturated func(*liveStats) []string, fl *follower) (stop func()) {
	if report == nil {
		return func() {}
	}
	done := make(chan struct{})
	exited := make(chan struct{})
	start := time.Now()
	go func() {
		defer close(exited)
		// The recorder publishes its snapshot on the whole seconds of
		// measurement; reading half a second off them, each tick sees a
		// new one.
		half := time.NewTimer(time.Second / 2)
		select {
		case <-done:
			half.Stop()
			return
		case <-half.C:
		}
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		last := liveStats{At: cfg.warmup} // rates start with measurement
		var lastLive Live                 // the rates the last new snapshot gave
		for {
			select {
			case <-done:
				return
			case <-tick.C:
			}
			p := Progress{Strategy: name, Elapsed: time.Since(start), Total: cfg.warmup + cfg.duration, WarmupOf: cfg.warmup, Phase: tl.current()}
			p.Warmup = p.Elapsed < cfg.warmup
			ls := drv.Live()
			if saturated != nil {
				p.Saturated = saturated(ls)
			}
			if ls != nil {
				p.Requests, p.Errors, p.P99Ms = ls.Requests, ls.Errors, ls.P99Ms
				if dt := (ls.At - last.At).Seconds(); dt > 0 {
					p.Rate = float64(ls.Requests-last.Requests) / dt
					lastLive = Live{Answered: float64((ls.Requests-ls.Errors)-(last.Requests-last.Errors)) / dt,
						P50Ms: ls.P50WindowMs, P99Ms: ls.P99WindowMs}
				}
				last = *ls
			}
			if fl != nil {
				// The recorder's snapshot may not have moved since the last
				// tick (it publishes on answers): its rates then still hold.
				p.Live = &Live{T: (p.Elapsed - cfg.warmup).Seconds(), Phases: tl.marksSoFar(),
					Answered: lastLive.Answered, P50Ms: lastLive.P50Ms, P99Ms: lastLive.P99Ms}
				fl.step(p.Elapsed, p.Live)
			}
			report(p)
		}
	}()
	return func() { close(done); <-exited }
}

func logf(opt Options, format string, args ...any) {
	if opt.Logf != nil {
		opt.Logf(format, args...)
	}
}

func round3(v float64) float64 { return math.Round(v*1000) / 1000 }

// openResults opens opt.ResultsOut for name behind a 64 KiB buffer and
// returns the vegeta encoder the driver streams every measured send to;
// finish flushes and closes it, once the driver is done.
func openResults(opt Options, name string) (sink vegeta.Encoder, finish func() error, err error) {
	w, err := opt.ResultsOut(name)
	if err != nil {
		return nil, nil, fmt.Errorf("open vegeta results: %w", err)
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	finish = func() error {
		ferr := bw.Flush()
		if cerr := w.Close(); ferr == nil {
			ferr = cerr
		}
		if ferr != nil {
			return fmt.Errorf("write vegeta results: %w", ferr)
		}
		return nil
	}
	return vegeta.NewEncoder(bw), finish, nil
}

// thresholds are the harness thresholds of opt: Options.Thresholds, or the
// defaults when it is unset.
func (opt Options) thresholds() Thresholds {
	return opt.Thresholds.withDefaults()
}
