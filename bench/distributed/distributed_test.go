package distributed

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/fanbench/fanbench/bench"
	"github.com/fanbench/fanbench/reports"
	"github.com/fanbench/fanbench/strategies"
)

// members starts a serve host and n workers in this process on a fresh
// pool; they stop when the test ends, the serve host also when stopServe
// is called.
func members(t *testing.T, n int) (pool string, stopServe func()) {
	t.Helper()
	pool, stopServe, _ = membersWith(t, n, false)
	return pool, stopServe
}

// membersWith is members, with workers that leave after one run when once
// is set; returned receives each worker's name when its Work returns.
func membersWith(t *testing.T, n int, once bool) (pool string, stopServe func(), returned <-chan string) {
	t.Helper()
	pool = newPool()
	ctx, cancel := context.WithCancel(context.Background())
	sctx, stopServe := context.WithCancel(ctx)
	var wg sync.WaitGroup
	errs := make(chan error, n+1)
	back := make(chan string, n)
	wg.Go(func() { errs <- Serve(sctx, MemberOptions{NATSURL: natsURL, Pool: pool, Name: "sut", Logf: t.Logf}) })
	for k := range n {
		wg.Go(func() {
			errs <- Work(ctx, MemberOptions{NATSURL: natsURL, Pool: pool, Name: fmt.Sprintf("w%d", k), Logf: t.Logf, Once: once})
			back <- fmt.Sprintf("w%d", k)
		})
	}
	t.Cleanup(func() {
		cancel()
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Errorf("member: %v", err)
			}
		}
	})
	return pool, stopServe, back
}

func TestRunOverThreeWorkers(t *testing.T) {
	needNATS(t)
	ignore := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, ignore, jetstreamLeak) }) // after the members stopped
	pool, _, returned := membersWith(t, 3, true)
	sc := fixedScenario(20*time.Millisecond, 30*time.Millisecond, 150, 500*time.Millisecond, 2*time.Second,
		strategies.NameSequential)
	res, err := Run(t.Context(), sc, Options{NATSURL: natsURL, Pool: pool, Workers: 3, Serve: "sut", Logf: t.Logf, Wait: 10 * time.Second})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	for range 3 { // Once: the workers leave after the run by themselves
		select {
		case <-returned:
		case <-time.After(5 * time.Second):
			t.Fatal("a worker with Once set is still in its pool 5s after the run")
		}
	}
	if res.Partial || len(res.Workers) != 3 || len(res.Strategies) != 1 {
		t.Fatalf("partial %v, %d workers, %d strategies; want a whole run of 3 workers", res.Partial, len(res.Workers), len(res.Strategies))
	}
	for _, s := range res.Strategies {
		var sent, assigned int64
		for _, w := range res.Workers {
			for _, ws := range w.Strategies {
				if ws.Strategy == s.Name {
					sent += ws.Sent
					assigned += ws.Assigned
					if ws.Harness == nil || ws.Harness.DriverLagMs.Max <= 0 {
						t.Errorf("%s of %s: harness %+v; want the worker's verdict with its driver lag", s.Name, w.Name, ws.Harness)
					}
				}
			}
		}
		h, err := reports.DecodeHistogram(s.Histograms.Corrected)
		if err != nil {
			t.Fatal(err)
		}
		if s.Requests != 300 || sent != 300 || assigned != 300 || h.TotalCount() != 300 {
			t.Errorf("%s: requests %d, workers sent %d of %d assigned, histogram %d; want 300 each", s.Name, s.Requests, sent, assigned, h.TotalCount())
		}
		// The members share this process, so each counts its CPU: only
		// that there is a figure can be checked here.
		if s.CPUUsPerSend <= 0 {
			t.Errorf("%s: cpu_us_per_send %v; want the workers' and the serve host's CPU per send", s.Name, s.CPUUsPerSend)
		}
		// Every send accounted, and (no faults here) nearly all delivered
		// to both: a slow machine may time a few legs out.
		if o := s.Outcomes; o.Both+o.AOnly+o.BOnly+o.None != 300 || s.Lost != 0 || o.Both < 270 {
			t.Errorf("%s: outcomes %+v, lost %d; want 300 sends accounted, at least 270 delivered to both, 0 lost", s.Name, s.Outcomes, s.Lost)
		}
		t.Logf("%s: p50 %vms p99 %vms (uncorrected p50 %vms, max lag %vms)", s.Name, s.LatencyMs.Corrected.P50,
			s.LatencyMs.Corrected.P99, s.LatencyMs.Uncorrected.P50, s.Saturation.MaxLagMs)
	}
}

func TestRunWaitsForMissingMembersAndNamesThem(t *testing.T) {
	needNATS(t)
	pool, _ := members(t, 1)
	sc := fixedScenario(time.Millisecond, time.Millisecond, 10, 0, time.Second, strategies.NameSequential)
	_, err := Run(t.Context(), sc, Options{NATSURL: natsURL, Pool: pool, Workers: 2, Serve: "elsewhere", Wait: 1500 * time.Millisecond})
	if !errors.Is(err, ErrMembers) {
		t.Fatalf("Run with too few members: %v; want ErrMembers", err)
	}
	for _, want := range []string{"1 of 2 workers missing", "w0", `serve host "elsewhere" missing`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
}

func TestRunNATSUnreachable(t *testing.T) {
	sc := fixedScenario(time.Millisecond, time.Millisecond, 10, 0, time.Second, strategies.NameSequential)
	_, err := Run(t.Context(), sc, Options{NATSURL: "nats://127.0.0.1:1", Workers: 1})
	if !errors.Is(err, ErrConnect) || !strings.Contains(err.Error(), "nats://127.0.0.1:1") {
		t.Errorf("Run against no NATS: %v; want ErrConnect naming the URL", err)
	}
}

// An interrupt stops every worker's load at once; what they measured is
// merged, reconciled and returned as partial results.
func TestRunInterruptStopsEveryWorker(t *testing.T) {
	needNATS(t)
	pool, _ := members(t, 2)
	sc := fixedScenario(10*time.Millisecond, 10*time.Millisecond, 100, 0, 20*time.Second, strategies.NameErrgroup, strategies.NameSequential)
	ctx, cancel := context.WithCancelCause(t.Context())
	var once sync.Once
	opt := Options{NATSURL: natsURL, Pool: pool, Workers: 2, Serve: "sut", Logf: t.Logf, Heartbeat: 200 * time.Millisecond,
		Progress: func(p bench.Progress) {
			if p.Requests >= 100 {
				once.Do(func() { cancel(errors.New("interrupted by the test")) })
			}
		}}
	began := time.Now()
	res, err := Run(ctx, sc, opt)
	if !errors.Is(err, bench.ErrInterrupted) {
		t.Fatalf("Run interrupted: %v; want ErrInterrupted", err)
	}
	if took := time.Since(began); took > 12*time.Second {
		t.Errorf("Run took %v; the 20s load should have stopped at the interrupt", took)
	}
	if res == nil || !res.Partial || len(res.Strategies) != 1 {
		t.Fatalf("results %+v; want partial results of the first strategy", res)
	}
	s := res.Strategies[0]
	var sent int64
	for _, w := range res.Workers {
		for _, ws := range w.Strategies {
			sent += ws.Sent
		}
	}
	o := s.Outcomes
	if s.Requests < 100 || s.Requests >= 2000 || s.Requests != sent || o.Both+o.AOnly+o.BOnly+o.None != s.Requests || s.Lost != 0 || o.Both*10 < s.Requests*9 {
		t.Errorf("requests %d (workers %d), outcomes %+v, lost %d; want the sends until the interrupt, all accounted", s.Requests, sent, s.Outcomes, s.Lost)
	}
}

// A serve host that stops mid-run ends the run with ErrServeLost within a
// few heartbeats.
func TestRunServeHostLost(t *testing.T) {
	needNATS(t)
	pool, stopServe := members(t, 1)
	sc := fixedScenario(10*time.Millisecond, 10*time.Millisecond, 50, 0, 20*time.Second, strategies.NameErrgroup)
	var once sync.Once
	var stopped time.Time
	opt := Options{NATSURL: natsURL, Pool: pool, Workers: 1, Serve: "sut", Logf: t.Logf, Heartbeat: 200 * time.Millisecond,
		Progress: func(p bench.Progress) {
			if p.Requests > 0 {
				once.Do(func() { stopped = time.Now(); stopServe() })
			}
		}}
	_, err := Run(t.Context(), sc, opt)
	if !errors.Is(err, ErrServeLost) || !strings.Contains(err.Error(), "sut") {
		t.Fatalf("Run with its serve host gone: %v; want ErrServeLost naming sut", err)
	}
	if took := time.Since(stopped); took > 5*time.Second {
		t.Errorf("the loss took %v to notice; want a few 200ms heartbeats", took)
	}
}

// An interrupt while waiting for members returns an empty partial run, not
// nothing, so that the caller writes what there is.
func TestRunInterruptedWhileWaiting(t *testing.T) {
	needNATS(t)
	sc := fixedScenario(time.Millisecond, time.Millisecond, 10, 0, time.Second, strategies.NameSequential)
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	res, err := Run(ctx, sc, Options{NATSURL: natsURL, Pool: newPool(), Workers: 1})
	if !errors.Is(err, bench.ErrInterrupted) || res == nil || !res.Partial || len(res.Strategies) != 0 {
		t.Errorf("Run interrupted while waiting: %v, %+v; want ErrInterrupted and an empty partial run", err, res)
	}
}

// Without a serve host the coordinator runs the system under test itself.
func TestRunSystemUnderTestInTheCoordinator(t *testing.T) {
	needNATS(t)
	pool, _ := members(t, 2)
	sc := fixedScenario(5*time.Millisecond, 5*time.Millisecond, 100, 0, time.Second, strategies.NameErrgroup)
	res, err := Run(t.Context(), sc, Options{NATSURL: natsURL, Pool: pool, Workers: 2, Logf: t.Logf})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	s := res.Strategies[0]
	if o := s.Outcomes; s.Requests != 100 || o.Both+o.AOnly+o.BOnly+o.None != 100 || s.Lost != 0 || o.Both < 90 {
		t.Errorf("requests %d, outcomes %+v, lost %d; want 100 sends accounted, at least 90 delivered to both", s.Requests, o, s.Lost)
	}
}
