package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fanbench/fanbench/mockapi"
	"github.com/fanbench/fanbench/mockapi/mocktest"
	"github.com/fanbench/fanbench/reports"
)

// freeAddr returns a loopback address with a port that was free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// `fanbench run --target --exec` measures a service it starts: here the
// fanbench gateway itself, run as a separate process from this test binary.
func TestRunExternalWithExec(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	exe := fmt.Sprintf(`FANBENCH_TEST_MAIN=1 exec %q gateway --a "$FANBENCH_API_A_URL/orders" --b "$FANBENCH_API_B_URL/orders" --listen %s`, self, addr)
	sc := writeFile(t, "tiny.yaml", tinyScenario)
	out := filepath.Join(t.TempDir(), "out")
	code, stdout, stderr := fanbench(t, t.Context(), "run", "--scenario", sc, "--out", out,
		"--target", "http://"+addr+"/orders", "--exec", exe)
	if code != exitOK {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	res, err := reports.ReadJSON(filepath.Join(out, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Strategies) != 1 || res.Strategies[0].Name != "external" {
		t.Fatalf("strategies %+v; want external alone", res.Strategies)
	}
	s := res.Strategies[0]
	if s.Requests != 50 || s.Outcomes.Both != 50 || s.Lost != 0 {
		t.Errorf("requests %d, outcomes %+v, lost %d; want 50 delivered to both", s.Requests, s.Outcomes, s.Lost)
	}
	// The gateway waits for both: about max(5ms, 10ms).
	if p := s.LatencyMs.Corrected.P50; p < 10 || p > 60 {
		t.Errorf("p50 %vms; want about 10ms", p)
	}
	// The service was stopped: nothing listens there any more.
	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		c.Close()
		t.Errorf("the --exec service still listens on %s after the run", addr)
	}
}

func TestRunExternalRefusesRemoteAndBadFlags(t *testing.T) {
	sc := writeFile(t, "tiny.yaml", tinyScenario)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--target", "http://203.0.113.7/orders"}, "--allow-remote"},
		{[]string{"--target", "ftp://127.0.0.1/x"}, "http://"},
		{[]string{"--exec", "true"}, "--target"},
		{[]string{"--nats-url", "http://127.0.0.1:4222"}, "nats://"}, // the alias, checked as --broker-url is
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, _, stderr := fanbench(t, t.Context(), append([]string{"run", "--scenario", sc, "--out", t.TempDir()}, tt.args...)...)
			if code != exitUsage || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want 2 mentioning %q", code, stderr, tt.want)
			}
		})
	}
}

// `fanbench gateway` in front of two mock APIs, with a real HTTP client.
func TestGatewayCommand(t *testing.T) {
	var urls [2]string
	var apis [2]*mockapi.API
	for i, name := range []string{"a", "b"} {
		api, url := mocktest.Serve(t, name, mockapi.Config{}, 1)
		urls[i], apis[i] = url+"/orders", api
	}
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan int)
	go func() {
		code, _, _ := fanbench(t, ctx, "gateway", "--a", urls[0], "--b", urls[1], "--listen", addr)
		done <- code
	}()
	var resp *http.Response
	checkFor(t, 10*time.Second, 20*time.Millisecond, func() error { // until it listens
		req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/orders", strings.NewReader(`{}`))
		req.Header.Set("Idempotency-Key", "00000000000000c3")
		var err error
		resp, err = http.DefaultClient.Do(req)
		return err
	})
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("X-Fanbench-Completed") != "true" {
		t.Errorf("status %d, completed %q; want 200, true", resp.StatusCode, resp.Header.Get("X-Fanbench-Completed"))
	}
	for i, api := range apis {
		if e, ok := api.Ledger().Lookup("00000000000000c3"); !ok || e.Effects != 1 {
			t.Errorf("API %c ledger %+v, %v; want one effect", 'a'+i, e, ok)
		}
	}
	cancel()
	if code := <-done; code != exitOK {
		t.Errorf("gateway exit %d after cancel; want 0", code)
	}
}
