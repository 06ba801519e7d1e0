package mockapi

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// countingZeros yields n zero bytes and counts how many were taken.
type countingZeros struct {
	left  int64
	taken atomic.Int64
}

func (z *countingZeros) Read(p []byte) (int, error) {
	if z.left <= 0 {
		return 0, io.EOF
	}
	n := int(min(int64(len(p)), z.left))
	clear(p[:n])
	z.left -= int64(n)
	z.taken.Add(int64(n))
	return n, nil
}

// TestBodyLimit: a body over the limit is answered 413, is not read in
// full (a 100 MB POST stops after a few MB at most) and leaves no trace in
// the ledger; a body at the limit is served.
func TestBodyLimit(t *testing.T) {
	tests := []struct {
		name   string
		limit  int64 // 0: the default
		size   int64
		status int
	}{
		{"at a set limit", 1000, 1000, 200},
		{"over a set limit", 1000, 1001, 413},
		{"at the default", 0, DefaultMaxBodyBytes, 200},
		{"100 MB against the default", 0, 100 << 20, 413},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newAPI(t, "a", Config{})
			if err := a.SetLimits(Limits{MaxBodyBytes: tt.limit}); err != nil {
				t.Fatal(err)
			}
			s := withServer(t, a)
			body := &countingZeros{left: tt.size}
			req, err := http.NewRequest(http.MethodPost, s.URL(), body)
			if err != nil {
				t.Fatal(err)
			}
			req.ContentLength = tt.size
			id := fmt.Sprintf("%016x", i+1)
			req.Header.Set("Idempotency-Key", id)
			resp, err := newClient(t, 10*time.Second).Do(req)
			status := 0
			if err == nil {
				status = resp.StatusCode
				resp.Body.Close()
			}
			// A client still writing may see the connection close instead
			// of the 413; the mock's own count says what it answered.
			if st := a.Stats(); st.ByStatus[fmt.Sprint(tt.status)] != 1 || (err == nil && status != tt.status) {
				t.Fatalf("POST of %d bytes (limit %d) = %d %v, mock counted %v; want %d", tt.size, tt.limit, status, err, st.ByStatus, tt.status)
			}
			if tt.status == 413 {
				if got := body.taken.Load(); got > 16<<20 {
					t.Errorf("client wrote %d bytes of a refused body; want the mock to stop reading at the limit", got)
				}
				if _, ok := a.Ledger().Lookup(id); ok {
					t.Error("a refused body left an arrival in the ledger")
				}
			}
		})
	}
	if err := newAPI(t, "a", Config{}).SetLimits(Limits{MaxBodyBytes: -1}); err == nil {
		t.Error("SetLimits(MaxBodyBytes: -1): no error")
	}
}

// TestTricklingBodiesHoldNoSlot: clients trickling a body do not count
// against concurrency_limit; the request that has sent its body is served.
func TestTricklingBodiesHoldNoSlot(t *testing.T) {
	a := newAPI(t, "a", Config{ConcurrencyLimit: 2})
	s := withServer(t, a)
	const tricklers = 20
	for i := range tricklers {
		conn, err := net.Dial("tcp", s.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		// Content-Length promises 100 bytes; only one is sent.
		fmt.Fprintf(conn, "POST / HTTP/1.1\r\nHost: x\r\nIdempotency-Key: %016x\r\nContent-Length: 100\r\n\r\n{", i+100)
	}
	waitFor(t, "every trickler's handler to be reading its body", func() bool { return a.Stats().Reading == tricklers })
	if r := send(newClient(t, 5*time.Second), s.URL(), "0000000000000001", "{}"); r.status != 200 {
		t.Fatalf("a complete request beside %d trickling ones = %d %v %s; want 200 (limit 2)", tricklers, r.status, r.err, strings.TrimSpace(r.body))
	}
	if st := a.Stats(); st.InFlight != 0 {
		t.Errorf("in flight = %d with only trickling bodies left; want 0", st.InFlight)
	}
}

// TestKeyAliasing: the attack of sending the FNV-1a hash of another
// client's key as a hex key. Each key is its own: no replay, no 422.
func TestKeyAliasing(t *testing.T) {
	a := newAPI(t, "a", Config{})
	s := withServer(t, a)
	c := newClient(t, 5*time.Second)
	hashed := formatKey(fnv64("foo")) // dcb27518fed9d577
	for _, step := range []struct{ id, body string }{{"foo", "one"}, {hashed, "two"}, {"foo", "one"}} {
		r := send(c, s.URL(), step.id, step.body)
		wantReplay := step.id == "foo" && a.stats.count.Load() > 1
		if r.err != nil || r.status != 200 || (r.header.Get("Idempotent-Replayed") == "true") != wantReplay {
			t.Fatalf("key %q body %q = %d %v replayed %q; want 200, replayed %v", step.id, step.body, r.status, r.err, r.header.Get("Idempotent-Replayed"), wantReplay)
		}
	}
	for id, want := range map[string]int{"foo": 2, hashed: 1} {
		if e, ok := a.Ledger().Lookup(id); !ok || e.Arrivals != want || e.Effects != 1 {
			t.Errorf("Lookup(%q) = %+v, %v; want %d arrivals, 1 effect", id, e, ok, want)
		}
	}
}

// TestLedgerCapacityLimit: a standalone mock flooded with fresh ids keeps
// its ledger within Limits.LedgerCapacity, counts the evicted ids, and says
// it cannot vouch for an id it no longer holds.
func TestLedgerCapacityLimit(t *testing.T) {
	a := newAPI(t, "a", Config{})
	if err := a.SetLimits(Limits{LedgerCapacity: MinLedgerCapacity}); err != nil {
		t.Fatal(err)
	}
	for i := range 1000 {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodPost, "/", nil)
		req.Header.Set("Idempotency-Key", fmt.Sprintf("%016x", i+1))
		a.ServeHTTP(rec, req)
	}
	st := a.Stats()
	if st.Ledger.IDs > MinLedgerCapacity || st.Ledger.IDs+int(st.Ledger.Evicted) != 1000 {
		t.Fatalf("ledger after 1000 ids, capacity %d: %+v; want at most the capacity held and the rest evicted", MinLedgerCapacity, st.Ledger)
	}
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, AdminPrefix+"ledger?ids=0000000000000001", nil)
	req.RemoteAddr, req.Host = "127.0.0.1:1234", "127.0.0.1:9001"
	a.ServeHTTP(rec, req)
	if body := rec.Body.String(); rec.Code != 200 || !strings.Contains(body, `"found": false`) || !strings.Contains(body, `"maybe_evicted": true`) {
		t.Fatalf("ledger lookup of an evicted id = %d %s; want found false, maybe_evicted true", rec.Code, body)
	}
	if err := a.SetLimits(Limits{LedgerCapacity: 10}); err == nil {
		t.Error("SetLimits(LedgerCapacity: 10): no error")
	}
	// Unbounded: nothing more is evicted.
	if err := a.SetLimits(Limits{LedgerCapacity: UnboundedLedger}); err != nil {
		t.Fatal(err)
	}
	a.Reset()
	for i := range 1000 {
		req := httptest.NewRequest(http.MethodPost, "/", nil)
		req.Header.Set("Idempotency-Key", fmt.Sprintf("%016x", i+1))
		a.ServeHTTP(httptest.NewRecorder(), req)
	}
	if st := a.Stats(); st.Ledger.IDs != 1000 || st.Ledger.Evicted != 0 {
		t.Fatalf("unbounded ledger after 1000 ids: %+v; want all 1000 held", st.Ledger)
	}
}

// TestBodyFingerprintCollision: two bodies whose 21-bit fingerprints (the
// former layout: the low 21 bits of FNV-1a 32) collide are told apart: the
// second gets 422, not a replay.
func TestBodyFingerprintCollision(t *testing.T) {
	fnv32 := func(s string) uint32 {
		h := uint32(2166136261)
		for i := 0; i < len(s); i++ {
			h ^= uint32(s[i])
			h *= 16777619
		}
		return h
	}
	seen := map[uint32]string{}
	var x, y string
	for i := 0; y == ""; i++ { // a birthday search: a few thousand bodies
		b := fmt.Sprintf(`{"n":%d}`, i)
		low := fnv32(b) & (1<<21 - 1)
		if prev, ok := seen[low]; ok {
			x, y = prev, b
		}
		seen[low] = b
	}
	a := newAPI(t, "a", Config{})
	s := withServer(t, a)
	c := newClient(t, 5*time.Second)
	if r := send(c, s.URL(), "0000000000000001", x); r.status != 200 {
		t.Fatalf("first body = %d %v", r.status, r.err)
	}
	if r := send(c, s.URL(), "0000000000000001", y); r.status != 422 {
		t.Fatalf("same key, body %s after %s (21-bit fingerprints equal) = %d replayed %q; want 422", y, x, r.status, r.header.Get("Idempotent-Replayed"))
	}
}
