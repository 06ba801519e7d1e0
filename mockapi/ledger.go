package mockapi

import (
	"math"
	"sync"
	"time"
)

// Ledger is the ground truth of what reached one mock API, keyed by
// Idempotency-Key. It is safe for concurrent use.
//
// Layout: ledgerShards mutex-guarded hash tables (idTable) from a uint64 key
// (a driver id's own 64 bits, or the FNV-1a hash of any other key) to a
// 16-byte slot: two uint32 microsecond offsets from the ledger's epoch, two
// uint16 counters and one packed uint32 (last status, in-flight bit, body
// fingerprint). With the 8-byte key that is 24 bytes per table position;
// BenchmarkLedgerBytesPerID measures about 31 bytes per id.
//
// Limits that follow from the layout: times are kept to the microsecond and
// clamp at about 71 minutes after the epoch (New or Reset); counters saturate
// at 65535; statuses above 1023 are not representable (HTTP uses 100-599).
type Ledger struct {
	shards [ledgerShards]ledgerShard
}

const ledgerShards = 64

type ledgerShard struct {
	mu    sync.Mutex
	epoch time.Time
	t     idTable
	_     [64]byte // keep neighbouring shards' locks off this cache line
}

// slot is one id's record. first and success are microseconds since the
// shard's epoch plus one, so 0 means "never".
type slot struct {
	first, success    uint32
	arrivals, effects uint16
	meta              uint32 // status:10 | inflight:1 | fingerprint:21
}

const (
	statusBits  = 10
	statusMask  = 1<<statusBits - 1
	inflightBit = 1 << statusBits
	fpShift     = statusBits + 1
	fpMask      = 1<<(32-fpShift) - 1
)

func (s slot) status() int         { return int(s.meta & statusMask) }
func (s slot) inflight() bool      { return s.meta&inflightBit != 0 }
func (s slot) fingerprint() uint32 { return s.meta >> fpShift }

func (s *slot) setStatus(code int) {
	if code < 0 || code > statusMask {
		code = 0
	}
	s.meta = s.meta&^statusMask | uint32(code)
}

func (s *slot) setInflight(on bool) {
	if on {
		s.meta |= inflightBit
	} else {
		s.meta &^= inflightBit
	}
}

func (s *slot) setFingerprint(fp uint32) {
	s.meta = s.meta&(statusMask|inflightBit) | (fp&fpMask)<<fpShift
}

// Entry is the record of one id in a Ledger.
type Entry struct {
	FirstArrival time.Time // first arrival of the id
	FirstSuccess time.Time // when the effect was first applied (zero if never)
	Arrivals     int       // how many requests with this id arrived
	Effects      int       // how many times the effect was applied (>1 = duplicate effect)
	LastStatus   int       // last status answered (0 if the connection was cut)
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
		l.shards[i].epoch = now
		l.shards[i].t = newShardTable(i)
	}
	return l
}

// newShardTable staggers the shards' initial capacities (see idTable).
func newShardTable(i int) idTable { return newIDTable(float64(i) / ledgerShards) }

// shard returns key's shard and its hash. Driver ids may be sequential, so
// the key is mixed; the low bits pick the shard, the table uses the high.
func (l *Ledger) shard(key uint64) (*ledgerShard, uint64) {
	h := mix64(key)
	return &l.shards[h%ledgerShards], h
}

// offset converts t to the slot's encoding (µs since epoch, +1, clamped).
func offset(epoch, t time.Time) uint32 {
	us := t.Sub(epoch) / time.Microsecond
	if us < 0 {
		us = 0
	}
	if us >= math.MaxUint32-1 {
		us = math.MaxUint32 - 2
	}
	return uint32(us) + 1
}

func at(epoch time.Time, off uint32) time.Time {
	if off == 0 {
		return time.Time{}
	}
	return epoch.Add(time.Duration(off-1) * time.Microsecond)
}

func sat16(v uint16) uint16 {
	if v == math.MaxUint16 {
		return v
	}
	return v + 1
}

// arrive records an arrival of key at now and returns its arrival number
// (1-based) and, when idem is set, what idempotency makes of it: a key that
// completed with success replays, one being processed conflicts, one bound
// to another body fingerprint mismatches; otherwise the arrival takes the
// key (in flight) and must later call finish with claimed=true.
func (l *Ledger) arrive(key uint64, now time.Time, fp uint32, idem bool) (int, decision) {
	sh, h := l.shard(key)
	sh.mu.Lock()
	s := sh.t.upsert(key, h)
	if s.first == 0 {
		s.first = offset(sh.epoch, now)
	}
	s.arrivals = sat16(s.arrivals)
	d := decideProcess
	if idem {
		switch {
		case (s.inflight() || s.effects > 0) && s.fingerprint() != fp&fpMask:
			d = decideMismatch
		case s.inflight():
			d = decideConflict
		case s.effects > 0:
			d = decideReplay
		default:
			s.setInflight(true)
			s.setFingerprint(fp)
		}
	}
	n := int(s.arrivals)
	sh.mu.Unlock()
	return n, d
}

// finish records the answer to an arrival: status (0 when the connection was
// cut), whether the effect was applied, and whether the arrival held the key.
func (l *Ledger) finish(key uint64, now time.Time, status int, applied, claimed bool) {
	sh, h := l.shard(key)
	sh.mu.Lock()
	s := sh.t.get(key, h)
	if s == nil { // arrived before a Reset: not part of this ledger
		sh.mu.Unlock()
		return
	}
	if applied {
		s.effects = sat16(s.effects)
		if s.success == 0 {
			s.success = offset(sh.epoch, now)
		}
	}
	if claimed {
		s.setInflight(false)
	}
	s.setStatus(status)
	sh.mu.Unlock()
}

// Lookup returns the record of id (an Idempotency-Key as sent, or a
// generated id as the mock answered it).
func (l *Ledger) Lookup(id string) (Entry, bool) {
	return l.lookupKey(parseKey(id))
}

func (l *Ledger) lookupKey(key uint64) (Entry, bool) {
	sh, h := l.shard(key)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	s := sh.t.get(key, h)
	if s == nil {
		return Entry{}, false
	}
	return s.entry(sh.epoch), true
}

func (s slot) entry(epoch time.Time) Entry {
	return Entry{
		FirstArrival: at(epoch, s.first),
		FirstSuccess: at(epoch, s.success),
		Arrivals:     int(s.arrivals),
		Effects:      int(s.effects),
		LastStatus:   s.status(),
	}
}

// Len returns how many distinct ids the ledger holds.
func (l *Ledger) Len() int {
	n := 0
	for i := range l.shards {
		sh := &l.shards[i]
		sh.mu.Lock()
		n += sh.t.len()
		sh.mu.Unlock()
	}
	return n
}

// Range calls fn for every id (as its uint64 key) until fn returns false.
// fn runs without any ledger lock held; the view is per shard, not one
// snapshot of the whole ledger.
func (l *Ledger) Range(fn func(key uint64, e Entry) bool) {
	type kv struct {
		k uint64
		e Entry
	}
	var buf []kv
	for i := range l.shards {
		sh := &l.shards[i]
		sh.mu.Lock()
		buf = buf[:0]
		sh.t.each(func(k uint64, s slot) bool {
			buf = append(buf, kv{k, s.entry(sh.epoch)})
			return true
		})
		sh.mu.Unlock()
		for _, x := range buf {
			if !fn(x.k, x.e) {
				return
			}
		}
	}
}

// LedgerSummary totals a ledger.
type LedgerSummary struct {
	IDs                 int `json:"ids"`
	Arrivals            int `json:"arrivals"`
	Effects             int `json:"effects"`
	Applied             int `json:"applied"`              // ids whose effect was applied at least once
	DuplicateDeliveries int `json:"duplicate_deliveries"` // ids that arrived more than once
	DuplicateEffects    int `json:"duplicate_effects"`    // ids applied more than once
}

// Summary totals the ledger.
func (l *Ledger) Summary() LedgerSummary {
	var sum LedgerSummary
	for i := range l.shards {
		sh := &l.shards[i]
		sh.mu.Lock()
		sum.IDs += sh.t.len()
		sh.t.each(func(_ uint64, s slot) bool {
			sum.Arrivals += int(s.arrivals)
			sum.Effects += int(s.effects)
			if s.effects > 0 {
				sum.Applied++
			}
			if s.arrivals > 1 {
				sum.DuplicateDeliveries++
			}
			if s.effects > 1 {
				sum.DuplicateEffects++
			}
			return true
		})
		sh.mu.Unlock()
	}
	return sum
}

// reset empties the ledger and restarts its epoch at now.
func (l *Ledger) reset(now time.Time) {
	for i := range l.shards {
		sh := &l.shards[i]
		sh.mu.Lock()
		sh.epoch = now
		sh.t = newShardTable(i)
		sh.mu.Unlock()
	}
}
