package strategies

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// fakeReply is one scripted answer of a fakeTransport.
type fakeReply struct {
	status int
	header http.Header
	err    error         // a transport error instead of an answer
	delay  time.Duration // service time before the answer (or err)
	hang   bool          // never answer: wait for the request's context
	// retryAfterIn, when set, answers Retry-After as the HTTP-date this
	// long after the time of the answer.
	retryAfterIn time.Duration
}

// fakeTransport is an http.RoundTripper that plays back replies in order
// (the last one repeats) and records when each request arrived and with
// which Idempotency-Key. It makes no socket, so it works inside a
// testing/synctest bubble, where time is fake and exact.
type fakeTransport struct {
	mu      sync.Mutex
	replies []fakeReply
	arrived []time.Duration // since start
	keys    []string
	start   time.Time
}

func newFakeTransport(replies ...fakeReply) *fakeTransport {
	return &fakeTransport{replies: replies, start: time.Now()}
}

// RoundTrip implements http.RoundTripper.
func (f *fakeTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	f.mu.Lock()
	i := len(f.arrived)
	f.arrived = append(f.arrived, time.Since(f.start))
	f.keys = append(f.keys, req.Header.Get("Idempotency-Key"))
	r := f.replies[min(i, len(f.replies)-1)]
	f.mu.Unlock()

	if req.Body != nil {
		_, _ = io.Copy(io.Discard, req.Body)
		_ = req.Body.Close()
	}
	ctx := req.Context()
	if r.hang {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	if r.delay > 0 {
		t := time.NewTimer(r.delay)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		}
	}
	if r.err != nil {
		return nil, r.err
	}
	h := r.header.Clone()
	if h == nil {
		h = http.Header{}
	}
	if r.retryAfterIn > 0 {
		h.Set("Retry-After", time.Now().Add(r.retryAfterIn).UTC().Format(http.TimeFormat))
	}
	return &http.Response{
		StatusCode: r.status,
		Header:     h,
		Body:       io.NopCloser(strings.NewReader("{}")),
		Request:    req,
	}, nil
}

// times returns when the requests arrived, since the transport was made.
func (f *fakeTransport) times() []time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]time.Duration(nil), f.arrived...)
}

// idempotencyKeys returns the Idempotency-Key of every request so far.
func (f *fakeTransport) idempotencyKeys() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.keys...)
}

// status returns a reply with HTTP status code and header pairs k, v, ...
func status(code int, kv ...string) fakeReply {
	h := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Set(kv[i], kv[i+1])
	}
	return fakeReply{status: code, header: h}
}

// constRand returns a jitter source that always draws u.
func constRand(u float64) func() float64 { return func() float64 { return u } }

// fakeLeg returns a leg to API "b" that sends through f.
func fakeLeg(f *fakeTransport, p Policy, stats *LegStats, opts ...LegOption) *Leg {
	return NewLeg("b", "http://b.invalid/send", &http.Client{Transport: f}, p, stats, opts...)
}

// call makes one leg call for id with a background context.
func call(l *Leg, id string) LegResult {
	return l.Call(context.Background(), Send{ID: id, Body: []byte(`{"n":1}`)})
}
