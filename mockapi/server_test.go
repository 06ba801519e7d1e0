package mockapi

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// TestCloseEndsHungRequests: Close returns while requests hang, sleep or
// dribble, their clients see an error, and no goroutine is left behind.
func TestCloseEndsHungRequests(t *testing.T) {
	defer goleak.VerifyNone(t)
	tests := []struct {
		name string
		cfg  Config
	}{
		{"hang", Config{Faults: []Fault{{Kind: FaultHang, Rate: 1}}}},
		{"long latency", Config{Latency: Latency{Dist: "fixed", Value: D(time.Hour)}}},
		{"slow_body", Config{Faults: []Fault{{Kind: FaultSlowBody, Rate: 1, Duration: D(time.Hour)}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newAPI(t, "a", tt.cfg)
			s, err := Serve(context.Background(), a, "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			tr := &http.Transport{DisableKeepAlives: true}
			defer tr.CloseIdleConnections()
			c := &http.Client{Transport: tr}
			errc := make(chan error, 3)
			for range 3 {
				go func() { errc <- send(c, s.URL(), "", "").err }()
			}
			waitFor(t, "three requests in flight", func() bool { return a.stats.inFlight.Load() == 3 })
			if err := s.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			for range 3 {
				if err := <-errc; err == nil {
					t.Error("a client got a complete answer; want an error once the server closed")
				}
			}
			if err := s.Close(); err != nil {
				t.Fatalf("second Close: %v", err)
			}
		})
	}
}

func TestServeStopsWithContext(t *testing.T) {
	defer goleak.VerifyNone(t)
	ctx, cancel := context.WithCancel(context.Background())
	a := newAPI(t, "a", Config{})
	s, err := Serve(ctx, a, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c := newClient(t, 5*time.Second)
	if r := send(c, s.URL()+"/_fanbench/healthz", "", ""); r.status != 405 {
		// healthz is GET-only; a POST proves the admin API is reachable.
		t.Fatalf("POST healthz = %d %v; want 405", r.status, r.err)
	}
	cancel()
	waitFor(t, "the listener to close", func() bool {
		_, err := c.Get(s.URL() + "/_fanbench/healthz")
		return err != nil
	})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestServeBadAddr(t *testing.T) {
	a := newAPI(t, "a", Config{})
	if _, err := Serve(context.Background(), a, "127.0.0.1:notaport"); err == nil {
		t.Fatal("Serve on a bad address: no error")
	}
}

func TestServeAll(t *testing.T) {
	a, b := newAPI(t, "a", Config{}), newAPI(t, "b", Config{})
	// Find two free consecutive ports: ask for one, close it, try it and the
	// next. Another process may take one meanwhile (only "address in use"
	// is retried); any other error fails the test.
	var servers []*Server
	var port int
	for attempt := 0; servers == nil; attempt++ {
		probe, err := Serve(context.Background(), a, "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port = probe.Addr().(*net.TCPAddr).Port
		if err := probe.Close(); err != nil {
			t.Fatal(err)
		}
		servers, err = ServeAll(context.Background(), "127.0.0.1", port, a, b)
		if err != nil && (!errors.Is(err, syscall.EADDRINUSE) || attempt == 20) {
			t.Fatalf("ServeAll on ports %d and %d: %v", port, port+1, err)
		}
	}
	c := newClient(t, 5*time.Second)
	for i, s := range servers {
		want := fmt.Sprintf("http://127.0.0.1:%d", port+i)
		r := send(c, s.URL(), "", "")
		if s.URL() != want || r.err != nil || !strings.HasPrefix(r.body, `{"api":"`+[]string{"a", "b"}[i]+`"`) {
			t.Errorf("server %d at %s answered %q %v; want API %s at %s", i, s.URL(), r.body, r.err, []string{"a", "b"}[i], want)
		}
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	}
	// A port in use fails, and closes what it had started.
	held, err := Serve(context.Background(), b, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	hp := held.Addr().(*net.TCPAddr).Port
	if _, err := ServeAll(context.Background(), "127.0.0.1", hp-1, a, b); err == nil {
		t.Fatal("ServeAll onto a port in use: no error")
	}
}
