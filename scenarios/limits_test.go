package scenarios

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// bounded runs f and fails the test if it takes longer than d or
// allocates more than maxBytes: an attack must be refused cheaply.
func bounded(t *testing.T, d time.Duration, maxBytes uint64, f func()) {
	t.Helper()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	select {
	case <-done:
	case <-time.After(d):
		t.Fatalf("still running after %v", d)
	}
	runtime.ReadMemStats(&after)
	if got := after.TotalAlloc - before.TotalAlloc; got > maxBytes {
		t.Errorf("allocated %d MB; want at most %d MB", got>>20, maxBytes>>20)
	}
}

// Issue 12, item 11: `validate /dev/zero` grew past 1.5 GB and a FIFO
// blocked forever.
func TestReadFileRefusesWhatIsNotAScenarioFile(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo.yaml")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, "big.yaml")
	if err := os.WriteFile(big, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(big, 2<<30); err != nil { // sparse: 2 GiB of zeros
		t.Fatal(err)
	}
	tests := []struct {
		name, path, want string
		is               error
	}{
		{"device", "/dev/zero", "a device", errNotRegular},
		{"fifo without a writer", fifo, "a named pipe", errNotRegular},
		{"directory", dir, "a directory", errNotRegular},
		{"2 GiB file", big, "larger than", errTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := os.Stat(tt.path); err != nil {
				t.Skip(err)
			}
			bounded(t, 5*time.Second, 32<<20, func() {
				for _, open := range []func(string) (*Scenario, error){Open, OpenMocks} {
					_, err := open(tt.path)
					if err == nil || !strings.Contains(err.Error(), tt.want) || !errors.Is(err, tt.is) {
						t.Errorf("open(%s) error = %v; want %q", tt.path, err, tt.want)
					}
				}
			})
		})
	}
}

// Issue 12, item 11: 50,000 "[" in a 100 KB file cost 3.7 GB inside the
// YAML parser before the decoder's depth check ran.
func TestNestingRefusedBeforeParsing(t *testing.T) {
	stairs := func(n int) string {
		var b strings.Builder
		b.WriteString("name: deep\napis:\n")
		for i := range n {
			fmt.Fprintf(&b, "%sk%d:\n", strings.Repeat(" ", i+2), i)
		}
		return b.String()
	}
	tests := []struct {
		name, src string
	}{
		{"flow lists", "name: x\napis: " + strings.Repeat("[", 50_000) + "\n"},
		{"flow mappings", "name: x\napis: " + strings.Repeat("{a: ", 20_000) + "\n"},
		{"block indentation", stairs(500)},
		// 20,000 keys in one block mapping cost the parser 1.6 GB.
		{"wide mapping", "name: x\n" + strings.Repeat("k: 1\n", 20_000)},
		{"list dashes", "name: x\napis:\n" + strings.Repeat("- ", 5_000) + "x\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bounded(t, 5*time.Second, 16<<20, func() {
				_, err := Parse("deep.yaml", []byte(tt.src))
				if err == nil || !strings.Contains(err.Error(), "want a plain scenario file") {
					t.Errorf("Parse error = %v; want the nesting or width limit", err)
				}
			})
		})
	}
}

func TestPrescanPassesRealFiles(t *testing.T) {
	for _, name := range builtinNames() {
		data, err := builtinFS.ReadFile(builtinPath(name))
		if err != nil {
			t.Fatal(err)
		}
		if problem, line := prescan(data); problem != "" {
			t.Errorf("%s:%d: %s", name, line, problem)
		}
	}
	ok := []string{
		"a: 1\nb: 2\n",
		"a: \"" + strings.Repeat("[", 100) + "\" # " + strings.Repeat("[", 100) + "\n",
		"a: [" + strings.Repeat("[", maxDepth-2) + strings.Repeat("]", maxDepth-1) + "\n",
		"steps:\n" + strings.Repeat("  - {rate: 1, for: 1s}\n", maxSiblings),
	}
	for _, src := range ok {
		if problem, line := prescan([]byte(src)); problem != "" {
			t.Errorf("prescan(%.60q) = %s at line %d; want no problem", src, problem, line)
		}
	}
	bad := []string{
		"a: [" + strings.Repeat("[", maxDepth) + "\n",
		"steps:\n" + strings.Repeat("  - {rate: 1, for: 1s}\n", maxSiblings+1),
	}
	for _, src := range bad {
		if problem, _ := prescan([]byte(src)); problem == "" {
			t.Errorf("prescan(%.60q) found no problem", src)
		}
	}
}

// Issue 12, item 11: merge keys cost S·N² when S mappings each merge an
// anchor of N keys.
func TestMergeKeysBounded(t *testing.T) {
	var b strings.Builder
	b.WriteString("name: merge\napis:\n  a: &big\n")
	for i := range maxSiblings - 1 {
		fmt.Fprintf(&b, "    k%d: 1\n", i)
	}
	b.WriteString("  b: {<<: *big}\nload: {rate: 1, duration: 1s}\nphases:\n")
	for range maxSiblings - 1 {
		b.WriteString("  - {<<: [*big, *big]}\n")
	}
	bounded(t, 10*time.Second, 256<<20, func() {
		_, err := Parse("merge.yaml", []byte(b.String()))
		if err == nil || !strings.Contains(err.Error(), "too large") {
			t.Errorf("Parse error = %.300v; want the size limit", err)
		}
	})
}
