package mockapi

import (
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"
)

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func TestFaults(t *testing.T) {
	tests := []struct {
		name  string
		fault Fault
		// timeout is the client's; a hang needs one to end.
		timeout time.Duration
		// check inspects what the client saw.
		check       func(t *testing.T, r reply)
		wantEffects int
		wantStatus  int // the ledger's LastStatus
	}{
		{"reset", Fault{Kind: FaultReset, Rate: 1}, 5 * time.Second, func(t *testing.T, r reply) {
			if !errors.Is(r.err, syscall.ECONNRESET) {
				t.Errorf("error = %v; want connection reset (ECONNRESET)", r.err)
			}
		}, 0, 0},
		{"hang", Fault{Kind: FaultHang, Rate: 1}, 150 * time.Millisecond, func(t *testing.T, r reply) {
			if !isTimeout(r.err) {
				t.Errorf("error = %v; want a client timeout", r.err)
			}
		}, 0, 0},
		{"empty", Fault{Kind: FaultEmpty, Rate: 1}, 5 * time.Second, func(t *testing.T, r reply) {
			if !errors.Is(r.err, io.EOF) {
				t.Errorf("error = %v; want EOF", r.err)
			}
		}, 0, 0},
		{"garbage", Fault{Kind: FaultGarbage, Rate: 1}, 5 * time.Second, func(t *testing.T, r reply) {
			if r.err == nil || !strings.Contains(r.err.Error(), "malformed HTTP response") {
				t.Errorf("error = %v; want a malformed HTTP response", r.err)
			}
		}, 0, 0},
		{"lost_ack", Fault{Kind: FaultLostAck, Rate: 1}, 5 * time.Second, func(t *testing.T, r reply) {
			if !errors.Is(r.err, syscall.ECONNRESET) {
				t.Errorf("error = %v; want connection reset (ECONNRESET)", r.err)
			}
		}, 1, 0},
		{"slow_body cut by the client timeout", Fault{Kind: FaultSlowBody, Rate: 1, Duration: D(5 * time.Second)}, 300 * time.Millisecond, func(t *testing.T, r reply) {
			if r.status != 200 || !isTimeout(r.err) {
				t.Errorf("status %d, error %v; want 200 headers, then a timeout reading the body", r.status, r.err)
			}
		}, 1, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newAPI(t, "b", Config{Faults: []Fault{tt.fault}})
			s := withServer(t, a)
			r := send(newClient(t, tt.timeout), s.URL()+"/orders", "000000000000002a", `{"n":1}`)
			tt.check(t, r)
			e, ok := a.Ledger().Lookup("000000000000002a")
			if !ok || e.Arrivals != 1 || e.Effects != tt.wantEffects || e.LastStatus != tt.wantStatus {
				t.Errorf("ledger entry = %+v, %v; want 1 arrival, %d effects, last status %d", e, ok, tt.wantEffects, tt.wantStatus)
			}
			// Stats are recorded after the answer; Close waits for the handler.
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			if got := a.Stats().Faults[tt.fault.Kind]; got != 1 {
				t.Errorf("stats count %d %s faults; want 1", got, tt.fault.Kind)
			}
		})
	}
}

// TestSlowBody reads a dribbled body to its end: the headers come at once,
// the body takes about the configured duration.
func TestSlowBody(t *testing.T) {
	const dur = 400 * time.Millisecond
	a := newAPI(t, "a", Config{Faults: []Fault{{Kind: FaultSlowBody, Rate: 1, Duration: D(dur)}}})
	s := withServer(t, a)
	c := newClient(t, 5*time.Second)
	start := time.Now()
	resp, err := c.Get(s.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	headers := time.Since(start)
	b, err := io.ReadAll(resp.Body)
	body := time.Since(start) - headers
	if err != nil || resp.StatusCode != 200 || !strings.HasPrefix(string(b), `{"api":"a","id":"`) {
		t.Fatalf("GET = %d %q %v; want 200 with the success body", resp.StatusCode, b, err)
	}
	if headers > dur/2 || body < dur*3/4 {
		t.Fatalf("headers after %v, body over %v; want headers at once and the body over about %v", headers, body, dur)
	}
}

// TestLostAckRetryReplays: the client cannot know a lost_ack succeeded; its
// retry with the same key is a replay, and the ledger holds one effect.
func TestLostAckRetryReplays(t *testing.T) {
	a := newAPI(t, "b", Config{Faults: []Fault{{Kind: FaultLostAck, Rate: 1}}})
	s := withServer(t, a)
	c := newClient(t, 5*time.Second)
	const id = "00000000000000aa"
	if r := send(c, s.URL(), id, "x"); r.err == nil {
		t.Fatalf("first POST = %d; want a connection error", r.status)
	}
	r := send(c, s.URL(), id, "x")
	if r.err != nil || r.status != 200 || r.header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("retry = %d %v %v; want a 200 replay", r.status, r.header, r.err)
	}
	if e, _ := a.Ledger().Lookup(id); e.Arrivals != 2 || e.Effects != 1 || e.LastStatus != 200 {
		t.Fatalf("ledger entry = %+v; want 2 arrivals, 1 effect, last status 200", e)
	}
}

func TestHeaderFaults(t *testing.T) {
	tests := []struct {
		name    string
		allow   bool
		hdr     []string
		timeout time.Duration
		check   func(t *testing.T, r reply)
	}{
		{"off by default", false, []string{HeaderStatus, "503"}, time.Second, wantStatus(200)},
		{"status", true, []string{HeaderStatus, "503"}, time.Second, wantStatus(503)},
		{"2xx forces success", true, []string{HeaderStatus, "204"}, time.Second, wantStatus(200)},
		{"bad status", true, []string{HeaderStatus, "abc"}, time.Second, func(t *testing.T, r reply) {
			if r.status != 400 || !strings.Contains(r.body, HeaderStatus) {
				t.Errorf("got %d %q; want 400 naming %s", r.status, r.body, HeaderStatus)
			}
		}},
		{"fault", true, []string{HeaderFault, "reset"}, time.Second, func(t *testing.T, r reply) {
			if !errors.Is(r.err, syscall.ECONNRESET) {
				t.Errorf("error = %v; want connection reset", r.err)
			}
		}},
		{"bad fault", true, []string{HeaderFault, "explode"}, time.Second, wantStatus(400)},
		{"delay past the client timeout", true, []string{HeaderDelay, "10s"}, 100 * time.Millisecond, func(t *testing.T, r reply) {
			if !isTimeout(r.err) {
				t.Errorf("error = %v; want a client timeout", r.err)
			}
		}},
		{"bad delay", true, []string{HeaderDelay, "soon"}, time.Second, wantStatus(400)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newAPI(t, "a", Config{AllowHeaderFaults: tt.allow})
			s := withServer(t, a)
			tt.check(t, send(newClient(t, tt.timeout), s.URL(), "0000000000000001", "", tt.hdr...))
		})
	}
}

func wantStatus(code int) func(t *testing.T, r reply) {
	return func(t *testing.T, r reply) {
		t.Helper()
		if r.err != nil || r.status != code {
			t.Errorf("got %d %v; want %d", r.status, r.err, code)
		}
	}
}

// TestConnectionFaultWithoutHijack: a ResponseWriter that cannot be
// hijacked gets a 500 that says why, not a crash.
func TestConnectionFaultWithoutHijack(t *testing.T) {
	a := newAPI(t, "a", Config{Faults: []Fault{{Kind: FaultReset, Rate: 1}}})
	w := &recorder{h: http.Header{}}
	req, _ := http.NewRequest(http.MethodGet, "/", nil)
	a.ServeHTTP(w, req)
	if w.code != 500 || !strings.Contains(w.body.String(), "hijackable") {
		t.Fatalf("got %d %q; want 500 explaining the connection is not hijackable", w.code, w.body.String())
	}
}

// TestTransportRetriesKeyedRequests documents a net/http client behaviour
// the engine must count with: a request carrying Idempotency-Key (and a
// rewindable body) that fails before any response byte on a reused
// keep-alive connection is silently sent again by http.Transport. One
// client call, two arrivals in the ledger.
func TestTransportRetriesKeyedRequests(t *testing.T) {
	a := newAPI(t, "a", Config{AllowHeaderFaults: true})
	s := withServer(t, a)
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr, Timeout: 5 * time.Second}
	if r := send(c, s.URL(), "0000000000000001", "x"); r.status != 200 {
		t.Fatalf("warm-up = %d %v", r.status, r.err)
	}
	r := send(c, s.URL(), "0000000000000002", "x", HeaderFault, FaultEmpty) // on the reused connection
	if r.err == nil {
		t.Fatalf("got %d; want an error", r.status)
	}
	if e, _ := a.Ledger().Lookup("0000000000000002"); e.Arrivals != 2 {
		t.Fatalf("one client call made %d arrivals; want 2 (the transport's own retry)", e.Arrivals)
	}
}
