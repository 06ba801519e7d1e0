package reports_test

import (
	"bytes"
	"context"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// chromiumFlags start a headless Chromium that touches nothing outside
// its fresh profile: no GPU, no network of its own, no updates, no sync.
func chromiumFlags(profile string) []string {
	return []string{
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
		"--disable-component-update", "--disable-sync", "--no-first-run",
		"--user-data-dir=" + profile,
	}
}

// TestHTMLInChromium opens report.html, as WriteAll wrote it, in headless
// Chromium and reads back the DOM the browser built: the tables and the
// inline SVG plots must be there after a real parse.
func TestHTMLInChromium(t *testing.T) {
	chromium := needTool(t, []string{"chromium", "chromium-browser", "google-chrome"})
	dir := writeAll(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	args := append(chromiumFlags(t.TempDir()), "--dump-dom", "file://"+filepath.Join(dir, "report.html"))
	cmd := exec.CommandContext(ctx, chromium, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	// Chromium forks helpers that may hold the pipes after the main
	// process is killed on timeout; stop waiting for them.
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s --dump-dom: %v (context: %v)\nstderr:\n%s", chromium, err, ctx.Err(), tail(stderr.String(), 2000))
	}
	dom := stdout.String()
	if !strings.Contains(dom, "</html>") {
		t.Fatalf("the dumped DOM is not a page (%d bytes):\n%s", len(dom), tail(dom, 500))
	}

	table := regexp.MustCompile(`(?s)<table id="comparison"[^>]*>.*?</table>`).FindString(dom)
	if table == "" {
		t.Fatalf("no comparison table in the DOM Chromium built")
	}
	if rows := strings.Count(table, "<tr>"); rows != 4 {
		t.Errorf("comparison table has %d rows; want a header and 3 strategies", rows)
	}
	for _, s := range []string{"sequential", "errgroup", "queue"} {
		if !strings.Contains(table, "<td>"+s+"</td>") {
			t.Errorf("comparison table has no row for %s", s)
		}
	}
	for _, id := range []string{"outcomes", "slo"} {
		if !strings.Contains(dom, `<table id="`+id+`"`) {
			t.Errorf("no %s table in the DOM", id)
		}
	}
	figs := regexp.MustCompile(`(?s)<figure id="fig-([a-z-]+)">\s*<div class="plot"><svg[^>]*>.*?</svg>`).FindAllStringSubmatch(dom, -1)
	var names []string
	for _, f := range figs {
		names = append(names, f[1])
	}
	want := []string{"latency-spectrum", "latency-over-time", "throughput", "outcomes", "user-vs-delivery"}
	if strings.Join(names, ",") != strings.Join(want, ",") {
		t.Errorf("figures with an inline <svg> in the DOM: %v; want %v", names, want)
	}
	// The interactive charts ran: two uPlot charts per strategy, each with
	// its canvas.
	if n := strings.Count(dom, `class="uplot`); n != 6 {
		t.Errorf("%d uPlot charts in the DOM; want 6 (latency and throughput for 3 strategies)", n)
	}
	// A drawn chart has paths and text; an empty <svg> would pass the above.
	for _, f := range figs {
		if strings.Count(f[0], "<path") < 10 || !strings.Contains(f[0], "<text") {
			t.Errorf("figure %s: its SVG has %d paths and no text; want a drawn chart", f[1], strings.Count(f[0], "<path"))
		}
	}
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}
