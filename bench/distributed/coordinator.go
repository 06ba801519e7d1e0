package distributed

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nuid"

	"github.com/fanbench/fanbench/bench"
	"github.com/fanbench/fanbench/reports"
	"github.com/fanbench/fanbench/scenarios"
	"github.com/fanbench/fanbench/strategies"
)

// Options configure the coordinator of a distributed run. The zero value
// of every field but NATSURL and Workers is fine.
type Options struct {
	// NATSURL is the NATS server of the pool (nats://host:4222); it must
	// have JetStream enabled (results travel through an object store).
	NATSURL string
	// Pool is the pool to take members from; default "default".
	Pool string
	// Workers is how many workers split the load (at least 1).
	Workers int
	// Serve names the serve host that runs the system under test; empty
	// runs it in this process (its fronts listen at Listen).
	Serve string
	// Listen is where this process's fronts listen when Serve is empty;
	// default 127.0.0.1:0 (workers on this machine only).
	Listen string
	// BrokerURL is passed to strategies that use a broker when the system
	// under test runs in this process.
	BrokerURL string
	// Wait bounds how long the coordinator waits for its members; default 30s.
	Wait time.Duration
	// Heartbeat is the run's heartbeat interval; a member silent for four
	// of them is lost. Default 500ms.
	Heartbeat time.Duration
	// MaxClockOffset refuses a member whose clock is further than this
	// from the coordinator's (offset plus its uncertainty); default 50ms.
	MaxClockOffset time.Duration
	// Logf, Progress and ResultsOut work as in bench.Options; Progress sums
	// the workers' figures (its p99 is the highest worker's, an upper bound).
	Logf       func(format string, args ...any)
	Progress   func(bench.Progress)
	ResultsOut func(strategy string) (io.WriteCloser, error)
}

// Errors of a distributed run, wrapped with what happened.
var (
	// ErrMembers: the members the run needs did not all come.
	ErrMembers = errors.New("distributed: the run's members are not all there")
	// ErrWorkerLost: a worker stopped heartbeating; the results keep what
	// the others measured and are partial.
	ErrWorkerLost = errors.New("distributed: a worker was lost")
	// ErrServeLost: the serve host stopped heartbeating or answering.
	ErrServeLost = errors.New("distributed: the serve host was lost")
	// ErrClock: a member's clock is too far from the coordinator's.
	ErrClock = errors.New("distributed: clocks disagree")
)

func (o *Options) normalize() error {
	o.Pool = cmp.Or(o.Pool, "default")
	o.Wait = cmp.Or(o.Wait, 30*time.Second)
	o.Heartbeat = cmp.Or(o.Heartbeat, 500*time.Millisecond)
	o.MaxClockOffset = cmp.Or(o.MaxClockOffset, 50*time.Millisecond)
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
	if o.Workers < 1 {
		return fmt.Errorf("workers %d: want 1 or more", o.Workers)
	}
	if err := CheckName("pool", o.Pool); err != nil {
		return err
	}
	if o.Serve != "" {
		return CheckName("serve host", o.Serve)
	}
	return nil
}

// member is a worker or the serve host as the coordinator knows it.
type member struct {
	Presence
	k           int
	offset      time.Duration // member clock − coordinator clock
	uncertainty time.Duration
	lost        bool
	measured    map[string]*bench.Measured // by strategy
	lostIn      string                     // the strategy it was lost in
}

type coordinator struct {
	opt  Options
	sc   *scenarios.Scenario
	nc   *nats.Conn
	obs  jetstream.ObjectStore
	subj subjects

	workers []*member
	serve   *member // nil: the system under test runs here

	mu       sync.Mutex
	beats    map[string]time.Time
	progress map[string]ProgressReport
	dones    chan Done
}

// Run runs sc over opt.Workers workers of the pool and returns the merged
// results, as bench.Run would for one process. A lost worker ends the run
// after its strategy with partial results and an error wrapping
// ErrWorkerLost; an interrupt (ctx) stops every worker and returns partial
// results with an error wrapping bench.ErrInterrupted.
func Run(ctx context.Context, sc *scenarios.Scenario, opt Options) (res *reports.Results, err error) {
	if err := opt.normalize(); err != nil {
		return nil, err
	}
	defer func() {
		if res == nil && errors.Is(err, bench.ErrInterrupted) {
			// Interrupted before any load: a partial run with nothing in it.
			res = bench.NewResults(sc)
			res.Partial = true
		}
	}()
	for _, s := range sc.Strategies {
		if s.Name == strategies.NameExternal {
			return nil, errors.New("strategy external cannot run distributed: its service is the user's own; run it without --workers")
		}
	}
	nc, err := connect(opt.NATSURL, "fanbench coordinator")
	if err != nil {
		return nil, err
	}
	defer nc.Close()
	run := nuid.Next()
	c := &coordinator{opt: opt, sc: sc, nc: nc, subj: subjects{pool: opt.Pool, run: run},
		beats: map[string]time.Time{}, progress: map[string]ProgressReport{}, dones: make(chan Done, 4*opt.Workers)}
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, fmt.Errorf("jetstream: %w", err)
	}
	octx, cancel := context.WithTimeout(ctx, 10*time.Second)
	c.obs, err = js.CreateObjectStore(octx, jetstream.ObjectStoreConfig{
		Bucket: bucketOf(run), Description: "fanbench run " + run + " results", TTL: 24 * time.Hour,
	})
	cancel()
	if err != nil {
		return nil, fmt.Errorf("create the run's object store on %s (JetStream must be enabled): %w", opt.NATSURL, err)
	}
	defer func() {
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if derr := js.DeleteObjectStore(dctx, bucketOf(run)); derr != nil {
			opt.Logf("delete object store %s: %v", bucketOf(run), derr)
		}
	}()
	opt.Logf("run %s: waiting for %d workers%s on pool %q at %s", run, opt.Workers, serveWords(opt.Serve), opt.Pool, opt.NATSURL)
	if err := c.discover(ctx); err != nil {
		return nil, err
	}
	subs, err := c.subscribe()
	for _, s := range subs {
		defer s.Unsubscribe()
	}
	if err != nil {
		return nil, err
	}
	stopBeats := c.beat()
	defer stopBeats()
	if err := c.claim(ctx); err != nil {
		return nil, err
	}
	defer publish(nc, c.subj.inRun("release"), struct{}{})
	if err := c.clocks(ctx); err != nil {
		return nil, err
	}
	return c.runAll(ctx)
}

func serveWords(serve string) string {
	if serve == "" {
		return ""
	}
	return fmt.Sprintf(" and serve host %q", serve)
}

// discover waits until Workers free workers (and the serve host) have
// announced themselves, or says who is missing.
func (c *coordinator) discover(ctx context.Context) error {
	seen := make(chan Presence, 256)
	sub, err := c.nc.Subscribe(c.subj.presence(), func(m *nats.Msg) {
		var p Presence
		if json.Unmarshal(m.Data, &p) == nil {
			select {
			case seen <- p:
			default:
			}
		}
	})
	if err != nil {
		return fmt.Errorf("subscribe: %w", err)
	}
	defer sub.Unsubscribe()
	ask := time.NewTicker(time.Second)
	defer ask.Stop()
	timeout := time.NewTimer(c.opt.Wait)
	defer timeout.Stop()
	members := map[string]Presence{}
	_ = c.nc.Publish(c.subj.discover(), nil)
	for {
		free := c.pick(members)
		if len(free) >= c.opt.Workers && (c.opt.Serve == "" || c.serve != nil) {
			for k, p := range free[:c.opt.Workers] {
				c.workers = append(c.workers, &member{Presence: p, k: k, measured: map[string]*bench.Measured{}})
			}
			return nil
		}
		select {
		case p := <-seen:
			members[p.Name] = p
		case <-ask.C:
			_ = c.nc.Publish(c.subj.discover(), nil)
		case <-ctx.Done():
			return fmt.Errorf("%w while waiting for members: %w", bench.ErrInterrupted, context.Cause(ctx))
		case <-timeout.C:
			return fmt.Errorf("%w: %s", ErrMembers, c.missing(members, free))
		}
	}
}

// pick returns the free workers seen, by name, and notes the serve host.
func (c *coordinator) pick(members map[string]Presence) []Presence {
	var free []Presence
	for _, name := range slices.Sorted(maps.Keys(members)) {
		p := members[name]
		switch {
		case p.Run != "":
		case p.Role == RoleWorker:
			free = append(free, p)
		case p.Role == RoleServe && p.Name == c.opt.Serve:
			c.serve = &member{Presence: p}
		}
	}
	return free
}

// missing says who did not come, for the error a timeout returns.
func (c *coordinator) missing(members map[string]Presence, free []Presence) string {
	var parts []string
	names := func(ps []Presence) string {
		var n []string
		for _, p := range ps {
			n = append(n, p.Name)
		}
		return cmp.Or(strings.Join(n, ", "), "none")
	}
	if len(free) < c.opt.Workers {
		parts = append(parts, fmt.Sprintf("%d of %d workers missing (free workers seen: %s)",
			c.opt.Workers-len(free), c.opt.Workers, names(free)))
	}
	if c.opt.Serve != "" && c.serve == nil {
		parts = append(parts, fmt.Sprintf("serve host %q missing", c.opt.Serve))
	}
	var busy []string
	for _, name := range slices.Sorted(maps.Keys(members)) {
		if p := members[name]; p.Run != "" {
			busy = append(busy, fmt.Sprintf("%s %s (in run %s)", p.Role, p.Name, p.Run))
		}
	}
	if len(busy) > 0 {
		parts = append(parts, "busy: "+strings.Join(busy, ", "))
	}
	return fmt.Sprintf("after %v on pool %q at %s: %s; start them with 'fanbench worker --nats-url %s --pool %s'%s",
		c.opt.Wait, c.opt.Pool, c.opt.NATSURL, strings.Join(parts, "; "), c.opt.NATSURL, c.opt.Pool, serveHint(c.opt))
}

func serveHint(o Options) string {
	if o.Serve == "" {
		return ""
	}
	return fmt.Sprintf(" and 'fanbench serve --nats-url %s --pool %s --name %s'", o.NATSURL, o.Pool, o.Serve)
}

// members lists the workers and the serve host.
func (c *coordinator) members() []*member {
	ms := slices.Clone(c.workers)
	if c.serve != nil {
		ms = append(ms, c.serve)
	}
	return ms
}

// subscribe listens to the run's heartbeats, progress and results.
func (c *coordinator) subscribe() ([]*nats.Subscription, error) {
	var subs []*nats.Subscription
	for _, s := range []struct {
		subject string
		fn      nats.MsgHandler
	}{
		{c.subj.of("beat", "*"), func(m *nats.Msg) {
			var b Beat
			if json.Unmarshal(m.Data, &b) == nil {
				c.mu.Lock()
				c.beats[b.Name] = time.Now()
				c.mu.Unlock()
			}
		}},
		{c.subj.of("progress", "*"), func(m *nats.Msg) {
			var p ProgressReport
			if json.Unmarshal(m.Data, &p) == nil {
				name := m.Subject[strings.LastIndexByte(m.Subject, '.')+1:]
				c.mu.Lock()
				c.progress[name] = p
				c.mu.Unlock()
			}
		}},
		{c.subj.of("done", "*"), func(m *nats.Msg) {
			var d Done
			if json.Unmarshal(m.Data, &d) == nil {
				select {
				case c.dones <- d:
				default: // more than could be waited for: not of this run's wait
				}
			}
		}},
	} {
		sub, err := c.nc.Subscribe(s.subject, s.fn)
		if err != nil {
			return subs, fmt.Errorf("subscribe %s: %w", s.subject, err)
		}
		subs = append(subs, sub)
	}
	return subs, c.nc.Flush()
}

// beat publishes the coordinator's heartbeat until the returned stop.
func (c *coordinator) beat() (stop func()) {
	done := make(chan struct{})
	exited := make(chan struct{})
	go func() {
		defer close(exited)
		tick := time.NewTicker(c.opt.Heartbeat)
		defer tick.Stop()
		for {
			publish(c.nc, c.subj.inRun("coordinator"), Beat{Name: "coordinator", At: time.Now().UnixNano()})
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	return func() { close(done); <-exited }
}

// claim asks every chosen member to join the run.
func (c *coordinator) claim(ctx context.Context) error {
	claim := Claim{Run: c.subj.run, Scenario: c.sc, HeartbeatNs: c.opt.Heartbeat}
	for _, m := range c.members() {
		if ctx.Err() != nil {
			return fmt.Errorf("%w: %w", bench.ErrInterrupted, context.Cause(ctx))
		}
		if _, err := request(c.nc, c.subj.claim(m.Name), claim, 5*time.Second); err != nil {
			return fmt.Errorf("%w: claim %s %s: %w", ErrMembers, m.Role, m.Name, err)
		}
		c.mu.Lock()
		c.beats[m.Name] = time.Now()
		c.mu.Unlock()
	}
	return nil
}

// clockRounds is how many round trips estimate each member's clock.
const clockRounds = 7

// clocks estimates every member's clock offset and refuses the run when
// one is beyond MaxClockOffset.
func (c *coordinator) clocks(ctx context.Context) error {
	for _, m := range c.members() {
		best := time.Duration(math.MaxInt64)
		for range clockRounds {
			if ctx.Err() != nil {
				return fmt.Errorf("%w: %w", bench.ErrInterrupted, context.Cause(ctx))
			}
			t0 := time.Now()
			msg, err := c.nc.Request(c.subj.of("clock", m.Name), nil, 2*time.Second)
			t1 := time.Now()
			if err != nil {
				return fmt.Errorf("%w: clock of %s %s: %w", ErrMembers, m.Role, m.Name, err)
			}
			var cl Clock
			if err := json.Unmarshal(msg.Data, &cl); err != nil {
				return fmt.Errorf("clock of %s: %w", m.Name, err)
			}
			if rtt := t1.Sub(t0); rtt < best {
				best = rtt
				mid := t0.Add(rtt / 2)
				m.offset = time.Unix(0, cl.At).Sub(mid)
				m.uncertainty = rtt / 2
			}
		}
		if abs(m.offset)+m.uncertainty > c.opt.MaxClockOffset {
			return fmt.Errorf("%w: %s %s on %s is %v off the coordinator's clock (±%v); want within %v: synchronise its clock (NTP) or raise --max-clock-offset",
				ErrClock, m.Role, m.Name, m.Host, m.offset, m.uncertainty, c.opt.MaxClockOffset)
		}
		c.opt.Logf("%s %s on %s: clock offset %v ± %v", m.Role, m.Name, m.Host, m.offset, m.uncertainty)
	}
	return nil
}

func abs(d time.Duration) time.Duration { return max(d, -d) }

// runAll runs every strategy in turn.
func (c *coordinator) runAll(ctx context.Context) (*reports.Results, error) {
	res := bench.NewResults(c.sc)
	var lostErr error
	for _, spec := range c.sc.Strategies {
		if ctx.Err() != nil {
			break
		}
		sr, marks, lost, err := c.runStrategy(ctx, spec.Label())
		if err != nil {
			return nil, fmt.Errorf("strategy %s: %w", spec.Label(), err)
		}
		res.Strategies = append(res.Strategies, sr)
		res.Phases = append(res.Phases, marks...)
		if len(lost) > 0 {
			res.Partial = true
			res.PartialReason = fmt.Sprintf("worker %s stopped heartbeating during %s: its sends are not counted, the other workers' are",
				strings.Join(lost, ", "), spec.Label())
			lostErr = fmt.Errorf("%w: %s", ErrWorkerLost, res.PartialReason)
			break
		}
	}
	res.SLO = bench.EvaluateSLOs(res, c.sc.SLOs)
	res.Workers = c.report()
	switch {
	case ctx.Err() != nil:
		res.Partial = true
		return res, fmt.Errorf("%w: %w", bench.ErrInterrupted, context.Cause(ctx))
	case lostErr != nil:
		return res, lostErr
	}
	return res, nil
}

// report lists what each worker did.
func (c *coordinator) report() []reports.Worker {
	var out []reports.Worker
	for _, w := range c.workers {
		rw := reports.Worker{Name: w.Name, Host: w.Host, K: w.k, N: len(c.workers), Missing: w.lost,
			ClockOffsetMs: ms(w.offset), ClockUncertaintyMs: ms(w.uncertainty), Strategies: []reports.WorkerStrategy{}}
		for _, spec := range c.sc.Strategies {
			m := w.measured[spec.Label()]
			if m == nil {
				if w.lostIn == spec.Label() {
					rw.Strategies = append(rw.Strategies, reports.WorkerStrategy{Strategy: spec.Label(), Missing: true})
				}
				continue
			}
			window := c.sc.Load.Duration
			if m.Interrupted && m.LastSent > c.sc.Load.Warmup {
				window = m.LastSent - c.sc.Load.Warmup
			}
			ws := reports.WorkerStrategy{Strategy: spec.Label(), Assigned: m.Assigned, Sent: m.Requests, DriverLagMs: ms(m.MaxLag), Harness: m.Harness}
			if window > 0 {
				ws.RateAchieved = math.Round(float64(m.Requests)/window.Seconds()*1000) / 1000
			}
			rw.Strategies = append(rw.Strategies, ws)
		}
		out = append(out, rw)
	}
	return out
}

func ms(d time.Duration) float64 { return math.Round(float64(d.Microseconds())) / 1000 }

// runStrategy sets up the system under test, starts every worker at one
// instant, waits for their results (or their loss), merges them and has
// the host reconcile. lost names the workers lost.
func (c *coordinator) runStrategy(ctx context.Context, name string) (sr reports.StrategyResult, marks []reports.PhaseMark, lost []string, err error) {
	h, err := c.setUp(ctx, name)
	if err != nil {
		return sr, nil, nil, err
	}
	defer func() {
		if terr := h.tearDown(); terr != nil && err == nil {
			err = terr
		}
	}()
	var rtt time.Duration
	for _, m := range c.members() {
		rtt = max(rtt, 2*m.uncertainty)
	}
	start := time.Now().Add(time.Second + 4*rtt)
	if err := h.begin(ctx, start); err != nil {
		return sr, nil, nil, err
	}
	for _, w := range c.workers {
		a := Assignment{Strategy: name, Target: h.url, Part: bench.Part{K: w.k, N: len(c.workers)}, Start: start.Add(w.offset).UnixNano()}
		if _, err := request(c.nc, c.subj.of("assign", w.Name), a, 5*time.Second); err != nil {
			return sr, nil, nil, fmt.Errorf("assign worker %s: %w", w.Name, err)
		}
	}
	c.opt.Logf("%s: %d workers start at %s, sending to %s", name, len(c.workers), start.UTC().Format("15:04:05.000"), h.url)
	dones, lost, err := c.wait(ctx, name, start, h)
	if err != nil {
		return sr, nil, lost, err
	}
	// Once the loads ended, an interrupt no longer cuts anything short:
	// what was measured is collected and reconciled.
	ctx = context.WithoutCancel(ctx)
	var ms []*bench.Measured
	var tags []string
	var parts []bench.PartWalked
	var streams []io.Reader
	var shifts []time.Duration
	for _, w := range c.workers {
		d, ok := dones[w.Name]
		if !ok {
			continue
		}
		if d.Error != "" {
			return sr, nil, lost, fmt.Errorf("worker %s: %s", w.Name, d.Error)
		}
		b, err := c.obs.GetBytes(ctx, d.Measured)
		if err != nil {
			return sr, nil, lost, fmt.Errorf("read %s: %w", d.Measured, err)
		}
		var m bench.Measured
		if err := json.Unmarshal(b, &m); err != nil {
			return sr, nil, lost, fmt.Errorf("decode %s: %w", d.Measured, err)
		}
		w.measured[name] = &m
		ms, tags = append(ms, &m), append(tags, w.Name)
		parts = append(parts, bench.PartWalked{Part: m.Part, Walked: m.Walked})
		if c.opt.ResultsOut != nil {
			bin, err := c.obs.GetBytes(ctx, d.Results)
			if err != nil {
				return sr, nil, lost, fmt.Errorf("read %s: %w", d.Results, err)
			}
			streams, shifts = append(streams, bytes.NewReader(bin)), append(shifts, -w.offset)
		}
	}
	if len(ms) == 0 {
		return sr, nil, lost, fmt.Errorf("%w: no worker reported %s (lost: %s)", ErrWorkerLost, name, strings.Join(lost, ", "))
	}
	merged, err := bench.Merge(ms, tags)
	if err != nil {
		return sr, nil, lost, err
	}
	merged.Began = start
	if err := c.writeResults(name, streams, shifts); err != nil {
		return sr, nil, lost, err
	}
	settled, err := h.settle(ctx, merged.Sends(start.Add(h.offset), parts))
	if err != nil {
		return sr, nil, lost, err
	}
	sr, err = bench.Summarize(c.sc, merged, settled)
	if err != nil {
		return sr, nil, lost, err
	}
	c.opt.Logf("%s: %d sends from %d workers, %d lost, drained", name, sr.Requests, len(ms), sr.Lost)
	return sr, settled.Phases, lost, nil
}

// writeResults merges the workers' vegeta results by intended time.
func (c *coordinator) writeResults(name string, streams []io.Reader, shifts []time.Duration) (err error) {
	if c.opt.ResultsOut == nil {
		return nil
	}
	w, err := c.opt.ResultsOut(name)
	if err != nil {
		return fmt.Errorf("open vegeta results: %w", err)
	}
	defer func() {
		if cerr := w.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("write vegeta results: %w", cerr)
		}
	}()
	return bench.ResultsByIntended(w, streams, shifts)
}

// wait collects the workers' Done messages for strategy name. A worker
// silent for four heartbeats is lost: the others are told to stop, and
// their results are kept. An interrupt stops every worker likewise.
func (c *coordinator) wait(ctx context.Context, name string, start time.Time, h *sut) (map[string]Done, []string, error) {
	pending := map[string]*member{}
	for _, w := range c.workers {
		pending[w.Name] = w
	}
	dones := map[string]Done{}
	var lost []string
	load := c.sc.Load.Warmup + c.sc.Load.Duration
	deadline := start.Add(load + c.sc.Load.Timeout + 30*time.Second)
	miss := 4 * c.opt.Heartbeat
	tick := time.NewTicker(c.opt.Heartbeat / 2)
	defer tick.Stop()
	second := time.NewTicker(time.Second)
	defer second.Stop()
	interrupted := ctx.Done()
	stopped := false
	stop := func(why string) {
		if !stopped {
			stopped = true
			c.opt.Logf("%s: stopping every worker: %s", name, why)
			publish(c.nc, c.subj.inRun("stop"), struct{}{})
		}
	}
	for len(pending) > 0 {
		select {
		case d := <-c.dones:
			if _, ok := pending[d.Name]; ok && d.Strategy == name {
				dones[d.Name] = d
				delete(pending, d.Name)
			}
		case <-interrupted:
			interrupted = nil
			stop("interrupted")
			// Workers cut their in-flight sends after the interrupt grace.
			deadline = time.Now().Add(bench.DefaultInterruptGrace + 10*time.Second)
		case <-second.C:
			c.showProgress(name, start, load)
		case now := <-tick.C:
			c.mu.Lock()
			beats := maps.Clone(c.beats)
			c.mu.Unlock()
			if h.remote != nil {
				if silent := now.Sub(beats[h.remote.Name]); silent > miss {
					stop("the serve host was lost")
					h.lost = true
					return nil, lost, fmt.Errorf("%w: serve host %s on %s silent for %v during %s",
						ErrServeLost, h.remote.Name, h.remote.Host, silent.Round(time.Millisecond), name)
				}
			}
			for wn, w := range pending {
				silent := now.Sub(beats[wn])
				late := now.After(deadline)
				if silent <= miss && !late {
					continue
				}
				w.lost, w.lostIn = true, name
				lost = append(lost, wn)
				delete(pending, wn)
				if late {
					c.opt.Logf("%s: worker %s on %s sent no results by the deadline", name, wn, w.Host)
				} else {
					c.opt.Logf("%s: worker %s on %s silent for %v: lost", name, wn, w.Host, silent.Round(time.Millisecond))
				}
				stop("worker " + wn + " was lost")
				// The others end their loads now and report.
				if soon := now.Add(c.sc.Load.Timeout + 10*time.Second); soon.Before(deadline) {
					deadline = soon
				}
			}
		}
	}
	slices.Sort(lost)
	return dones, lost, nil
}

// showProgress sums the workers' latest progress for the live line.
func (c *coordinator) showProgress(name string, start time.Time, total time.Duration) {
	if c.opt.Progress == nil {
		return
	}
	p := bench.Progress{Strategy: name, Elapsed: max(time.Since(start), 0), Total: total}
	p.Warmup = p.Elapsed < c.sc.Load.Warmup
	c.mu.Lock()
	for _, r := range c.progress {
		if r.Strategy == name {
			p.Requests += r.Requests
			p.Errors += r.Errors
			p.Rate += r.Rate
			p.P99Ms = max(p.P99Ms, r.P99Ms)
		}
	}
	c.mu.Unlock()
	c.opt.Progress(p)
}
