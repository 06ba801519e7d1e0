package distributed

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/fanbench/fanbench/bench"
	"github.com/fanbench/fanbench/mockapi"
	"github.com/fanbench/fanbench/scenarios"
)

// MemberOptions configure a worker or a serve host. The zero value of
// every field but NATSURL is fine.
type MemberOptions struct {
	// NATSURL is the NATS server of the pool (nats://host:4222).
	NATSURL string
	// Pool is the pool to join; default "default".
	Pool string
	// Name is the member's name in its pool; default <hostname>-<pid>.
	Name string
	// Presence is how often a free member announces itself; default 1s.
	// In a run, the coordinator's heartbeat interval is used.
	Presence time.Duration
	// Logf, when set, receives one line per event (joined a run, ...).
	Logf func(format string, args ...any)

	// Listen (serve host) is where the strategy fronts listen; default
	// 127.0.0.1:0. A fixed port is reused by each strategy in turn.
	Listen string
	// Advertise (serve host) is the host[:port] workers reach the fronts
	// at (a Service name, a public address); default the listening
	// address, with the host name when it listens on every interface.
	Advertise string
	// BrokerURL (serve host) is passed to strategies that use a broker.
	BrokerURL string
	// FrontTimeouts (serve host) bound what a slow or idle client may hold
	// of a front (zero: mockapi's defaults).
	FrontTimeouts mockapi.Timeouts
	// Once makes the member return after its first run (a Kubernetes Job's
	// pod, a one-shot SSH command) instead of waiting for the next.
	Once bool
}

func (o *MemberOptions) normalize(role string) error {
	o.Pool = cmp.Or(o.Pool, "default")
	if o.Name == "" {
		host, _ := os.Hostname()
		o.Name = cmp.Or(host, role) + "-" + strconv.Itoa(os.Getpid())
		o.Name = sanitize(o.Name)
	}
	o.Presence = cmp.Or(o.Presence, time.Second)
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
	if err := CheckName("pool", o.Pool); err != nil {
		return err
	}
	return CheckName("name", o.Name)
}

// sanitize turns a host name into a valid member name.
func sanitize(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			b[i] = '-'
		}
	}
	if len(b) > 64 {
		b = b[len(b)-64:]
	}
	return string(b)
}

// Work runs a worker: it joins its pool, waits for a coordinator to claim
// it, drives the loads it is assigned and returns to the pool after each
// run, until ctx ends.
func Work(ctx context.Context, opt MemberOptions) error {
	return joinPool(ctx, RoleWorker, opt)
}

// Serve runs a serve host: it joins its pool and, for each run that claims
// it, sets up each strategy's mock APIs and front on the coordinator's
// word, and reconciles the sends against the mocks' ledgers, until ctx
// ends.
func Serve(ctx context.Context, opt MemberOptions) error {
	return joinPool(ctx, RoleServe, opt)
}

type claimed struct {
	claim Claim
	msg   *nats.Msg
}

func joinPool(ctx context.Context, role string, opt MemberOptions) error {
	if err := opt.normalize(role); err != nil {
		return err
	}
	if role == RoleServe {
		if _, err := listenURL(opt, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1}); err != nil {
			return err
		}
	}
	nc, err := connect(opt.NATSURL, "fanbench "+role+" "+opt.Name)
	if err != nil {
		return err
	}
	defer nc.Close()
	subj := subjects{pool: opt.Pool}
	host, _ := os.Hostname()
	var run atomic.Pointer[string]
	announce := func() {
		p := Presence{Role: role, Name: opt.Name, Host: host, PID: os.Getpid()}
		if r := run.Load(); r != nil {
			p.Run = *r
		}
		publish(nc, subj.presence(), p)
	}
	claims := make(chan claimed)
	quit := make(chan struct{})
	defer close(quit)
	claimSub, err := nc.Subscribe(subj.claim(opt.Name), func(m *nats.Msg) {
		var c Claim
		if err := json.Unmarshal(m.Data, &c); err != nil || c.Scenario == nil || CheckName("run", c.Run) != nil {
			respond(m, Reply{Error: fmt.Sprintf("bad claim: %v", err)})
			return
		}
		// Reserve the member here, not in the loop that takes the claim: a
		// second claim handled in between would pass a mere check.
		id := c.Run
		if !run.CompareAndSwap(nil, &id) {
			if r := run.Load(); r != nil {
				respond(m, Reply{Error: fmt.Sprintf("%s is busy with run %s", opt.Name, *r)})
			} else {
				respond(m, Reply{Error: opt.Name + " is busy"})
			}
			return
		}
		select {
		case claims <- claimed{c, m}:
		case <-quit:
			run.Store(nil)
			respond(m, Reply{Error: opt.Name + " is shutting down"})
		}
	})
	if err != nil {
		return fmt.Errorf("subscribe: %w", err)
	}
	defer claimSub.Unsubscribe()
	discSub, err := nc.Subscribe(subj.discover(), func(*nats.Msg) { announce() })
	if err != nil {
		return fmt.Errorf("subscribe: %w", err)
	}
	defer discSub.Unsubscribe()
	if err := nc.Flush(); err != nil {
		return fmt.Errorf("%w at %s: %w", ErrConnect, opt.NATSURL, err)
	}
	opt.Logf("%s %s joined pool %q at %s", role, opt.Name, opt.Pool, opt.NATSURL)

	var wg sync.WaitGroup
	defer wg.Wait()
	sctx, cancelSessions := context.WithCancel(ctx)
	defer cancelSessions()
	over := make(chan struct{}) // closed when the first run ended (Once)
	tick := time.NewTicker(opt.Presence)
	defer tick.Stop()
	announce()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-over:
			return nil
		case <-tick.C:
			announce()
		case c := <-claims:
			id := c.claim.Run // the claim handler reserved the member for it
			s, err := newSession(sctx, nc, role, opt, c.claim)
			if err != nil {
				run.Store(nil)
				respond(c.msg, Reply{Error: err.Error()})
				continue
			}
			respond(c.msg, Reply{})
			announce()
			opt.Logf("%s %s: joined run %s", role, opt.Name, id)
			wg.Go(func() {
				defer run.Store(nil)
				why := s.run()
				opt.Logf("%s %s: left run %s (%s)", role, opt.Name, id, why)
				if opt.Once {
					close(over)
				}
			})
		}
	}
}

// session is a member's part in one run.
type session struct {
	nc    *nats.Conn
	role  string
	opt   MemberOptions
	subj  subjects
	sc    *scenarios.Scenario
	hb    time.Duration
	obs   jetstream.ObjectStore
	ctx   context.Context
	stop  context.CancelCauseFunc
	subs  []*nats.Subscription
	coord atomic.Int64 // when the coordinator was last heard, unix ns

	loads sync.WaitGroup // the worker's loads, the serve host's handlers

	mu         sync.Mutex
	closed     bool                   // no more work may start
	cancelLoad context.CancelFunc     // worker: the load running, if any
	hosts      map[string]*bench.Host // serve: the strategies set up
}

// track counts one more piece of work the session must wait for, unless
// the session is ending; the caller calls s.loads.Done when it is over.
func (s *session) track() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.loads.Add(1)
	return true
}

func newSession(ctx context.Context, nc *nats.Conn, role string, opt MemberOptions, c Claim) (_ *session, err error) {
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, fmt.Errorf("jetstream: %w", err)
	}
	octx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	obs, err := js.ObjectStore(octx, bucketOf(c.Run))
	if err != nil {
		return nil, fmt.Errorf("open the run's object store %s: %w", bucketOf(c.Run), err)
	}
	s := &session{nc: nc, role: role, opt: opt, subj: subjects{pool: opt.Pool, run: c.Run}, sc: c.Scenario,
		hb: cmp.Or(c.HeartbeatNs, 500*time.Millisecond), obs: obs, hosts: map[string]*bench.Host{}}
	s.ctx, s.stop = context.WithCancelCause(ctx)
	s.coord.Store(time.Now().UnixNano())
	defer func() {
		if err != nil {
			s.unsubscribe()
			s.stop(err)
		}
	}()
	handle := func(subject string, fn nats.MsgHandler) {
		if err != nil {
			return
		}
		var sub *nats.Subscription
		if sub, err = nc.Subscribe(subject, fn); err == nil {
			s.subs = append(s.subs, sub)
		}
	}
	handle(s.subj.inRun("coordinator"), func(*nats.Msg) { s.coord.Store(time.Now().UnixNano()) })
	handle(s.subj.of("clock", opt.Name), func(m *nats.Msg) {
		b, _ := json.Marshal(Clock{At: time.Now().UnixNano()})
		_ = m.Respond(b)
	})
	handle(s.subj.inRun("release"), func(*nats.Msg) { s.stop(errors.New("released by the coordinator")) })
	handle(s.subj.inRun("stop"), func(*nats.Msg) { s.stopLoad() })
	switch role {
	case RoleWorker:
		handle(s.subj.of("assign", opt.Name), s.handleAssign)
	case RoleServe:
		handle(s.subj.of("setup", opt.Name), s.handleSetup)
		handle(s.subj.of("begin", opt.Name), s.handleBegin)
		handle(s.subj.of("settle", opt.Name), s.handleSettle)
		handle(s.subj.of("teardown", opt.Name), s.handleTeardown)
	}
	if err != nil {
		return nil, fmt.Errorf("subscribe: %w", err)
	}
	if err = nc.Flush(); err != nil {
		return nil, fmt.Errorf("flush: %w", err)
	}
	return s, nil
}

// run heartbeats until the coordinator releases the member, falls silent
// for four heartbeats, or ctx ends; then it stops everything the session
// started and says why it ended.
func (s *session) run() string {
	defer func() {
		s.unsubscribe()
		s.mu.Lock()
		s.closed = true
		s.mu.Unlock()
		s.stopLoad()
		s.loads.Wait()
		for name, h := range s.hosts {
			if err := h.Close(); err != nil {
				s.opt.Logf("serve %s: close %s: %v", s.opt.Name, name, err)
			}
		}
	}()
	tick := time.NewTicker(s.hb)
	defer tick.Stop()
	beat := s.subj.of("beat", s.opt.Name)
	publish(s.nc, beat, Beat{Name: s.opt.Name, At: time.Now().UnixNano()})
	for {
		select {
		case <-s.ctx.Done():
			return context.Cause(s.ctx).Error()
		case <-tick.C:
			publish(s.nc, beat, Beat{Name: s.opt.Name, At: time.Now().UnixNano()})
			if silent := time.Since(time.Unix(0, s.coord.Load())); silent > 4*s.hb {
				s.stop(fmt.Errorf("the coordinator was silent for %v", silent.Round(time.Millisecond)))
			}
		}
	}
}

func (s *session) unsubscribe() {
	for _, sub := range s.subs {
		_ = sub.Unsubscribe()
	}
}

func (s *session) stopLoad() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cancelLoad != nil {
		s.cancelLoad()
	}
}

// listenURL is the URL drivers use for a front listening at addr.
func listenURL(opt MemberOptions, addr net.Addr) (string, error) {
	port := strconv.Itoa(addr.(*net.TCPAddr).Port)
	host := opt.Advertise
	if host == "" {
		lh, _, err := net.SplitHostPort(cmp.Or(opt.Listen, "127.0.0.1:0"))
		if err != nil {
			return "", fmt.Errorf("listen address %q: want HOST:PORT such as 0.0.0.0:8080: %w", opt.Listen, err)
		}
		host = lh
		if ip := net.ParseIP(lh); lh == "" || ip != nil && ip.IsUnspecified() {
			if host, err = os.Hostname(); err != nil {
				return "", fmt.Errorf("listening on every interface, and no host name to advertise: %w", err)
			}
		}
	}
	if h, p, err := net.SplitHostPort(host); err == nil {
		host, port = h, p
	}
	return "http://" + net.JoinHostPort(host, port) + "/send", nil
}
