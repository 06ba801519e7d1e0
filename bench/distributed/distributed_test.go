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

	"github.com/fanbench/fanbench/reports"
	"github.com/fanbench/fanbench/strategies"
)

// members starts a serve host and n workers in this process on a fresh
// pool; they stop when the test ends.
func members(t *testing.T, n int) (pool string) {
	t.Helper()
	pool = newPool()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	errs := make(chan error, n+1)
	wg.Go(func() { errs <- Serve(ctx, MemberOptions{NATSURL: natsURL, Pool: pool, Name: "sut", Logf: t.Logf}) })
	for k := range n {
		wg.Go(func() {
			errs <- Work(ctx, MemberOptions{NATSURL: natsURL, Pool: pool, Name: fmt.Sprintf("w%d", k), Logf: t.Logf})
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
	return pool
}

func TestRunOverThreeWorkers(t *testing.T) {
	needNATS(t)
	ignore := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, ignore, jetstreamLeak) }) // after the members stopped
	pool := members(t, 3)
	sc := fixedScenario(20*time.Millisecond, 30*time.Millisecond, 150, 500*time.Millisecond, 2*time.Second,
		strategies.NameSequential, strategies.NameErrgroup)
	res, err := Run(t.Context(), sc, Options{NATSURL: natsURL, Pool: pool, Workers: 3, Serve: "sut", Logf: t.Logf, Wait: 10 * time.Second})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if res.Partial || len(res.Workers) != 3 || len(res.Strategies) != 2 {
		t.Fatalf("partial %v, %d workers, %d strategies; want a whole run of 3 workers and 2 strategies", res.Partial, len(res.Workers), len(res.Strategies))
	}
	for _, s := range res.Strategies {
		var sent, assigned int64
		for _, w := range res.Workers {
			for _, ws := range w.Strategies {
				if ws.Strategy == s.Name {
					sent += ws.Sent
					assigned += ws.Assigned
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
		if s.Outcomes.Both != 300 || s.Lost != 0 {
			t.Errorf("%s: outcomes %+v, lost %d; want 300 to both, 0 lost", s.Name, s.Outcomes, s.Lost)
		}
		t.Logf("%s: p50 %vms p99 %vms (uncorrected p50 %vms, max lag %vms)", s.Name, s.LatencyMs.Corrected.P50,
			s.LatencyMs.Corrected.P99, s.LatencyMs.Uncorrected.P50, s.Saturation.MaxLagMs)
	}
}

func TestRunWaitsForMissingMembersAndNamesThem(t *testing.T) {
	needNATS(t)
	pool := members(t, 1)
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
