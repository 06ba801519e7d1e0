package scenarios

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/bad/*.golden from the current messages")

// TestBadFiles parses every file in testdata/bad and compares the
// messages with its .golden file. Run `go test ./scenarios -update` after
// a deliberate change of wording, and read the diff.
func TestBadFiles(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "bad", "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 12 {
		t.Fatalf("found %d bad files; want at least 12", len(files))
	}
	for _, file := range files {
		name := filepath.Base(file)
		t.Run(strings.TrimSuffix(name, ".yaml"), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			s, err := Parse(name, data)
			if err == nil {
				t.Fatalf("Parse(%s) = %+v, nil; want an error", name, s)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Parse(%s) error %T has no *Error", name, err)
			}
			got := err.Error() + "\n"
			for _, line := range strings.Split(strings.TrimSpace(got), "\n") {
				if !strings.HasPrefix(line, name+":") {
					t.Errorf("line %q does not start with %s:", line, name)
				}
			}
			golden := strings.TrimSuffix(file, ".yaml") + ".golden"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./scenarios -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("Parse(%s) errors:\n%s\nwant:\n%s\ninput:\n%s", name, got, want, data)
			}
		})
	}
}

// TestErrorsAreLocated checks that every problem names a line and column,
// so a reader can always find it.
func TestErrorsAreLocated(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "bad", "*.yaml"))
	for _, file := range files {
		data, _ := os.ReadFile(file)
		_, err := Parse(file, data)
		var es Errors
		if !errors.As(err, &es) {
			t.Errorf("%s: error %T is not Errors", file, err)
			continue
		}
		for _, e := range es {
			if e.Line < 1 || e.Column < 1 {
				t.Errorf("%s: %q has no position", file, e)
			}
		}
	}
}
