package main

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// checkFor calls f every poll until it returns nil, and fails the test
// with f's last error if that has not happened within total (as nats.go's
// tests wait for a condition instead of sleeping and hoping).
func checkFor(t *testing.T, total, poll time.Duration, f func() error) {
	t.Helper()
	deadline := time.Now().Add(total)
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("still waiting after %v: %v", total, err)
		}
		time.Sleep(poll)
	}
}

// heldTarget is a service under test (run --target) that counts the
// requests it receives and answers each 200 after hold, or once released.
type heldTarget struct {
	URL      string
	received atomic.Int64
	release  chan struct{}
}

// newHeldTarget starts a heldTarget; hold 0 holds every request until
// release (at the end of the test at the latest).
func newHeldTarget(t *testing.T, hold time.Duration) *heldTarget {
	t.Helper()
	h := &heldTarget{release: make(chan struct{})}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.received.Add(1)
		var timeout <-chan time.Time
		if hold > 0 {
			timeout = time.After(hold)
		}
		select {
		case <-timeout:
		case <-h.release:
		case <-r.Context().Done():
		}
		w.WriteHeader(http.StatusOK)
	}))
	var once sync.Once
	t.Cleanup(func() { once.Do(func() { close(h.release) }); srv.Close() })
	h.URL = srv.URL + "/orders"
	return h
}
