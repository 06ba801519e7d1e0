package strategies

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// okTransport answers every request 200 at once, without a socket, so a
// benchmark through it measures the leg and net/http's client alone.
type okTransport struct{}

func (okTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		_ = req.Body.Close()
	}
	return &http.Response{
		StatusCode: http.StatusOK,
		Header:     http.Header{},
		Body:       io.NopCloser(strings.NewReader("")),
		Request:    req,
	}, nil
}

// BenchmarkLegPolicy measures what the resilience policy costs a leg when
// nothing fails: one Call per op against an API that answers 200 at once,
// for a plain one-attempt leg and for each part of the policy turned on.
// "loopback" calls an httptest server on 127.0.0.1; "inproc" swaps the
// socket for okTransport, so the policy's share of the cost stands out.
func BenchmarkLegPolicy(b *testing.B) {
	backoff := Backoff{Initial: 50 * time.Millisecond, Max: 2 * time.Second, Multiplier: 2, Jitter: JitterFull}
	policies := []struct {
		name string
		p    Policy
	}{
		{"plain", Policy{}},
		{"timeout", Policy{Timeout: 2 * time.Second}},
		{"retries", Policy{Timeout: 2 * time.Second, Retries: 3, Backoff: backoff}},
		{"retries+honor+budget", Policy{Timeout: 2 * time.Second, Retries: 3, Backoff: backoff, HonorRetryAfter: true, RetryBudget: 0.2}},
		{"breaker", Policy{Timeout: 2 * time.Second, Breaker: &Breaker{Failures: 5, OpenFor: 5 * time.Second}}},
		{"limiter", Policy{Timeout: 2 * time.Second, ClientRateLimit: 1e9}},
		{"full", Policy{
			Timeout: 2 * time.Second, Retries: 3, Backoff: backoff, HonorRetryAfter: true, RetryBudget: 0.2,
			Breaker: &Breaker{Failures: 5, OpenFor: 5 * time.Second}, ClientRateLimit: 1e9,
		}},
	}

	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()
	loopback := NewClient(64)
	defer loopback.CloseIdleConnections()
	clients := []struct {
		name   string
		client *http.Client
		url    string
	}{
		{"loopback", loopback, srv.URL + "/send"},
		{"inproc", &http.Client{Transport: okTransport{}}, "http://b.invalid/send"},
	}

	ctx := context.Background()
	s := Send{ID: "00000000000000ff", Body: []byte(`{"n":1}`)}
	for _, c := range clients {
		for _, pc := range policies {
			b.Run(c.name+"/"+pc.name, func(b *testing.B) {
				leg := NewLeg("b", c.url, c.client, pc.p, new(LegStats))
				b.ReportAllocs()
				for b.Loop() {
					if r := leg.Call(ctx, s); !r.OK() {
						b.Fatalf("call: %s", r.Failure())
					}
				}
			})
		}
	}
}
