package outbox_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/fanbench/fanbench/mockapi"
	"github.com/fanbench/fanbench/mockapi/mocktest"
	"github.com/fanbench/fanbench/strategies"
	"github.com/fanbench/fanbench/strategies/outbox"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// postgresURL is the server the PostgreSQL tests use.
const postgresURL = "postgres://127.0.0.1:5432/test"

// requirePostgres set and not "0" turns an unreachable server from a skip
// into a failure (CI sets it).
const requirePostgres = "FANBENCH_REQUIRE_POSTGRES"

// stores runs fn on SQLite and on PostgreSQL, as subtests.
func stores(t *testing.T, fn func(t *testing.T, opt outbox.Options)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, outbox.Options{}) })
	t.Run("postgres", func(t *testing.T) {
		needPostgres(t)
		fn(t, outbox.Options{OutboxOptions: strategies.OutboxOptions{Store: outbox.StorePostgres, URL: postgresURL}})
	})
}

func needPostgres(t *testing.T) {
	t.Helper()
	c, err := net.DialTimeout("tcp", "127.0.0.1:5432", time.Second)
	if err == nil {
		c.Close()
		return
	}
	if v := os.Getenv(requirePostgres); v != "" && v != "0" {
		t.Fatalf("PostgreSQL %s unreachable (%v) and %s=%s", postgresURL, err, requirePostgres, v)
	}
	t.Skipf("PostgreSQL %s unreachable (%v); set %s=1 to fail instead", postgresURL, err, requirePostgres)
}

func fixed(d time.Duration) mockapi.Latency {
	return mockapi.Latency{Dist: mockapi.DistFixed, Value: mockapi.Duration(d)}
}

// rig is two mock APIs and legs to them.
type rig struct {
	apis [2]*mockapi.API
	legs [2]*strategies.Leg
}

func newRig(t *testing.T, a, b mockapi.Config, policy strategies.Policy) *rig {
	t.Helper()
	r := &rig{}
	client := strategies.NewClient(256)
	for i, cfg := range [2]mockapi.Config{a, b} {
		name := string(rune('a' + i))
		api, url := mocktest.Serve(t, name, cfg, 1)
		r.apis[i] = api
		r.legs[i] = strategies.NewLeg(name, url+"/send", client, policy, nil)
	}
	t.Cleanup(client.CloseIdleConnections)
	return r
}

func open(t *testing.T, r *rig, opt outbox.Options) *outbox.Outbox {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	o, err := outbox.New(ctx, r.legs[0], r.legs[1], opt)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() {
		if err := o.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return o
}

// load sends n sends `every` apart and returns the user latencies, sorted.
func load(t *testing.T, o *outbox.Outbox, n int, every time.Duration) []time.Duration {
	t.Helper()
	lat := make([]time.Duration, 0, n)
	next := time.Now()
	for i := range n {
		time.Sleep(time.Until(next))
		next = next.Add(every)
		start := time.Now()
		rep := o.Send(context.Background(), strategies.Send{ID: fmt.Sprint("m", i), Body: []byte(`{"n":1}`)})
		lat = append(lat, time.Since(start))
		if rep.Status != http.StatusAccepted {
			t.Fatalf("send %d: status %d (%v); want 202", i, rep.Status, rep.Legs[0].Err)
		}
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	return lat
}

func drain(t *testing.T, o *outbox.Outbox, within time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), within)
	defer cancel()
	if err := o.Drain(ctx); err != nil {
		t.Fatalf("Drain: %v", err)
	}
}

// delivered checks that every one of n sends reached both APIs exactly once.
func delivered(t *testing.T, r *rig, n int) {
	t.Helper()
	missing := 0
	for i := range n {
		for _, api := range r.apis {
			e, ok := api.Ledger().Lookup(fmt.Sprint("m", i))
			if !ok || e.Effects != 1 {
				missing++
				if missing <= 3 {
					t.Errorf("m%d on %s: %+v (found %v); want applied once", i, api.Name(), e, ok)
				}
			}
		}
	}
	if missing > 0 {
		t.Errorf("%d of %d deliveries missing", missing, 2*n)
	}
}

// The user waits for the commit, not for the 200ms and 300ms APIs; every
// send is then delivered to both.
func TestUserWaitsForCommitOnly(t *testing.T) {
	stores(t, func(t *testing.T, opt outbox.Options) {
		r := newRig(t, mockapi.Config{Latency: fixed(200 * time.Millisecond)}, mockapi.Config{Latency: fixed(300 * time.Millisecond)}, strategies.Policy{})
		o := open(t, r, opt)
		lat := load(t, o, 100, 10*time.Millisecond)
		t.Logf("user p50 %v p99 %v", lat[len(lat)/2], lat[len(lat)*99/100])
		if p50 := lat[len(lat)/2]; p50 >= 10*time.Millisecond {
			t.Errorf("user p50 %v; want < 10ms (a commit, not the 200ms/300ms legs)", p50)
		}
		drain(t, o, 20*time.Second)
		delivered(t, r, 100)
		st := o.Stats()
		if st.Committed != 100 || st.LegsDelivered != 200 || st.CommitP50 <= 0 || st.LagP99 <= 0 {
			t.Errorf("stats %+v; want 100 committed, 200 legs, commit and lag percentiles", st)
		}
	})
}

// The relay crashes for 2s in the middle of the load: nothing is lost, each
// send reaches both APIs once the relay is back.
func TestRelayCrashLosesNothing(t *testing.T) {
	stores(t, func(t *testing.T, opt outbox.Options) {
		r := newRig(t, mockapi.Config{Latency: fixed(20 * time.Millisecond)}, mockapi.Config{Latency: fixed(30 * time.Millisecond)}, strategies.Policy{})
		opt.Lease = 500 * time.Millisecond
		o := open(t, r, opt)
		crashed := make(chan error, 1)
		go func() {
			// The crash comes once 30 of the 100 sends are committed: the
			// rest (about 0.7s of load) arrive while the relay is down.
			deadline := time.Now().Add(10 * time.Second)
			for o.Stats().Committed < 30 && time.Now().Before(deadline) {
				time.Sleep(2 * time.Millisecond)
			}
			crashed <- o.CrashRelay(context.Background(), 2*time.Second)
		}()
		load(t, o, 100, 10*time.Millisecond) // 1s: the crash is in the middle
		if err := <-crashed; err != nil {
			t.Fatalf("CrashRelay: %v", err)
		}
		if st := o.Stats(); st.RelayCrashes != 1 {
			t.Fatalf("relay crashes %d; want 1", st.RelayCrashes)
		}
		drain(t, o, 20*time.Second)
		delivered(t, r, 100)
		if st := o.Stats(); st.PeakBacklog < 50 {
			t.Errorf("peak backlog %d; want most of the sends waiting while the relay was down", st.PeakBacklog)
		}
	})
}

// gatedLeg succeeds at once, or, while hold is set, hangs until its
// context ends (a relay crash cuts it); it counts calls per id.
type gatedLeg struct {
	api string
	mu  sync.Mutex
	n   map[string]int
	// hold makes calls hang until cancelled.
	hold bool
	// started is closed by the first call that hangs.
	started chan struct{}
}

func (l *gatedLeg) API() string { return l.api }

func (l *gatedLeg) Call(ctx context.Context, s strategies.Send) strategies.LegResult {
	l.mu.Lock()
	l.n[s.ID]++
	hold := l.hold
	if hold && l.started != nil {
		close(l.started)
		l.started = nil
	}
	l.mu.Unlock()
	if hold {
		<-ctx.Done()
		return strategies.LegResult{Err: ctx.Err(), Attempts: 1}
	}
	return strategies.LegResult{Status: http.StatusOK, Attempts: 1}
}

func (l *gatedLeg) calls(id string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.n[id]
}

// A crash between the two legs resumes where it stopped: the leg that was
// done is not called again, the other one is.
func TestCrashBetweenLegsResumes(t *testing.T) {
	a := &gatedLeg{api: "a", n: map[string]int{}}
	b := &gatedLeg{api: "b", n: map[string]int{}, hold: true, started: make(chan struct{})}
	started := b.started
	ctx := context.Background()
	o, err := outbox.New(ctx, a, b, outbox.Options{OutboxOptions: strategies.OutboxOptions{
		// The lease outlasts the crash: the row comes back only once the
		// restarted relay may claim it again.
		Lease: time.Second,
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	if rep := o.Send(ctx, strategies.Send{ID: "x"}); rep.Status != http.StatusAccepted {
		t.Fatalf("Send: %d", rep.Status)
	}
	<-started // b hangs; a is done
	for o.Stats().LegsDelivered < 1 {
		time.Sleep(time.Millisecond)
	}
	b.mu.Lock()
	b.hold = false // after the crash b answers
	b.mu.Unlock()
	if err := o.CrashRelay(ctx, 100*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := o.Drain(dctx); err != nil {
		t.Fatal(err)
	}
	if st := o.Stats(); st.RelayCrashes != 1 {
		t.Fatalf("relay crashes %d; want 1", st.RelayCrashes)
	}
	if got := a.calls("x"); got != 1 {
		t.Errorf("a called %d times; want 1 (its leg was marked done before the crash)", got)
	}
	if got := b.calls("x"); got != 2 {
		t.Errorf("b called %d times; want 2 (cut by the crash, then resumed)", got)
	}
}

// A leg that always fails: each row is retried, then marked dead, counted.
func TestRowsRetriedThenDead(t *testing.T) {
	r := newRig(t, mockapi.Config{}, mockapi.Config{Errors: []mockapi.ErrorRule{{Status: 503, Rate: 1}}}, strategies.Policy{})
	o := open(t, r, outbox.Options{OutboxOptions: strategies.OutboxOptions{MaxAttempts: 3, Backoff: strategies.Backoff{Initial: time.Millisecond, Max: 5 * time.Millisecond}}})
	load(t, o, 20, time.Millisecond)
	drain(t, o, 20*time.Second)
	st := o.Stats()
	if st.RowsRetried != 20 || st.Retries != 40 || st.DeadRows != 20 || st.LegsDelivered != 20 {
		t.Errorf("rows retried %d, retries %d, dead %d, legs delivered %d; want 20, 40, 20, 20 (a only)",
			st.RowsRetried, st.Retries, st.DeadRows, st.LegsDelivered)
	}
	if e, _ := r.apis[1].Ledger().Lookup("m0"); e.Arrivals != 3 {
		t.Errorf("b saw m0 %d times; want 3 (max_attempts)", e.Arrivals)
	}
}

// An unreachable PostgreSQL server is an error that names the URL.
func TestPostgresUnreachable(t *testing.T) {
	url := "postgres://127.0.0.1:1/test"
	a, b := &gatedLeg{api: "a"}, &gatedLeg{api: "b"}
	_, err := outbox.New(context.Background(), a, b, outbox.Options{OutboxOptions: strategies.OutboxOptions{Store: outbox.StorePostgres, URL: url}})
	if !errors.Is(err, outbox.ErrConnect) || !strings.Contains(err.Error(), url) {
		t.Fatalf("New with %s: %v; want ErrConnect naming the url", url, err)
	}
}

func TestValidate(t *testing.T) {
	cases := []struct {
		name string
		opt  outbox.Options
		want string
	}{
		{"unknown store", outbox.Options{OutboxOptions: strategies.OutboxOptions{Store: "mysql"}}, `store: unknown store "mysql"`},
		{"postgres without url", outbox.Options{OutboxOptions: strategies.OutboxOptions{Store: "postgres"}}, "url: empty; store postgres needs a URL"},
		{"url with sqlite", outbox.Options{OutboxOptions: strategies.OutboxOptions{URL: postgresURL}}, "url: set with store sqlite"},
		{"not postgres url", outbox.Options{OutboxOptions: strategies.OutboxOptions{Store: "postgres", URL: "mysql://x"}}, "is not a postgres:// URL"},
		{"negative lease", outbox.Options{OutboxOptions: strategies.OutboxOptions{Lease: -1}}, "lease: -1ns is negative"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			errs := c.opt.Validate()
			if len(errs) != 1 || !strings.Contains(errs[0].Error(), c.want) {
				t.Errorf("Validate = %v; want one error containing %q", errs, c.want)
			}
		})
	}
}
