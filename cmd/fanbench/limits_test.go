package main

import (
	"context"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Issue 12, item 11: `validate /dev/zero` and `mock --config /dev/zero`
// grew past 1.5 GB, and a FIFO blocked forever. Both are refused at once.
func TestNotAScenarioFile(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "fifo.yaml")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"validate a device", []string{"validate", "/dev/zero"}, "a device"},
		{"validate a fifo", []string{"validate", fifo}, "a named pipe"},
		{"mock a device", []string{"mock", "--config", "/dev/zero", "--listen", "127.0.0.1:0"}, "a device"},
		{"mock a fifo", []string{"mock", "--config", fifo, "--listen", "127.0.0.1:0"}, "a named pipe"},
		{"run a fifo", []string{"run", "--scenario", fifo}, "a named pipe"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			code, _, stderr := fanbench(t, ctx, tt.args...)
			if ctx.Err() != nil {
				t.Fatalf("still running after 10s: %s", stderr)
			}
			if code != exitUsage || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", code, stderr, exitUsage, tt.want)
			}
		})
	}
}
