package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe to read while the command writes it
// (through the same lockedWriter run uses for stderr).
type syncBuffer struct {
	lockedWriter
	b bytes.Buffer
}

func newSyncBuffer() *syncBuffer {
	s := &syncBuffer{}
	s.w = &s.b
	return s
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// `fanbench mock` serves a scenario's APIs standalone: a client sees the
// fault profile, the ledger answers over the admin API, and Ctrl-C stops it.
func TestMockCommand(t *testing.T) {
	// A file with only the apis block is enough.
	sc := writeFile(t, "mock.yaml", `apis:
  a: {latency: {dist: fixed, value: 1ms}}
  b: {errors: [{status: 503, rate: 1}]}
`)
	ctx, cancel := context.WithCancel(t.Context())
	out, errb := newSyncBuffer(), newSyncBuffer()
	done := make(chan int)
	go func() {
		err := run(ctx, []string{"mock", "--config", sc, "--listen", "127.0.0.1:0"}, func(string) string { return "" }, out, errb)
		done <- exitCode(err, errb)
	}()
	re := regexp.MustCompile(`mock API ([ab]): (http://\S+)`)
	urls := map[string]string{}
	for deadline := time.Now().Add(5 * time.Second); len(urls) < 2 && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		for _, m := range re.FindAllStringSubmatch(out.String(), -1) {
			urls[m[1]] = m[2]
		}
	}
	if len(urls) < 2 {
		t.Fatalf("mock did not print both URLs:\n%s\n%s", out.String(), errb.String())
	}
	call := func(api, id string) int {
		req, _ := http.NewRequest(http.MethodPut, urls[api]+"/any/path", strings.NewReader(`{}`))
		req.Header.Set("Idempotency-Key", id)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := call("a", "k1"); got != 200 {
		t.Errorf("API a answered %d; want 200", got)
	}
	if got := call("b", "k1"); got != 503 {
		t.Errorf("API b answered %d; want 503 (its profile)", got)
	}
	resp, err := http.Get(urls["a"] + "/_fanbench/ledger?ids=k1")
	if err != nil {
		t.Fatal(err)
	}
	var ledger map[string]any
	err = json.NewDecoder(resp.Body).Decode(&ledger)
	resp.Body.Close()
	if err != nil || !strings.Contains(mustJSON(ledger), `"k1"`) {
		t.Errorf("ledger of a: %v (err %v); want an entry for k1", ledger, err)
	}
	cancel()
	select {
	case code := <-done:
		if code != exitOK {
			t.Errorf("exit %d after Ctrl-C; want 0\n%s", code, errb.String())
		}
	case <-time.After(5 * time.Second):
		t.Fatal("mock did not stop after its context ended")
	}
}

func TestMockCommandBadListen(t *testing.T) {
	for _, addr := range []string{"nonsense", "0.0.0.0:9001"} {
		code, _, stderr := fanbench(t, t.Context(), "mock", "--listen", addr)
		if code != exitUsage || !strings.Contains(stderr, "--listen") {
			t.Errorf("--listen %s: exit %d, %q; want 2 naming --listen", addr, code, stderr)
		}
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// The built-in ci-smoke scenario runs every strategy end to end and passes
// its SLO gates; CI runs it through this test.
func TestCISmokeScenario(t *testing.T) {
	out := t.TempDir()
	code, stdout, stderr := fanbench(t, t.Context(), "run", "--scenario", "ci-smoke", "--out", out, "--no-color")
	if code != exitOK {
		t.Fatalf("ci-smoke: exit %d\n%s\n%s", code, stdout, stderr)
	}
	for _, s := range []string{"sequential", "errgroup", "queue", "gateway", "pass"} {
		if !strings.Contains(stdout, s) {
			t.Errorf("report lacks %q:\n%s", s, stdout)
		}
	}
}
