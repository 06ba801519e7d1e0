package mockapi

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"
)

// waitFor polls cond until it holds (a condition, not a timing, is tested).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// inFlight starts a request that the server holds (its latency is long)
// and returns once the server has it; stop cancels it and waits.
func inFlight(t *testing.T, a *API, url, id, body string) (stop func()) {
	t.Helper()
	before := a.stats.inFlight.Load()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(body))
		req.Header.Set("Idempotency-Key", id)
		resp, err := newClient(t, 0).Do(req)
		if err == nil {
			resp.Body.Close()
		}
	}()
	waitFor(t, "the request to be in flight", func() bool { return a.stats.inFlight.Load() > before })
	return func() { cancel(); <-done }
}

func TestIdempotency(t *testing.T) {
	const id = "0000000000000abc"
	type step struct {
		body       string
		wantStatus int
		replayed   bool
	}
	tests := []struct {
		name        string
		cfg         Config
		steps       []step
		wantEffects int
	}{
		{"replay after success", Config{}, []step{{"x", 200, false}, {"x", 200, true}, {"x", 200, true}}, 1},
		{"different body after success", Config{}, []step{{"x", 200, false}, {"y", 422, false}}, 1},
		{"off applies every arrival", Config{Idempotency: "off"}, []step{{"x", 200, false}, {"x", 200, false}, {"y", 200, false}}, 3},
		{"fail_first then success", Config{FailFirst: 2}, []step{{"x", 503, false}, {"x", 503, false}, {"x", 200, false}, {"x", 200, true}}, 1},
		{"failure leaves the key free", Config{FailFirst: 1}, []step{{"x", 503, false}, {"y", 200, false}, {"y", 200, true}}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newAPI(t, "a", tt.cfg)
			s := withServer(t, a)
			c := newClient(t, 5*time.Second)
			for i, st := range tt.steps {
				r := send(c, s.URL(), id, st.body)
				replayed := r.header.Get("Idempotent-Replayed") == "true"
				if r.err != nil || r.status != st.wantStatus || replayed != st.replayed {
					t.Fatalf("step %d (body %q) = %d replayed=%v %v; want %d replayed=%v", i, st.body, r.status, replayed, r.err, st.wantStatus, st.replayed)
				}
			}
			e, _ := a.Ledger().Lookup(id)
			if e.Arrivals != len(tt.steps) || e.Effects != tt.wantEffects {
				t.Fatalf("ledger entry = %+v; want %d arrivals, %d effects", e, len(tt.steps), tt.wantEffects)
			}
		})
	}
}

func TestIdempotencyWhileInFlight(t *testing.T) {
	tests := []struct {
		name, body string
		want       int
	}{
		{"same body conflicts", "x", 409},
		{"different body mismatches", "y", 422},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newAPI(t, "a", Config{Latency: Latency{Dist: "fixed", Value: D(time.Minute)}})
			s := withServer(t, a)
			const id = "0000000000000def"
			stop := inFlight(t, a, s.URL(), id, "x")
			r := send(newClient(t, 5*time.Second), s.URL(), id, tt.body)
			stop()
			if r.err != nil || r.status != tt.want {
				t.Fatalf("repeat while in flight = %d %v; want %d", r.status, r.err, tt.want)
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			// The first arrival's client went away: no effect, key free again.
			e, _ := a.Ledger().Lookup(id)
			if e.Arrivals != 2 || e.Effects != 0 {
				t.Fatalf("ledger entry = %+v; want 2 arrivals, no effect", e)
			}
		})
	}
}
