package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
	"testing"
)

// TestMain lets the test binary act as the fanbench command when
// FANBENCH_TEST_MAIN=1, so end-to-end tests can start it as a separate
// process (for --exec) without building it first.
func TestMain(m *testing.M) {
	if os.Getenv("FANBENCH_TEST_MAIN") == "1" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
		stop()
		os.Exit(exitCode(err, os.Stderr))
	}
	os.Exit(m.Run())
}
