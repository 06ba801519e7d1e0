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
	// The staggered shards keep the cost flat across sizes (a Go map would
	// swing between ~27 and ~56 B/id); BenchmarkLedgerBytesPerID does 1e6.
	for _, n := range []int{50_000, 170_000, 300_000} {
		b := ledgerBytesPerID(n)
		t.Logf("%7d ids: %.1f B/id", n, b)
		if b > 36 {
			t.Errorf("%d ids: %.1f B/id; want <= 36", n, b)
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

func TestIDTable(t *testing.T) {
	tb := newIDTable(0.5)
	keys := []uint64{0, 1, 2, 1 << 63, ^uint64(0)}
	for k := uint64(3); k < 5000; k++ {
		keys = append(keys, k*0x9e3779b97f4a7c15)
	}
	for i, k := range keys {
		tb.upsert(k, mix64(k)).arrivals = uint16(i + 1)
	}
	if tb.len() != len(keys) {
		t.Fatalf("len = %d; want %d", tb.len(), len(keys))
	}
	for i, k := range keys {
		s := tb.get(k, mix64(k))
		if s == nil || s.arrivals != uint16(i+1) {
			t.Fatalf("get(%#x) = %+v; want arrivals %d", k, s, i+1)
		}
	}
	if s := tb.get(12345, mix64(12345)); s != nil {
		t.Fatalf("get of a missing key = %+v; want nil", s)
	}
	seen := 0
	tb.each(func(uint64, slot) bool { seen++; return true })
	if seen != len(keys) {
		t.Fatalf("each visited %d; want %d", seen, len(keys))
	}
}
