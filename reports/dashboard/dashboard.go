// Package dashboard serves a live view of a running fanbench run in the
// browser: one page per run, updated by Server-Sent Events at most once a
// second, with each strategy's latency and throughput over time (the
// interactive charts of reports/charts, embedded, so nothing is fetched at
// view time), its outcomes so far and the harness verdict; the final tables
// and a link to report.html when the run ends.
//
// The dashboard measures nothing: its caller publishes what the engine
// already measures (bench's live progress). Publishing never blocks on a
// browser: events are queued per client and, when a client does not keep
// up, dropped for that client and counted.
package dashboard

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fanbench/fanbench/reports"
	"github.com/fanbench/fanbench/reports/charts"
)

// DefaultAddr is where the dashboard listens unless told otherwise.
const DefaultAddr = "127.0.0.1:8089"

// ErrNotLoopback is returned by Start for an address off this machine
// without Config.AllowRemote.
var ErrNotLoopback = errors.New("dashboard: address is not loopback")

// Config configures a dashboard. The zero value listens on DefaultAddr.
type Config struct {
	// Addr is host:port to listen on (port 0: any free port).
	Addr string
	// AllowRemote lets Addr be an address other machines reach; without
	// it only loopback addresses are accepted, and requests must name a
	// loopback host (no DNS rebinding).
	AllowRemote bool
	// Title names the run (the scenario).
	Title string
	// Interval is the most often updates are pushed (default and minimum
	// 1s; tests may not go lower either: the page promises once a second).
	Interval time.Duration
	// ClientBuffer is how many events wait for a slow client before the
	// next ones are dropped for it (default 4).
	ClientBuffer int
	// MaxPoints bounds each strategy's history kept for pages that connect
	// late (default 3600: an hour of seconds).
	MaxPoints int
}

// Update is what the engine measured of one strategy in the last second.
type Update struct {
	Strategy string  `json:"strategy"`
	T        float64 `json:"t"` // seconds since the start of measurement (negative in warm-up)
	ElapsedS float64 `json:"elapsed_s"`
	TotalS   float64 `json:"total_s"`
	Warmup   bool    `json:"warmup"`
	// P50Ms and P99Ms: corrected user latency of the answers of the last
	// second; P99SoFarMs: of all measured answers so far.
	P50Ms      float64 `json:"p50_ms"`
	P99Ms      float64 `json:"p99_ms"`
	P99SoFarMs float64 `json:"p99_so_far_ms"`
	// Offered, Answered (2xx) and Delivered (reached both APIs, by arrival)
	// per second.
	Offered   float64 `json:"offered"`
	Answered  float64 `json:"answered"`
	Delivered float64 `json:"delivered"`
	// Requests and Errors count measured sends answered so far.
	Requests     int64            `json:"requests"`
	Errors       int64            `json:"errors"`
	Outcomes     reports.Outcomes `json:"outcomes"`
	Backlog      int64            `json:"backlog"`
	Retries      reports.AB       `json:"retries"`
	BreakerOpens reports.AB       `json:"breaker_opens"`
	// Bands are the fault phases so far; Phase names the last one.
	Bands []charts.Band `json:"bands"`
	Phase string        `json:"phase"`
	// Saturated lists why the harness is saturated now (empty: it keeps up).
	Saturated []string `json:"saturated"`
}

// Final is the end of the run: the tables and where the report is.
type Final struct {
	// Tables is the text report (as fanbench run prints it).
	Tables string `json:"tables"`
	// ReportPath, when set, is the report.html file the page links to
	// (served at /report.html).
	ReportPath string `json:"-"`
	// Saturated lists, per strategy, why the harness verdict says
	// saturated; empty when every strategy's figures are its own.
	Saturated []string `json:"saturated"`
	// Interrupted is set when the run was cut short.
	Interrupted bool `json:"interrupted"`
}

// Server is a running dashboard. Its methods are safe for concurrent use.
type Server struct {
	cfg Config
	ln  net.Listener
	srv *http.Server
	url string

	flushMu sync.Mutex // one flush at a time
	mu      sync.Mutex
	order   []string                  // strategies in the order they started
	series  map[string]*charts.Series // history, for pages that connect late
	last    map[string]Update
	pending []Update
	final   *Final
	clients map[*client]struct{}

	dropped atomic.Int64 // events a slow client missed
	pushed  atomic.Int64 // events queued to clients

	done    chan struct{} // closed by Close: handlers and the pusher stop
	exited  chan struct{} // the pusher has stopped
	served  chan struct{} // Serve has returned
	closing sync.Once
}

type client struct {
	ch       chan []byte
	dropped  atomic.Int64
	gotFinal atomic.Bool // the final tables reached this page's queue
}

// Start listens on cfg.Addr and serves the dashboard until Close.
func Start(cfg Config) (*Server, error) {
	if cfg.Addr == "" {
		cfg.Addr = DefaultAddr
	}
	cfg.Interval = max(cfg.Interval, time.Second)
	if cfg.ClientBuffer <= 0 {
		cfg.ClientBuffer = 4
	}
	if cfg.MaxPoints <= 0 {
		cfg.MaxPoints = 3600
	}
	host, _, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("dashboard: address %q: %w; want host:port such as %s", cfg.Addr, err, DefaultAddr)
	}
	if !cfg.AllowRemote && !isLoopback(host) {
		return nil, fmt.Errorf("%w: %q is reachable from other machines; use a loopback address such as %s, or allow it explicitly", ErrNotLoopback, cfg.Addr, DefaultAddr)
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("dashboard: listen on %s: %w", cfg.Addr, err)
	}
	s := &Server{
		cfg: cfg, ln: ln, url: "http://" + ln.Addr().String() + "/",
		series: map[string]*charts.Series{}, last: map[string]Update{}, clients: map[*client]struct{}{},
		done: make(chan struct{}), exited: make(chan struct{}), served: make(chan struct{}),
	}
	s.srv = &http.Server{Handler: s.routes(), ReadHeaderTimeout: 10 * time.Second}
	go func() { defer close(s.served); _ = s.srv.Serve(ln) }()
	go s.push()
	return s, nil
}

// URL is the page's address.
func (s *Server) URL() string { return s.url }

// Publish queues u for the next push. It never waits for a browser.
func (s *Server) Publish(u Update) {
	s.mu.Lock()
	s.pending = append(s.pending, u)
	s.mu.Unlock()
}

// Finish shows the end of the run: pending updates, then the final tables.
func (s *Server) Finish(f Final) {
	s.mu.Lock()
	s.final = &f
	s.mu.Unlock()
	s.flush()
}

// Dropped returns how many events were dropped for clients that did not
// keep up (each client counts its own).
func (s *Server) Dropped() int64 { return s.dropped.Load() }

// Pushed returns how many events were queued to clients.
func (s *Server) Pushed() int64 { return s.pushed.Load() }

// Close stops serving: every page's event stream ends and the listener
// closes. It is idempotent.
func (s *Server) Close() error {
	var err error
	s.closing.Do(func() {
		close(s.done)
		<-s.exited
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if err = s.srv.Shutdown(ctx); err != nil {
			err = errors.Join(err, s.srv.Close())
		}
		<-s.served
	})
	return err
}

// push sends the updates published since the last push, once per interval.
func (s *Server) push() {
	defer close(s.exited)
	tick := time.NewTicker(s.cfg.Interval)
	defer tick.Stop()
	for {
		select {
		case <-s.done:
			return
		case <-tick.C:
			s.flush()
		}
	}
}

// event is one SSE message's data.
type event struct {
	Updates []Update `json:"updates,omitempty"`
	Final   *Final   `json:"final,omitempty"`
}

// flush applies the pending updates to the history and sends them (and
// the final tables, once) to every client as one event.
func (s *Server) flush() {
	s.flushMu.Lock() // the pusher's tick and Finish may both flush
	defer s.flushMu.Unlock()
	s.mu.Lock()
	ev := event{Updates: s.pending}
	s.pending = nil
	for i, u := range ev.Updates {
		s.apply(u) // the history keeps NaN as a gap
		ev.Updates[i] = finite(u)
	}
	final := s.final
	clients := make([]*client, 0, len(s.clients))
	for c := range s.clients {
		clients = append(clients, c)
	}
	s.mu.Unlock()
	// A page gets the final tables once: with the first flush after Finish
	// whose event it had room for; after that, updates only.
	var update, withFinal []byte
	if len(ev.Updates) > 0 {
		update = sseEvent("update", ev)
	}
	if final != nil && slices.ContainsFunc(clients, func(c *client) bool { return !c.gotFinal.Load() }) {
		ev.Final = final
		withFinal = sseEvent("final", ev)
	}
	for _, c := range clients {
		msg := update
		last := withFinal != nil && !c.gotFinal.Load()
		if last {
			msg = withFinal
		}
		if msg == nil {
			continue
		}
		select {
		case c.ch <- msg:
			s.pushed.Add(1)
			if last {
				c.gotFinal.Store(true)
			}
		default: // a client that does not keep up never holds the run
			c.dropped.Add(1)
			s.dropped.Add(1)
		}
	}
}

// finite returns u with every float that JSON cannot carry (NaN, ±Inf)
// set to 0, so that one odd figure cannot keep a second's updates from
// every page.
func finite(u Update) Update {
	for _, f := range []*float64{&u.T, &u.ElapsedS, &u.TotalS, &u.P50Ms, &u.P99Ms, &u.P99SoFarMs, &u.Offered, &u.Answered, &u.Delivered} {
		if math.IsNaN(*f) || math.IsInf(*f, 0) {
			*f = 0
		}
	}
	return u
}

// sseEvent is ev as one Server-Sent Event named name.
func sseEvent(name string, ev event) []byte {
	data, err := json.Marshal(ev)
	if err != nil { // finite numbers and strings only (see finite): cannot happen
		return nil
	}
	return []byte("event: " + name + "\ndata: " + string(data) + "\n\n")
}

// apply adds u to its strategy's history; s.mu is held.
func (s *Server) apply(u Update) {
	sr := s.series[u.Strategy]
	if sr == nil {
		sr = &charts.Series{Name: u.Strategy, DeliveredLabel: "delivered to both (by arrival)"}
		s.series[u.Strategy] = sr
		s.order = append(s.order, u.Strategy)
	}
	if n := len(sr.T); n > 0 && u.T < sr.T[n-1] {
		// The strategy runs again (--repeat): its chart starts over.
		*sr = charts.Series{Name: sr.Name, DeliveredLabel: sr.DeliveredLabel}
	}
	num := func(v float64) charts.Num {
		if v <= 0 {
			return charts.Gap()
		}
		return charts.Num(v)
	}
	sr.T = append(sr.T, u.T)
	sr.P50 = append(sr.P50, num(u.P50Ms))
	sr.P99 = append(sr.P99, num(u.P99Ms))
	sr.Offered = append(sr.Offered, charts.Num(u.Offered))
	sr.Answered = append(sr.Answered, charts.Num(u.Answered))
	sr.Delivered = append(sr.Delivered, charts.Num(u.Delivered))
	sr.Bands = u.Bands
	if over := len(sr.T) - s.cfg.MaxPoints; over > 0 {
		sr.T, sr.P50, sr.P99 = sr.T[over:], sr.P50[over:], sr.P99[over:]
		sr.Offered, sr.Answered, sr.Delivered = sr.Offered[over:], sr.Answered[over:], sr.Delivered[over:]
	}
	s.last[u.Strategy] = finite(u)
}

// snapshot is the state a page starts from.
type snapshot struct {
	Title   string          `json:"title"`
	Series  []charts.Series `json:"series"`
	Last    []Update        `json:"last"`
	Final   *Final          `json:"final,omitempty"`
	Dropped int64           `json:"dropped"`
}

func (s *Server) snapshot() snapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.snapshotLocked()
}

func (s *Server) snapshotLocked() snapshot {
	snap := snapshot{Title: s.cfg.Title, Series: []charts.Series{}, Last: []Update{}, Final: s.final, Dropped: s.dropped.Load()}
	for _, name := range s.order {
		snap.Series = append(snap.Series, *s.series[name])
		snap.Last = append(snap.Last, s.last[name])
	}
	return snap
}

// subscribe adds a client and returns it with the state it starts from,
// both under one lock: every update is either in the snapshot or queued
// to the client, never both, never neither.
func (s *Server) subscribe() (*client, snapshot) {
	c := &client{ch: make(chan []byte, s.cfg.ClientBuffer)}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clients[c] = struct{}{}
	return c, s.snapshotLocked()
}

func (s *Server) unsubscribe(c *client) {
	s.mu.Lock()
	delete(s.clients, c)
	s.mu.Unlock()
}

// reportPath returns the report.html to serve, "" until the run ended.
func (s *Server) reportPath() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.final == nil {
		return ""
	}
	return s.final.ReportPath
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
