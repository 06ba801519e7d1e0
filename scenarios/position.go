package scenarios

import (
	"fmt"
	"strings"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/token"

	"github.com/fanbench/fanbench/field"
)

// index remembers where each field path ("apis.b.errors[1].rate") sits in
// the file and which node it was decoded from, so that checks made after
// decoding can still name a line and column, and overlays can decode a
// node a second time.
type index struct {
	entries map[string]indexEntry
}

type indexEntry struct {
	pos  *token.Position
	node ast.Node // resolved: no alias, anchor or tag
}

func newIndex() *index {
	return &index{entries: make(map[string]indexEntry)}
}

func (x *index) record(path string, pos *token.Position, node ast.Node) {
	x.entries[path] = indexEntry{pos: pos, node: node}
}

// has reports whether the file names path.
func (x *index) has(path string) bool {
	_, ok := x.entries[path]
	return ok
}

// present reports whether the file names path with a value other than null.
func (x *index) present(path string) bool {
	e, ok := x.entries[path]
	if !ok {
		return false
	}
	_, null := e.node.(*ast.NullNode)
	return !null && e.node != nil
}

// node returns the node path was decoded from, or nil.
func (x *index) node(path string) ast.Node {
	return x.entries[path].node
}

// nearest returns the longest prefix of path (path itself included) that
// the file names, and its position. A check on a field the file leaves out
// ("latency.median is required") thus points at the enclosing mapping.
func (x *index) nearest(path string) (string, *token.Position) {
	for {
		if e, ok := x.entries[path]; ok && e.pos != nil {
			return path, e.pos
		}
		if path == "" {
			return "", nil
		}
		path = parentPath(path)
	}
}

// parentPath strips the last ".key" or "[i]" from path.
func parentPath(path string) string {
	i := strings.LastIndexAny(path, ".[")
	if i < 0 {
		return ""
	}
	return path[:i]
}

// joinPath appends a key to a field path.
func joinPath(path, key string) string { return field.Join(path, key) }

// indexPath appends a list index to a field path.
func indexPath(path string, i int) string { return field.Index(path, i) }

// reportFunc records one problem at a field path. Checks take one so that
// the same check can report everything (the scenario's own fields) or only
// what an overlay names (a strategy's policy, a phase's set).
type reportFunc func(path, format string, args ...any)

// report collects the problems found in one file.
type report struct {
	file string
	idx  *index
	errs Errors
	// mocksOnly accepts a file that describes only the mock APIs (see
	// ParseMocks): name and load may then be left out.
	mocksOnly bool
}

// at records a problem at an explicit position.
func (r *report) at(pos *token.Position, path, format string, args ...any) {
	e := &Error{File: r.file, Path: path, Msg: fmt.Sprintf(format, args...)}
	if pos != nil {
		e.Line, e.Column = pos.Line, pos.Column
	}
	r.errs = append(r.errs, e)
}

// addf records a problem at the position of path, or of its nearest
// ancestor the file names.
func (r *report) addf(path, format string, args ...any) {
	_, pos := r.idx.nearest(path)
	r.at(pos, path, format, args...)
}

// under returns a reportFunc that keeps only problems with fields the file
// names below root. An overlay's result mixes what its node names with
// what it inherits; the inherited part has already been checked where it
// was written, and reporting it twice would send the reader to the wrong
// line.
func (r *report) under(root string) reportFunc {
	return func(path, format string, args ...any) {
		found, _ := r.idx.nearest(path)
		if !strings.HasPrefix(found, root+".") && !strings.HasPrefix(found, root+"[") {
			return
		}
		r.addf(path, format, args...)
	}
}

// field records a problem a validator found with a field of the scenario.
// A problem in an overlay (a strategy's policy, a phase's set) counts only
// when the overlay's node names the field (see under). A field of a value
// written in shorthand (a strategy as its bare name) is reported at the
// value.
func (r *report) field(e field.Error) {
	if root, ok := overlayRoot(e.Path); ok {
		r.under(root)(e.Path, "%s", e.Msg)
		return
	}
	path := e.Path
	if found, _ := r.idx.nearest(path); found != path && isScalar(r.idx.node(found)) {
		path = found
	}
	r.addf(path, "%s", e.Msg)
}

// overlayRoot returns the overlay (strategies[i].policy or phases[i].set)
// that path lies in, if any.
func overlayRoot(path string) (string, bool) {
	for _, o := range []struct{ list, key string }{{"strategies[", "policy"}, {"phases[", "set"}} {
		rest, ok := strings.CutPrefix(path, o.list)
		if !ok {
			continue
		}
		i := strings.Index(rest, "]")
		if i < 0 {
			continue
		}
		root := o.list + rest[:i+1] + "." + o.key
		if path == root || strings.HasPrefix(path, root+".") || strings.HasPrefix(path, root+"[") {
			return root, true
		}
	}
	return "", false
}
