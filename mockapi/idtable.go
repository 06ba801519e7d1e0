package mockapi

import (
	"math"
	"math/bits"
	"unsafe"
)

// idTable maps uint64 ids to ledger slots for one ledger shard (a lane),
// storing them in chunks: an open-addressing hash table (linear probing
// over a keys array, so a probe reads 8-byte keys) from a chunk's number to
// the chunk, and in each chunk the slots of its present ids, densely, in
// id order.
//
// Ids are laid out in blocks of 4096 consecutive ids (id >> 12); a block's
// ids are spread over the 64 lanes by their low 6 bits (XORed with the
// block's hash, so which lane takes which ids differs per block), and a
// lane's chunk of a block holds its 64 ids of that block (bit: id>>6 & 63).
// So consecutive ids land evenly on every shard (a capacity per shard
// keeps the newest ids), and a lane's share of a run still fills chunks.
//
// Why chunks: the driver's ids are a run salt and a sequence number, so a
// run's ids are consecutive and fill whole chunks; a full chunk costs its
// 64 slots (24 B each, an allocation of exactly 1536 B, a Go size class)
// plus one table position (24 B) shared by 64 ids: about 24.5 B per id,
// against 40 B per id and the load factor's slack for a table of ids.
// Scattered ids (generated ids, other clients' hex keys) cost a table
// position and a one-slot chunk each: about 57 B per id.
//
// A chunk's slot array holds its present ids in id order and has room for
// the next power of two of them (1, 2, 4, ... 64), so a chunk records its
// capacity in nothing but its presence mask; inserting an id shifts the
// later ones by one slot, and a full array moves to one twice its size
// (only while the chunk fills: a full chunk never moves again).
//
// The table grows by tableGrowth (1.25) at tableMaxLoad (0.875), and each
// shard starts at a different capacity spread over one growth step, so the
// shards do not all rehash at the same moment. Entries are never deleted
// (a ledger only forgets a whole generation at once), so there are no
// tombstones. Keys are chunk numbers plus one, so 0 marks an empty
// position.
type idTable struct {
	keys   []uint64 // chunk number + 1; 0: empty
	chunks []chunk
	n      int    // chunks in the table
	ids    int    // ids in the chunks
	lane   uint64 // the lane (ledger shard) whose ids this table holds
}

// chunk is the present ids of one run of chunkIDs consecutive ids: bit i
// of present says id base+i is here, and its slot is at the index of that
// bit's rank among the present bits.
type chunk struct {
	present uint64
	slots   *slot // array of capacity(popcount(present)) slots
}

const (
	laneBits    = 6 // 64 lanes: ledgerShards
	chunkShift  = 6
	chunkIDs    = 1 << chunkShift
	blockShift  = laneBits + chunkShift
	tableGrowth = 1.25
	// tableMaxLoad keeps linear probing short.
	tableMaxLoad = 0.875
	tableMinCap  = 16
)

// chunkOf returns the chunk (block) number of id and its bit in the chunk.
func chunkOf(id uint64) (uint64, uint) {
	return id >> blockShift, uint(id >> laneBits & (chunkIDs - 1))
}

// laneOf returns the lane of id; h is chunkHash(id).
func laneOf(id, h uint64) uint64 { return (id ^ h) & (1<<laneBits - 1) }

// roomFor returns the slot capacity of a chunk holding n ids: the next
// power of two (0 for none).
func roomFor(n int) int {
	if n == 0 {
		return 0
	}
	return 1 << bits.Len(uint(n-1))
}

func (c *chunk) array() []slot {
	n := bits.OnesCount64(c.present)
	if n == 0 {
		return nil
	}
	return unsafe.Slice(c.slots, roomFor(n))
}

// get returns the slot of bit i, or nil.
func (c *chunk) get(i uint) *slot {
	bit := uint64(1) << i
	if c.present&bit == 0 {
		return nil
	}
	return &c.array()[bits.OnesCount64(c.present&(bit-1))]
}

// insert adds bit i (not present) with a zero slot and returns its slot.
func (c *chunk) insert(i uint) *slot {
	bit := uint64(1) << i
	n := bits.OnesCount64(c.present)
	r := bits.OnesCount64(c.present & (bit - 1))
	old := c.array()
	arr := old
	if roomFor(n+1) > len(old) {
		arr = make([]slot, roomFor(n+1))
		copy(arr, old[:r])
	}
	copy(arr[r+1:n+1], old[r:n])
	arr[r] = slot{}
	c.slots = &arr[0]
	c.present |= bit
	return &arr[r]
}

// newIDTable returns an empty table for lane; stagger in [0,1) spreads the
// initial capacity over one growth step.
func newIDTable(lane uint64, stagger float64) idTable {
	c := int(math.Ceil(tableMinCap * math.Pow(tableGrowth, stagger)))
	return idTable{keys: make([]uint64, c), chunks: make([]chunk, c), lane: lane}
}

// home returns the first position to probe for hash h in a table of c.
// The multiply uses h's high bits.
func home(h uint64, c int) int {
	hi, _ := bits.Mul64(h, uint64(c))
	return int(hi)
}

// find returns the position of key (found) or of the empty position where
// it would go. key is a chunk number + 1; h is mix64 of the chunk number.
func (t *idTable) find(key, h uint64) (i int, found bool) {
	c := len(t.keys)
	for i = home(h, c); ; i++ {
		if i == c {
			i = 0
		}
		switch t.keys[i] {
		case key:
			return i, true
		case 0:
			return i, false
		}
	}
}

// chunkHash is the hash the table probes with and the lane is mixed by:
// all ids of a block share it.
func chunkHash(id uint64) uint64 {
	c, _ := chunkOf(id)
	return mix64(c)
}

// get returns a pointer to id's slot, or nil. h is chunkHash(id).
func (t *idTable) get(id, h uint64) *slot {
	c, bit := chunkOf(id)
	if i, ok := t.find(c+1, h); ok {
		return t.chunks[i].get(bit)
	}
	return nil
}

// upsert returns a pointer to id's slot, inserting a zero slot if needed.
// h is chunkHash(id), and id must be of this table's lane. The pointer is
// valid until the next upsert.
func (t *idTable) upsert(id, h uint64) *slot {
	c, bit := chunkOf(id)
	i, ok := t.find(c+1, h)
	if !ok {
		if float64(t.n+1) > tableMaxLoad*float64(len(t.keys)) {
			t.grow()
			i, _ = t.find(c+1, h)
		}
		t.keys[i] = c + 1
		t.n++
	}
	ch := &t.chunks[i]
	if s := ch.get(bit); s != nil {
		return s
	}
	t.ids++
	return ch.insert(bit)
}

func (t *idTable) grow() {
	keys, chunks := t.keys, t.chunks
	c := int(math.Ceil(float64(len(keys)) * tableGrowth))
	t.keys, t.chunks = make([]uint64, c), make([]chunk, c)
	// Keys are distinct, so find only ever lands on an empty position.
	for j, k := range keys {
		if k != 0 {
			i, _ := t.find(k, mix64(k-1))
			t.keys[i], t.chunks[i] = k, chunks[j]
		}
	}
}

// len returns the number of ids.
func (t *idTable) len() int { return t.ids }

// each calls fn for every id until fn returns false.
func (t *idTable) each(fn func(id uint64, s slot) bool) {
	for i, k := range t.keys {
		if k == 0 {
			continue
		}
		ch := &t.chunks[i]
		base := (k-1)<<blockShift | (t.lane^mix64(k-1))&(1<<laneBits-1)
		arr := ch.array()
		r := 0
		for p := ch.present; p != 0; p &= p - 1 {
			if !fn(base|uint64(bits.TrailingZeros64(p))<<laneBits, arr[r]) {
				return
			}
			r++
		}
	}
}
