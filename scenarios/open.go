package scenarios

import (
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"

	"github.com/fanbench/fanbench/field"
)

// Open returns the scenario nameOrPath names: a built-in scenario when it
// is one's name (so `quick` is the built-in even if a file of that name
// exists; write ./quick for the file), else the file at that path, parsed
// with Parse.
//
// (It is not called Load because the load profile type already is.)
func Open(nameOrPath string) (*Scenario, error) {
	return open(nameOrPath, Parse)
}

// OpenMocks is Open for `fanbench mock`: a file may describe only the mock
// APIs (see ParseMocks).
func OpenMocks(nameOrPath string) (*Scenario, error) {
	return open(nameOrPath, ParseMocks)
}

func open(nameOrPath string, parse func(string, []byte) (*Scenario, error)) (*Scenario, error) {
	names := builtinNames()
	if slices.Contains(names, nameOrPath) {
		return loadBuiltin(nameOrPath)
	}
	data, err := ReadFile(nameOrPath)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) && !strings.ContainsAny(nameOrPath, `/\.`) {
			return nil, fmt.Errorf("scenario %q is neither a built-in%s (%s) nor a file",
				nameOrPath, field.Suggest(nameOrPath, names), strings.Join(names, ", "))
		}
		return nil, fmt.Errorf("read scenario: %w", err)
	}
	return parse(nameOrPath, data)
}
