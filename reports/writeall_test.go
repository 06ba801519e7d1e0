package reports_test

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fanbench/fanbench/reports"
)

var keep = flag.String("keep", "", "also write the WriteAll output of the fixture into this directory, to look at it")

// writeAll runs WriteAll on the fixture in a fresh directory (or -keep's).
func writeAll(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if *keep != "" {
		dir = *keep
	}
	if err := reports.WriteAll(dir, fixture(t)); err != nil {
		t.Fatalf("WriteAll: %v", err)
	}
	return dir
}

func TestWriteAllFiles(t *testing.T) {
	dir := writeAll(t)
	plots := []string{"latency-spectrum", "latency-over-time", "throughput", "outcomes", "user-vs-delivery"}
	for _, name := range plots {
		t.Run(name, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join(dir, name+".png"))
			if err != nil {
				t.Fatal(err)
			}
			img, err := png.Decode(bytes.NewReader(b))
			if err != nil {
				t.Fatalf("%s.png does not decode: %v", name, err)
			}
			if r := img.Bounds(); r.Dx() < 900 || r.Dy() < 400 {
				t.Errorf("%s.png is %dx%d; want at least 900x400", name, r.Dx(), r.Dy())
			}
			svg, err := os.ReadFile(filepath.Join(dir, name+".svg"))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Contains(svg, []byte("<svg")) || !bytes.Contains(svg, []byte("</svg>")) || len(svg) < 2000 {
				t.Errorf("%s.svg is not a drawn SVG document (%d bytes)", name, len(svg))
			}
		})
	}
	for _, name := range []string{"summary.csv", "report.md", "report.html"} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil || fi.Size() == 0 {
			t.Errorf("%s: %v, size %d; want a non-empty file", name, err, fi.Size())
		}
	}
	// No temporary file of the atomic writes is left behind.
	left, _ := filepath.Glob(filepath.Join(dir, ".*"))
	if len(left) > 0 {
		t.Errorf("temporary files left in the run directory: %v", left)
	}
}

func TestWriteAllHgrm(t *testing.T) {
	dir := writeAll(t)
	for _, s := range fixture(t).Strategies {
		f, err := os.Open(filepath.Join(dir, s.Name+".hgrm"))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		var lines []string
		for sc.Scan() {
			lines = append(lines, sc.Text())
		}
		if len(lines) < 20 || !strings.HasPrefix(strings.TrimSpace(lines[0]), "Value") {
			t.Fatalf("%s.hgrm does not start with the percentile distribution header: %q", s.Name, lines[:min(3, len(lines))])
		}
		// The footer carries the total count, which must be the run's.
		var total bool
		for _, l := range lines {
			if strings.Contains(l, "Total count") && strings.Contains(l, " 6000]") {
				total = true
			}
		}
		if !total {
			t.Errorf("%s.hgrm footer does not say Total count 6000:\n%s", s.Name, strings.Join(lines[len(lines)-3:], "\n"))
		}
	}
}

func TestWriteAllLeavesOutUserVsDeliveryWithoutAsyncStrategy(t *testing.T) {
	r := fixture(t)
	r.Strategies = r.Strategies[:2] // sequential and errgroup deliver as they answer
	dir := t.TempDir()
	if err := reports.WriteAll(dir, r); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "user-vs-delivery.png")); !os.IsNotExist(err) {
		t.Errorf("user-vs-delivery.png written for a run without an async strategy (stat: %v)", err)
	}
	md, err := os.ReadFile(filepath.Join(dir, "report.md"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(md, []byte("user-vs-delivery")) {
		t.Error("report.md links a user-vs-delivery plot that was not drawn")
	}
}

// TestWriteAllOldResults renders results without histograms or per-second
// deliveries (as written before the engine recorded them): the plots fall
// back to the stored percentiles and leave the delivered line out.
func TestWriteAllOldResults(t *testing.T) {
	r := fixture(t)
	for i := range r.Strategies {
		r.Strategies[i].Histograms = reports.Histograms{}
		for j := range r.Strategies[i].Series {
			r.Strategies[i].Series[j].Delivered = 0
		}
	}
	dir := t.TempDir()
	if err := reports.WriteAll(dir, r); err != nil {
		t.Fatalf("WriteAll: %v", err)
	}
	// Without histograms there is nothing to write as .hgrm, but every plot
	// is still drawn, from the stored percentiles.
	for _, s := range r.Strategies {
		if _, err := os.Stat(filepath.Join(dir, s.Name+".hgrm")); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s.hgrm written without a histogram (stat: %v)", s.Name, err)
		}
	}
	for _, name := range []string{"latency-spectrum", "latency-over-time", "throughput", "outcomes"} {
		for _, ext := range []string{".png", ".svg"} {
			if fi, err := os.Stat(filepath.Join(dir, name+ext)); err != nil || fi.Size() == 0 {
				t.Errorf("%s%s: %v; want a drawn plot", name, ext, err)
			}
		}
	}
	md, err := os.ReadFile(filepath.Join(dir, "report.md"))
	if err != nil {
		t.Fatal(err)
	}
	// The tables read the stored percentiles, histogram or not.
	if want := fmt.Sprintf("%.1f", r.Strategies[0].LatencyMs.Corrected.P99); !bytes.Contains(md, []byte(want)) {
		t.Errorf("report.md lacks sequential's stored p99 %s", want)
	}
}

func TestWriteAllEmptyRun(t *testing.T) {
	r := &reports.Results{Schema: reports.Schema, Scenario: "empty", Partial: true}
	dir := t.TempDir()
	if err := reports.WriteAll(dir, r); err != nil {
		t.Fatalf("WriteAll of a run with no strategies: %v", err)
	}
	csvData, err := os.ReadFile(filepath.Join(dir, "summary.csv"))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(bytes.NewReader(csvData)).ReadAll()
	if err != nil || len(rows) != 1 || rows[0][0] != "scenario" {
		t.Errorf("summary.csv of an empty run: %d rows (%v); want the header alone", len(rows), err)
	}
	md, err := os.ReadFile(filepath.Join(dir, "report.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"scenario `empty`", "**Partial run**", "The scenario sets no SLO."} {
		if !bytes.Contains(md, []byte(want)) {
			t.Errorf("report.md of an empty partial run lacks %q", want)
		}
	}
	html, err := os.ReadFile(filepath.Join(dir, "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(html, []byte("empty")) || bytes.Contains(html, []byte("<svg")) {
		t.Errorf("report.html of an empty run: want the scenario named and no plot drawn")
	}
}

// TestHTMLStructure checks the page without a browser: self-contained (no
// external resource: scripts and styles inline), with the tables, one
// inline SVG per plot and the interactive charts' data.
func TestHTMLStructure(t *testing.T) {
	var buf bytes.Buffer
	if err := reports.Render(&buf, fixture(t), "html"); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	for _, want := range []string{`<table id="comparison"`, `<table id="outcomes"`, `<table id="slo"`, `id="fig-latency-spectrum"`, "errgroup", "seed</dt><dd>42"} {
		if !strings.Contains(page, want) {
			t.Errorf("report.html lacks %q", want)
		}
	}
	if n := strings.Count(page, "<svg"); n != 5 {
		t.Errorf("report.html has %d inline SVGs; want 5", n)
	}
	for _, want := range []string{`<script type="application/json" id="fanbench-series">[{"name":"sequential"`, "fanbenchCharts.render", "uPlot"} {
		if !strings.Contains(page, want) {
			t.Errorf("report.html lacks the interactive charts' %q", want)
		}
	}
	for _, bad := range []string{"<script src", "<link", "src=\"http", "href=\"http", "url(http", "@import", "<?xml"} {
		if strings.Contains(page, bad) {
			t.Errorf("report.html contains %q; it must be self-contained", bad)
		}
	}
}
