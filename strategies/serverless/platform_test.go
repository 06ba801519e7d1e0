package serverless_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/goleak"

	"github.com/fanbench/fanbench/mockapi"
	"github.com/fanbench/fanbench/strategies"
	"github.com/fanbench/fanbench/strategies/serverless"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// fakeLeg is an API call that takes d (fake time inside a synctest
// bubble) and fails while fail says so; it records each success.
type fakeLeg struct {
	api  string
	d    time.Duration
	fail func(id string) bool

	mu        sync.Mutex
	delivered map[string]time.Time // first success per id
	calls     int
}

func newFakeLeg(api string, d time.Duration) *fakeLeg {
	return &fakeLeg{api: api, d: d, delivered: map[string]time.Time{}}
}

func (l *fakeLeg) API() string { return l.api }

func (l *fakeLeg) Call(ctx context.Context, s strategies.Send) strategies.LegResult {
	t := time.NewTimer(l.d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
		return strategies.LegResult{Err: ctx.Err(), Attempts: 1}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls++
	if l.fail != nil && l.fail(s.ID) {
		return strategies.LegResult{Status: http.StatusServiceUnavailable, Attempts: 1}
	}
	if _, ok := l.delivered[s.ID]; !ok {
		l.delivered[s.ID] = time.Now()
	}
	return strategies.LegResult{Status: http.StatusOK, Attempts: 1}
}

func (l *fakeLeg) at(id string) (time.Time, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	t, ok := l.delivered[id]
	return t, ok
}

func fixed(d time.Duration) mockapi.Latency {
	return mockapi.Latency{Dist: mockapi.DistFixed, Value: mockapi.Duration(d)}
}

func intp(n int) *int { return &n }

func newPlatform(t *testing.T, a, b serverless.Leg, opt serverless.Options) *serverless.Platform {
	t.Helper()
	p, err := serverless.New(a, b, opt)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { _ = p.Close() })
	return p
}

func send(t *testing.T, p *serverless.Platform, id string) {
	t.Helper()
	if r := p.Send(context.Background(), strategies.Send{ID: id}); r.Status != http.StatusAccepted {
		t.Fatalf("Send(%s) = %d; want 202", id, r.Status)
	}
}

func drain(t *testing.T, p *serverless.Platform, within time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), within)
	defer cancel()
	if err := p.Drain(ctx); err != nil {
		t.Fatalf("Drain: %v", err)
	}
}

// The first events pay the fixed cold start; once instances are warm, later
// events do not; instances idle longer than keep_warm are reclaimed and the
// next event pays again.
func TestColdStartThenWarm(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a, b := newFakeLeg("a", 50*time.Millisecond), newFakeLeg("b", 50*time.Millisecond)
		p := newPlatform(t, a, b, serverless.Options{ServerlessOptions: strategies.ServerlessOptions{
			ColdStart: fixed(300 * time.Millisecond), KeepWarm: time.Minute, Concurrency: 100,
		}})
		sent := map[string]time.Time{}
		for i := range 20 { // 10/s for 2s
			id := fmt.Sprint("s", i)
			sent[id] = time.Now()
			send(t, p, id)
			time.Sleep(100 * time.Millisecond)
		}
		drain(t, p, time.Minute)
		for i := range 20 {
			id := fmt.Sprint("s", i)
			got, ok := b.at(id)
			if !ok {
				t.Fatalf("%s never reached b", id)
			}
			lat := got.Sub(sent[id])
			// 100ms apart with 350ms per cold invocation: sends 0-3 find
			// every instance busy or none, from send 4 on one is idle.
			if i < 4 && lat != 350*time.Millisecond {
				t.Errorf("send %d delivered after %v; want 350ms (300ms cold start + 50ms)", i, lat)
			}
			if i >= 4 && lat != 50*time.Millisecond {
				t.Errorf("send %d delivered after %v; want 50ms (warm instance)", i, lat)
			}
		}
		st := p.Stats()
		if st.ColdStarts != 4 || st.PeakInstances != 4 || st.Invocations != 20 {
			t.Errorf("cold starts %d, peak instances %d, invocations %d; want 4, 4, 20", st.ColdStarts, st.PeakInstances, st.Invocations)
		}
		time.Sleep(2 * time.Minute) // past keep_warm: every instance reclaimed
		send(t, p, "late")
		sentLate := time.Now()
		drain(t, p, time.Minute)
		if got, _ := b.at("late"); got.Sub(sentLate) != 350*time.Millisecond {
			t.Errorf("send after idle delivered after %v; want 350ms (instances reclaimed, cold again)", got.Sub(sentLate))
		}
		if st := p.Stats(); st.ColdStarts != 5 {
			t.Errorf("cold starts %d after the idle spell; want 5", st.ColdStarts)
		}
		pts := p.Series(sentLate.Add(-1500*time.Millisecond), 2)
		if pts[1].ColdStarts != 1 || pts[1].Instances != 1 {
			t.Errorf("series %+v; want the second point with 1 cold start and 1 instance", pts)
		}
	})
}

// Beyond the concurrency cap events are throttled back into the queue and
// retried with backoff; all of them are delivered in the end.
func TestConcurrencyThrottles(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a, b := newFakeLeg("a", 50*time.Millisecond), newFakeLeg("b", 50*time.Millisecond)
		p := newPlatform(t, a, b, serverless.Options{ServerlessOptions: strategies.ServerlessOptions{Concurrency: 5}})
		for i := range 200 { // 200/s for 1s
			send(t, p, fmt.Sprint("s", i))
			time.Sleep(5 * time.Millisecond)
		}
		drain(t, p, time.Hour)
		st := p.Stats()
		if st.Throttles == 0 {
			t.Errorf("throttles = 0; want > 0 at 200/s with 5 instances of 50ms")
		}
		if st.Delivered != 200 || st.DeadLetters != 0 || st.PeakInstances > 5 {
			t.Errorf("delivered %d, dead letters %d, peak instances %d; want 200, 0, <= 5", st.Delivered, st.DeadLetters, st.PeakInstances)
		}
		if st.EventAgeP99 < time.Second {
			t.Errorf("event age p99 %v; want >= 1s (throttled events wait for the backoff)", st.EventAgeP99)
		}
	})
}

// A leg that always fails: each event is tried 1 + retries times, with the
// documented spacing, then dead-lettered with the failure named.
func TestRetriesThenDeadLetter(t *testing.T) {
	for _, mode := range []string{serverless.ModeOrchestrator, serverless.ModeFanout} {
		t.Run(mode, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				a, b := newFakeLeg("a", 10*time.Millisecond), newFakeLeg("b", 10*time.Millisecond)
				b.fail = func(string) bool { return true }
				p := newPlatform(t, a, b, serverless.Options{ServerlessOptions: strategies.ServerlessOptions{Mode: mode}})
				start := time.Now()
				for i := range 10 {
					send(t, p, fmt.Sprint("s", i))
				}
				drain(t, p, time.Hour)
				// 1m then 2m between the attempts (defaults), plus the calls.
				if took := time.Since(start); took < 3*time.Minute || took > 3*time.Minute+time.Second {
					t.Errorf("drained after %v; want about 3m (retry delays 1m + 2m)", took)
				}
				st := p.Stats()
				dl := p.DeadLetters()
				if st.DeadLetters != 10 || len(dl) != 10 || st.Retries != 20 {
					t.Fatalf("dead letters %d (%d listed), retries %d; want 10, 10, 20", st.DeadLetters, len(dl), st.Retries)
				}
				if st.Delivered+st.DeadLetters != st.Events {
					t.Errorf("delivered %d + dead letters %d != events %d: events unaccounted", st.Delivered, st.DeadLetters, st.Events)
				}
				seen := map[string]bool{}
				for _, d := range dl {
					seen[d.ID] = true
					if d.Attempts != 3 || !strings.Contains(d.Reason, "b: status 503") {
						t.Errorf("dead letter %+v; want 3 attempts and the reason naming b: status 503", d)
					}
				}
				if len(seen) != 10 {
					t.Errorf("dead letters cover %d ids; want all 10", len(seen))
				}
			})
		})
	}
}

// An event that cannot run before max_event_age is dead-lettered when it
// expires, not retried for ever.
func TestMaxEventAge(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a, b := newFakeLeg("a", time.Millisecond), newFakeLeg("b", time.Millisecond)
		b.fail = func(string) bool { return true }
		p := newPlatform(t, a, b, serverless.Options{ServerlessOptions: strategies.ServerlessOptions{
			Retries: intp(2), RetryDelay: time.Minute, MaxEventAge: 90 * time.Second,
		}})
		start := time.Now()
		send(t, p, "old")
		drain(t, p, time.Hour)
		dl := p.DeadLetters()
		if len(dl) != 1 || dl[0].Attempts != 2 || !strings.Contains(dl[0].Reason, "max_event_age") {
			t.Fatalf("dead letters %+v; want one after 2 attempts, naming max_event_age", dl)
		}
		if took := time.Since(start); took < 90*time.Second || took > 91*time.Second {
			t.Errorf("dead-lettered after %v; want at the 90s max_event_age", took)
		}
	})
}

func TestValidate(t *testing.T) {
	bad := serverless.Options{ServerlessOptions: strategies.ServerlessOptions{
		KeepWarm: -1, Concurrency: -1, Retries: intp(-1), RetryDelay: -1, MaxEventAge: -1, Mode: "chain",
		ColdStart: mockapi.Latency{Dist: "weibull"},
	}}
	errs := bad.Validate()
	var fields []string
	for _, e := range errs {
		fields = append(fields, e.Path)
	}
	want := "cold_start.dist keep_warm concurrency retries retry_delay max_event_age mode"
	if got := strings.Join(fields, " "); got != want {
		t.Errorf("Validate fields = %q; want %q", got, want)
	}
	if _, err := serverless.New(newFakeLeg("a", 0), newFakeLeg("b", 0), bad); err == nil || !strings.Contains(err.Error(), `mode: unknown mode "chain"`) {
		t.Errorf("New with bad options: %v; want an error naming mode", err)
	}
	if errs := (serverless.Options{ServerlessOptions: strategies.ServerlessOptions{}}).Validate(); errs != nil {
		t.Errorf("zero Options: %v; want valid", errs)
	}
}
