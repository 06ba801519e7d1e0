package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// waitDialable waits until addr accepts connections, or the run ended.
func waitDialable(t *testing.T, ctx context.Context, addr string, ended <-chan struct{}) {
	t.Helper()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return
		}
		select {
		case <-ended:
			t.Fatalf("the run ended before its dashboard listened on %s", addr)
		case <-ctx.Done():
			t.Fatalf("no dashboard on %s: %v", addr, ctx.Err())
		case <-tick.C:
		}
	}
}

// liveRun runs fanbench run with a dashboard on a free port in the
// background, lingering until the test says so, and opens it in Chromium.
type liveRun struct {
	addr   string
	out    string
	b      *browser
	stop   context.CancelFunc
	ended  chan struct{}
	code   int
	stderr string
}

func startLiveRun(t *testing.T, scenario string) *liveRun {
	t.Helper()
	chromiumPath(t) // skip before starting anything
	lr := &liveRun{addr: freeAddr(t), out: filepath.Join(t.TempDir(), "out"), ended: make(chan struct{})}
	sc := writeFile(t, "live.yaml", scenario)
	ctx, cancel := context.WithCancel(t.Context())
	lr.stop = cancel
	go func() {
		defer close(lr.ended)
		lr.code, _, lr.stderr = fanbench(t, ctx, "run", "--scenario", sc, "--out", lr.out, "--quiet",
			"--dashboard="+lr.addr, "--dashboard-linger", "2m")
	}()
	t.Cleanup(func() { cancel(); <-lr.ended })
	wctx, wcancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer wcancel()
	waitDialable(t, wctx, lr.addr, lr.ended)
	lr.b = openBrowser(t, "http://"+lr.addr+"/")
	return lr
}

// finish ends the linger and returns the run's exit code.
func (lr *liveRun) finish() int {
	lr.stop()
	<-lr.ended
	return lr.code
}

const liveScenario = `name: live
seed: 5
apis:
  a: {latency: {dist: fixed, value: 5ms}}
  b: {latency: {dist: fixed, value: 10ms}}
load: {rate: 50, duration: 4s, warmup: 500ms}
strategies: [sequential, errgroup]
policy: {retries: 0}
phases:
  - {at: 1s, api: b, set: {errors: [{status: 503, rate: 0.5}]}}
  - {at: 2500ms, api: b, reset: true}
`

// The acceptance test: a short run with --dashboard, loaded in
// headless Chromium, which receives at least three updates and the final
// tables; the DOM names the strategies, holds their latency series and
// shades the fault phase.
func TestRunDashboardInChromium(t *testing.T) {
	lr := startLiveRun(t, liveScenario)
	ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
	defer cancel()
	if err := lr.b.waitFor(ctx, `Number(document.body.dataset.updates) >= 3 && document.body.dataset.final === "1"`); err != nil {
		var updates string
		_ = lr.b.eval(`document.body.dataset.updates`, &updates)
		t.Fatalf("%v (updates so far: %s)", err, updates)
	}
	var got struct {
		Names   []string `json:"names"`
		Points  []int    `json:"points"`
		Latency []int    `json:"latency"`
		Bands   []string `json:"bands"`
		Tables  string   `json:"tables"`
		Link    string   `json:"link"`
		Status  string   `json:"status"`
	}
	err := lr.b.eval(`({
		names: [...document.querySelectorAll("section.strategy")].map(s => s.dataset.name),
		points: [...document.querySelectorAll("section.strategy .charts")].map(c => Number(c.dataset.points)),
		latency: [...document.querySelectorAll("section.strategy .charts")].map(c => Number(c.dataset.latencyPoints)),
		bands: [...document.querySelectorAll("section.strategy .phase-band")].map(b => b.dataset.api + ":" + b.style.width),
		tables: document.getElementById("tables").textContent,
		link: document.getElementById("report-link").href,
		status: document.getElementById("status").textContent
	})`, &got)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("dashboard DOM: %+v", got)
	if !slices.Equal(got.Names, []string{"sequential", "errgroup"}) {
		t.Errorf("strategy sections %v; want sequential, errgroup", got.Names)
	}
	for i, n := range got.Latency {
		if n < 2 || got.Points[i] < 4 {
			t.Errorf("%s: %d seconds with a latency of %d; want a latency series of a few seconds", got.Names[i], n, got.Points[i])
		}
	}
	// One band per chart (latency and throughput) per strategy, on API b,
	// with a width on screen.
	if len(got.Bands) != 4 {
		t.Errorf("phase bands %v; want 4 (2 charts × 2 strategies)", got.Bands)
	}
	for _, b := range got.Bands {
		if !strings.HasPrefix(b, "b:") || b == "b:0px" {
			t.Errorf("phase band %q; want one on API b with a width", b)
		}
	}
	for _, want := range []string{"sequential", "errgroup", "p50"} {
		if !strings.Contains(got.Tables, want) {
			t.Errorf("final tables lack %q:\n%s", want, got.Tables)
		}
	}
	if got.Status != "finished" {
		t.Errorf("status %q; want finished", got.Status)
	}
	resp, err := http.Get(got.Link)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(page), "fanbench-series") {
		t.Errorf("GET %s: %d, %d bytes; want report.html with its interactive charts", got.Link, resp.StatusCode, len(page))
	}
	if code := lr.finish(); code != exitOK && code != exitSLO+1 {
		t.Errorf("exit %d; want 0 (or 4 when this busy machine saturated the harness)\n%s", code, lr.stderr)
	}
}

// A run whose driver cannot keep its schedule (two sends in flight at most
// against 100 ms answers, 100/s asked) turns the banner red.
func TestRunDashboardSaturatedBannerIsRed(t *testing.T) {
	lr := startLiveRun(t, `name: saturated
apis:
  a: {latency: {dist: fixed, value: 100ms}}
  b: {latency: {dist: fixed, value: 100ms}}
load: {rate: 100, duration: 2s, warmup: 0s, max_in_flight: 2}
strategies: [errgroup]
`)
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	if err := lr.b.waitFor(ctx, `document.getElementById("banner").dataset.state === "saturated"`); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Class, Color, Text string
	}
	if err := lr.b.eval(`(() => { const b = document.getElementById("banner"); return {Class: b.className, Color: getComputedStyle(b).backgroundColor, Text: b.textContent}; })()`, &got); err != nil {
		t.Fatal(err)
	}
	if got.Class != "bad" || got.Color != "rgb(209, 36, 47)" || !strings.Contains(got.Text, "saturated") {
		t.Errorf("banner %+v; want class bad, red (rgb(209, 36, 47)), saying saturated", got)
	}
	lr.finish()
}

// A dashboard other machines could reach needs --allow-remote, on run and
// on sweep alike: exit 2 before any load, naming the flag.
func TestDashboardRefusesNonLoopback(t *testing.T) {
	sc := writeFile(t, "tiny.yaml", tinyScenario)
	for _, cmd := range []string{"run", "sweep"} {
		code, _, stderr := fanbench(t, t.Context(), cmd, "--scenario", sc, "--out", filepath.Join(t.TempDir(), "out"), "--quiet", "--dashboard=0.0.0.0:0")
		if code != exitUsage || !strings.Contains(stderr, "--dashboard") || !strings.Contains(stderr, "not loopback") {
			t.Errorf("%s --dashboard=0.0.0.0:0: exit %d, stderr %q; want exit 2 naming --dashboard and loopback", cmd, code, stderr)
		}
	}
	code, _, stderr := fanbench(t, t.Context(), "run", "--scenario", sc, "--quiet", "--dashboard-linger", "1s")
	if code != exitUsage || !strings.Contains(stderr, "--dashboard-linger needs --dashboard") {
		t.Errorf("--dashboard-linger alone: exit %d, stderr %q; want exit 2", code, stderr)
	}
}
