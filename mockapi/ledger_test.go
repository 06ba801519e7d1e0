package mockapi

import (
	"math/rand/v2"
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
				_, d := l.arrive(key{bits: k}, now, 1, false)
				l.finish(key{bits: k}, now, 200, d == decideProcess, false)
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
	l.Range(func(_ string, e Entry) bool { n++; return e.Arrivals == workers })
	if n != ids {
		t.Fatalf("Range visited %d entries with %d arrivals each; want %d", n, workers, ids)
	}
}

func TestLedgerEntry(t *testing.T) {
	epoch := time.Unix(1_700_000_000, 0)
	l := newLedger(epoch)
	at := func(d time.Duration) time.Time { return epoch.Add(d) }
	five := key{bits: 5}
	l.arrive(five, at(1500*time.Microsecond), 0, true)
	l.finish(five, at(2*time.Millisecond), 503, false, true)
	l.arrive(five, at(3*time.Millisecond), 0, true)
	l.finish(five, at(4*time.Millisecond), 200, true, true)
	l.arrive(five, at(5*time.Millisecond), 0, true)
	l.finish(five, at(6*time.Millisecond), 200, false, false)
	// A later duplicate effect (idempotency off) counts, and must not move
	// FirstSuccess: delivery_ms is measured to the first effect.
	l.arrive(five, at(7*time.Millisecond), 0, false)
	l.finish(five, at(8*time.Millisecond), 201, true, false)
	e, ok := l.Lookup("0000000000000005")
	want := Entry{FirstArrival: at(1500 * time.Microsecond), FirstSuccess: at(4 * time.Millisecond), Arrivals: 4, Effects: 2, LastStatus: 201}
	if !ok || !e.FirstArrival.Equal(want.FirstArrival) || !e.FirstSuccess.Equal(want.FirstSuccess) ||
		e.Arrivals != want.Arrivals || e.Effects != want.Effects || e.LastStatus != want.LastStatus {
		t.Fatalf("Lookup = %+v, %v; want %+v", e, ok, want)
	}
	// Times far past the epoch are kept exactly (no 32-bit wrap or clamp).
	for _, d := range []time.Duration{71*time.Minute + 35*time.Second, 100 * time.Hour, 200 * 24 * time.Hour} {
		k := key{bits: uint64(d)}
		l.arrive(k, at(d), 0, false)
		l.finish(k, at(d+time.Millisecond), 200, true, false)
		if e, _ := l.lookup(k); !e.FirstArrival.Equal(at(d)) || !e.FirstSuccess.Equal(at(d+time.Millisecond)) {
			t.Fatalf("arrival %v after the epoch reads as %v, success %v; want %v and %v", d, e.FirstArrival.Sub(epoch), e.FirstSuccess.Sub(epoch), d, d+time.Millisecond)
		}
	}
	l.reset(at(time.Hour))
	if _, ok := l.Lookup("0000000000000005"); ok || l.Len() != 0 {
		t.Fatal("entries survived reset")
	}
	l.finish(five, at(time.Hour), 200, true, true) // an arrival from before the reset
	if l.Len() != 0 {
		t.Fatal("a finish from before the reset created an entry")
	}
}

// TestLedgerKeysNeverAlias: a key that is not a driver id is kept
// verbatim, so neither its FNV-1a hash sent as a hex key nor any other
// spelling reaches its record.
func TestLedgerKeysNeverAlias(t *testing.T) {
	l := newLedger(time.Now())
	ids := []string{"foo", formatKey(fnv64("foo")), "00000000000000FF", "00000000000000ff", "front-3", "x"}
	for i, id := range ids {
		for range i + 1 {
			l.arrive(parseKey(id), time.Now(), 0, false)
		}
	}
	for i, id := range ids {
		if e, ok := l.Lookup(id); !ok || e.Arrivals != i+1 {
			t.Errorf("Lookup(%q) = %+v, %v; want its own %d arrivals", id, e, ok, i+1)
		}
	}
	if l.Len() != len(ids) {
		t.Errorf("Len = %d; want %d distinct ids", l.Len(), len(ids))
	}
}

// TestLedgerCapacity: 10,000 distinct ids into a ledger of capacity 1,024
// keep it within its capacity; the oldest ids are the evicted ones, every
// id is either held or counted as evicted, and the newest are all there.
func TestLedgerCapacity(t *testing.T) {
	l := newLedger(time.Now())
	const capacity, n = 1024, 10_000
	if err := l.SetCapacity(capacity); err != nil {
		t.Fatal(err)
	}
	for i := range uint64(n) {
		l.arrive(key{bits: i}, time.Now(), 0, true)
		if i%64 == 0 && l.Len() > capacity {
			t.Fatalf("after %d ids the ledger holds %d; want at most %d", i+1, l.Len(), capacity)
		}
	}
	if got := uint64(l.Len()) + l.Evicted(); got != n {
		t.Fatalf("held %d + evicted %d = %d; want every one of %d ids", l.Len(), l.Evicted(), got, n)
	}
	if sum := l.Summary(); sum.Evicted != l.Evicted() || sum.IDs != l.Len() {
		t.Errorf("Summary = %+v; want ids %d, evicted %d", sum, l.Len(), l.Evicted())
	}
	if _, ok := l.lookup(key{bits: 0}); ok {
		t.Error("the oldest id is still held")
	}
	for i := uint64(n - 1); i >= n-capacity/4; i-- {
		if _, ok := l.lookup(key{bits: i}); !ok {
			t.Fatalf("id %d of the newest quarter of the capacity was evicted", i)
		}
	}
	if l.Len() > capacity {
		t.Fatalf("the ledger holds %d; want at most %d", l.Len(), capacity)
	}
	for _, bad := range []int{-1, 0, 1, MinLedgerCapacity - 1} {
		if err := l.SetCapacity(bad); err == nil {
			t.Errorf("SetCapacity(%d): no error", bad)
		}
	}
	l.reset(time.Now())
	if l.Evicted() != 0 {
		t.Errorf("Evicted = %d after reset; want 0", l.Evicted())
	}
}

// TestLedgerBytesPerID documents the ledger's memory per id: a run's
// consecutive driver ids fill whole chunks (24 B slots, the table's share
// is under 1 B), scattered ids pay a table position and a one-slot chunk.
func TestLedgerBytesPerID(t *testing.T) {
	if testing.Short() {
		t.Skip("allocates a large ledger")
	}
	// The staggered shards keep the cost flat across sizes (a Go map would
	// swing between ~27 and ~56 B/id); BenchmarkLedgerBytesPerID does 1e6.
	for _, n := range []int{50_000, 170_000, 300_000} {
		b := ledgerBytesPerID(n, sequentialID)
		t.Logf("%7d consecutive ids: %.1f B/id", n, b)
		if b > 28 {
			t.Errorf("%d consecutive ids: %.1f B/id; want <= 28", n, b)
		}
		b = ledgerBytesPerID(n, scatteredID)
		t.Logf("%7d scattered ids: %.1f B/id", n, b)
		if b > 64 {
			t.Errorf("%d scattered ids: %.1f B/id; want <= 64", n, b)
		}
	}
}

// sequentialID is the i-th id of a driver run (salt 0x5eed in the high
// bits, the sequence in the low); scatteredID spreads ids over the key
// space the way generated ids are.
func sequentialID(i uint64) uint64 { return 0x5eed<<32 | i }
func scatteredID(i uint64) uint64  { return mix64(i + 1) }

// ledgerBytesPerID fills a fresh ledger with n ids (the i-th is id(i)) and
// returns the live heap it added, per id.
func ledgerBytesPerID(n int, id func(uint64) uint64) float64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	l := newLedger(time.Now())
	now := time.Now()
	for i := range uint64(n) {
		l.arrive(key{bits: id(i)}, now, 0, true)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(l)
	return float64(after.HeapAlloc-before.HeapAlloc) / float64(n)
}

func TestIDTable(t *testing.T) {
	const lane = 37
	tb := newIDTable(lane, 0.5)
	// laneID is the id of lane's bit j in block blk.
	laneID := func(blk, j uint64) uint64 { return blk<<blockShift | j<<laneBits | (lane^mix64(blk))&(1<<laneBits-1) }
	keys := []uint64{laneID(0, 0), laneID(0, 63), laneID(1, 0), laneID(1<<52-1, 63), laneID(1<<51, 1)}
	for k := uint64(3); k < 3000; k++ {
		keys = append(keys, laneID(k*0x9e3779b97f4a7c15>>blockShift, k%chunkIDs)) // scattered
	}
	// Dense runs filled out of order (the way concurrent arrivals come):
	// every insertion position in a chunk, every growth of its array.
	perm := rand.New(rand.NewPCG(1, 2)).Perm(3 * chunkIDs)
	for _, p := range perm {
		keys = append(keys, laneID(1<<30+uint64(p/chunkIDs), uint64(p%chunkIDs)))
	}
	for _, k := range keys {
		if laneOf(k, chunkHash(k)) != lane {
			t.Fatalf("test id %#x is of lane %d; want %d", k, laneOf(k, chunkHash(k)), lane)
		}
	}
	for i, k := range keys {
		s := tb.upsert(k, chunkHash(k))
		if *s != (slot{}) {
			t.Fatalf("upsert(%#x) of a new id = %+v; want a zero slot", k, *s)
		}
		s.fp = uint64(i + 1)
		for j := range keys[:i+1] { // every earlier id kept its slot
			if j%97 == 0 || j >= i-3 {
				if g := tb.get(keys[j], chunkHash(keys[j])); g == nil || g.fp != uint64(j+1) {
					t.Fatalf("after inserting %#x, get(%#x) = %+v; want fp %d", k, keys[j], g, j+1)
				}
			}
		}
	}
	if tb.len() != len(keys) {
		t.Fatalf("len = %d; want %d", tb.len(), len(keys))
	}
	for i, k := range keys {
		if s := tb.upsert(k, chunkHash(k)); s.fp != uint64(i+1) {
			t.Fatalf("upsert of a present id %#x = %+v; want fp %d", k, *s, i+1)
		}
	}
	for _, k := range []uint64{laneID(12345, 0), laneID(1<<30+3, 0), laneID(1, 1)} {
		if s := tb.get(k, chunkHash(k)); s != nil {
			t.Fatalf("get of a missing key %#x = %+v; want nil", k, s)
		}
	}
	seen := map[uint64]uint64{}
	tb.each(func(k uint64, s slot) bool { seen[k] = s.fp; return true })
	if len(seen) != len(keys) {
		t.Fatalf("each visited %d; want %d", len(seen), len(keys))
	}
	for i, k := range keys {
		if seen[k] != uint64(i+1) {
			t.Fatalf("each gave %#x fp %d; want %d", k, seen[k], i+1)
		}
	}
}

// TestSlotFields: every packed field round-trips at its bounds and leaves
// the others alone.
func TestSlotFields(t *testing.T) {
	var s slot
	s.setFirst(timeMask)
	s.setSuccess(1)
	s.setStatus(599)
	s.setFlag(undoneBit, true)
	for range arrivalsMask + 5 {
		s.addArrival()
	}
	for range effectsMask + 5 {
		s.addEffect()
	}
	if s.first() != timeMask || s.success() != 1 || s.status() != 599 || !s.flag(undoneBit) || s.flag(earlyBit) || s.inflight() ||
		s.arrivals() != arrivalsMask || s.effects() != effectsMask {
		t.Fatalf("slot = first %d success %d status %d undone %v early %v inflight %v arrivals %d effects %d",
			s.first(), s.success(), s.status(), s.flag(undoneBit), s.flag(earlyBit), s.inflight(), s.arrivals(), s.effects())
	}
	for _, c := range []struct{ in, want int }{{100, 100}, {200, 200}, {0, 0}, {99, 0}, {600, 0}, {1023, 0}} {
		s.setStatus(c.in)
		if s.status() != c.want || s.effects() != effectsMask || s.success() != 1 {
			t.Fatalf("setStatus(%d): status %d effects %d success %d; want %d, %d, 1", c.in, s.status(), s.effects(), s.success(), c.want, effectsMask)
		}
	}
	epoch := time.Unix(1_700_000_000, 0)
	if got := at(epoch, offset(epoch, epoch.Add(300*24*time.Hour))); !got.Equal(epoch.Add(time.Duration(timeMask-1) * time.Microsecond)) {
		t.Fatalf("a time past the 44-bit range reads as %v after the epoch; want the bound", got.Sub(epoch))
	}
}
