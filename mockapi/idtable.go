package mockapi

import (
	"math"
	"math/bits"
)

// idTable is an open-addressing hash table from a uint64 id key to its
// ledger slot: linear probing over a keys array (so a probe reads 8-byte
// keys, not whole slots) with the slots in a parallel array — 24 bytes per
// table position, no per-entry pointer.
//
// Why not a Go map: a map doubles its capacity, so its cost per id swings
// between about 27 and 56 bytes with the number of ids, and all ledger
// shards double at the same moment. This table grows by tableGrowth (1.25)
// at tableMaxLoad (0.875), and each shard starts at a different capacity
// spread over one growth step, so at any size the shards sit at different
// points of their growth cycle and the ledger averages
// 24 B · (0.25/ln 1.25) / 0.875 ≈ 31 B per table entry, ~33 B per id
// measured with allocator rounding (BenchmarkLedgerBytesPerID). The price:
// every growth rehashes the shard (4 moves per id amortised), and a miss
// probes more keys as the load nears 0.875 (linear probing).
//
// Entries are never deleted (a ledger only forgets everything at once), so
// there are no tombstones. The key equal to emptyKey cannot live in the
// arrays and is kept aside.
type idTable struct {
	keys    []uint64
	slots   []slot
	n       int // entries in the arrays
	hasZero bool
	zero    slot // the entry of key emptyKey
}

const (
	emptyKey     = 0
	tableGrowth  = 1.25
	tableMaxLoad = 0.875
	tableMinCap  = 64
)

// newIDTable returns an empty table; stagger in [0,1) spreads the initial
// capacity over one growth step.
func newIDTable(stagger float64) idTable {
	c := int(math.Ceil(tableMinCap * math.Pow(tableGrowth, stagger)))
	return idTable{keys: make([]uint64, c), slots: make([]slot, c)}
}

// home returns the first position to probe for hash h in a table of c.
// h's low bits chose the shard; the multiply uses its high bits.
func home(h uint64, c int) int {
	hi, _ := bits.Mul64(h, uint64(c))
	return int(hi)
}

// find returns the position of key (found) or of the empty position where
// it would go. key must not be emptyKey; h is mix64(key).
func (t *idTable) find(key, h uint64) (i int, found bool) {
	c := len(t.keys)
	for i = home(h, c); ; i++ {
		if i == c {
			i = 0
		}
		switch t.keys[i] {
		case key:
			return i, true
		case emptyKey:
			return i, false
		}
	}
}

// get returns a pointer to key's slot, or nil. h is mix64(key).
func (t *idTable) get(key, h uint64) *slot {
	if key == emptyKey {
		if t.hasZero {
			return &t.zero
		}
		return nil
	}
	if i, ok := t.find(key, h); ok {
		return &t.slots[i]
	}
	return nil
}

// upsert returns a pointer to key's slot, inserting a zero slot if needed.
// The pointer is valid until the next upsert.
func (t *idTable) upsert(key, h uint64) *slot {
	if key == emptyKey {
		t.hasZero = true
		return &t.zero
	}
	if float64(t.n+1) > tableMaxLoad*float64(len(t.keys)) {
		t.grow()
	}
	i, ok := t.find(key, h)
	if !ok {
		t.keys[i] = key
		t.n++
	}
	return &t.slots[i]
}

func (t *idTable) grow() {
	keys, slots := t.keys, t.slots
	c := int(math.Ceil(float64(len(keys)) * tableGrowth))
	t.keys, t.slots = make([]uint64, c), make([]slot, c)
	// Keys are distinct, so find only ever lands on an empty position.
	for j, k := range keys {
		if k != emptyKey {
			i, _ := t.find(k, mix64(k))
			t.keys[i], t.slots[i] = k, slots[j]
		}
	}
}

// len returns the number of entries.
func (t *idTable) len() int {
	if t.hasZero {
		return t.n + 1
	}
	return t.n
}

// each calls fn for every entry until fn returns false.
func (t *idTable) each(fn func(key uint64, s slot) bool) {
	if t.hasZero && !fn(emptyKey, t.zero) {
		return
	}
	for i, k := range t.keys {
		if k != emptyKey && !fn(k, t.slots[i]) {
			return
		}
	}
}
