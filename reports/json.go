package reports

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// WriteJSON writes r as indented results.json. Lists and maps the schema
// names are always written, empty rather than absent, so a script reading
// d["phases"] or s["errors"] never meets a missing key.
func WriteJSON(w io.Writer, r *Results) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(withEmptyCollections(r))
}

// withEmptyCollections returns a shallow copy of r whose nil lists and
// maps are empty ones; r itself is not changed.
func withEmptyCollections(r *Results) *Results {
	c := *r
	if c.Strategies == nil {
		c.Strategies = []StrategyResult{}
	}
	if c.SLO == nil {
		c.SLO = []SLOCheck{}
	}
	if c.Phases == nil {
		c.Phases = []PhaseMark{}
	}
	c.Strategies = append([]StrategyResult(nil), c.Strategies...)
	for i := range c.Strategies {
		s := &c.Strategies[i]
		if s.Errors == nil {
			s.Errors = map[string]int64{}
		}
		if s.StatusCodes == nil {
			s.StatusCodes = map[string]int64{}
		}
	}
	return &c
}

// ReadJSON reads a results.json and checks its schema.
func ReadJSON(path string) (*Results, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var r Results
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("%s: not a results file: %w", path, err)
	}
	if r.Schema != Schema {
		return nil, fmt.Errorf("%s: schema %q; want %q", path, r.Schema, Schema)
	}
	return &r, nil
}

// WriteFileAtomic writes a file through a temporary one and a rename, so a
// reader (or a run killed half-way) never sees half a file. The file is
// fsynced before the rename and its directory after it, so the file and its
// name survive a power loss too, not only a crash of the process.
func WriteFileAtomic(path string, write func(io.Writer) error) error {
	return writeFileAtomic(path, write, osSyncer{})
}

// syncer makes written data durable; tests record its calls.
type syncer interface {
	syncFile(f *os.File) error
	syncDir(dir string) error
}

type osSyncer struct{}

func (osSyncer) syncFile(f *os.File) error { return f.Sync() }

// syncDir fsyncs a directory, making a rename in it durable.
func (osSyncer) syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

func writeFileAtomic(path string, write func(io.Writer) error, sy syncer) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	// CreateTemp makes the file private (0600); reports are for sharing.
	if err = f.Chmod(0o644); err != nil {
		return err
	}
	if err = write(f); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = sy.syncFile(f); err != nil {
		return fmt.Errorf("fsync %s: %w", path, err)
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(f.Name(), path); err != nil {
		return err
	}
	if err := sy.syncDir(filepath.Dir(path)); err != nil {
		return fmt.Errorf("fsync the directory of %s: %w", path, err)
	}
	return nil
}
