package reports

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// recordingSyncer checks what is on disk at each fsync.
type recordingSyncer struct {
	t        *testing.T
	path     string
	calls    []string
	failFile bool
}

func (r *recordingSyncer) syncFile(f *os.File) error {
	r.calls = append(r.calls, "file")
	if _, err := os.Stat(r.path); !errors.Is(err, os.ErrNotExist) {
		r.t.Errorf("the file is fsynced after it took its name (stat: %v); want before the rename", err)
	}
	if r.failFile {
		return errors.New("disk on fire")
	}
	return f.Sync()
}

func (r *recordingSyncer) syncDir(dir string) error {
	r.calls = append(r.calls, "dir")
	if b, err := os.ReadFile(r.path); err != nil || string(b) != "hello" {
		r.t.Errorf("the directory is fsynced before the rename (read: %q %v); want after it", b, err)
	}
	return osSyncer{}.syncDir(dir)
}

// TestWriteFileAtomicSyncs: the file is fsynced before its rename and its
// directory after it; a failed fsync leaves neither the file nor a
// temporary behind.
func TestWriteFileAtomicSyncs(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "results.json")
	hello := func(w io.Writer) error { _, err := io.WriteString(w, "hello"); return err }
	sy := &recordingSyncer{t: t, path: path}
	if err := writeFileAtomic(path, hello, sy); err != nil {
		t.Fatal(err)
	}
	if len(sy.calls) != 2 || sy.calls[0] != "file" || sy.calls[1] != "dir" {
		t.Fatalf("fsync calls %v; want [file dir]", sy.calls)
	}
	failing := &recordingSyncer{t: t, path: filepath.Join(dir, "other.json"), failFile: true}
	if err := writeFileAtomic(failing.path, hello, failing); err == nil {
		t.Fatal("a failed fsync returned no error")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 || entries[0].Name() != "results.json" {
		t.Fatalf("directory after a failed fsync holds %v; want only results.json", entries)
	}
	if err := WriteFileAtomic(filepath.Join(dir, "real.json"), hello); err != nil {
		t.Fatalf("WriteFileAtomic with real fsyncs: %v", err)
	}
}
