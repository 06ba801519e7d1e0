package reports_test

import (
	"bytes"
	"flag"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/fanbench/fanbench/reports"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file; got:\n%s\nwant:\n%s\n(run go test ./reports -update if the change is intended)", name, got, want)
	}
}

func TestRenderGolden(t *testing.T) {
	for _, c := range []struct{ format, file string }{
		{"text", "report.txt"},
		{"md", "report.md"},
		{"csv", "summary.csv"},
		{"json", "results.json"},
	} {
		t.Run(c.format, func(t *testing.T) {
			var buf bytes.Buffer
			if err := reports.Render(&buf, fixture(t), c.format); err != nil {
				t.Fatalf("Render(%q): %v", c.format, err)
			}
			golden(t, c.file, buf.Bytes())
		})
	}
}

func TestRenderIsDeterministic(t *testing.T) {
	for _, f := range reports.Formats() {
		var a, b bytes.Buffer
		if err := reports.Render(&a, fixture(t), f); err != nil {
			t.Fatal(err)
		}
		if err := reports.Render(&b, fixture(t), f); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a.Bytes(), b.Bytes()) {
			t.Errorf("Render(%q) gave two different outputs for the same results", f)
		}
	}
}

func TestRenderUnknownFormat(t *testing.T) {
	err := reports.Render(&bytes.Buffer{}, fixture(t), "pdf")
	if err == nil {
		t.Fatal(`Render("pdf") gave no error`)
	}
	if got := err.Error(); !bytes.Contains([]byte(got), []byte("text, md, json, html, csv")) {
		t.Errorf("error %q does not list the valid formats", got)
	}
}

// TestJSONRoundTrip checks the golden results.json reads back into the
// same results: the renderers and the reader agree on the contract.
func TestJSONRoundTrip(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "results.json")
	want := fixture(t)
	if err := reports.WriteFileAtomic(path, func(w io.Writer) error { return reports.WriteJSON(w, want) }); err != nil {
		t.Fatal(err)
	}
	got, err := reports.ReadJSON(path)
	if err != nil {
		t.Fatal(err)
	}
	var a, b bytes.Buffer
	if err := reports.WriteJSON(&a, want); err != nil {
		t.Fatal(err)
	}
	if err := reports.WriteJSON(&b, got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Errorf("results.json does not survive a write and read:\n%s\nvs\n%s", a.Bytes(), b.Bytes())
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o644 {
		t.Errorf("results.json mode = %v (%v); want -rw-r--r--", fi.Mode(), err)
	}
}
