package main

import (
	"os"
	"strings"
	"testing"
)

// TestMain lets the test binary act as the fanbench command when
// FANBENCH_TEST_MAIN=1, so end-to-end tests can start it as a separate
// process (for --exec) without building it first.
func TestMain(m *testing.M) {
	if os.Getenv("FANBENCH_TEST_MAIN") == "1" {
		main() // exits
	}
	code := m.Run()
	removeBuilt()
	os.Exit(code)
}

// Usage errors cobra finds (unknown commands, flags, arguments) exit 2 and
// point at help, without run recognising cobra's messages by their text.
func TestUsageErrors(t *testing.T) {
	tests := []struct {
		args []string
		want []string
	}{
		{[]string{"rnu"}, []string{`unknown command "rnu"`, "did you mean run?", "fanbench --help"}},
		{[]string{"run", "flaky"}, []string{`got "flaky"`, "did you mean --scenario flaky?"}},
		{[]string{"mock", "flaky"}, []string{"did you mean --config flaky?"}},
		{[]string{"report"}, []string{"accepts 1 arg", "'fanbench report --help'"}},
		{[]string{"version", "x"}, []string{`unknown command "x"`, "'fanbench version --help'"}},
		{[]string{"run", "--rat", "5"}, []string{"unknown flag: --rat", "'fanbench run --help'"}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, _, stderr := fanbench(t, t.Context(), tt.args...)
			if code != exitUsage {
				t.Errorf("exit %d; want %d\nstderr: %s", code, exitUsage, stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr %q; want it to mention %q", stderr, w)
				}
			}
		})
	}
	if code, stdout, _ := fanbench(t, t.Context()); code != exitOK || !strings.Contains(stdout, "Available Commands") {
		t.Errorf("no arguments: exit %d, stdout %q; want 0 and the help", code, stdout)
	}
}
