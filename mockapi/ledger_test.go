package mockapi

import (
	"runtime"
	"sync"
	"testing"
	"time"
)

func TestLedgerConcurrent(t *testing.T) {
	l := newLedger(time.Now())
	const workers, ids = 8, 1000
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for k := range uint64(ids) {
				now := time.Now()
				_, d := l.arrive(k, now, 1, false)
				l.finish(k, now, 200, d == decideProcess, false)
			}
		})
	}
	wg.Wait()
	if l.Len() != ids {
		t.Fatalf("Len = %d; want %d", l.Len(), ids)
	}
	sum := l.Summary()
	want := LedgerSummary{IDs: ids, Arrivals: ids * workers, Effects: ids * workers, Applied: ids, DuplicateDeliveries: ids, DuplicateEffects: ids}
	if sum != want {
		t.Fatalf("Summary = %+v; want %+v", sum, want)
	}
	n := 0
	l.Range(func(key uint64, e Entry) bool { n++; return e.Arrivals == workers })
	if n != ids {
		t.Fatalf("Range visited %d entries with %d arrivals each; want %d", n, workers, ids)
	}
}

func TestLedgerEntry(t *testing.T) {
	epoch := time.Unix(1_700_000_000, 0)
	l := newLedger(epoch)
	at := func(d time.Duration) time.Time { return epoch.Add(d) }
	l.arrive(5, at(1500*time.Microsecond), 0, true)
	l.finish(5, at(2*time.Millisecond), 503, false, true)
	l.arrive(5, at(3*time.Millisecond), 0, true)
	l.finish(5, at(4*time.Millisecond), 200, true, true)
	l.arrive(5, at(5*time.Millisecond), 0, true)
	l.finish(5, at(6*time.Millisecond), 200, false, false)
	e, ok := l.Lookup("0000000000000005")
	want := Entry{FirstArrival: at(1500 * time.Microsecond), FirstSuccess: at(4 * time.Millisecond), Arrivals: 3, Effects: 1, LastStatus: 200}
	if !ok || !e.FirstArrival.Equal(want.FirstArrival) || !e.FirstSuccess.Equal(want.FirstSuccess) ||
		e.Arrivals != want.Arrivals || e.Effects != want.Effects || e.LastStatus != want.LastStatus {
		t.Fatalf("Lookup = %+v, %v; want %+v", e, ok, want)
	}
	// Times past the 32-bit microsecond horizon clamp instead of wrapping.
	l.arrive(6, at(100*time.Hour), 0, false)
	if e, _ := l.lookupKey(6); e.FirstArrival.Sub(epoch) < 71*time.Minute {
		t.Fatalf("arrival 100h after the epoch reads as %v; want it clamped at ~71m", e.FirstArrival.Sub(epoch))
	}
	l.reset(at(time.Hour))
	if _, ok := l.Lookup("0000000000000005"); ok || l.Len() != 0 {
		t.Fatal("entries survived reset")
	}
	l.finish(5, at(time.Hour), 200, true, true) // an arrival from before the reset
	if l.Len() != 0 {
		t.Fatal("a finish from before the reset created an entry")
	}
}

// TestLedgerBytesPerID documents the ledger's memory per id.
func TestLedgerBytesPerID(t *testing.T) {
	if testing.Short() {
		t.Skip("allocates a large ledger")
	}
	// A Go map doubles its tables, so the cost per id cycles with n between
	// about 27 B (tables nearly full) and 56 B (just after they doubled).
	for _, n := range []int{100_000, 250_000, 500_000, 750_000, 1_000_000} {
		b := ledgerBytesPerID(n)
		t.Logf("%7d ids: %.1f B/id", n, b)
		if b > 64 {
			t.Errorf("%d ids: %.1f B/id; want <= 64", n, b)
		}
	}
}

// ledgerBytesPerID fills a fresh ledger with n sequential driver ids and
// returns the live heap it added, per id.
func ledgerBytesPerID(n int) float64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	l := newLedger(time.Now())
	now := time.Now()
	for k := range uint64(n) {
		l.arrive(k, now, 0, true)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(l)
	return float64(after.HeapAlloc-before.HeapAlloc) / float64(n)
}
