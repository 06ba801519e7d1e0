package mockapi

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// admin sends an admin request and reads the answer.
func admin(t *testing.T, c *http.Client, method, url, body string, hdr ...string) reply {
	t.Helper()
	return do(c, method, url, body, hdr...)
}

func TestAdminAPI(t *testing.T) {
	a := newAPI(t, "a", Config{Latency: Latency{Dist: "fixed", Value: D(time.Millisecond)}})
	s := withServer(t, a)
	c := newClient(t, 5*time.Second)
	for _, id := range []string{"0000000000000001", "0000000000000002", "0000000000000001"} {
		send(c, s.URL(), id, "")
	}
	send(c, s.URL(), "0000000000000003", "", HeaderStatus, "503") // ignored: header faults are off
	u := s.URL() + AdminPrefix
	tests := []struct {
		name, method, path, body string
		wantStatus               int
		wantIn                   []string
	}{
		{"healthz", "GET", "healthz", "", 200, []string{`"status": "ok"`, `"api": "a"`}},
		{"get config", "GET", "config", "", 200, []string{`"dist": "fixed"`, `"value": "1ms"`}},
		{"stats", "GET", "stats", "", 200, []string{`"200": 4`, `"requests": 4`, `"duplicate_deliveries": 1`}},
		{"ledger summary", "GET", "ledger", "", 200, []string{`"ids": 3`, `"arrivals": 4`, `"effects": 3`}},
		{"ledger ids", "GET", "ledger?ids=0000000000000001,nope", "", 200, []string{`"id": "0000000000000001"`, `"arrivals": 2`, `"effects": 1`, `"last_status": 200`, `"id": "nope"`, `"found": false`}},
		{"metrics", "GET", "metrics", "", 200, []string{`fanbench_mock_requests_total{api="a",code="200"} 4`, `fanbench_mock_faults_total{api="a",kind="reset"} 0`, `fanbench_mock_latency_seconds_count{api="a"} 4`}},
		{"put bad config", "PUT", "config", `{"latency":{"dist":"lognormal","median":"120ms","p99":"100ms"}}`, 400, []string{"latency.p99: 100ms is below median (120ms); want p99 of at least the median"}},
		{"put unknown field", "PUT", "config", `{"latncy":{}}`, 400, []string{`unknown field`}},
		{"put bad duration", "PUT", "config", `{"latency":{"dist":"fixed","value":"soon"}}`, 400, []string{`invalid duration`}},
		{"patch keeps the latency", "PATCH", "config", `{"errors":[{"status":500,"rate":1}]}`, 200, []string{`"status": 500`, `"dist": "fixed"`, `"value": "1ms"`}},
		{"patch removes a field with null", "PATCH", "config", `{"errors":null,"latency":{"value":"3ms"}}`, 200, []string{`"value": "3ms"`, `"dist": "fixed"`}},
		{"patch unknown field", "PATCH", "config", `{"latncy":{}}`, 400, []string{`unknown field`}},
		{"patch not an object", "PATCH", "config", `[1]`, 400, nil},
		{"patch invalid result", "PATCH", "config", `{"errors":[{"status":200,"rate":1}]}`, 400, []string{"errors[0].status"}},
		{"put replaces the whole config", "PUT", "config", `{"errors":[{"status":503,"rate":1}]}`, 200, []string{`"status": 503`, `"latency": {}`}},
		{"wrong method", "DELETE", "config", "", 405, nil},
		{"unknown route", "GET", "nope", "", 404, nil},
		{"reset", "POST", "reset", "", 204, nil},
		{"ledger after reset", "GET", "ledger", "", 200, []string{`"ids": 0`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := admin(t, c, tt.method, u+tt.path, tt.body)
			if r.err != nil || r.status != tt.wantStatus {
				t.Fatalf("%s %s = %d %v %s; want %d", tt.method, tt.path, r.status, r.err, r.body, tt.wantStatus)
			}
			for _, w := range tt.wantIn {
				if !strings.Contains(r.body, w) {
					t.Errorf("%s %s body lacks %q:\n%s", tt.method, tt.path, w, r.body)
				}
			}
		})
	}
	if r := send(c, s.URL(), "0000000000000009", ""); r.status != 503 {
		t.Fatalf("after PUT config: %d; want 503", r.status)
	}
}

func TestAdminAccess(t *testing.T) {
	tests := []struct {
		name       string
		token      string
		auth       string
		remote     bool
		allowRem   bool
		host       string // "" = 127.0.0.1:9001
		origin     string
		wantStatus int
	}{
		{"loopback, no token", "", "", false, false, "", "", 200},
		{"token missing", "s3cret", "", false, false, "", "", 401},
		{"token wrong", "s3cret", "Bearer nope", false, false, "", "", 401},
		{"token right", "s3cret", "Bearer s3cret", false, false, "", "", 200},
		{"scheme in lower case", "s3cret", "bearer s3cret", false, false, "", "", 200},
		{"scheme in upper case", "s3cret", "BEARER  s3cret", false, false, "", "", 200},
		{"other scheme", "s3cret", "Basic s3cret", false, false, "", "", 401},
		{"remote refused", "", "", true, false, "", "", 403},
		{"remote allowed", "s3cret", "Bearer s3cret", true, true, "", "", 200},
		{"foreign Host (DNS rebinding)", "", "", false, false, "evil", "", 403},
		{"foreign Host with port", "", "", false, false, "evil.example:9001", "", 403},
		{"localhost Host", "", "", false, false, "localhost:9001", "", 200},
		{"IPv6 loopback Host", "", "", false, false, "[::1]:9001", "", 200},
		{"foreign Origin", "", "", false, false, "", "http://evil", 403},
		{"opaque Origin", "", "", false, false, "", "null", 403},
		{"loopback Origin", "", "", false, false, "", "http://localhost:3000", 200},
		{"same Origin", "", "", false, false, "", "http://127.0.0.1:9001", 200},
		{"foreign Origin, remote allowed", "s3cret", "Bearer s3cret", true, true, "mock.example:9001", "http://evil", 403},
		{"same Origin, remote allowed", "s3cret", "Bearer s3cret", true, true, "mock.example:9001", "http://mock.example:9001", 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newAPI(t, "a", Config{})
			a.SetAdminToken(tt.token)
			a.AllowRemoteAdmin(tt.allowRem)
			req := httptest.NewRequest("POST", "/_fanbench/reset", nil)
			req.RemoteAddr = "127.0.0.1:5555"
			if tt.remote {
				req.RemoteAddr = "192.0.2.7:5555"
			}
			req.Host = "127.0.0.1:9001"
			if tt.host != "" {
				req.Host = tt.host
			}
			if tt.origin != "" {
				req.Header.Set("Origin", tt.origin)
			}
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
			a.ledger.arrive(key{bits: 1}, time.Now(), 0, false)
			w := httptest.NewRecorder()
			a.ServeHTTP(w, req)
			want := 204
			if tt.wantStatus != 200 {
				want = tt.wantStatus
			}
			if w.Code != want {
				t.Fatalf("POST reset = %d %s; want %d", w.Code, w.Body, want)
			}
			if reset := a.Ledger().Len() == 0; reset != (want == 204) {
				t.Fatalf("ledger reset = %v after answer %d", reset, w.Code)
			}
		})
	}
}

// TestConfigSwapInFlight: requests in flight when the config changes finish
// with the old profile; the next arrivals get the new one.
func TestConfigSwapInFlight(t *testing.T) {
	a := newAPI(t, "a", Config{Latency: Latency{Dist: "fixed", Value: D(300 * time.Millisecond)}})
	s := withServer(t, a)
	c := newClient(t, 10*time.Second)
	const n = 8
	var wg sync.WaitGroup
	results := make([]reply, n)
	for i := range n {
		wg.Go(func() { results[i] = send(c, s.URL(), formatKey(uint64(i+1)), "") })
	}
	waitFor(t, "all requests in flight", func() bool { return a.stats.inFlight.Load() == n })
	r := admin(t, c, "PUT", s.URL()+"/_fanbench/config", `{"errors":[{"status":503,"rate":1}]}`)
	if r.status != 200 {
		t.Fatalf("PUT config = %d %s", r.status, r.body)
	}
	if r := send(c, s.URL(), "00000000000000ff", ""); r.err != nil || r.status != 503 {
		t.Fatalf("arrival after the swap = %d %v; want 503 at once", r.status, r.err)
	}
	wg.Wait()
	for i, r := range results {
		if r.err != nil || r.status != 200 {
			t.Errorf("in-flight request %d = %d %v; want 200 (old profile)", i, r.status, r.err)
		}
	}
}

// TestConfigSwapUnderLoad swaps the profile back and forth while workers
// keep sending: no request fails at the transport, every answer is one of
// the two profiles', and after a swap returns, new arrivals see it.
func TestConfigSwapUnderLoad(t *testing.T) {
	a := newAPI(t, "a", Config{Latency: Latency{Dist: "uniform", Min: D(0), Max: D(5 * time.Millisecond)}})
	s := withServer(t, a)
	c := newClient(t, 10*time.Second)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	seen := map[int]int{}
	for w := range 4 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				r := send(c, s.URL(), formatKey(uint64(w)<<32|uint64(i)), "")
				mu.Lock()
				if r.err != nil {
					seen[-1]++
				} else {
					seen[r.status]++
				}
				mu.Unlock()
			}
		})
	}
	cfgs := []string{
		`{"errors":[{"status":503,"rate":1}],"latency":{"dist":"fixed","value":"2ms"}}`,
		`{"latency":{"dist":"uniform","min":"0s","max":"5ms"}}`,
	}
	for i := range 10 {
		cfg := cfgs[i%2]
		if r := admin(t, c, "PUT", s.URL()+"/_fanbench/config", cfg); r.status != 200 {
			t.Fatalf("PUT config = %d %s", r.status, r.body)
		}
		want := 503
		if i%2 == 1 {
			want = 200
		}
		if r := send(c, s.URL(), formatKey(1<<40|uint64(i)), ""); r.status != want {
			t.Fatalf("swap %d: next arrival = %d %v; want %d", i, r.status, r.err, want)
		}
		waitFor(t, "some load on this profile", func() bool { return a.stats.count.Load() > uint64(20*(i+1)) })
	}
	close(stop)
	wg.Wait()
	if seen[-1] > 0 || len(seen) != 2 || seen[200] == 0 || seen[503] == 0 {
		t.Fatalf("answers by status %v; want only 200 and 503, no transport errors", seen)
	}
}

func TestAdminConfigRoundTrip(t *testing.T) {
	cfg := Config{
		Latency:   Latency{Dist: "mixture", Parts: []LatencyPart{{Weight: 0.97, Latency: Latency{Dist: "lognormal", Median: D(20 * time.Millisecond), P99: D(60 * time.Millisecond)}}, {Weight: 0.03, Latency: Latency{Dist: "fixed", Value: D(time.Second)}}}, Max: D(2 * time.Second)},
		Errors:    []ErrorRule{{Status: 500, Rate: 0.01, Body: `{"error":"boom"}`, Headers: map[string]string{"X-Why": "test"}}},
		FailFirst: 1, RateLimit: &RateLimit{RPS: 300, Burst: 30, RetryAfter: D(time.Second)},
		ConcurrencyLimit: 10, LimitStatus: 503,
		Faults:      []Fault{{Kind: FaultSlowBody, Rate: 0.1, Duration: D(2 * time.Second)}},
		Idempotency: "off", RequireIdempotencyKey: true, AllowHeaderFaults: true,
	}
	a := newAPI(t, "b", Config{})
	s := withServer(t, a)
	c := newClient(t, 5*time.Second)
	b, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if r := admin(t, c, "PUT", s.URL()+"/_fanbench/config", string(b)); r.status != 200 {
		t.Fatalf("PUT config = %d %s", r.status, r.body)
	}
	r := admin(t, c, "GET", s.URL()+"/_fanbench/config", "")
	var got Config
	if err := json.Unmarshal([]byte(r.body), &got); err != nil {
		t.Fatalf("GET config: %v\n%s", err, r.body)
	}
	gb, _ := json.Marshal(got)
	if string(gb) != string(b) {
		t.Fatalf("config round trip:\n got %s\nwant %s", gb, b)
	}
}
