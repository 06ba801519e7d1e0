package mockapi

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// newAPI returns an API for cfg or fails the test.
func newAPI(t testing.TB, name string, cfg Config) *API {
	t.Helper()
	a, err := New(name, cfg, 42)
	if err != nil {
		t.Fatalf("New(%q): %v", name, err)
	}
	return a
}

// withServer serves a on 127.0.0.1:0 until the test ends.
func withServer(t testing.TB, a *API) *Server {
	t.Helper()
	s, err := Serve(context.Background(), a, "127.0.0.1:0")
	if err != nil {
		t.Fatalf("Serve: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// newClient returns a client that opens a fresh connection per request, so
// the transport never silently retries a request on a reused connection.
func newClient(t testing.TB, timeout time.Duration) *http.Client {
	t.Helper()
	tr := &http.Transport{DisableKeepAlives: true}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: timeout}
}

// reply is what a client saw.
type reply struct {
	status int
	header http.Header
	body   string
	err    error
}

// send POSTs body to url with Idempotency-Key id (none if "") and extra
// headers (name, value pairs), and reads the whole answer.
func send(c *http.Client, url, id, body string, hdr ...string) reply {
	if id != "" {
		hdr = append(hdr, "Idempotency-Key", id)
	}
	return do(c, http.MethodPost, url, body, hdr...)
}

// do sends one request with headers (name, value pairs) and reads the
// whole answer.
func do(c *http.Client, method, url, body string, hdr ...string) reply {
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		return reply{err: err}
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		return reply{err: err}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return reply{status: resp.StatusCode, header: resp.Header, body: string(b), err: err}
}
