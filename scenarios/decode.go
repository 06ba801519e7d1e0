package scenarios

import (
	"encoding"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/token"

	"github.com/fanbench/fanbench/field"
	"github.com/fanbench/fanbench/mockapi"
	"github.com/fanbench/fanbench/strategies"
)

// Limits on what one file may cost to decode. A scenario is a page of
// YAML; these stop alias bombs and pathological nesting, not real files.
const (
	maxFileSize = 1 << 20 // bytes
	maxNodes    = 20_000  // nodes decoded, each alias use counted again
	maxDepth    = 64      // nesting of mappings and lists
)

// decoder turns YAML nodes into Go values strictly: every key must name a
// field (by its yaml tag), every scalar must suit the field's type, and
// every problem is recorded with its position and field path. It does not
// stop at the first problem; a value it cannot decode keeps what it held.
//
// Decoding into a value that already holds data changes only what the
// node names, which is how a strategy's policy overlays the scenario's.
type decoder struct {
	r       *report
	anchors map[string]ast.Node
	fields  map[reflect.Type][]yamlField
	visits  int
	depth   int
	tooBig  bool
}

func newDecoder(r *report) *decoder {
	return &decoder{r: r, anchors: make(map[string]ast.Node), fields: make(map[reflect.Type][]yamlField)}
}

// fieldsOf returns yamlFields(t), computed once per decoder.
func (d *decoder) fieldsOf(t reflect.Type) []yamlField {
	f, ok := d.fields[t]
	if !ok {
		f = yamlFields(t)
		d.fields[t] = f
	}
	return f
}

// decode decodes n into v (which must be settable) and records path in the
// index. keyPos, when not nil, is where the mapping key naming n sits; a
// collection is located by its key, a scalar by its own text.
func (d *decoder) decode(n ast.Node, keyPos *token.Position, path string, v reflect.Value) {
	if d.tooBig {
		return
	}
	d.visits++
	if d.visits > maxNodes || d.depth >= maxDepth {
		d.tooBig = true
		d.r.at(nodePos(n), path, "the document is too large or nested too deeply (each use of an alias counts); want a plain scenario file")
		return
	}
	d.depth++
	defer func() { d.depth-- }()

	node, anchor, ok := d.resolve(n, path)
	if !ok {
		return
	}
	pos := nodePos(n)
	if keyPos != nil && isCollection(node) {
		pos = keyPos
	}
	d.r.idx.record(path, pos, node)
	d.value(node, path, v)
	if anchor != "" {
		d.anchors[anchor] = node
	}
}

// resolve strips tags and anchors from n and follows an alias. It returns
// the anchor name n defines, if any, for the caller to register once the
// anchored value is decoded: an alias can only name an anchor seen before
// it, so aliases cannot form a cycle.
func (d *decoder) resolve(n ast.Node, path string) (node ast.Node, anchor string, ok bool) {
	for range maxDepth {
		if isNil(n) {
			return nil, anchor, true
		}
		switch t := n.(type) {
		case *ast.TagNode:
			n = t.Value
		case *ast.AnchorNode:
			if name, ok := scalarText(t.Name); ok {
				anchor = name
			}
			n = t.Value
		case *ast.AliasNode:
			name, _ := scalarText(t.Value)
			target, found := d.anchors[name]
			if !found {
				d.r.at(nodePos(t), path, "alias *%s names no anchor defined before it; want &%s on an earlier value", name, name)
				return nil, "", false
			}
			return target, anchor, true
		default:
			return n, anchor, true
		}
	}
	d.r.at(nodePos(n), path, "too many tags and anchors on one value")
	return nil, "", false
}

// typeError records that n is not what the field wants.
func (d *decoder) typeError(n ast.Node, path, want string) {
	if path == "" {
		want = "a mapping of scenario fields (name, apis, load, ...)"
	}
	d.r.at(nodePos(n), path, "got %s; want %s", describe(n), want)
}

// value decodes the resolved node n into v by v's type.
func (d *decoder) value(n ast.Node, path string, v reflect.Value) {
	if _, null := n.(*ast.NullNode); null || isNil(n) {
		// null unsets what can be unset (a breaker, a list) and
		// leaves scalars as they were.
		switch v.Kind() {
		case reflect.Pointer, reflect.Slice, reflect.Map:
			v.SetZero()
		}
		return
	}
	switch t := v.Type(); {
	case t == reflect.TypeFor[time.Duration](), t == reflect.TypeFor[mockapi.Duration]():
		d.duration(n, path, v)
		return
	case t == reflect.TypeFor[strategies.Spec]():
		// A strategy may be written as its bare name.
		if _, ok := scalarText(n); ok {
			d.value(n, path, v.FieldByName("Name"))
			return
		}
	case v.CanAddr() && v.Addr().Type().Implements(reflect.TypeFor[encoding.TextUnmarshaler]()):
		d.text(n, path, v)
		return
	}
	switch v.Kind() {
	case reflect.String:
		s, ok := scalarText(n)
		if !ok {
			d.typeError(n, path, "a string")
			return
		}
		v.SetString(s)
	case reflect.Bool:
		b, ok := n.(*ast.BoolNode)
		if !ok {
			d.typeError(n, path, "true or false")
			return
		}
		v.SetBool(b.Value)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		d.integer(n, path, v)
	case reflect.Float32, reflect.Float64:
		d.float(n, path, v)
	case reflect.Pointer:
		// Decode into a copy: the pointee may be shared with the
		// value an overlay started from.
		p := reflect.New(v.Type().Elem())
		if !v.IsNil() {
			p.Elem().Set(v.Elem())
		}
		d.value(n, path, p.Elem())
		v.Set(p)
	case reflect.Slice:
		d.list(n, path, v)
	case reflect.Map:
		d.dict(n, path, v)
	case reflect.Struct:
		d.structure(n, path, v)
	default:
		d.r.at(nodePos(n), path, "cannot decode into %s (a bug in fanbench)", v.Type())
	}
}

func (d *decoder) duration(n ast.Node, path string, v reflect.Value) {
	s, ok := scalarText(n)
	if !ok {
		d.typeError(n, path, "a Go duration such as 250ms or 1m30s")
		return
	}
	dur, err := time.ParseDuration(s)
	if err != nil {
		d.typeError(n, path, "a Go duration such as 250ms or 1m30s")
		return
	}
	v.SetInt(int64(dur))
}

func (d *decoder) text(n ast.Node, path string, v reflect.Value) {
	s, ok := scalarText(n)
	if !ok {
		d.typeError(n, path, "a string")
		return
	}
	if err := v.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(s)); err != nil {
		d.r.at(nodePos(n), path, "%v", err)
	}
}

func (d *decoder) integer(n ast.Node, path string, v reflect.Value) {
	in, ok := n.(*ast.IntegerNode)
	if !ok {
		d.typeError(n, path, "a whole number")
		return
	}
	var i int64
	switch x := in.Value.(type) {
	case int64:
		i = x
	case uint64:
		if x > math.MaxInt64 {
			d.r.at(nodePos(n), path, "%s is too large", describe(n))
			return
		}
		i = int64(x)
	default:
		d.typeError(n, path, "a whole number")
		return
	}
	if v.OverflowInt(i) {
		d.r.at(nodePos(n), path, "%s is too large", describe(n))
		return
	}
	v.SetInt(i)
}

func (d *decoder) float(n ast.Node, path string, v reflect.Value) {
	var f float64
	switch x := n.(type) {
	case *ast.IntegerNode:
		switch i := x.Value.(type) {
		case int64:
			f = float64(i)
		case uint64:
			f = float64(i)
		}
	case *ast.FloatNode:
		f = x.Value
	case *ast.InfinityNode, *ast.NanNode:
		d.typeError(n, path, "a finite number")
		return
	default:
		// The YAML library reads some plain numbers (1e3) as strings.
		s, _ := scalarText(n)
		g, err := strconv.ParseFloat(s, 64)
		if !isPlain(n) || err != nil {
			d.typeError(n, path, "a number")
			return
		}
		f = g
	}
	if math.IsInf(f, 0) || math.IsNaN(f) || v.OverflowFloat(f) {
		d.typeError(n, path, "a finite number")
		return
	}
	v.SetFloat(f)
}

func (d *decoder) list(n ast.Node, path string, v reflect.Value) {
	seq, ok := n.(*ast.SequenceNode)
	if !ok {
		d.typeError(n, path, "a list")
		return
	}
	s := reflect.MakeSlice(v.Type(), len(seq.Values), len(seq.Values))
	for i, item := range seq.Values {
		d.decode(item, nil, indexPath(path, i), s.Index(i))
	}
	v.Set(s)
}

func (d *decoder) dict(n ast.Node, path string, v reflect.Value) {
	if v.Type().Key().Kind() != reflect.String {
		d.r.at(nodePos(n), path, "cannot decode into %s (a bug in fanbench)", v.Type())
		return
	}
	entries, ok := d.entries(n, path)
	if !ok {
		return
	}
	m := reflect.MakeMapWithSize(v.Type(), len(entries))
	for _, e := range entries {
		elem := reflect.New(v.Type().Elem()).Elem()
		d.decode(e.value, e.keyPos, joinPath(path, e.key), elem)
		m.SetMapIndex(reflect.ValueOf(e.key).Convert(v.Type().Key()), elem)
	}
	v.Set(m)
}

func (d *decoder) structure(n ast.Node, path string, v reflect.Value) {
	entries, ok := d.entries(n, path)
	if !ok {
		return
	}
	fields := d.fieldsOf(v.Type())
	for _, e := range entries {
		p := joinPath(path, e.key)
		i := slices.IndexFunc(fields, func(f yamlField) bool { return f.name == e.key })
		if i < 0 {
			names := fieldNames(fields)
			d.r.at(e.keyPos, p, "unknown field%s; want one of %s", field.Suggest(e.key, names), strings.Join(names, ", "))
			continue
		}
		d.decode(e.value, e.keyPos, p, v.FieldByIndex(fields[i].index))
	}
}

// entry is one key of a mapping, merge keys (<<) expanded.
type entry struct {
	key    string
	keyPos *token.Position
	value  ast.Node
}

// entries lists the keys of the mapping n in file order, then the keys
// merged in with << that the mapping does not name itself.
func (d *decoder) entries(n ast.Node, path string) ([]entry, bool) {
	var pairs []*ast.MappingValueNode
	switch m := n.(type) {
	case *ast.MappingNode:
		pairs = m.Values
	case *ast.MappingValueNode:
		pairs = []*ast.MappingValueNode{m}
	default:
		d.typeError(n, path, "a mapping")
		return nil, false
	}
	var own, merged []entry
	for _, kv := range pairs {
		if isNil(kv) {
			continue
		}
		key := kv.Key
		keyNode := ast.Node(key)
		if k, ok := key.(*ast.MappingKeyNode); ok && k != nil {
			keyNode = k.Value
		}
		keyNode, _, ok := d.resolve(keyNode, path)
		if !ok {
			continue
		}
		if _, isMerge := keyNode.(*ast.MergeKeyNode); isMerge {
			merged = append(merged, d.merge(kv.Value, path)...)
			continue
		}
		name, ok := scalarText(keyNode)
		if !ok {
			d.r.at(nodePos(kv), path, "got %s as a key; want a field name", describe(keyNode))
			continue
		}
		own = append(own, entry{key: name, keyPos: nodePos(keyNode), value: kv.Value})
	}
	if len(merged) == 0 {
		return own, true
	}
	named := make(map[string]bool, len(own))
	for _, o := range own {
		named[o.key] = true
	}
	for _, e := range merged {
		if !named[e.key] {
			own = append(own, e)
		}
	}
	return own, true
}

// merge returns the entries a merge key (<<) brings in: those of one
// mapping or of a list of mappings, the first naming a key winning.
func (d *decoder) merge(n ast.Node, path string) []entry {
	d.visits++
	if d.visits > maxNodes || d.tooBig {
		return nil
	}
	src, anchor, ok := d.resolve(n, path)
	if !ok {
		return nil
	}
	var sources []ast.Node
	if seq, isSeq := src.(*ast.SequenceNode); isSeq {
		for _, item := range seq.Values {
			if m, _, ok := d.resolve(item, path); ok {
				sources = append(sources, m)
			}
		}
	} else {
		sources = []ast.Node{src}
	}
	var out []entry
	seen := make(map[string]bool)
	for _, m := range sources {
		if _, null := m.(*ast.NullNode); null || isNil(m) {
			continue
		}
		es, ok := d.entries(m, path)
		if !ok {
			continue
		}
		// Each merged key costs as a node does: S mappings merging N
		// keys each would otherwise cost S·N.
		d.visits += len(es)
		if d.visits > maxNodes {
			d.tooBig = true
			d.r.at(nodePos(n), path, "the document is too large or nested too deeply (each use of an alias or merge key counts); want a plain scenario file")
			return nil
		}
		for _, e := range es {
			if !seen[e.key] {
				seen[e.key] = true
				out = append(out, e)
			}
		}
	}
	if anchor != "" {
		d.anchors[anchor] = src
	}
	return out
}

// yamlField is a struct field as a scenario file names it.
type yamlField struct {
	name  string
	index []int
}

// yamlFields lists the fields of struct type t by their yaml names,
// descending into fields tagged ",inline".
func yamlFields(t reflect.Type) []yamlField {
	var out []yamlField
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("yaml")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if strings.Contains(","+opts+",", ",inline,") && f.Type.Kind() == reflect.Struct {
			for _, sub := range yamlFields(f.Type) {
				out = append(out, yamlField{name: sub.name, index: append([]int{i}, sub.index...)})
			}
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		out = append(out, yamlField{name: name, index: []int{i}})
	}
	return out
}

// fieldNames lists the names of fields, for messages.
func fieldNames(fields []yamlField) []string {
	names := make([]string, len(fields))
	for i, f := range fields {
		names[i] = f.name
	}
	return names
}
