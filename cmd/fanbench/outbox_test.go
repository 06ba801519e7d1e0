package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// An outbox whose PostgreSQL server cannot be reached is bad input: exit 2,
// naming the url, and no results.
func TestRunPostgresUnreachable(t *testing.T) {
	const url = "postgres://127.0.0.1:1/test"
	sc := writeFile(t, "pg.yaml", `name: pg
apis: {a: {}, b: {}}
load: {rate: 10, duration: 1s, warmup: 0s}
strategies:
  - {name: outbox, outbox: {store: postgres, url: "`+url+`"}}
`)
	out := filepath.Join(t.TempDir(), "out")
	code, _, stderr := fanbench(t, t.Context(), "run", "--scenario", sc, "--out", out)
	if code != exitUsage {
		t.Errorf("exit %d; want %d\n%s", code, exitUsage, stderr)
	}
	for _, w := range []string{"outbox.url", url} {
		if !strings.Contains(stderr, w) {
			t.Errorf("stderr lacks %q:\n%s", w, stderr)
		}
	}
	if _, err := os.Stat(filepath.Join(out, "results.json")); err == nil {
		t.Error("results.json was written for an unreachable database")
	}
}
