package reports_test

import (
	"os"
	"os/exec"
	"testing"
)

// requireTools names the environment variable that turns a missing
// external tool (chromium, vegeta) from a skip into a failure. Every
// FANBENCH_REQUIRE_* variable has the same rule: set to anything but "" or
// "0" means required (CI sets them to 1).
const requireTools = "FANBENCH_REQUIRE_TOOLS"

// needTool returns the path of the first of names found in PATH or among
// extra paths; without one it skips the test, or fails it when
// FANBENCH_REQUIRE_TOOLS requires it.
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
