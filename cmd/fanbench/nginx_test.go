package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A gateway impl whose software is missing is bad input: exit 2 with how
// to install it. Here nginx exists but its Lua module does not (a fake
// nginx first in PATH reports an empty modules directory).
func TestRunNginxLuaMissingExits2(t *testing.T) {
	fake := t.TempDir()
	script := "#!/bin/sh\necho 'configure arguments: --modules-path=" + fake + "' >&2\n"
	if err := os.WriteFile(filepath.Join(fake, "nginx"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", fake)
	sc := writeFile(t, "lua.yaml", strings.Replace(tinyScenario, "strategies: [sequential, errgroup]",
		"strategies: [{name: gateway, impl: nginx-lua}]", 1))
	code, _, stderr := fanbench(t, t.Context(), "run", "--scenario", sc, "--out", filepath.Join(t.TempDir(), "out"), "--quiet")
	if code != exitUsage || !strings.Contains(stderr, "apt-get install libnginx-mod-http-lua") {
		t.Errorf("exit %d, stderr:\n%s\nwant exit 2 saying apt-get install libnginx-mod-http-lua", code, stderr)
	}
}
