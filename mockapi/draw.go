package mockapi

import (
	"math/rand/v2"
	"strconv"
	"sync"
)

// Every random decision about an arrival (its latency, whether it errors,
// which fault it meets, the bytes of a garbage answer) comes from a small
// PCG generator seeded by hash(seed, API name, id key, arrival number).
// So the n-th arrival of an id meets the same fate in every strategy's run
// with the same seed, whatever order the arrivals come in and however many
// other ids interleave — the comparison between strategies is paired. No
// shared stream means no lock: generators come from a sync.Pool and are
// reseeded per arrival, which costs no allocation once the pool is warm.

// drawer is a reusable per-arrival random source; buf is scratch space for
// reading the request body, pooled with it to keep the hot path
// allocation-free.
type drawer struct {
	pcg  rand.PCG
	r    *rand.Rand
	buf  [512]byte
	salt uint64
}

// seed makes d draw the stream of arrival n (1-based) of key.
func (d *drawer) seed(key uint64, n int) {
	h := mix64(d.salt ^ mix64(key))
	d.pcg.Seed(h, mix64(h^uint64(n)))
}

// drawPool hands out drawers for one API; salt = hash(seed, name).
type drawPool struct {
	salt uint64
	pool sync.Pool
}

func newDrawPool(seed int64, name string) *drawPool {
	p := &drawPool{salt: mix64(uint64(seed) ^ fnv64(name))}
	return p
}

// get returns a drawer; seed it before drawing and put it back when done.
func (p *drawPool) get() *drawer {
	d, ok := p.pool.Get().(*drawer)
	if !ok {
		d = &drawer{}
		d.r = rand.New(&d.pcg)
	}
	d.salt = p.salt
	return d
}

func (p *drawPool) put(d *drawer) { p.pool.Put(d) }

// mix64 is the splitmix64 finaliser: a bijective, well-mixing hash.
func mix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// fnv64 is FNV-1a 64 of s.
func fnv64(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

// parseKey maps an Idempotency-Key to a ledger key: 16 lowercase hex
// digits (the driver's message ids) parse straight to their uint64;
// anything else is kept verbatim (with its FNV-1a 64 hash for the draws).
func parseKey(id string) key {
	if len(id) == 16 {
		var v uint64
		ok := true
		for i := 0; i < 16; i++ {
			c := id[i]
			switch {
			case c >= '0' && c <= '9':
				v = v<<4 | uint64(c-'0')
			case c >= 'a' && c <= 'f':
				v = v<<4 | uint64(c-'a'+10)
			default:
				ok = false
			}
		}
		if ok {
			return key{bits: v}
		}
	}
	return key{bits: fnv64(id), name: id}
}

// formatKey renders a key as 16 lowercase hex digits (how generated ids read).
func formatKey(k uint64) string {
	s := strconv.FormatUint(k, 16)
	const zeros = "0000000000000000"
	return zeros[:16-len(s)] + s
}
