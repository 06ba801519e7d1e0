package main

import (
	"strings"
	"testing"
	"time"

	"github.com/fanbench/fanbench/bench"
)

func TestProgressLine(t *testing.T) {
	var b strings.Builder
	p := &progressLine{w: &b}
	p.show(bench.Progress{Strategy: "errgroup", Elapsed: 6 * time.Second, Total: 12 * time.Second, WarmupOf: 2 * time.Second,
		Rate: 199.6, P99Ms: 201.34, Errors: 3, Phase: "b set at 4s"})
	got := b.String()
	want := "\rerrgroup  measuring 4s/10s  200/s  p99 201.3ms  errors 3  phase: b set at 4s"
	if got != want {
		t.Errorf("line = %q; want %q", got, want)
	}
	// A shorter line overwrites the longer one completely; clear erases it.
	b.Reset()
	p.show(bench.Progress{Strategy: "queue", Warmup: true, Elapsed: time.Second, Total: 12 * time.Second, WarmupOf: 2 * time.Second})
	if !strings.HasPrefix(b.String(), "\rqueue  warm-up 1s/2s") || len(b.String()) != len(want) {
		t.Errorf("shorter line %q (len %d); want it padded to %d", b.String(), len(b.String()), len(want))
	}
	b.Reset()
	p.clear()
	if got := b.String(); strings.TrimSpace(strings.ReplaceAll(got, "\r", "")) != "" || !strings.HasSuffix(got, "\r") {
		t.Errorf("clear wrote %q; want blanks ending at the line start", got)
	}
}
