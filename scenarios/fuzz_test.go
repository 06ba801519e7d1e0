package scenarios

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse feeds Parse arbitrary bytes, seeded with the built-in
// scenarios and the malformed files. Parse must never panic, and must
// return either a scenario or an error with at least one problem.
func FuzzParse(f *testing.F) {
	for _, in := range Builtins() {
		src, err := BuiltinSource(in.Name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(src)
	}
	bad, err := filepath.Glob(filepath.Join("testdata", "bad", "*.yaml"))
	if err != nil {
		f.Fatal(err)
	}
	for _, file := range bad {
		src, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(src)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse("fuzz.yaml", data)
		switch {
		case err == nil && s == nil:
			t.Fatal("Parse returned neither a scenario nor an error")
		case err != nil && s != nil:
			t.Fatal("Parse returned both a scenario and an error")
		case err != nil:
			if es, ok := err.(Errors); !ok || len(es) == 0 {
				t.Fatalf("Parse error %T %q is not a non-empty Errors", err, err)
			}
			return
		}
		// A scenario that parses is complete.
		for i, sp := range s.Strategies {
			if sp.Policy == nil {
				t.Fatalf("strategies[%d].policy is nil", i)
			}
		}
		if len(s.SLOs) != len(s.SLO) {
			t.Fatalf("%d SLOs parsed of %d", len(s.SLOs), len(s.SLO))
		}
		for i, ph := range s.Phases {
			if ph.Set == nil && !ph.Reset {
				t.Fatalf("phases[%d] neither sets nor resets", i)
			}
		}
	})
}
