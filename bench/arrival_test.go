package bench

import (
	"testing"
	"time"

	"github.com/fanbench/fanbench/mockapi"
	"github.com/fanbench/fanbench/reports"
	"github.com/fanbench/fanbench/scenarios"
)

// The picture: in the outage built-in the queue keeps answering
// users while b is down, delivers nothing to both APIs then, and delivers
// the backlog in a burst once b is back. Counted by intended second, as the
// throughput chart did, the same deliveries looked steady throughout.
func TestOutageQueueDeliveriesByArrival(t *testing.T) {
	sc, err := scenarios.Open("outage")
	if err != nil {
		t.Fatal(err)
	}
	const rate = 100
	sc.Load.Duration, sc.Load.Warmup, sc.Load.Rate = 5*time.Second, 0, rate
	sc.Phases[0].At, sc.Phases[1].At = 1*time.Second, 3*time.Second // b down for seconds 1 and 2
	sc.DrainTimeout = 15 * time.Second
	for _, spec := range sc.Strategies {
		if spec.Name == "queue" {
			sc.Strategies = sc.Strategies[:0]
			sc.Strategies = append(sc.Strategies, spec)
			break
		}
	}
	if len(sc.Strategies) != 1 {
		t.Fatalf("the outage built-in has no queue strategy: %+v", sc.Strategies)
	}
	res, err := Run(t.Context(), sc, Options{})
	if err != nil {
		t.Fatal(err)
	}
	s := res.Strategies[0]
	if s.Outcomes.Both != s.Requests {
		t.Fatalf("queue delivered %d of %d sends to both; want all (the test needs the burst)", s.Outcomes.Both, s.Requests)
	}
	arrived := map[int]int64{}
	intended := map[int]int64{}
	var total int64
	for _, p := range s.Series {
		arrived[int(p.T)] = p.DeliveredByArrival
		intended[int(p.T)] += p.Delivered
		total += p.DeliveredByArrival
	}
	if total != s.Outcomes.Both {
		t.Errorf("deliveries by arrival sum to %d; want every send delivered to both (%d)\n%+v", total, s.Outcomes.Both, s.Series)
	}
	// Second 2 is wholly inside the outage (second 1 may still see sends
	// whose b leg arrived before it began).
	if arrived[2] != 0 {
		t.Errorf("second 2 (b down): %d deliveries to both by arrival; want 0\n%+v", arrived[2], s.Series)
	}
	if intended[2] < rate*9/10 {
		t.Errorf("second 2 by intended second: %d delivered; want about %d (every send, later)", intended[2], rate)
	}
	// After recovery the backlog (about two seconds of sends) arrives on
	// top of the current load, peaking above the offered rate (in which
	// second depends on how loaded the machine is).
	var peak int64
	for sec, n := range arrived {
		if sec >= 3 {
			peak = max(peak, n)
		}
	}
	if peak < rate*6/5 {
		t.Errorf("after recovery: deliveries by arrival peak at %d/s; want a burst over %d/s\n%+v", peak, rate*6/5, s.Series)
	}
}

func TestPerSecondAddsDrainSeconds(t *testing.T) {
	r := reconciliation{
		delivered: map[int]int64{0: 10, 1: 10},
		arrived:   map[int]int64{0: 4, 1: 6, 3: 10},
	}
	got := r.perSecond([]reports.SeriesPoint{{T: 1, Sent: 10}, {T: 0, Sent: 10}})
	want := []reports.SeriesPoint{
		{T: 0, Sent: 10, Delivered: 10, DeliveredByArrival: 4},
		{T: 1, Sent: 10, Delivered: 10, DeliveredByArrival: 6},
		{T: 3, DeliveredByArrival: 10},
	}
	if len(got) != len(want) {
		t.Fatalf("perSecond = %+v; want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("point %d = %+v; want %+v", i, got[i], want[i])
		}
	}
}

func TestArrivedAtIsTheLaterAPI(t *testing.T) {
	t0 := time.Unix(1000, 0)
	a := mockapi.Entry{FirstSuccess: t0.Add(40 * time.Millisecond)}
	b := mockapi.Entry{FirstSuccess: t0.Add(3 * time.Second)}
	if got := arrivedAt(a, b); !got.Equal(b.FirstSuccess) {
		t.Errorf("arrivedAt(a at 40ms, b at 3s) = %v; want b's %v", got, b.FirstSuccess)
	}
	if got := arrivedAt(b, a); !got.Equal(b.FirstSuccess) {
		t.Errorf("arrivedAt(a at 3s, b at 40ms) = %v; want %v", got, b.FirstSuccess)
	}
}
