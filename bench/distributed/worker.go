package distributed

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/fanbench/fanbench/bench"
)

// handleAssign starts the worker's part of a strategy's load.
func (s *session) handleAssign(m *nats.Msg) {
	var a Assignment
	if err := json.Unmarshal(m.Data, &a); err != nil {
		respond(m, Reply{Error: fmt.Sprintf("bad assignment: %v", err)})
		return
	}
	if err := a.Part.Validate(); err != nil {
		respond(m, Reply{Error: err.Error()})
		return
	}
	s.mu.Lock()
	if s.cancelLoad != nil || s.closed {
		s.mu.Unlock()
		respond(m, Reply{Error: s.opt.Name + " is already driving a load, or leaving the run"})
		return
	}
	lctx, cancel := context.WithCancel(s.ctx)
	s.cancelLoad = cancel
	s.loads.Add(1)
	s.mu.Unlock()
	respond(m, Reply{})
	go func() {
		defer s.loads.Done()
		defer func() {
			s.mu.Lock()
			s.cancelLoad = nil
			s.mu.Unlock()
			cancel()
		}()
		done := s.drive(lctx, a)
		publish(s.nc, s.subj.of("done", s.opt.Name), done)
	}()
}

// drive runs the assigned load and stores what it measured.
func (s *session) drive(ctx context.Context, a Assignment) Done {
	done := Done{Name: s.opt.Name, Strategy: a.Strategy}
	var bin bytes.Buffer
	progress := s.subj.of("progress", s.opt.Name)
	opt := bench.Options{
		ResultsOut: func(string) (io.WriteCloser, error) { return nopCloser{&bin}, nil },
		Progress: func(p bench.Progress) {
			publish(s.nc, progress, ProgressReport{Strategy: p.Strategy, ElapsedNs: p.Elapsed,
				Requests: p.Requests, Errors: p.Errors, Rate: p.Rate, P99Ms: p.P99Ms})
		},
	}
	s.opt.Logf("worker %s: %s, part %d of %d, to %s from %v", s.opt.Name, a.Strategy, a.Part.K, a.Part.N,
		a.Target, time.Unix(0, a.Start).UTC().Format(time.RFC3339Nano))
	m, err := bench.Drive(ctx, s.sc, a.Strategy, a.Target, a.Part, time.Unix(0, a.Start), opt)
	if err != nil {
		done.Error = err.Error()
		return done
	}
	var sorted bytes.Buffer
	if err := bench.SortResults(&sorted, &bin); err != nil {
		done.Error = err.Error()
		return done
	}
	js, err := json.Marshal(m)
	if err != nil {
		done.Error = err.Error()
		return done
	}
	// Store even when the load was stopped (the coordinator keeps what was
	// measured), unless the session ended: then nobody will read it.
	pctx, cancel := context.WithTimeout(s.ctx, 30*time.Second)
	defer cancel()
	done.Measured = a.Strategy + "/" + s.opt.Name + ".json"
	done.Results = a.Strategy + "/" + s.opt.Name + ".bin"
	if _, err := s.obs.PutBytes(pctx, done.Measured, js); err != nil {
		done.Error = fmt.Sprintf("store %s: %v", done.Measured, err)
		return done
	}
	if _, err := s.obs.PutBytes(pctx, done.Results, sorted.Bytes()); err != nil {
		done.Error = fmt.Sprintf("store %s: %v", done.Results, err)
		return done
	}
	s.opt.Logf("worker %s: %s: %d sends measured", s.opt.Name, a.Strategy, m.Requests)
	return done
}

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }
