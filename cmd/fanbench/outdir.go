package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/fanbench/fanbench/reports"
)

// A run's files go first into a staging directory inside --out
// (.fanbench-staging-*), created fresh, so nothing the run streams can
// follow a symlink planted in --out, and a run that fails leaves --out as it
// was. Once the run has results, commit moves them into place (a rename
// replaces a symlink, it never writes through it), then removes fanbench's
// own files of an earlier run that this run did not write, listed in the
// manifest (.fanbench-files) that every run leaves.
const (
	stagingPrefix = ".fanbench-staging-"
	manifestName  = ".fanbench-files"
	defaultOutDir = "fanbench-out"
)

// outDir is the destination of one run.
type outDir struct {
	dest    string
	created bool // dest did not exist before this run
	staging string
	quit    *quitHooks
	remove  func() // unregisters the staging cleanup from quit
}

// openOut checks dest and creates the staging directory in it. dest == ""
// means a new directory under ./fanbench-out named prefix + the start time,
// unique even for runs started in the same millisecond. An existing dest
// must be an empty directory, or force must be set: then fanbench's own
// files in it are replaced and other files are left alone.
func openOut(dest, prefix string, force bool, now time.Time, quit *quitHooks) (*outDir, error) {
	created := true
	if dest == "" {
		d, err := newDefaultOut(defaultOutDir, prefix, now)
		if err != nil {
			return nil, withCode(exitFailed, fmt.Errorf("create the output directory: %w", err))
		}
		dest = d
	} else {
		var err error
		if created, err = checkOut(dest, force); err != nil {
			return nil, err
		}
	}
	staging, err := os.MkdirTemp(dest, stagingPrefix)
	if err != nil {
		return nil, withCode(exitUsage, fmt.Errorf("--out %s: %w", dest, err))
	}
	o := &outDir{dest: dest, created: created, staging: staging, quit: quit}
	// A second interrupt quits at once: it leaves no half-written files.
	o.remove = quit.add(func() { os.RemoveAll(staging) })
	return o, nil
}

// newDefaultOut creates and returns parent/<prefix><UTC time to the millisecond>,
// with -2, -3, ... when another run took the name first: os.Mkdir fails on
// an existing directory, so no two runs share one.
func newDefaultOut(parent, prefix string, now time.Time) (string, error) {
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return "", err
	}
	base := filepath.Join(parent, prefix+now.UTC().Format("20060102T150405.000Z"))
	for i := 1; ; i++ {
		dir := base
		if i > 1 {
			dir = fmt.Sprintf("%s-%d", base, i)
		}
		err := os.Mkdir(dir, 0o755)
		if err == nil {
			return dir, nil
		}
		if !errors.Is(err, fs.ErrExist) || i == 1000 {
			return "", err
		}
	}
}

// checkOut creates dest if it does not exist (and says so); an existing
// one must be a directory, and empty unless force.
func checkOut(dest string, force bool) (created bool, err error) {
	fi, err := os.Stat(dest)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if err := os.MkdirAll(dest, 0o755); err != nil {
			return false, withCode(exitUsage, fmt.Errorf("--out %s: %w", dest, err))
		}
		return true, nil
	case err != nil:
		return false, withCode(exitUsage, fmt.Errorf("--out %s: %w", dest, err))
	case !fi.IsDir():
		return false, usageError("--out %s is not a directory; give a new or empty directory", dest)
	}
	entries, err := os.ReadDir(dest)
	if err != nil {
		return false, withCode(exitUsage, fmt.Errorf("--out %s: %w", dest, err))
	}
	if len(entries) > 0 && !force {
		return false, usageError("--out %s is not empty (it holds %s%s); give a new or empty directory, or add --force to replace fanbench's own files in it (other files are left alone)",
			dest, entries[0].Name(), map[bool]string{true: " and more", false: ""}[len(entries) > 1])
	}
	return false, nil
}

// create opens a new file in the staging directory.
func (o *outDir) create(name string) (io.WriteCloser, error) {
	if name != filepath.Base(name) || strings.HasPrefix(name, ".") {
		return nil, fmt.Errorf("output file name %q: want a plain file name", name)
	}
	return os.OpenFile(filepath.Join(o.staging, name), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
}

// discard removes the staging directory, and dest if this run created it:
// the run leaves no trace.
func (o *outDir) discard() {
	o.remove()
	os.RemoveAll(o.staging)
	if o.created {
		os.Remove(o.dest) // only if empty
	}
}

// commit moves the staged files into dest, replacing files (or symlinks)
// of the same name — all of them or, when a rename fails, none (swapIn) —
// then removes what the previous run's manifest lists
// (and stale staging directories of killed runs) that this run did not
// write, then records the new manifest. A second interrupt waits for it.
func (o *outDir) commit() error {
	o.remove()
	o.quit.mu.Lock()
	defer o.quit.mu.Unlock()
	defer os.RemoveAll(o.staging)
	staged, err := os.ReadDir(o.staging)
	if err != nil {
		return err
	}
	var names []string
	for _, e := range staged {
		if e.Type().IsRegular() && !strings.HasPrefix(e.Name(), ".") {
			names = append(names, e.Name())
		}
	}
	old := readManifest(o.dest)
	for _, n := range names {
		if fi, err := os.Lstat(filepath.Join(o.dest, n)); err == nil && fi.IsDir() {
			return fmt.Errorf("--out %s: %s is a directory; fanbench will not replace it", o.dest, n)
		}
	}
	if err := o.swapIn(names); err != nil {
		return err
	}
	entries, _ := os.ReadDir(o.dest)
	for _, e := range entries {
		n := e.Name()
		p := filepath.Join(o.dest, n)
		switch {
		case p == o.staging || slices.Contains(names, n):
		case strings.HasPrefix(n, stagingPrefix) && e.IsDir():
			os.RemoveAll(p) // a killed run's; RemoveAll never follows symlinks
		case !e.IsDir() && (old[n] || (old == nil && ownStrategyFile(n))):
			// With a manifest, only the files it lists are fanbench's; the
			// suffix rule is for directories of runs older than it.
			os.Remove(p) // a symlink is removed itself, never its target
		}
	}
	if err := reports.WriteFileAtomic(filepath.Join(o.dest, manifestName), func(w io.Writer) error {
		_, err := io.WriteString(w, strings.Join(names, "\n")+"\n")
		return err
	}); err != nil {
		return err
	}
	return nil
}

// renameFile is os.Rename; tests replace it to make one rename fail.
var renameFile = os.Rename

// swapIn moves the staged files named into dest all or nothing: a file of
// the same name already there is first moved aside into the staging
// directory (prevPrefix), then the new one takes its place; if any rename
// fails, the new files placed so far are taken out again and the earlier
// ones put back, so dest holds the earlier run's files, never a mix. The
// files moved aside go with the staging directory.
func (o *outDir) swapIn(names []string) error {
	type moved struct {
		name  string
		aside bool // an earlier file of this name is in staging as prevPrefix+name
		in    bool // the new file is in dest
	}
	var done []moved
	undo := func(cause error) error {
		errs := []error{cause}
		for i := len(done) - 1; i >= 0; i-- {
			m, dst := done[i], filepath.Join(o.dest, done[i].name)
			if m.in {
				if err := os.Remove(dst); err != nil {
					errs = append(errs, err)
				}
			}
			if m.aside {
				if err := renameFile(filepath.Join(o.staging, prevPrefix+m.name), dst); err != nil {
					errs = append(errs, fmt.Errorf("put back %s: %w", dst, err))
				}
			}
		}
		return errors.Join(errs...)
	}
	for _, n := range names {
		m := moved{name: n}
		dst := filepath.Join(o.dest, n)
		if _, err := os.Lstat(dst); err == nil {
			if err := renameFile(dst, filepath.Join(o.staging, prevPrefix+n)); err != nil {
				return undo(fmt.Errorf("--out %s: move the earlier %s aside: %w", o.dest, n, err))
			}
			m.aside = true
		}
		done = append(done, m)
		if err := renameFile(filepath.Join(o.staging, n), dst); err != nil {
			return undo(fmt.Errorf("--out %s: move %s into place: %w", o.dest, n, err))
		}
		done[len(done)-1].in = true
	}
	return nil
}

// prevPrefix names, inside the staging directory, an earlier run's file
// moved aside while the new ones are moved in.
const prevPrefix = ".prev-"

// ownStrategyFile reports whether name is a per-strategy file of fanbench
// (written by runs older than the manifest, too).
func ownStrategyFile(name string) bool {
	for _, suf := range []string{".results.bin", ".hgrm", ".hlog"} {
		if strings.HasSuffix(name, suf) {
			return true
		}
	}
	return false
}

// readManifest returns the file names an earlier run recorded in dir.
func readManifest(dir string) map[string]bool {
	f, err := os.Open(filepath.Join(dir, manifestName))
	if err != nil {
		return nil
	}
	defer f.Close()
	out := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if n := strings.TrimSpace(sc.Text()); n != "" && n == filepath.Base(n) && !strings.HasPrefix(n, ".") {
			out[n] = true
		}
	}
	return out
}

// quitHooks are what a second interrupt, which quits at once, runs first;
// mu also holds that quit back while a run's files are moved into place.
type quitHooks struct {
	mu   sync.Mutex
	next int
	fns  map[int]func()
}

// add registers fn and returns a function that unregisters it.
func (q *quitHooks) add(fn func()) (remove func()) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.fns == nil {
		q.fns = map[int]func(){}
	}
	id := q.next
	q.next++
	q.fns[id] = fn
	return func() {
		q.mu.Lock()
		defer q.mu.Unlock()
		delete(q.fns, id)
	}
}

// run runs every registered hook; the process exits right after.
func (q *quitHooks) run() {
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, fn := range q.fns {
		fn()
	}
}
