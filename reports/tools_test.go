package reports_test

import (
	"os"
	"os/exec"
	"testing"
)

// requireTools names the environment variable that, when set (CI sets it
// to 1), turns a missing external tool (chromium, vegeta) from a skip into
// a failure, as it does for the external brokers.
const requireTools = "FANBENCH_REQUIRE_BROKERS"

// needTool returns the path of the first of names found in PATH or among
// extra paths; without one it skips the test, or fails it when
// FANBENCH_REQUIRE_BROKERS is set.
func needTool(t *testing.T, names []string, extra ...string) string {
	t.Helper()
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	for _, p := range extra {
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			return p
		}
	}
	if v := os.Getenv(requireTools); v != "" && v != "0" {
		t.Fatalf("none of %v found and %s=%s requires it", names, requireTools, v)
	}
	t.Skipf("none of %v found; install it, or set %s=1 to fail instead", names, requireTools)
	return ""
}
