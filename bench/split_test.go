package bench

import (
	"bytes"
	"io"
	"slices"
	"sync"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/fanbench/fanbench/reports"
	"github.com/fanbench/fanbench/scenarios"
	"github.com/fanbench/fanbench/strategies"
)

// Three drivers each sending their part of the schedule to one host add
// up to the single-driver run: every scheduled send once, with the same
// ids, exact merged histograms, every send reconciled.
func TestDrivePartsMergeToTheWholeRun(t *testing.T) {
	sc := fixedScenario(20*time.Millisecond, 30*time.Millisecond, 150, 2*time.Second, strategies.NameSequential)
	sc.Load.Warmup = 300 * time.Millisecond
	host, err := StartHost(t.Context(), sc, strategies.NameSequential, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer host.Close()
	const n = 3
	start := time.Now().Add(100 * time.Millisecond)
	host.Begin(t.Context(), start)
	ms := make([]*Measured, n)
	bins := make([]bytes.Buffer, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for k := range n {
		wg.Go(func() {
			opt := Options{ResultsOut: func(string) (io.WriteCloser, error) { return nopCloser{&bins[k]}, nil }}
			ms[k], errs[k] = Drive(t.Context(), sc, strategies.NameSequential, host.URL(), Part{K: k, N: n}, start, opt)
		})
	}
	wg.Wait()
	var parts []PartWalked
	var sum, assigned int64
	for k, err := range errs {
		if err != nil {
			t.Fatalf("driver %d: %v", k, err)
		}
		parts = append(parts, PartWalked{Part: ms[k].Part, Walked: ms[k].Walked})
		sum += ms[k].Requests
		assigned += ms[k].Assigned
	}
	m, err := Merge(ms, []string{"w0", "w1", "w2"})
	if err != nil {
		t.Fatal(err)
	}
	settled, err := host.Settle(t.Context(), m.Sends(start, parts))
	if err != nil {
		t.Fatal(err)
	}
	sr, err := Summarize(sc, m, settled)
	if err != nil {
		t.Fatal(err)
	}
	// The serve host judged itself: its mocks' timers (20ms and 30ms
	// latencies) are measured there and reach the result.
	if settled.Harness == nil || settled.Harness.MockLatenessMs.Max <= 0 || sr.Harness.MockLatenessMs != settled.Harness.MockLatenessMs {
		t.Errorf("serve host harness %+v, result's mock lateness %+v; want the host's mock timers in the result", settled.Harness, sr.Harness.MockLatenessMs)
	}
	// The drivers' own figures survive the merge (the busiest driver's).
	if h := sr.Harness; h.CPUUtilization <= 0 || h.FDs.Peak <= 0 || h.FDs.Limit <= 0 || h.GoroutinesPeak <= 0 {
		t.Errorf("merged harness %+v; want the drivers' CPU, descriptors and goroutines", h)
	}
	// A saturated serve host makes the run saturated, each reason naming it.
	busy := *settled
	busy.Harness = &reports.Harness{Saturated: true, Reasons: []string{"mock timers fired 9.0ms late at p99 (> 5.0ms)"}}
	if bs, err := Summarize(sc, m, &busy); err != nil || !bs.Harness.Saturated ||
		!slices.Contains(bs.Harness.Reasons, "serve host: mock timers fired 9.0ms late at p99 (> 5.0ms)") {
		t.Errorf("with a saturated serve host: harness %+v (%v); want saturated, the reason prefixed \"serve host: \"", bs.Harness, err)
	}
	want := scheduledIn(mustPacer(t, sc), sc.Load.Warmup, sc.Load.Warmup+sc.Load.Duration)
	if sr.Requests != want || sum != want || assigned != want {
		t.Errorf("requests %d (sum of drivers %d, assigned %d); want the %d scheduled", sr.Requests, sum, assigned, want)
	}
	if sr.Outcomes.Both != want || sr.Lost != 0 {
		t.Errorf("outcomes %+v lost %d; want all %d delivered to both", sr.Outcomes, sr.Lost, want)
	}
	h, err := reports.DecodeHistogram(sr.Histograms.Corrected)
	if err != nil || h.TotalCount() != sum {
		t.Errorf("merged corrected histogram holds %d (%v); want the drivers' %d", h.TotalCount(), err, sum)
	}
	var total int64
	for _, in := range sr.Intervals {
		ih, _ := reports.DecodeHistogram(in.Histogram)
		total += ih.TotalCount()
	}
	if total != sum {
		t.Errorf("intervals hold %d values; want %d", total, sum)
	}
	// The drivers' sends are the single driver's: ids once each, by seq.
	var merged bytes.Buffer
	var streams []io.Reader
	for k := range bins {
		var sorted bytes.Buffer
		if err := SortResults(&sorted, &bins[k]); err != nil {
			t.Fatal(err)
		}
		streams = append(streams, &sorted)
	}
	if err := ResultsByIntended(&merged, streams, nil); err != nil {
		t.Fatal(err)
	}
	ids := newIDSpace(sc.Seed)
	seen := map[string]bool{}
	fromResults := reports.NewHistogram() // every send's corrected latency, from the streams
	dec := vegeta.NewDecoder(&merged)
	var last time.Time
	for {
		var r vegeta.Result
		if err := dec.Decode(&r); err != nil {
			break
		}
		if r.Timestamp.Before(last) {
			t.Fatalf("merged results not sorted by intended time: %v after %v", r.Timestamp, last)
		}
		last = r.Timestamp
		if seen[r.URL] || r.URL != ids.id(r.Seq+m.FirstMeasured) {
			t.Fatalf("result seq %d id %s: duplicate or not the single driver's id %s", r.Seq, r.URL, ids.id(r.Seq+m.FirstMeasured))
		}
		seen[r.URL] = true
		reports.RecordUs(fromResults, r.Latency.Microseconds())
	}
	if !fromResults.Equals(h) {
		t.Errorf("merged corrected histogram (p50 %d µs, count %d) differs from the sends' own latencies (p50 %d µs, count %d)",
			h.ValueAtQuantile(50), h.TotalCount(), fromResults.ValueAtQuantile(50), fromResults.TotalCount())
	}
	if int64(len(seen)) != want {
		t.Errorf("merged results.bin has %d sends; want %d", len(seen), want)
	}
}

func mustPacer(t *testing.T, sc *scenarios.Scenario) vegeta.Pacer {
	t.Helper()
	p, err := pacerFor(sc.Load)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
