package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/fanbench/fanbench/mockapi"
	"github.com/fanbench/fanbench/mockapi/mocktest"
)

// startGateway runs `fanbench gateway args...` in process until ctx ends
// and returns its URL and a channel with its exit code.
func startGateway(t *testing.T, ctx context.Context, args ...string) (url string, code <-chan int, stderr *syncBuffer) {
	t.Helper()
	out, errb := newSyncBuffer(), newSyncBuffer()
	done := make(chan int, 1)
	go func() {
		err := run(ctx, append([]string{"gateway", "--listen", "127.0.0.1:0"}, args...), func(string) string { return "" }, out, errb)
		done <- exitCode(err, errb)
	}()
	re := regexp.MustCompile(`gateway listening on (http://\S+)`)
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			return m[1], done, errb
		}
		select {
		case c := <-done:
			t.Fatalf("gateway exited %d before listening:\n%s", c, errb.String())
		default:
		}
	}
	t.Fatalf("gateway did not print its address:\n%s\n%s", out.String(), errb.String())
	return "", nil, nil
}

// TestGatewayDrainsOnInterrupt performs the attack of issue 12 item 7:
// requests answered 202, then Ctrl-C. The gateway delivers all of them
// before it exits; with a drain timeout shorter than the APIs' latency it
// says how many it could not deliver and exits 1.
func TestGatewayDrainsOnInterrupt(t *testing.T) {
	tests := []struct {
		name     string
		latency  time.Duration
		drain    string
		wantCode int
		wantErr  string
	}{
		{"drained", 300 * time.Millisecond, "30s", exitOK, "all 20 accepted background deliveries delivered"},
		{"drain timeout", time.Hour, "200ms", exitFailed, "20 of 20 accepted background deliveries were not delivered"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := mockapi.Config{Latency: mockapi.Latency{Dist: "fixed", Value: mockapi.Duration(tt.latency)}}
			a, aURL := mocktest.Serve(t, "a", cfg, 1)
			b, bURL := mocktest.Serve(t, "b", cfg, 1)
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			url, code, stderr := startGateway(t, ctx, "--wait", "none", "--a", aURL, "--b", bURL, "--timeout", "1h", "--drain-timeout", tt.drain)
			c := &http.Client{Timeout: 5 * time.Second}
			const n = 20
			for i := range n {
				req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader("{}"))
				req.Header.Set("Idempotency-Key", fmt.Sprintf("%016x", i+1))
				resp, err := c.Do(req)
				if err != nil || resp.StatusCode != http.StatusAccepted {
					t.Fatalf("request %d: %v %v; want 202", i, resp, err)
				}
				resp.Body.Close()
			}
			cancel() // Ctrl-C
			var got int
			select {
			case got = <-code:
			case <-time.After(10 * time.Second):
				t.Fatal("gateway still running 10s after the interrupt")
			}
			if got != tt.wantCode || !strings.Contains(stderr.String(), tt.wantErr) {
				t.Fatalf("exit %d, stderr:\n%s\nwant exit %d and %q", got, stderr.String(), tt.wantCode, tt.wantErr)
			}
			if tt.wantCode == exitOK {
				for _, api := range []*mockapi.API{a, b} {
					if sum := api.Ledger().Summary(); sum.Applied != n {
						t.Errorf("API %s applied %d of %d accepted requests", api.Name(), sum.Applied, n)
					}
				}
			}
		})
	}
}

// TestGatewayFlags: listening on every interface needs
// --allow-remote; timeouts and the drain timeout must be above 0.
func TestGatewayFlags(t *testing.T) {
	base := []string{"gateway", "--a", "http://127.0.0.1:9001", "--b", "http://127.0.0.1:9002"}
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--listen", "0.0.0.0:0"}, "--allow-remote"},
		{[]string{"--listen", ":0"}, "--allow-remote"},
		{[]string{"--drain-timeout", "0s"}, "--drain-timeout"},
		{[]string{"--idle-timeout", "-1s"}, "--idle-timeout"},
		{[]string{"--read-timeout", "0s"}, "--read-timeout"},
		// Held to the gateway spec's and policy's own rules.
		{[]string{"--retries", "-1"}, "--retries: -1 is negative"},
		{[]string{"--wait", "some"}, `--wait: unknown gateway wait "some"`},
	}
	for _, tt := range tests {
		code, _, stderr := fanbench(t, t.Context(), append(base, tt.args...)...)
		if code != exitUsage || !strings.Contains(stderr, tt.want) {
			t.Errorf("gateway %v: exit %d, stderr %q; want 2 naming %s", tt.args, code, stderr, tt.want)
		}
	}
}

// TestGatewayCutsIdleConnections: the attack of issue 12 item 13 on the
// gateway — idle keep-alive connections and stuck headers are cut by the
// configured timeouts instead of staying open indefinitely.
func TestGatewayCutsIdleConnections(t *testing.T) {
	_, aURL := mocktest.Serve(t, "a", mockapi.Config{}, 1)
	_, bURL := mocktest.Serve(t, "b", mockapi.Config{}, 1)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	url, code, stderr := startGateway(t, ctx, "--a", aURL, "--b", bURL, "--idle-timeout", "200ms", "--read-header-timeout", "200ms")
	addr := strings.TrimPrefix(url, "http://")
	for _, req := range []string{
		"POST / HTTP/1.1\r\nHost: x\r\nIdempotency-Key: 0000000000000001\r\nContent-Length: 2\r\n\r\n{}", // answered, then idle
		"POST / HTTP/1.1\r\nHost: x\r\n", // headers never finished
	} {
		var conns []net.Conn
		for range 20 {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if _, err := io.WriteString(c, req); err != nil {
				t.Fatal(err)
			}
			conns = append(conns, c)
		}
		for i, c := range conns {
			_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
			_, err := io.Copy(io.Discard, c)
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				t.Fatalf("connection %d (%q...) still open after 5s; want the gateway to cut it", i, req[:20])
			}
		}
	}
	cancel()
	if c := <-code; c != exitOK {
		t.Fatalf("gateway exit %d\n%s", c, stderr.String())
	}
}
