package mockapi

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// Ledger is the ground truth of what reached one mock API, keyed by
// Idempotency-Key. It is safe for concurrent use.
//
// Layout: ledgerShards mutex-guarded shards, each with two generations of
// records. A generation holds driver ids (16 lowercase hex digits, and the
// ids the mock generates) in an idTable keyed by the id's own 64 bits, in
// chunks of 64 ids of one block of consecutive ids, and every other
// Idempotency-Key verbatim
// in a map: an arbitrary key can never alias another key or a hex id, so no
// hash collision can make one client's key replay another's. A slot is 24
// bytes (the 64-bit body fingerprint, both times as 44-bit microsecond
// offsets from the shard's epoch, the counters, the last status and the
// flags); a run's consecutive ids cost about 25 bytes each, scattered ids
// about 57 (TestLedgerBytesPerID, BenchmarkLedgerBytesPerID).
//
// Capacity: a ledger keeps at most its capacity of ids (SetCapacity; a new
// ledger is unbounded, an API's takes Limits.LedgerCapacity). When a
// shard's current generation fills, its older generation is evicted whole
// and counted (Evicted), so the ledger always keeps at least the newest half
// of its capacity and evicts the oldest ids first. Lookups of an evicted id
// find nothing: once Evicted > 0, a missing id may have arrived.
//
// Arrivals saturate at 16,383 and effects at 2,047 per id; statuses
// outside 100-599 are recorded as 0; times more than 203 days after the
// epoch read as that bound (see slot).
type Ledger struct {
	shards [ledgerShards]ledgerShard
	genCap atomic.Int64 // ids per generation per shard; 0: unbounded
}

const ledgerShards = 1 << laneBits

type ledgerShard struct {
	mu       sync.Mutex
	epoch    time.Time
	cur, old generation
	evicted  uint64
	lane     uint64   // which ids this shard holds (see idTable)
	stagger  float64  // spreads this shard's table growth (see idTable)
	_        [64]byte // keep neighbouring shards' locks off this cache line
}

// generation is one age class of a shard's records.
type generation struct {
	ids   idTable          // hex ids by their 64 bits
	named map[string]*slot // every other key, verbatim; nil until the first
}

// key is a ledger key: a hex id is its own 64 bits; any other
// Idempotency-Key is kept verbatim in name, and bits is then its FNV-1a
// hash (it picks the shard and seeds the draws, never identifies).
type key struct {
	bits uint64
	name string
}

// slot is one id's record, 24 bytes: the 64-bit body fingerprint and two
// packed words.
//
//	w1: first arrival (44 bits) | arrivals (14 bits) | compensation attempts (3 bits) | flags (3 bits)
//	w2: first success (44 bits) | effects (11 bits) | last status (9 bits)
//
// Times are microseconds since the shard's epoch plus one (0: never); 44
// bits reach 203 days past the epoch, and later times read as that bound.
// Arrivals saturate at 16,383, compensation attempts at 7 and effects at
// 2,047. The status is kept as
// status−99 (1..500 for 100..599; 0: none, or the connection was cut).
type slot struct {
	fp     uint64 // FNV-1a 64 of the body the key is bound to
	w1, w2 uint64
}

const (
	timeBits     = 44
	timeMask     = 1<<timeBits - 1
	arrivalsMask = 1<<14 - 1
	compShift    = timeBits + 14
	compMask     = 1<<3 - 1
	effectsMask  = 1<<11 - 1
	statusMask   = 1<<9 - 1

	inflightBit = 1 << (compShift + 3)
	// undoneBit: a compensation undid the applied effect.
	undoneBit = inflightBit << 1
	// earlyBit: a compensation arrived while no effect was applied.
	earlyBit = undoneBit << 1
)

func (s *slot) first() uint64   { return s.w1 & timeMask }
func (s *slot) success() uint64 { return s.w2 & timeMask }
func (s *slot) arrivals() int   { return int(s.w1 >> timeBits & arrivalsMask) }
func (s *slot) effects() int    { return int(s.w2 >> timeBits & effectsMask) }
func (s *slot) flag(bit uint64) bool {
	return s.w1&bit != 0
}
func (s *slot) setFlag(bit uint64, on bool) {
	if on {
		s.w1 |= bit
	} else {
		s.w1 &^= bit
	}
}
func (s *slot) inflight() bool { return s.flag(inflightBit) }

func (s *slot) setFirst(off uint64)   { s.w1 = s.w1&^timeMask | off }
func (s *slot) setSuccess(off uint64) { s.w2 = s.w2&^timeMask | off }

// addCompensation counts a compensation attempt (saturating at compMask)
// and returns how many there have been.
func (s *slot) addCompensation() int {
	n := int(s.w1 >> compShift & compMask)
	if n < compMask {
		n++
		s.w1 = s.w1&^(compMask<<compShift) | uint64(n)<<compShift
	}
	return n
}

func (s *slot) addArrival() {
	if s.arrivals() < arrivalsMask {
		s.w1 += 1 << timeBits
	}
}

func (s *slot) addEffect() {
	if s.effects() < effectsMask {
		s.w2 += 1 << timeBits
	}
}

const statusShift = timeBits + 11

func (s *slot) status() int {
	if c := int(s.w2 >> statusShift & statusMask); c != 0 {
		return c + 99
	}
	return 0
}

func (s *slot) setStatus(code int) {
	c := uint64(0)
	if code >= 100 && code <= 599 {
		c = uint64(code - 99)
	}
	s.w2 = s.w2&^(statusMask<<statusShift) | c<<statusShift
}

// Entry is the record of one id in a Ledger.
type Entry struct {
	FirstArrival time.Time // first arrival of the id
	FirstSuccess time.Time // when the effect was first applied (zero if never)
	Arrivals     int       // how many requests with this id arrived
	Effects      int       // how many times the effect was applied (>1 = duplicate effect)
	LastStatus   int       // last status answered (0 if the connection was cut)
	// Undone says a compensating request (DELETE with the same key) undid
	// the applied effect: the id counts as not delivered to this API.
	Undone bool
	// CompensatedEarly says a compensation arrived while no effect had
	// been applied (before or without the original); an original that
	// arrives later is applied and at once undone.
	CompensatedEarly bool
}

// decision is what idempotency makes of an arrival.
type decision uint8

const (
	decideProcess  decision = iota // process it (and, with idempotency on, it now holds the key)
	decideReplay                   // the key completed with success: replay it
	decideConflict                 // the key is being processed: 409
	decideMismatch                 // the key is bound to another body: 422
)

func newLedger(now time.Time) *Ledger {
	l := &Ledger{}
	for i := range l.shards {
		sh := &l.shards[i]
		sh.epoch = now
		sh.lane = uint64(i)
		sh.stagger = float64(i) / ledgerShards
		sh.cur, sh.old = sh.newGeneration(), sh.newGeneration()
	}
	return l
}

// newGeneration returns an empty generation; the shards' staggered
// initial capacities keep their growth out of step (see idTable).
func (sh *ledgerShard) newGeneration() generation {
	return generation{ids: newIDTable(sh.lane, sh.stagger)}
}

// MinLedgerCapacity is the smallest capacity SetCapacity takes: one id per
// generation per shard.
const MinLedgerCapacity = 2 * ledgerShards

// SetCapacity bounds the ledger to n ids (at least MinLedgerCapacity). It
// applies from the next new id on.
func (l *Ledger) SetCapacity(n int) error {
	if n < MinLedgerCapacity {
		return fmt.Errorf("ledger capacity %d: want at least %d ids", n, MinLedgerCapacity)
	}
	l.genCap.Store(int64(n / MinLedgerCapacity))
	return nil
}

// Evicted returns how many ids were evicted to keep the ledger within its
// capacity since it started or was last reset.
func (l *Ledger) Evicted() uint64 {
	var n uint64
	for i := range l.shards {
		sh := &l.shards[i]
		sh.mu.Lock()
		n += sh.evicted
		sh.mu.Unlock()
	}
	return n
}

// shard returns k's shard (its lane, see idTable) and its chunk hash.
func (l *Ledger) shard(k key) (*ledgerShard, uint64) {
	h := chunkHash(k.bits)
	return &l.shards[laneOf(k.bits, h)], h
}

func (g *generation) get(k key, h uint64) *slot {
	if k.name != "" {
		return g.named[k.name] // nil map: nil
	}
	return g.ids.get(k.bits, h)
}

func (g *generation) insert(k key, h uint64) *slot {
	if k.name != "" {
		if g.named == nil {
			g.named = make(map[string]*slot)
		}
		s := new(slot)
		g.named[k.name] = s
		return s
	}
	return g.ids.upsert(k.bits, h)
}

func (g *generation) len() int { return g.ids.len() + len(g.named) }

// each calls fn for every record until fn returns false; it reports
// whether fn always returned true.
func (g *generation) each(fn func(id string, s slot) bool) bool {
	ok := true
	g.ids.each(func(k uint64, s slot) bool {
		ok = fn(formatKey(k), s)
		return ok
	})
	if !ok {
		return false
	}
	for name, s := range g.named {
		if !fn(name, *s) {
			return false
		}
	}
	return true
}

// get returns k's slot in either generation, or nil.
func (sh *ledgerShard) get(k key, h uint64) *slot {
	if s := sh.cur.get(k, h); s != nil {
		return s
	}
	return sh.old.get(k, h)
}

// upsert returns k's slot, inserting it into the current generation if it
// is new; a full current generation first replaces the old one, whose ids
// are evicted. The pointer is valid until the next upsert.
func (sh *ledgerShard) upsert(k key, h uint64, genCap int) *slot {
	if s := sh.get(k, h); s != nil {
		return s
	}
	if genCap > 0 && sh.cur.len() >= genCap {
		sh.evicted += uint64(sh.old.len())
		sh.old = sh.cur
		sh.cur = sh.newGeneration()
	}
	return sh.cur.insert(k, h)
}

func (sh *ledgerShard) len() int { return sh.cur.len() + sh.old.len() }

func (sh *ledgerShard) each(fn func(id string, s slot) bool) bool {
	return sh.old.each(fn) && sh.cur.each(fn)
}

// offset converts t to the slot's encoding (µs since epoch, +1; times
// before the epoch read as the epoch, times past the 44-bit range as its
// end).
func offset(epoch, t time.Time) uint64 {
	return uint64(min(max(t.Sub(epoch)/time.Microsecond, 0), timeMask-1)) + 1
}

func at(epoch time.Time, off uint64) time.Time {
	if off == 0 {
		return time.Time{}
	}
	return epoch.Add(time.Duration(off-1) * time.Microsecond)
}

// arrive records an arrival of k at now and returns its arrival number
// (1-based) and, when idem is set, what idempotency makes of it: a key that
// completed with success replays, one being processed conflicts, one bound
// to another body fingerprint mismatches; otherwise the arrival takes the
// key (in flight) and must later call finish with claimed=true.
func (l *Ledger) arrive(k key, now time.Time, fp uint64, idem bool) (int, decision) {
	sh, h := l.shard(k)
	genCap := int(l.genCap.Load())
	sh.mu.Lock()
	s := sh.upsert(k, h, genCap)
	if s.first() == 0 {
		s.setFirst(offset(sh.epoch, now))
	}
	s.addArrival()
	d := decideProcess
	if idem {
		switch {
		case (s.inflight() || s.effects() > 0) && s.fp != fp:
			d = decideMismatch
		case s.inflight():
			d = decideConflict
		case s.effects() > 0:
			d = decideReplay
		default:
			s.setFlag(inflightBit, true)
			s.fp = fp
		}
	}
	n := s.arrivals()
	sh.mu.Unlock()
	return n, d
}

// finish records the answer to an arrival: status (0 when the connection was
// cut), whether the effect was applied, and whether the arrival held the key.
// The first applied effect sets FirstSuccess; later ones only count.
func (l *Ledger) finish(k key, now time.Time, status int, applied, claimed bool) {
	sh, h := l.shard(k)
	sh.mu.Lock()
	s := sh.get(k, h)
	if s == nil { // arrived before a Reset, or evicted since: not in this ledger
		sh.mu.Unlock()
		return
	}
	if applied {
		s.addEffect()
		if s.success() == 0 {
			s.setSuccess(offset(sh.epoch, now))
		}
		if s.flag(earlyBit) {
			s.setFlag(undoneBit, true) // compensated before it arrived
		}
	}
	if claimed {
		s.setFlag(inflightBit, false)
	}
	s.setStatus(status)
	sh.mu.Unlock()
}

// compensationAttempt counts a compensating request for k and returns
// its number (1-based, saturating at 7): each attempt draws its own
// outcome, so a compensation retried after a drawn failure can succeed.
func (l *Ledger) compensationAttempt(k key) int {
	sh, h := l.shard(k)
	genCap := int(l.genCap.Load())
	sh.mu.Lock()
	defer sh.mu.Unlock()
	return sh.upsert(k, h, genCap).addCompensation()
}

// compensate records a compensating request for k that succeeded: the
// applied effect is marked undone (again and again: idempotent), or, with
// nothing applied yet, the compensation is recorded as early.
// Compensations are not arrivals: Arrivals and Effects count the original
// requests only.
func (l *Ledger) compensate(k key) {
	sh, h := l.shard(k)
	genCap := int(l.genCap.Load())
	sh.mu.Lock()
	defer sh.mu.Unlock()
	s := sh.upsert(k, h, genCap)
	if s.effects() > 0 {
		s.setFlag(undoneBit, true)
	} else {
		s.setFlag(earlyBit, true)
	}
}

// Lookup returns the record of id (an Idempotency-Key as sent, or a
// generated id as the mock answered it). An id that is not found may have
// been evicted if Evicted() > 0.
func (l *Ledger) Lookup(id string) (Entry, bool) {
	return l.lookup(parseKey(id))
}

func (l *Ledger) lookup(k key) (Entry, bool) {
	sh, h := l.shard(k)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	s := sh.get(k, h)
	if s == nil {
		return Entry{}, false
	}
	return s.entry(sh.epoch), true
}

func (s slot) entry(epoch time.Time) Entry {
	return Entry{
		FirstArrival:     at(epoch, s.first()),
		FirstSuccess:     at(epoch, s.success()),
		Arrivals:         s.arrivals(),
		Effects:          s.effects(),
		LastStatus:       s.status(),
		Undone:           s.flag(undoneBit),
		CompensatedEarly: s.flag(earlyBit),
	}
}

// Len returns how many distinct ids the ledger holds.
func (l *Ledger) Len() int {
	n := 0
	for i := range l.shards {
		sh := &l.shards[i]
		sh.mu.Lock()
		n += sh.len()
		sh.mu.Unlock()
	}
	return n
}

// Range calls fn for every id the ledger holds until fn returns false.
// fn runs without any ledger lock held; the view is per shard, not one
// snapshot of the whole ledger.
func (l *Ledger) Range(fn func(id string, e Entry) bool) {
	type kv struct {
		id string
		e  Entry
	}
	var buf []kv
	for i := range l.shards {
		sh := &l.shards[i]
		sh.mu.Lock()
		buf = buf[:0]
		sh.each(func(id string, s slot) bool {
			buf = append(buf, kv{id, s.entry(sh.epoch)})
			return true
		})
		sh.mu.Unlock()
		for _, x := range buf {
			if !fn(x.id, x.e) {
				return
			}
		}
	}
}

// LedgerSummary totals a ledger.
type LedgerSummary struct {
	IDs                 int    `json:"ids"`
	Arrivals            int    `json:"arrivals"`
	Effects             int    `json:"effects"`
	Applied             int    `json:"applied"`              // ids whose effect was applied at least once
	DuplicateDeliveries int    `json:"duplicate_deliveries"` // ids that arrived more than once
	DuplicateEffects    int    `json:"duplicate_effects"`    // ids applied more than once
	Undone              int    `json:"undone"`               // ids applied, then undone by a compensation
	Evicted             uint64 `json:"evicted"`              // ids evicted to stay within capacity (not in the other counts)
}

// Summary totals the ids the ledger holds.
func (l *Ledger) Summary() LedgerSummary {
	var sum LedgerSummary
	for i := range l.shards {
		sh := &l.shards[i]
		sh.mu.Lock()
		sum.IDs += sh.len()
		sum.Evicted += sh.evicted
		sh.each(func(_ string, s slot) bool {
			sum.Arrivals += s.arrivals()
			sum.Effects += s.effects()
			if s.effects() > 0 {
				sum.Applied++
			}
			if s.arrivals() > 1 {
				sum.DuplicateDeliveries++
			}
			if s.effects() > 1 {
				sum.DuplicateEffects++
			}
			if s.flag(undoneBit) {
				sum.Undone++
			}
			return true
		})
		sh.mu.Unlock()
	}
	return sum
}

// reset empties the ledger, zeroes Evicted and restarts its epoch at now.
func (l *Ledger) reset(now time.Time) {
	for i := range l.shards {
		sh := &l.shards[i]
		sh.mu.Lock()
		sh.epoch = now
		sh.cur, sh.old = sh.newGeneration(), sh.newGeneration()
		sh.evicted = 0
		sh.mu.Unlock()
	}
}
