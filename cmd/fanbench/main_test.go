package main

import (
	"os"
	"testing"
)

// TestMain lets the test binary act as the fanbench command when
// FANBENCH_TEST_MAIN=1, so end-to-end tests can start it as a separate
// process (for --exec) without building it first.
func TestMain(m *testing.M) {
	if os.Getenv("FANBENCH_TEST_MAIN") == "1" {
		main() // exits
	}
	os.Exit(m.Run())
}
