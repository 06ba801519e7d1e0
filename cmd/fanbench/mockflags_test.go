package main

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestMockLimitsAndToken: FANBENCH_ADMIN_TOKEN protects the admin API like
// --admin-token (scheme in any case), and --max-body caps request bodies.
func TestMockLimitsAndToken(t *testing.T) {
	sc := writeFile(t, "mock.yaml", "apis:\n  a: {}\n  b: {}\n")
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	out, errb := newSyncBuffer(), newSyncBuffer()
	done := make(chan int, 1)
	getenv := func(k string) string {
		if k == "FANBENCH_ADMIN_TOKEN" {
			return "s3cret"
		}
		return ""
	}
	go func() {
		err := run(ctx, []string{"mock", "--config", sc, "--listen", "127.0.0.1:0", "--max-body", "10", "--idle-timeout", "5s"}, getenv, out, errb)
		done <- exitCode(err, errb)
	}()
	re := regexp.MustCompile(`mock API a: (http://\S+)`)
	var url string
	for deadline := time.Now().Add(5 * time.Second); url == "" && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			url = m[1]
		}
	}
	if url == "" {
		t.Fatalf("mock did not start:\n%s\n%s", out.String(), errb.String())
	}
	c := &http.Client{Timeout: 5 * time.Second}
	do := func(method, path, body, auth string) int {
		req, _ := http.NewRequest(method, url+path, strings.NewReader(body))
		req.Header.Set("Idempotency-Key", "k1")
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for _, tt := range []struct {
		method, path, body, auth string
		want                     int
	}{
		{"GET", "/_fanbench/stats", "", "", 401},
		{"GET", "/_fanbench/stats", "", "bearer s3cret", 200},
		{"POST", "/x", "0123456789", "", 200},
		{"POST", "/x", "0123456789A", "", 413},
	} {
		if got := do(tt.method, tt.path, tt.body, tt.auth); got != tt.want {
			t.Errorf("%s %s body %dB auth %q = %d; want %d", tt.method, tt.path, len(tt.body), tt.auth, got, tt.want)
		}
	}
	cancel()
	if code := <-done; code != exitOK {
		t.Fatalf("mock exit %d; want 0\n%s", code, errb.String())
	}
}

// TestMockRunUsageHints: a scenario given as an argument gets the flag it
// needs suggested; bad limits are refused naming the flag.
func TestMockRunUsageHints(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"run", "flaky"}, "did you mean --scenario flaky"},
		{[]string{"mock", "flaky"}, "did you mean --config flaky"},
		{[]string{"mock", "--ledger-capacity", "10"}, "--ledger-capacity"},
		{[]string{"mock", "--max-body", "0"}, "--max-body"},
		{[]string{"mock", "--read-header-timeout", "0s"}, "--read-header-timeout"},
	}
	for _, tt := range tests {
		code, _, stderr := fanbench(t, t.Context(), tt.args...)
		if code != exitUsage || !strings.Contains(stderr, tt.want) {
			t.Errorf("fanbench %v: exit %d, stderr %q; want 2 with %q", tt.args, code, stderr, tt.want)
		}
	}
}
