package mockapi

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"
)

// Server serves one API over HTTP/1.1 on a real listener, which connection
// faults need (they hijack the connection). It owns every goroutine it
// starts; Close stops them all.
type Server struct {
	srv    *http.Server
	ln     net.Listener
	url    string
	cancel context.CancelFunc // ends every request context
	stop   func() bool        // detaches the ctx watcher

	mu     sync.Mutex
	closed bool
	wg     sync.WaitGroup // the Serve loop and every handler
}

// Timeouts bound how long a client may hold a connection without making
// progress. Zero fields take the defaults. None of them bounds an answer:
// a mock's latency, a hang fault or a slow_body run as configured.
type Timeouts struct {
	// ReadHeader bounds reading a request's headers (default 10s).
	ReadHeader time.Duration
	// Read bounds reading a whole request, body included (default 30s).
	Read time.Duration
	// Idle bounds how long a keep-alive connection may wait for its next
	// request (default 60s).
	Idle time.Duration
}

// Default server timeouts.
const (
	DefaultReadHeaderTimeout = 10 * time.Second
	DefaultReadTimeout       = 30 * time.Second
	DefaultIdleTimeout       = 60 * time.Second
)

// withDefaults fills the zero fields; a negative one is an error naming it.
func (t Timeouts) withDefaults() (Timeouts, error) {
	for _, f := range []struct {
		name string
		v    *time.Duration
		def  time.Duration
	}{{"read-header", &t.ReadHeader, DefaultReadHeaderTimeout}, {"read", &t.Read, DefaultReadTimeout}, {"idle", &t.Idle, DefaultIdleTimeout}} {
		if *f.v < 0 {
			return t, fmt.Errorf("%s timeout %v is negative; want > 0, or 0 for the default %v", f.name, *f.v, f.def)
		}
		if *f.v == 0 {
			*f.v = f.def
		}
	}
	return t, nil
}

// Apply sets t (its zero fields at their defaults) on srv. The engine's
// fronts and the gateway command use the same timeouts as the mocks.
func (t Timeouts) Apply(srv *http.Server) error {
	t, err := t.withDefaults()
	if err != nil {
		return err
	}
	srv.ReadHeaderTimeout, srv.ReadTimeout, srv.IdleTimeout = t.ReadHeader, t.Read, t.Idle
	return nil
}

// Serve listens on addr (such as "127.0.0.1:0") and serves a with the
// default Timeouts until Close is called or ctx ends.
func Serve(ctx context.Context, a *API, addr string) (*Server, error) {
	return ServeWith(ctx, a, addr, Timeouts{})
}

// ServeWith is Serve with the given timeouts.
func ServeWith(ctx context.Context, a *API, addr string, t Timeouts) (*Server, error) {
	t, err := t.withDefaults()
	if err != nil {
		return nil, fmt.Errorf("serve mock %q: %w", a.Name(), err)
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("serve mock %q: listen on %s: %w", a.Name(), addr, err)
	}
	base, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s := &Server{ln: ln, url: "http://" + ln.Addr().String(), cancel: cancel}
	s.srv = &http.Server{
		Handler:     s.track(a),
		BaseContext: func(net.Listener) context.Context { return base },
		// Connection faults hijack HTTP/1.1 connections; no HTTP/2 here.
		TLSNextProto: map[string]func(*http.Server, *tls.Conn, http.Handler){},
	}
	_ = t.Apply(s.srv) // t has its defaults: no error
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		_ = s.srv.Serve(ln) // returns http.ErrServerClosed after Close
	}()
	// The watcher may fire (and call Close) before AfterFunc returns: stop
	// is handed over under mu.
	stop := context.AfterFunc(ctx, func() { _ = s.Close() })
	s.mu.Lock()
	s.stop = stop
	s.mu.Unlock()
	return s, nil
}

// track counts handlers so Close can wait for them; after Close it refuses
// new ones.
func (s *Server) track(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			w.Header().Set("Connection", "close")
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		s.wg.Add(1)
		s.mu.Unlock()
		defer s.wg.Done()
		h.ServeHTTP(w, r)
	})
}

// URL returns the server's base URL, "http://127.0.0.1:PORT".
func (s *Server) URL() string { return s.url }

// Addr returns the address the server listens on.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// Close stops the listener, closes every connection (hung ones included),
// ends every request context and waits until all handlers have returned.
// It is safe to call more than once.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		s.wg.Wait()
		return nil
	}
	s.closed = true
	stop := s.stop
	s.mu.Unlock()
	if stop != nil { // nil: the ctx watcher itself is closing
		stop()
	}
	err := s.srv.Close() // closes the connections first: no handler can answer now
	s.cancel()
	s.wg.Wait()
	if err != nil && !errors.Is(err, net.ErrClosed) {
		return fmt.Errorf("close mock server %s: %w", s.url, err)
	}
	return nil
}

// ServeAll serves apis[i] on host:port+i, as `fanbench mock --listen
// host:port` does for a and b. With port 0 each API gets its own free
// port. If one cannot listen, the ones already started are closed.
func ServeAll(ctx context.Context, host string, port int, apis ...*API) ([]*Server, error) {
	servers := make([]*Server, 0, len(apis))
	for i, a := range apis {
		s, err := Serve(ctx, a, ListenAddr(host, port, i))
		if err != nil {
			for _, s := range servers {
				_ = s.Close()
			}
			return nil, err
		}
		servers = append(servers, s)
	}
	return servers, nil
}
