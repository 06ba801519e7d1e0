package mockapi

import (
	"net/http"
	"testing"
)

// benchIDs returns n distinct driver ids (16 lowercase hex digits).
func benchIDs(n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = formatKey(uint64(i+1) * 0x9e3779b97f4a7c15)
	}
	return ids
}

// BenchmarkServeHTTP measures the mock handler alone (no network), zero
// latency, with a reused request and ResponseWriter so that only the
// handler's own allocations count.
func BenchmarkServeHTTP(b *testing.B) {
	cases := []struct {
		name string
		ids  int // distinct ids cycled through
		cfg  Config
		seq  bool // a driver run's consecutive ids, not scattered ones
	}{
		// Fresh ids (a 1M-id ledger being filled), each processed and applied.
		{"fresh ids", 1 << 20, Config{Idempotency: "off"}, false},
		{"fresh driver ids", 1 << 20, Config{Idempotency: "off"}, true},
		// 1024 ids: after the first round every arrival is a replay.
		{"replays", 1 << 10, Config{}, false},
		{"fresh ids with rate limit headers", 1 << 20, Config{Idempotency: "off", RateLimit: &RateLimit{RPS: 1e9, Burst: 1 << 30}}, false},
		{"fresh ids with errors and faults drawn", 1 << 20, Config{Idempotency: "off", Errors: []ErrorRule{{Status: 503, Rate: 0.0001}}, Faults: []Fault{{Kind: FaultReset, Rate: 0}}}, false},
	}
	all := benchIDs(1 << 20)
	driver := make([]string, 1<<20)
	for i := range driver {
		driver[i] = formatKey(sequentialID(uint64(i)))
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			ids := all[:c.ids]
			if c.seq {
				ids = driver[:c.ids]
			}
			a := newAPI(b, "a", c.cfg)
			req, err := http.NewRequest(http.MethodPost, "/orders", http.NoBody)
			if err != nil {
				b.Fatal(err)
			}
			w := &recorder{h: http.Header{}}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				req.Header["Idempotency-Key"] = ids[i&(len(ids)-1) : i&(len(ids)-1)+1]
				i++
				w.reset()
				a.ServeHTTP(w, req)
				if w.code != 200 && w.code != 503 {
					b.Fatalf("status %d: %s", w.code, w.body.String())
				}
			}
		})
	}
}

// BenchmarkServeHTTPParallel runs the handler from GOMAXPROCS goroutines:
// it shows whether the ledger shards or any shared counter contend.
func BenchmarkServeHTTPParallel(b *testing.B) {
	a := newAPI(b, "a", Config{Idempotency: "off"})
	ids := benchIDs(1 << 20)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		req, _ := http.NewRequest(http.MethodPost, "/orders", http.NoBody)
		w := &recorder{h: http.Header{}}
		i := int(mix64(uint64(len(ids)))) // different start per goroutine is not needed for correctness
		for pb.Next() {
			j := i & (len(ids) - 1)
			req.Header["Idempotency-Key"] = ids[j : j+1]
			i++
			w.reset()
			a.ServeHTTP(w, req)
		}
	})
}

// BenchmarkLedgerBytesPerID fills a ledger with 1e6 consecutive ids (a
// driver run) and reports the live heap it takes per id.
func BenchmarkLedgerBytesPerID(b *testing.B) {
	var perID float64
	for b.Loop() {
		perID = ledgerBytesPerID(1_000_000, sequentialID)
	}
	b.ReportMetric(perID, "B/id")
}

// BenchmarkServeTCP is one client round trip through a real Server on a
// keep-alive loopback connection: what net/http and the mock cost together.
func BenchmarkServeTCP(b *testing.B) {
	a := newAPI(b, "a", Config{Idempotency: "off"})
	s := withServer(b, a)
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr}
	ids := benchIDs(1 << 16)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		r := send(c, s.URL(), ids[i&(len(ids)-1)], "")
		i++
		if r.err != nil || r.status != 200 {
			b.Fatalf("got %d %v", r.status, r.err)
		}
	}
}
