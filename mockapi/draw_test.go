package mockapi

import (
	"fmt"
	"testing"
	"time"
)

func TestOutcomeShares(t *testing.T) {
	cfg := Config{
		Errors: []ErrorRule{{Status: 503, Rate: 0.2}, {Status: 500, Rate: 0.01}},
		Faults: []Fault{{Kind: FaultReset, Rate: 0.05}, {Kind: FaultLostAck, Rate: 0.01}},
	}
	p, err := compile("b", cfg, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	pool := newDrawPool(42, "b")
	counts := map[string]int{}
	const n = 100_000
	for key := uint64(0); key < n; key++ {
		d := pool.get()
		d.seed(key, 1)
		out := p.draw(d, 1)
		pool.put(d)
		switch {
		case out.fault.kind != faultNone:
			counts[out.fault.kind.String()]++
		case out.answer != nil:
			counts[fmt.Sprint(out.answer.status)]++
		default:
			counts["ok"]++
		}
	}
	for what, p := range map[string]float64{"503": 0.2, "500": 0.01, "reset": 0.05, "lost_ack": 0.01, "ok": 0.73} {
		binomialWithin(t, what, counts[what], n, p)
	}
}

func TestFailFirst(t *testing.T) {
	p, err := compile("a", Config{FailFirst: 2}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	pool := newDrawPool(1, "a")
	for n, want := range []int{503, 503, 0, 0} {
		d := pool.get()
		d.seed(7, n+1)
		out := p.draw(d, n+1)
		pool.put(d)
		got := 0
		if out.answer != nil {
			got = out.answer.status
		}
		if got != want {
			t.Errorf("arrival %d: status %d; want %d (0 = success)", n+1, got, want)
		}
	}
}

// TestSameFateAnyOrder sends the same ids to two APIs with the same seed,
// in opposite orders, and checks every id met the same fate: the draws
// depend on (seed, name, id, arrival number), not on arrival order.
func TestSameFateAnyOrder(t *testing.T) {
	cfg := Config{Errors: []ErrorRule{{Status: 503, Rate: 0.5}}}
	ids := make([]string, 200)
	for i := range ids {
		ids[i] = fmt.Sprintf("%016x", uint64(i)*0x9e3779b97f4a7c15)
	}
	run := func(reverse bool) map[string]int {
		a := newAPI(t, "b", cfg)
		s := withServer(t, a)
		c := newClient(t, 5*time.Second)
		got := map[string]int{}
		for i := range ids {
			id := ids[i]
			if reverse {
				id = ids[len(ids)-1-i]
			}
			r := send(c, s.URL(), id, "")
			if r.err != nil {
				t.Fatalf("POST %s: %v", id, r.err)
			}
			got[id] = r.status
		}
		return got
	}
	fwd, rev := run(false), run(true)
	fails := 0
	for _, id := range ids {
		if fwd[id] != rev[id] {
			t.Errorf("id %s: %d in one order, %d in the other", id, fwd[id], rev[id])
		}
		if fwd[id] == 503 {
			fails++
		}
	}
	if fails == 0 || fails == len(ids) {
		t.Fatalf("%d of %d failed; want about half", fails, len(ids))
	}
}

func TestParseKey(t *testing.T) {
	tests := []struct {
		id   string
		want key
	}{
		{"00000000000000ff", key{bits: 0xff}},
		{"ffffffffffffffff", key{bits: ^uint64(0)}},
		{"00000000000000FF", key{fnv64("00000000000000FF"), "00000000000000FF"}}, // upper case is not a driver id
		{"0000000000000fff0", key{fnv64("0000000000000fff0"), "0000000000000fff0"}},
		{"order-17", key{fnv64("order-17"), "order-17"}},
	}
	for _, tt := range tests {
		if got := parseKey(tt.id); got != tt.want {
			t.Errorf("parseKey(%q) = %+v; want %+v", tt.id, got, tt.want)
		}
	}
	if got := formatKey(0xff); got != "00000000000000ff" {
		t.Errorf("formatKey(0xff) = %q; want 00000000000000ff", got)
	}
}
