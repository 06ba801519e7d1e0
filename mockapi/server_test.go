package mockapi

import (
	"context"
	"errors"
	"fmt"
	"io"
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

// TestServerTimeouts: idle keep-alive connections, a client stuck in its
// headers and one trickling its body are all cut by the server, while an
// answer slower than every timeout (its latency) is still given.
func TestServerTimeouts(t *testing.T) {
	a := newAPI(t, "a", Config{Latency: Latency{Dist: "fixed", Value: D(600 * time.Millisecond)}})
	s, err := ServeWith(context.Background(), a, "127.0.0.1:0", Timeouts{ReadHeader: 200 * time.Millisecond, Read: 300 * time.Millisecond, Idle: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// closed reports whether the server closed conn within 5s, after
	// reading whatever answer it sent.
	closed := func(conn net.Conn) bool {
		_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		_, err := io.Copy(io.Discard, conn)
		var ne net.Error
		return !(errors.As(err, &ne) && ne.Timeout())
	}
	dial := func(req string) net.Conn {
		conn, err := net.Dial("tcp", s.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		if _, err := io.WriteString(conn, req); err != nil {
			t.Fatal(err)
		}
		return conn
	}
	full := "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nIdempotency-Key: %016x\r\nContent-Length: 2\r\n\r\n{}"
	tests := []struct {
		name, req string
	}{
		{"idle keep-alive connection", fmt.Sprintf(full, 1)},
		{"headers never finished", "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\n"},
		{"body trickled", "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n{"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			const conns = 20
			var cs []net.Conn
			for range conns {
				cs = append(cs, dial(tt.req))
			}
			for i, c := range cs {
				if !closed(c) {
					t.Fatalf("connection %d of %d still open after 5s; want the server to cut it", i+1, conns)
				}
			}
		})
	}
	// The answer takes 600ms, longer than every timeout: it still comes.
	if r := send(newClient(t, 5*time.Second), s.URL(), "0000000000000002", "{}"); r.err != nil || r.status != 200 {
		t.Fatalf("a request slower than the timeouts = %d %v; want 200", r.status, r.err)
	}
	if _, err := ServeWith(context.Background(), a, "127.0.0.1:0", Timeouts{Idle: -time.Second}); err == nil || !strings.Contains(err.Error(), "idle timeout") {
		t.Fatalf("ServeWith(Idle: -1s) = %v; want an error naming the idle timeout", err)
	}
}
