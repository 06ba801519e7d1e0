package bench

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"sync"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/fanbench/fanbench/mockapi"
	"github.com/fanbench/fanbench/reports"
	"github.com/fanbench/fanbench/scenarios"
	"github.com/fanbench/fanbench/strategies"
)

// The pieces below let a run be split over processes (bench/distributed):
// drivers (Drive) each send a Part of the schedule, a host (StartHost)
// runs the system under test, and Merge and Summarize put the figures
// together exactly as one process would have.

// Part is one driver's share of a run's schedule: the sends whose sequence
// number is ≡ K (mod N), with the ids and intended times one driver would
// give them, so the parts of 0..N-1 together are exactly the single-driver
// schedule. The zero Part is the whole schedule.
type Part struct {
	K int `json:"k"`
	N int `json:"n"`
}

// Has reports whether the send with sequence number seq is in p.
func (p Part) Has(seq uint64) bool { return p.N <= 1 || seq%uint64(p.N) == uint64(p.K) }

// Validate says what is wrong with p, if anything.
func (p Part) Validate() error {
	if p.N < 0 || p.N > 0 && (p.K < 0 || p.K >= p.N) {
		return fmt.Errorf("part %d of %d: want 0 ≤ k < n", p.K, p.N)
	}
	return nil
}

// Measured is what one driver measured of one strategy, in a form that
// travels (JSON) and merges exactly: histograms are HdrHistogram
// encodings with the standard bounds, times are relative to Began.
type Measured struct {
	Strategy string `json:"strategy"`
	Part     Part   `json:"part"`
	// Began is the schedule's time zero: the agreed start instant on the
	// driver's clock.
	Began time.Time `json:"began"`
	// Walked is how far the driver got in the whole schedule: every send
	// of its part below Walked was launched.
	Walked        uint64 `json:"walked"`
	FirstMeasured uint64 `json:"first_measured"`
	// Assigned counts the part's sends the schedule holds in the
	// measurement window; Requests those that were sent and answered.
	Assigned     int64            `json:"assigned"`
	Requests     int64            `json:"requests"`
	OK           int64            `json:"ok"`
	WarmN        int64            `json:"warm_n"`
	StatusCodes  map[string]int64 `json:"status_codes"`
	Errors       map[string]int64 `json:"errors,omitempty"`
	Corrected    string           `json:"corrected"`
	Uncorrected  string           `json:"uncorrected"`
	Warm         string           `json:"warm"`
	Acked        []uint64         `json:"acked"` // bit seq−FirstMeasured: the user got a 2xx
	LastSent     time.Duration    `json:"last_sent_ns"`
	CapHits      int64            `json:"cap_hits"`
	PeakInFlight int64            `json:"peak_in_flight"`
	MaxLag       time.Duration    `json:"max_lag_ns"`
	Interrupted  bool             `json:"interrupted"`
	// Lag is the driver lag (sent − intended) of measured sends, µs.
	Lag string `json:"lag"`
	// Harness is this driver's health over its load (its own process: the
	// mocks' timers are the serve host's and not in it); Behind says the
	// driver fell behind its part of the schedule.
	Harness *reports.Harness `json:"harness,omitempty"`
	Behind  bool             `json:"behind"`
	// CPU is the driver process's CPU time from its first measured send
	// until its last answer (summed over drivers by Merge).
	CPU time.Duration `json:"cpu_ns"`
	// Series holds the per-second counts (the percentiles are recomputed
	// from Intervals when measurements merge).
	Series    []reports.SeriesPoint `json:"series,omitempty"`
	Intervals []reports.Interval    `json:"intervals,omitempty"`
}

// Drive sends part of sc's load for strategy to target, starting the
// schedule at start (now when zero), and returns what it measured.
// opt.ResultsOut and opt.Progress work as in Run. When ctx ends early the
// sends in flight finish and Interrupted is set.
func Drive(ctx context.Context, sc *scenarios.Scenario, strategy, target string, part Part, start time.Time, opt Options) (_ *Measured, err error) {
	if err := part.Validate(); err != nil {
		return nil, err
	}
	pacer, err := pacerFor(sc.Load)
	if err != nil {
		return nil, err
	}
	client := strategies.NewClient(min(sc.Load.MaxInFlight, 4096))
	defer client.CloseIdleConnections()
	ids := newIDSpace(sc.Seed)
	// The front is on the serve host: a worker's sends hold only its own
	// client-side descriptors, but those still fit its limit.
	inFlightCap, capByFDs := inFlightBudget(driverOnlyDescriptors, sc.Load.MaxInFlight, fdLimit())
	cfg := driverConfig{
		pacer:       pacer,
		warmup:      sc.Load.Warmup,
		duration:    sc.Load.Duration,
		maxInFlight: inFlightCap,
		grace:       opt.InterruptGrace,
		timeout:     sc.Load.Timeout,
		ids:         ids,
		do:          HTTPDoer(client, target),
		attack:      strategy,
		part:        part,
		start:       start,
	}
	if opt.ResultsOut != nil {
		sink, finish, err := openResults(opt, strategy)
		if err != nil {
			return nil, err
		}
		defer func() {
			if ferr := finish(); ferr != nil && err == nil {
				err = ferr
			}
		}()
		cfg.sink = sink
	}
	drv := newDriver(cfg)
	mon := startMonitor(sc.Load.Warmup+sc.Load.Duration, 250*time.Millisecond)
	stop := watch(opt.Progress, strategy, cfg, drv, newTimeline(nil, sc.APIs, [2]*mockapi.API{}, strategy, nil, nil), nil, nil)
	d := drv.run(ctx)
	stop()
	seen := mon.stop()
	if d.rec.sinkErr != nil {
		return nil, fmt.Errorf("write vegeta results: %w", d.rec.sinkErr)
	}
	m := &Measured{
		Strategy: strategy, Part: part, Began: d.began, Walked: d.sent, FirstMeasured: d.firstMeasured,
		Requests: d.rec.requests, OK: d.rec.ok, WarmN: d.rec.warmN,
		StatusCodes: d.rec.statusCodes(), Errors: d.rec.errs, Acked: d.rec.acked,
		LastSent: d.rec.lastSent, CapHits: d.capHits, PeakInFlight: d.peakInFlight, MaxLag: d.maxLag,
		Interrupted: d.interrupted, Series: d.rec.series.points, Intervals: d.rec.series.intervals,
	}
	if d.cpuStart >= 0 {
		m.CPU = cpuTime() - d.cpuStart
	}
	m.Assigned = assigned(pacer, part, sc.Load.Warmup, sc.Load.Warmup+sc.Load.Duration)
	hr := harnessRun{seen: seen, lag: tailOfHist(d.rec.lag), capHits: d.capHits, peak: d.peakInFlight,
		cap: inFlightCap, capByFDs: capByFDs, requests: d.rec.requests, interrupt: d.interrupted}
	if sc.Load.Duration > 0 {
		hr.requested = float64(m.Assigned) / sc.Load.Duration.Seconds()
		hr.achieved = float64(d.rec.requests) / max(d.rec.lastSent-sc.Load.Warmup, sc.Load.Duration).Seconds()
	}
	health, behind := hr.assess(opt.thresholds())
	m.Harness, m.Behind = &health, behind
	for _, h := range []struct {
		dst *string
		h   *hdrhistogram.Histogram
	}{{&m.Corrected, d.rec.corrected}, {&m.Uncorrected, d.rec.uncorrected}, {&m.Warm, d.rec.warm}, {&m.Lag, d.rec.lag}} {
		if *h.dst, err = reports.EncodeHistogram(h.h); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// assigned counts the sends of part p intends in (from, to].
func assigned(p vegeta.Pacer, part Part, from, to time.Duration) int64 {
	s := schedule{p: p}
	var n int64
	for {
		due, ok := s.next(to)
		if !ok {
			return n
		}
		if (due > from || from == 0) && part.Has(s.n-1) {
			n++
		}
	}
}

// Merge adds up the measurements of one strategy by several drivers that
// shared a start instant: histograms merge exactly (an error if a value
// would be dropped), counts add, acknowledgements unite, the per-second
// series is recomputed from the merged seconds, and Intervals keep one
// histogram per driver and second, tagged with tags[i] (the driver's name).
func Merge(ms []*Measured, tags []string) (*Measured, error) {
	if len(ms) == 0 {
		return nil, errors.New("bench: nothing to merge")
	}
	out := &Measured{
		Strategy: ms[0].Strategy, Began: ms[0].Began, FirstMeasured: ms[0].FirstMeasured,
		StatusCodes: map[string]int64{}, Errors: map[string]int64{},
	}
	hists := map[string][]string{}
	type sec struct {
		p     reports.SeriesPoint
		hists []string
	}
	secs := map[float64]*sec{}
	for i, m := range ms {
		if m.Strategy != out.Strategy || m.FirstMeasured != out.FirstMeasured {
			return nil, fmt.Errorf("bench: merge %s (first measured %d) with %s (%d): not one run",
				m.Strategy, m.FirstMeasured, out.Strategy, out.FirstMeasured)
		}
		out.Walked = max(out.Walked, m.Walked)
		out.Assigned += m.Assigned
		out.Requests += m.Requests
		out.OK += m.OK
		out.WarmN += m.WarmN
		out.CPU += m.CPU
		for k, v := range m.StatusCodes {
			out.StatusCodes[k] += v
		}
		for k, v := range m.Errors {
			out.Errors[k] += v
		}
		hists["c"] = append(hists["c"], m.Corrected)
		hists["u"] = append(hists["u"], m.Uncorrected)
		hists["w"] = append(hists["w"], m.Warm)
		hists["l"] = append(hists["l"], m.Lag)
		out.Behind = out.Behind || m.Behind
		if m.Harness != nil {
			if out.Harness == nil {
				out.Harness = &reports.Harness{Reasons: []string{}}
			}
			// The fleet is saturated when a driver is; each reason names it.
			out.Harness.Saturated = out.Harness.Saturated || m.Harness.Saturated
			for _, r := range m.Harness.Reasons {
				tag := fmt.Sprintf("driver %d", i)
				if i < len(tags) {
					tag = tags[i]
				}
				out.Harness.Reasons = append(out.Harness.Reasons, tag+": "+r)
			}
			out.Harness.InFlightPeak += m.Harness.InFlightPeak
			out.Harness.InFlightCap += m.Harness.InFlightCap
			// The busiest driver's figures (each is its own process's).
			h, w := out.Harness, m.Harness
			h.CPUUtilization = max(h.CPUUtilization, w.CPUUtilization)
			h.SchedLatencyP99Ms = max(h.SchedLatencyP99Ms, w.SchedLatencyP99Ms)
			h.GCPauseMs = reports.GCPauses{Total: max(h.GCPauseMs.Total, w.GCPauseMs.Total), Max: max(h.GCPauseMs.Max, w.GCPauseMs.Max)}
			if w.FDs.Peak > h.FDs.Peak {
				h.FDs = w.FDs
			}
			h.GoroutinesPeak = max(h.GoroutinesPeak, w.GoroutinesPeak)
			if w := m.Harness.CPUWaitRatio; w != nil && (out.Harness.CPUWaitRatio == nil || *w > *out.Harness.CPUWaitRatio) {
				out.Harness.CPUWaitRatio = w // the most contended driver's
			}
		}
		for len(out.Acked) < len(m.Acked) {
			out.Acked = append(out.Acked, 0)
		}
		for j, w := range m.Acked {
			out.Acked[j] |= w
		}
		out.LastSent = max(out.LastSent, m.LastSent)
		out.CapHits += m.CapHits
		out.PeakInFlight += m.PeakInFlight // the fleet's, an upper bound
		out.MaxLag = max(out.MaxLag, m.MaxLag)
		out.Interrupted = out.Interrupted || m.Interrupted
		for _, p := range m.Series {
			s := secs[p.T]
			if s == nil {
				s = &sec{p: reports.SeriesPoint{T: p.T}}
				secs[p.T] = s
			}
			s.p.Sent += p.Sent
			s.p.OK += p.OK
			s.p.Errors += p.Errors
		}
		for _, in := range m.Intervals {
			if i < len(tags) {
				in.Tag = tags[i]
			}
			out.Intervals = append(out.Intervals, in)
			if s := secs[in.T]; s != nil {
				s.hists = append(s.hists, in.Histogram)
			}
		}
	}
	var err error
	if out.Corrected, err = mergeEncoded(hists["c"]); err != nil {
		return nil, fmt.Errorf("corrected latency: %w", err)
	}
	if out.Uncorrected, err = mergeEncoded(hists["u"]); err != nil {
		return nil, fmt.Errorf("uncorrected latency: %w", err)
	}
	if out.Warm, err = mergeEncoded(hists["w"]); err != nil {
		return nil, fmt.Errorf("warm-up latency: %w", err)
	}
	if out.Lag, err = mergeEncoded(hists["l"]); err != nil {
		return nil, fmt.Errorf("driver lag: %w", err)
	}
	for _, t := range slices.Sorted(maps.Keys(secs)) {
		s := secs[t]
		h, err := reports.MergeEncoded(s.hists...)
		if err != nil {
			return nil, fmt.Errorf("second %v: %w", t, err)
		}
		p := reports.PercentilesOf(h)
		s.p.P50Ms, s.p.P99Ms, s.p.MaxMs = p.P50, p.P99, p.Max
		out.Series = append(out.Series, s.p)
	}
	slices.SortStableFunc(out.Intervals, func(a, b reports.Interval) int {
		return cmp.Or(cmp.Compare(a.T, b.T), cmp.Compare(a.Tag, b.Tag))
	})
	return out, nil
}

func mergeEncoded(enc []string) (string, error) {
	h, err := reports.MergeEncoded(enc...)
	if err != nil {
		return "", err
	}
	return reports.EncodeHistogram(h)
}

// Sends says which sends of a strategy were made, for the host to
// reconcile: every send of each listed part below its Walked, and which of
// them the user got a 2xx for.
type Sends struct {
	Began         time.Time    `json:"began"`
	FirstMeasured uint64       `json:"first_measured"`
	Parts         []PartWalked `json:"parts"`
	Acked         []uint64     `json:"acked"`
	Interrupted   bool         `json:"interrupted"`
}

// PartWalked is a part and how far its driver got.
type PartWalked struct {
	Part   Part   `json:"part"`
	Walked uint64 `json:"walked"`
}

// Settled is the host's side of a strategy's result: its reconciliation
// against the mocks' ledgers and what the system under test counted.
type Settled struct {
	Outcomes            reports.Outcomes    `json:"outcomes"`
	Lost                int64               `json:"lost"`
	DuplicateDeliveries reports.AB          `json:"duplicate_deliveries"`
	DuplicateEffects    reports.AB          `json:"duplicate_effects"`
	Calls               reports.AB          `json:"calls"`
	Retries             reports.AB          `json:"retries"`
	BreakerOpens        reports.AB          `json:"breaker_opens"`
	DeliveryA           string              `json:"delivery_a"`
	DeliveryB           string              `json:"delivery_b"`
	DeliveryBoth        string              `json:"delivery_both"`
	Delivered           map[int]int64       `json:"delivered"`
	Arrived             map[int]int64       `json:"arrived"`
	Undelivered         map[string][]string `json:"undelivered,omitempty"`
	Ideal               string              `json:"ideal"`
	CombineNone         bool                `json:"combine_none"`
	// Stats are the strategy's own figures; StatsFrom is the start of
	// measurement on the host's clock, the origin of their series.
	Stats     *strategies.Stats   `json:"stats,omitempty"`
	StatsFrom time.Time           `json:"stats_from"`
	Phases    []reports.PhaseMark `json:"phases,omitempty"`
	// CPU is the serve host process's CPU time (fronts, strategy, mock
	// APIs) from Begin until Settle began: over the warm-up and the
	// measurement, before any drain.
	CPU time.Duration `json:"cpu_ns"`
	// Harness is the serve host's own health over the same span: its
	// mocks' timer lateness, CPU, CPU wait, scheduler latency and
	// descriptors (the drivers judge their own lag and rate).
	Harness *reports.Harness `json:"harness,omitempty"`
}

// Host is the system under test of one strategy, set up as Run sets it
// up: fresh mock APIs a and b, the strategy and its front.
type Host struct {
	sc    *scenarios.Scenario
	spec  strategies.Spec
	pacer vegeta.Pacer
	r     *rig
	tl    *timeline
	opt   Options
	cpu0  time.Duration // process CPU at Begin
	monMu sync.Mutex
	mon   *monitor // the host's health from Begin to Settle
}

// StartHost starts the mock APIs and strategy's front as Run would
// (opt.FrontListen says where the front listens). Close it.
func StartHost(ctx context.Context, sc *scenarios.Scenario, strategy string, opt Options) (*Host, error) {
	i := slices.IndexFunc(sc.Strategies, func(s strategies.Spec) bool { return s.Label() == strategy })
	if i < 0 {
		return nil, fmt.Errorf("strategy %q is not in scenario %s", strategy, sc.Name)
	}
	spec := sc.Strategies[i]
	if spec.Name == strategies.NameExternal {
		return nil, errors.New("the external strategy cannot be served: its service is the user's own")
	}
	pacer, err := pacerFor(sc.Load)
	if err != nil {
		return nil, err
	}
	r, err := setUp(ctx, sc, spec, opt)
	if err != nil {
		return nil, err
	}
	return &Host{sc: sc, spec: spec, pacer: pacer, r: r, opt: opt,
		tl: newTimeline(sc.Phases, sc.APIs, r.apis, spec.Label(), r.built.RestartBroker, r.built.CrashRelay)}, nil
}

// URL is where drivers send user requests.
func (h *Host) URL() string { return h.r.url }

// Begin starts the scenario's fault phases for a schedule whose time zero
// is began (on this host's clock); Settle stops them.
func (h *Host) Begin(ctx context.Context, began time.Time) {
	h.cpu0 = cpuTime()
	h.monMu.Lock()
	if h.mon == nil {
		h.mon = startMonitor(h.sc.Load.Warmup+h.sc.Load.Duration, 250*time.Millisecond)
	}
	h.monMu.Unlock()
	h.tl.start(context.WithoutCancel(ctx), began.Add(h.sc.Load.Warmup))
}

// Settle ends the fault phases, lets an asynchronous strategy drain
// (bounded by the scenario's drain_timeout, 2s when s.Interrupted), and
// reconciles the sends against the mocks' ledgers.
func (h *Host) Settle(ctx context.Context, s Sends) (*Settled, error) {
	out := &Settled{Phases: h.tl.stop(), CPU: cpuTime() - h.cpu0}
	if mon := h.takeMonitor(); mon != nil {
		health, _ := harnessRun{seen: mon.stop(), lateness: tailOfTimers(h.r.apis)}.assess(h.opt.thresholds())
		out.Harness = &health
	}
	if h.r.built.Drain != nil {
		wait := h.sc.DrainTimeout
		if s.Interrupted {
			wait = 2 * time.Second
		}
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), wait)
		if err := h.r.built.Drain(dctx); err != nil {
			logf(h.opt, "%s: drain ended before everything was delivered: %v", h.spec.Label(), err)
		}
		cancel()
	}
	d := &drive{began: s.Began, firstMeasured: s.FirstMeasured, rec: &recorder{acked: s.Acked}}
	for _, p := range s.Parts {
		d.sent = max(d.sent, p.Walked)
	}
	d.include = func(seq uint64) bool {
		for _, p := range s.Parts {
			if p.Part.Has(seq) && seq < p.Walked {
				return true
			}
		}
		return false
	}
	rec := reconcile(d, h.pacer, newIDSpace(h.sc.Seed), h.sc.Load.Warmup, h.r.apis[0].Ledger(), h.r.apis[1].Ledger())
	out.Outcomes, out.Lost = rec.outcomes, rec.lost
	out.DuplicateDeliveries, out.DuplicateEffects = rec.dupDeliver, rec.dupEffects
	out.Calls, out.Retries = rec.calls, rec.retries
	out.BreakerOpens = reports.AB{A: h.r.stats[0].BreakerOpens.Load(), B: h.r.stats[1].BreakerOpens.Load()}
	out.Delivered, out.Arrived, out.Undelivered = rec.delivered, rec.arrived, rec.undelivered
	for _, x := range []struct {
		dst *string
		h   *hdrhistogram.Histogram
	}{{&out.DeliveryA, rec.a}, {&out.DeliveryB, rec.b}, {&out.DeliveryBoth, rec.both}} {
		var err error
		if *x.dst, err = reports.EncodeHistogram(x.h); err != nil {
			return nil, err
		}
	}
	idealH, err := ideal(h.sc.APIs.A.Latency, h.sc.APIs.B.Latency, h.r.built.Combine, h.sc.Seed)
	if err != nil {
		return nil, err
	}
	if out.Ideal, err = reports.EncodeHistogram(idealH); err != nil {
		return nil, err
	}
	out.CombineNone = h.r.built.Combine == strategies.CombineNone
	out.StatsFrom = s.Began.Add(h.sc.Load.Warmup)
	if h.r.built.Stats != nil {
		st := h.r.built.Stats()
		out.Stats = &st
	}
	return out, nil
}

// Close stops the front, the strategy and the mock APIs.
func (h *Host) Close() error {
	h.tl.stop()
	if mon := h.takeMonitor(); mon != nil {
		mon.stop()
	}
	return h.r.close()
}

// takeMonitor returns the host's running monitor, if any, and forgets it.
func (h *Host) takeMonitor() *monitor {
	h.monMu.Lock()
	defer h.monMu.Unlock()
	mon := h.mon
	h.mon = nil
	return mon
}

// Sends returns what the host needs to reconcile m's sends; began is the
// schedule's time zero on the host's clock.
func (m *Measured) Sends(began time.Time, parts []PartWalked) Sends {
	return Sends{Began: began, FirstMeasured: m.FirstMeasured, Parts: parts, Acked: m.Acked, Interrupted: m.Interrupted}
}

// Summarize turns a strategy's merged measurement and its host's
// settlement into the strategy's result, as Run would have.
func Summarize(sc *scenarios.Scenario, m *Measured, s *Settled) (reports.StrategyResult, error) {
	var sr reports.StrategyResult
	pacer, err := pacerFor(sc.Load)
	if err != nil {
		return sr, err
	}
	rec := newRecorder(sc.Load.Warmup, sc.Load.Timeout, m.FirstMeasured)
	rec.requests, rec.ok, rec.warmN, rec.lastSent = m.Requests, m.OK, m.WarmN, m.LastSent
	for k, v := range m.StatusCodes {
		code, err := strconv.Atoi(k)
		if err != nil {
			return sr, fmt.Errorf("status code %q: %w", k, err)
		}
		rec.status[code] = v
	}
	maps.Copy(rec.errs, m.Errors)
	for _, x := range []struct {
		dst **hdrhistogram.Histogram
		enc string
	}{{&rec.corrected, m.Corrected}, {&rec.uncorrected, m.Uncorrected}, {&rec.warm, m.Warm}} {
		if *x.dst, err = reports.MergeEncoded(x.enc); err != nil {
			return sr, err
		}
	}
	rec.series.points, rec.series.intervals = m.Series, m.Intervals
	d := &drive{rec: rec, began: m.Began, sent: m.Walked, firstMeasured: m.FirstMeasured,
		capHits: m.CapHits, peakInFlight: m.PeakInFlight, maxLag: m.MaxLag, interrupted: m.Interrupted}
	recon := reconciliation{
		outcomes: s.Outcomes, lost: s.Lost, dupDeliver: s.DuplicateDeliveries, dupEffects: s.DuplicateEffects,
		calls: s.Calls, retries: s.Retries, delivered: s.Delivered, arrived: s.Arrived, undelivered: s.Undelivered,
	}
	for _, x := range []struct {
		dst **hdrhistogram.Histogram
		enc string
	}{{&recon.a, s.DeliveryA}, {&recon.b, s.DeliveryB}, {&recon.both, s.DeliveryBoth}} {
		if *x.dst, err = reports.MergeEncoded(x.enc); err != nil {
			return sr, err
		}
	}
	r := &rig{stats: [2]*strategies.LegStats{new(strategies.LegStats), new(strategies.LegStats)}}
	r.stats[0].BreakerOpens.Store(s.BreakerOpens.A)
	r.stats[1].BreakerOpens.Store(s.BreakerOpens.B)
	sr = summarize(m.Strategy, sc, pacer, d, recon, r)
	// The drivers' CPU is over the measured sends; the serve host's over
	// the warm-up's too (it cannot tell them apart), so it is shared by
	// every send it served.
	if m.Requests > 0 {
		sr.CPUUsPerSend = round3(float64(m.CPU.Microseconds())/float64(m.Requests) +
			float64(s.CPU.Microseconds())/float64(m.Requests+m.WarmN))
	}
	if m.Harness != nil {
		// The drivers' verdicts (their own processes); the serve host's
		// mock timers are not judged here.
		sr.Harness = *m.Harness
		lag, err := reports.MergeEncoded(m.Lag)
		if err != nil {
			return sr, err
		}
		sr.Harness.DriverLagMs = tailOfHist(lag).ms()
		sr.DriverSaturated = m.Behind
	}
	if sh := s.Harness; sh != nil {
		// The serve host's mocks and fronts: their timers' lateness is
		// only measured there, and its saturation makes the run's figures
		// the harness's as much as a driver's does.
		sr.Harness.MockLatenessMs = sh.MockLatenessMs
		if sr.Harness.Reasons == nil {
			sr.Harness.Reasons = []string{}
		}
		for _, r := range sh.Reasons {
			sr.Harness.Reasons = append(sr.Harness.Reasons, "serve host: "+r)
		}
		sr.Harness.Saturated = sr.Harness.Saturated || sh.Saturated
	}
	if s.Stats != nil {
		addStats(&sr, *s.Stats, s.StatsFrom)
	}
	idealH, err := reports.MergeEncoded(s.Ideal)
	if err != nil {
		return sr, err
	}
	sr.IdealMs = reports.PercentilesOf(idealH)
	if !s.CombineNone {
		sr.OverheadMs = sr.LatencyMs.Corrected.Sub(sr.IdealMs)
	}
	sr.Histograms.Ideal = s.Ideal
	return sr, nil
}

// ResultsByIntended merges vegeta result streams, each sorted by intended
// time (Drive writes them as answers come: sort them first with
// SortResults), into one sorted by intended time; shift[i]
// is added to stream i's timestamps (a worker's clock offset, so that every
// timestamp is on the coordinator's clock).
func ResultsByIntended(w io.Writer, streams []io.Reader, shift []time.Duration) error {
	type head struct {
		dec vegeta.Decoder
		r   vegeta.Result
		ok  bool
	}
	heads := make([]*head, len(streams))
	next := func(h *head, i int) error {
		h.r = vegeta.Result{}
		if err := h.dec.Decode(&h.r); err != nil {
			if errors.Is(err, io.EOF) {
				h.ok = false
				return nil
			}
			return fmt.Errorf("results stream %d: %w", i, err)
		}
		if i < len(shift) {
			h.r.Timestamp = h.r.Timestamp.Add(shift[i])
		}
		h.ok = true
		return nil
	}
	for i, s := range streams {
		heads[i] = &head{dec: vegeta.NewDecoder(s)}
		if err := next(heads[i], i); err != nil {
			return err
		}
	}
	enc := vegeta.NewEncoder(w)
	for {
		best := -1
		for i, h := range heads {
			if h.ok && (best < 0 || h.r.Timestamp.Before(heads[best].r.Timestamp)) {
				best = i
			}
		}
		if best < 0 {
			return nil
		}
		if err := enc.Encode(&heads[best].r); err != nil {
			return fmt.Errorf("write merged results: %w", err)
		}
		if err := next(heads[best], best); err != nil {
			return err
		}
	}
}

// SortResults rewrites a vegeta result stream sorted by intended time
// (Timestamp), the order ResultsByIntended merges.
func SortResults(w io.Writer, r io.Reader) error {
	var all []vegeta.Result
	dec := vegeta.NewDecoder(r)
	for {
		var res vegeta.Result
		if err := dec.Decode(&res); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return fmt.Errorf("read results: %w", err)
		}
		all = append(all, res)
	}
	slices.SortStableFunc(all, func(a, b vegeta.Result) int { return a.Timestamp.Compare(b.Timestamp) })
	enc := vegeta.NewEncoder(w)
	for i := range all {
		if err := enc.Encode(&all[i]); err != nil {
			return fmt.Errorf("write results: %w", err)
		}
	}
	return nil
}
