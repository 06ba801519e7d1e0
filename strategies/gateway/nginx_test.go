package gateway

import (
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fanbench/fanbench/mockapi"
	"github.com/fanbench/fanbench/mockapi/mocktest"
	"github.com/fanbench/fanbench/strategies"
)

// needNginx skips the test when nginx (or, for Lua, its module) is not
// installed, or fails it when FANBENCH_REQUIRE_BROKERS is set (CI installs
// both, as it does chromium).
func needNginx(t *testing.T, lua bool) {
	t.Helper()
	if _, _, err := findNginx(t.Context(), lua); err != nil {
		if v := os.Getenv("FANBENCH_REQUIRE_BROKERS"); v != "" && v != "0" {
			t.Fatalf("%v (FANBENCH_REQUIRE_BROKERS=%s requires it)", err, v)
		}
		t.Skipf("%v", err)
	}
}

// withNginx builds the gateway with impl over two mocks and runs fn with
// the URL to send to and the mocks.
func withNginx(t *testing.T, impl string, a, b mockapi.Config, fn func(url string, built strategies.Built, apis [2]*mockapi.API)) {
	t.Helper()
	needNginx(t, impl == strategies.GatewayNginxLua)
	apiA, urlA := mocktest.Serve(t, "a", a, 1)
	apiB, urlB := mocktest.Serve(t, "b", b, 1)
	built, err := Build(t.Context(), strategies.Spec{Name: strategies.NameGateway, Impl: impl}, strategies.Deps{
		APIs: [2]string{urlA, urlB}, Policy: strategies.Policy{Timeout: 2 * time.Second}, MaxInFlight: 64,
		LegStats: [2]*strategies.LegStats{new(strategies.LegStats), new(strategies.LegStats)},
	})
	if err != nil {
		t.Fatalf("build gateway impl %s: %v", impl, err)
	}
	defer func() {
		if err := built.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
		if c, err := http.Get(built.Target); err == nil {
			c.Body.Close()
			t.Errorf("nginx still answers on %s after Close", built.Target)
		}
	}()
	if built.Strategy != nil || built.Handler != nil || !strings.HasPrefix(built.Target, "http://127.0.0.1:") {
		t.Fatalf("built %+v; want only a loopback Target", built)
	}
	fn(built.Target, built, [2]*mockapi.API{apiA, apiB})
}

func TestNginxMirrorAnswersWithA(t *testing.T) {
	down := fixed(5 * time.Millisecond)
	down.Errors = []mockapi.ErrorRule{{Status: 503, Rate: 1}}
	withNginx(t, strategies.GatewayNginx, fixed(5*time.Millisecond), down, func(url string, built strategies.Built, apis [2]*mockapi.API) {
		const id = "00000000000000ab"
		resp, body := post(t, url, id)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d (%v); want a's 200 — b's 503 goes to the mirror, whose answer nginx discards", resp.StatusCode, body)
		}
		ea, okA := apis[0].Ledger().Lookup(id)
		if !okA || ea.Effects != 1 {
			t.Errorf("a's ledger: %+v, found %v; want the id applied once (Idempotency-Key passed on)", ea, okA)
		}
		// The mirror may still be under way when a's answer arrives.
		if err := built.Drain(t.Context()); err != nil {
			t.Fatalf("drain: %v", err)
		}
		eb, okB := apis[1].Ledger().Lookup(id)
		if !okB || eb.Arrivals != 1 || eb.Effects != 0 {
			t.Errorf("b's ledger: %+v, found %v; want one arrival of the id, not applied (503)", eb, okB)
		}
	})
}

func TestNginxLuaWaitsForBothAndNamesFailedLegs(t *testing.T) {
	down := fixed(5 * time.Millisecond)
	down.Errors = []mockapi.ErrorRule{{Status: 503, Rate: 1}}
	withNginx(t, strategies.GatewayNginxLua, fixed(5*time.Millisecond), down, func(url string, built strategies.Built, apis [2]*mockapi.API) {
		const id = "00000000000000cd"
		resp, body := post(t, url, id)
		if resp.StatusCode != http.StatusBadGateway {
			t.Fatalf("status %d; want 502", resp.StatusCode)
		}
		if got := resp.Header.Get("X-Fanbench-Completed"); got != "false" {
			t.Errorf("X-Fanbench-Completed = %q; want false", got)
		}
		failed, _ := body["failed"].([]any)
		if body["id"] != id || len(failed) != 1 || failed[0] != "b: status 503" {
			t.Errorf("body %v; want the id and failed [\"b: status 503\"] (the own gateway's contract)", body)
		}
		if ea, ok := apis[0].Ledger().Lookup(id); !ok || ea.Effects != 1 {
			t.Errorf("a's ledger: %+v, found %v; want the id applied once", ea, ok)
		}
	})
	withNginx(t, strategies.GatewayNginxLua, fixed(5*time.Millisecond), fixed(5*time.Millisecond), func(url string, built strategies.Built, apis [2]*mockapi.API) {
		resp, body := post(t, url, "00000000000000ce")
		if resp.StatusCode != http.StatusOK || body["status"] != "delivered" || resp.Header.Get("X-Fanbench-Completed") != "true" {
			t.Errorf("both up: status %d, body %v, completed %q; want 200 delivered true", resp.StatusCode, body, resp.Header.Get("X-Fanbench-Completed"))
		}
	})
}

// The configuration nginx is given passes its own check (nginx -t), and
// says what the README promises: keep-alive upstreams, mirror or Lua.
func TestNginxConfigChecks(t *testing.T) {
	for _, lua := range []bool{false, true} {
		needNginx(t, lua)
		bin, modules, err := findNginx(t.Context(), lua)
		if err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		c := nginxConf{Dir: dir, Listen: "127.0.0.1:1", A: "127.0.0.1:2", B: "127.0.0.1:3", Timeout: 2 * time.Second, Keepalive: 64, Lua: lua, ModulesDir: modules}
		var b strings.Builder
		if err := c.write(&b); err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"keepalive 64;", "proxy_http_version 1.1;", "proxy_read_timeout 2000ms;"} {
			if !strings.Contains(b.String(), want) {
				t.Errorf("lua=%v: config lacks %q", lua, want)
			}
		}
		if strings.Contains(b.String(), "mirror /") == lua || strings.Contains(b.String(), "capture_multi") != lua {
			t.Errorf("lua=%v: config has the wrong fan-out:\n%s", lua, b.String())
		}
		path := filepath.Join(dir, "nginx.conf")
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.CommandContext(t.Context(), bin, "-t", "-p", dir, "-c", path, "-e", "stderr").CombinedOutput()
		if err != nil {
			t.Errorf("lua=%v: nginx -t: %v\n%s\n%s", lua, err, out, b.String())
		}
	}
}

func TestBuildRefusesUnknownImplAndWaitNone(t *testing.T) {
	d := strategies.Deps{APIs: [2]string{"http://127.0.0.1:1", "http://127.0.0.1:2"}}
	if _, err := Build(t.Context(), strategies.Spec{Name: strategies.NameGateway, Impl: "envoy"}, d); err == nil || !strings.Contains(err.Error(), "nginx-lua") {
		t.Errorf("impl envoy: err = %v; want one naming the impls", err)
	}
	if _, err := Build(t.Context(), strategies.Spec{Name: strategies.NameGateway, Impl: strategies.GatewayNginx, Wait: WaitNone}, d); err == nil || !strings.Contains(err.Error(), "wait") {
		t.Errorf("nginx with wait none: err = %v; want one about wait", err)
	}
}

// Without nginx's Lua module the error says how to install it.
func TestMissingLuaModuleSaysHowToInstall(t *testing.T) {
	needNginx(t, false)
	fake := t.TempDir()
	script := filepath.Join(fake, "nginx")
	// An nginx whose modules live in an empty directory.
	if err := os.WriteFile(script, []byte("#!/bin/sh\necho 'configure arguments: --modules-path="+fake+"' >&2\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", fake)
	_, _, err := findNginx(t.Context(), true)
	if !errors.Is(err, ErrNotInstalled) || !strings.Contains(err.Error(), "apt-get install libnginx-mod-http-lua") {
		t.Errorf("err = %v; want ErrNotInstalled saying apt-get install libnginx-mod-http-lua", err)
	}
}

// Readiness is nginx's status page answering, not a connection: a
// socket that accepts connections but is not nginx (as fanbench's own
// bound socket does before nginx takes it over) is not ready.
func TestWaitListeningWantsNginxNotAConnection(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close() // accepts (the kernel's backlog) and never answers
	n := &nginxProcess{url: "http://" + ln.Addr().String(), exited: make(chan struct{}), stderr: &lockedBuffer{}}
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	if err := n.waitListening(ctx); err == nil {
		t.Fatal("waitListening: ready; want not ready (nothing answered the status page)")
	}
}
