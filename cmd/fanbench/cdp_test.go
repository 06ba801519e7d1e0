package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"testing"
	"time"
)

// browser is a headless Chromium driven over the DevTools protocol on a
// pipe (--remote-debugging-pipe: commands on its fd 3, answers on fd 4),
// so a test can read the live DOM of a page that keeps changing — which
// --dump-dom, taken at the load event, cannot.
type browser struct {
	cmd     *exec.Cmd
	in      *os.File
	out     *bufio.Reader
	id      int
	session string
	stderr  bytes.Buffer
}

// chromiumPath returns Chromium's path, or skips the test without it (fails
// when FANBENCH_REQUIRE_BROKERS is set: CI installs it).
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, n := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	if v := os.Getenv("FANBENCH_REQUIRE_BROKERS"); v != "" && v != "0" {
		t.Fatalf("no chromium found and FANBENCH_REQUIRE_BROKERS=%s requires it", v)
	}
	t.Skip("no chromium found; install it (Debian: apt-get install chromium), or set FANBENCH_REQUIRE_BROKERS=1 to fail instead")
	return ""
}

// openBrowser starts headless Chromium on url with a fresh profile and
// attaches to its page. It is stopped when the test ends.
func openBrowser(t *testing.T, url string) *browser {
	t.Helper()
	bin := chromiumPath(t)
	toChrome, fromUs, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	fromChrome, toUs, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	b := &browser{in: fromUs, out: bufio.NewReader(fromChrome)}
	b.cmd = exec.Command(bin, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir="+t.TempDir(), "--remote-debugging-pipe", url)
	b.cmd.ExtraFiles = []*os.File{toChrome, toUs} // fd 3, fd 4
	b.cmd.Stderr = &b.stderr
	b.cmd.WaitDelay = 5 * time.Second
	if err := b.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	toChrome.Close()
	toUs.Close()
	t.Cleanup(func() {
		b.in.Close()
		_ = b.cmd.Process.Kill()
		_ = b.cmd.Wait()
		fromChrome.Close()
	})
	var targets struct {
		TargetInfos []struct{ TargetID, Type, URL string } `json:"targetInfos"`
	}
	deadline := time.Now().Add(30 * time.Second)
	var page string
	for page == "" {
		if err := b.call("Target.getTargets", nil, &targets); err != nil {
			t.Fatalf("Target.getTargets: %v\nchromium stderr:\n%s", err, b.stderr.String())
		}
		for _, ti := range targets.TargetInfos {
			if ti.Type == "page" {
				page = ti.TargetID
			}
		}
		if page == "" && time.Now().After(deadline) {
			t.Fatalf("chromium opened no page in 30s: %+v", targets)
		}
	}
	var attached struct {
		SessionID string `json:"sessionId"`
	}
	if err := b.call("Target.attachToTarget", map[string]any{"targetId": page, "flatten": true}, &attached); err != nil {
		t.Fatalf("attach: %v", err)
	}
	b.session = attached.SessionID
	return b
}

// call sends one command and decodes its result into out, skipping the
// events the browser sends in between.
func (b *browser) call(method string, params any, out any) error {
	b.id++
	msg := map[string]any{"id": b.id, "method": method}
	if params != nil {
		msg["params"] = params
	}
	if b.session != "" {
		msg["sessionId"] = b.session
	}
	data, err := json.Marshal(msg)
	if err != nil {
		return err
	}
	if _, err := b.in.Write(append(data, 0)); err != nil {
		return fmt.Errorf("write to chromium: %w", err)
	}
	for {
		line, err := b.out.ReadBytes(0)
		if err != nil {
			return fmt.Errorf("read from chromium: %w", err)
		}
		var reply struct {
			ID     int             `json:"id"`
			Result json.RawMessage `json:"result"`
			Error  *struct {
				Message string `json:"message"`
			} `json:"error"`
		}
		if err := json.Unmarshal(line[:len(line)-1], &reply); err != nil {
			return fmt.Errorf("chromium sent %q: %w", line, err)
		}
		if reply.ID != b.id {
			continue // an event, or an answer to an earlier call
		}
		if reply.Error != nil {
			return fmt.Errorf("%s: %s", method, reply.Error.Message)
		}
		if out == nil {
			return nil
		}
		return json.Unmarshal(reply.Result, out)
	}
}

// eval evaluates a JavaScript expression in the page and decodes its
// (JSON-serialisable) value into out.
func (b *browser) eval(expr string, out any) error {
	var r struct {
		Result struct {
			Value json.RawMessage `json:"value"`
		} `json:"result"`
		ExceptionDetails *struct {
			Text string `json:"text"`
		} `json:"exceptionDetails"`
	}
	if err := b.call("Runtime.evaluate", map[string]any{"expression": expr, "returnByValue": true}, &r); err != nil {
		return err
	}
	if r.ExceptionDetails != nil {
		return fmt.Errorf("%s: %s", expr, r.ExceptionDetails.Text)
	}
	return json.Unmarshal(r.Result.Value, out)
}

// waitFor polls expr (a JavaScript boolean) every 100 ms until it is true
// or ctx ends; while the page is still loading, expr may throw.
func (b *browser) waitFor(ctx context.Context, expr string) error {
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	guarded := "(() => { try { return Boolean(" + expr + "); } catch (e) { return false; } })()"
	for {
		var ok bool
		if err := b.eval(guarded, &ok); err != nil {
			return err
		}
		if ok {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for %s: %w", expr, ctx.Err())
		case <-tick.C:
		}
	}
}
