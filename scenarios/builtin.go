package scenarios

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/fanbench/fanbench/field"
)

// builtinFS holds the built-in scenarios, one YAML file each.
//
//go:embed builtin/*.yaml
var builtinFS embed.FS

// Info names and describes a built-in scenario.
type Info struct {
	Name        string
	Description string
}

// builtinNames lists the built-in scenarios, sorted.
func builtinNames() []string {
	var names []string
	entries, _ := fs.ReadDir(builtinFS, "builtin") // embedded: cannot fail
	for _, e := range entries {
		if name, ok := strings.CutSuffix(e.Name(), ".yaml"); ok {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names
}

// Builtins lists the built-in scenarios, sorted by name, each with the
// description its file gives.
func Builtins() []Info {
	names := builtinNames()
	out := make([]Info, 0, len(names))
	for _, name := range names {
		info := Info{Name: name}
		if s, err := loadBuiltin(name); err == nil {
			info.Description = s.Description
		} else {
			info.Description = fmt.Sprintf("(does not parse: %v)", err)
		}
		out = append(out, info)
	}
	return out
}

// BuiltinSource returns the YAML of the built-in scenario name, for
// showing it or copying it as the start of a new scenario.
func BuiltinSource(name string) ([]byte, error) {
	names := builtinNames()
	if !slices.Contains(names, name) {
		return nil, fmt.Errorf("unknown built-in scenario %q%s; want one of %s",
			name, field.Suggest(name, names), strings.Join(names, ", "))
	}
	return builtinFS.ReadFile(builtinPath(name))
}

// builtinPath is the embedded path of a built-in, also the file name its
// messages carry.
func builtinPath(name string) string { return path.Join("builtin", name+".yaml") }

// loadBuiltin parses the built-in scenario name.
func loadBuiltin(name string) (*Scenario, error) {
	src, err := BuiltinSource(name)
	if err != nil {
		return nil, err
	}
	return Parse(builtinPath(name), src)
}
