package distributed

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/fanbench/fanbench/bench"
)

// serveHandler wraps a serve host's request handler: it decodes the
// request, runs fn unless the session is ending, and answers.
func serveHandler[T any](s *session, fn func(T) (Reply, error)) nats.MsgHandler {
	return func(m *nats.Msg) {
		var req T
		if err := json.Unmarshal(m.Data, &req); err != nil {
			respond(m, Reply{Error: fmt.Sprintf("bad request: %v", err)})
			return
		}
		if !s.track() {
			respond(m, Reply{Error: s.opt.Name + " is leaving the run"})
			return
		}
		defer s.loads.Done()
		r, err := fn(req)
		if err != nil {
			r.Error = err.Error()
		}
		respond(m, r)
	}
}

func (s *session) host(strategy string) (*bench.Host, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	h := s.hosts[strategy]
	if h == nil {
		return nil, fmt.Errorf("strategy %s is not set up on %s", strategy, s.opt.Name)
	}
	return h, nil
}

func (s *session) handleSetup(m *nats.Msg) {
	serveHandler(s, func(req Setup) (Reply, error) {
		if _, err := s.host(req.Strategy); err == nil {
			return Reply{}, fmt.Errorf("strategy %s is already set up", req.Strategy)
		}
		var urlErr error
		h, err := bench.StartHost(s.ctx, s.sc, req.Strategy, bench.Options{
			FrontListen: s.opt.Listen,
			FrontURL: func(addr net.Addr) string {
				u, err := listenURL(s.opt, addr)
				urlErr = err
				return u
			},
			BrokerURL:     s.opt.BrokerURL,
			Logf:          s.opt.Logf,
			FrontTimeouts: s.opt.FrontTimeouts,
		})
		if err != nil {
			return Reply{}, fmt.Errorf("set up %s: %w", req.Strategy, err)
		}
		if urlErr != nil {
			_ = h.Close()
			return Reply{}, urlErr
		}
		s.mu.Lock()
		s.hosts[req.Strategy] = h
		s.mu.Unlock()
		s.opt.Logf("serve %s: %s set up at %s", s.opt.Name, req.Strategy, h.URL())
		return Reply{URL: h.URL()}, nil
	})(m)
}

func (s *session) handleBegin(m *nats.Msg) {
	serveHandler(s, func(req Begin) (Reply, error) {
		h, err := s.host(req.Strategy)
		if err != nil {
			return Reply{}, err
		}
		h.Begin(s.ctx, time.Unix(0, req.Start))
		return Reply{}, nil
	})(m)
}

func (s *session) handleSettle(m *nats.Msg) {
	serveHandler(s, func(req Settle) (Reply, error) {
		h, err := s.host(req.Strategy)
		if err != nil {
			return Reply{}, err
		}
		b, err := s.obs.GetBytes(s.ctx, req.Object)
		if err != nil {
			return Reply{}, fmt.Errorf("read %s: %w", req.Object, err)
		}
		var sends bench.Sends
		if err := json.Unmarshal(b, &sends); err != nil {
			return Reply{}, fmt.Errorf("decode %s: %w", req.Object, err)
		}
		settled, err := h.Settle(s.ctx, sends)
		if err != nil {
			return Reply{}, fmt.Errorf("settle %s: %w", req.Strategy, err)
		}
		out, err := json.Marshal(settled)
		if err != nil {
			return Reply{}, err
		}
		name := req.Strategy + "/settled.json"
		pctx, cancel := context.WithTimeout(s.ctx, 30*time.Second)
		defer cancel()
		if _, err := s.obs.PutBytes(pctx, name, out); err != nil {
			return Reply{}, fmt.Errorf("store %s: %w", name, err)
		}
		return Reply{Object: name}, nil
	})(m)
}

func (s *session) handleTeardown(m *nats.Msg) {
	serveHandler(s, func(req Setup) (Reply, error) {
		h, err := s.host(req.Strategy)
		if err != nil {
			return Reply{}, err
		}
		s.mu.Lock()
		delete(s.hosts, req.Strategy)
		s.mu.Unlock()
		if err := h.Close(); err != nil {
			return Reply{}, fmt.Errorf("tear down %s: %w", req.Strategy, err)
		}
		return Reply{}, nil
	})(m)
}
