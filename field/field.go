// Package field is the shape of a configuration problem: an Error names the
// field it is about by a path ("latency.p99", "errors[1].rate") and says
// what was wrong and what would be right.
//
// Every package that owns a configuration (mockapi's profiles, strategies'
// policies, scenarios' load) states its rules once, in a Validate method
// returning []Error with paths relative to that configuration. Whoever
// reads the configuration from a file or from flags prefixes the paths
// (Errors.Nest) and says where each field was written: scenarios maps a
// path to file:line:column, the CLI to a flag, the mock's admin API to the
// JSON body.
//
// The package imports only the standard library, so that every leaf can
// share one definition without importing another leaf.
package field

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Error is one problem with one field.
type Error struct {
	// Path names the field: keys joined with dots, list indexes in
	// brackets, "" for the configuration as a whole.
	Path string
	// Msg says what was wrong and what would be right.
	Msg string
}

// Error implements error: "path: msg".
func (e Error) Error() string {
	if e.Path == "" {
		return e.Msg
	}
	return e.Path + ": " + e.Msg
}

// Errors collects the problems a validator finds. The zero value is ready.
type Errors []Error

// Addf records a problem at path.
func (es *Errors) Addf(path, format string, args ...any) {
	*es = append(*es, Error{Path: path, Msg: fmt.Sprintf(format, args...)})
}

// Nest records the problems of a nested configuration found at prefix.
func (es *Errors) Nest(prefix string, sub []Error) {
	for _, e := range sub {
		*es = append(*es, Error{Path: Join(prefix, e.Path), Msg: e.Msg})
	}
}

// Err returns nil when errs is empty, else one error listing every
// problem, one per line, each still reachable with errors.As.
func Err(errs []Error) error {
	if len(errs) == 0 {
		return nil
	}
	joined := make([]error, len(errs))
	for i, e := range errs {
		joined[i] = e
	}
	return errors.Join(joined...)
}

// Join appends key (itself a path, possibly empty or starting with an
// index) to path.
func Join(path, key string) string {
	switch {
	case path == "":
		return key
	case key == "":
		return path
	case strings.HasPrefix(key, "["):
		return path + key
	}
	return path + "." + key
}

// Index appends a list index to path.
func Index(path string, i int) string {
	return path + "[" + strconv.Itoa(i) + "]"
}

// Num formats a number as a reader would write it.
func Num(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

// The small checks every validator shares, each phrasing its message the
// same way: what was wrong, then what would be right.

// Share reports v outside [0, 1].
func (es *Errors) Share(path string, v float64) {
	if !(v >= 0 && v <= 1) {
		es.Addf(path, "%s is out of range; want a share between 0 and 1", Num(v))
	}
}

// NonNegative reports a negative number; zero means what want says.
func (es *Errors) NonNegative(path string, v float64, want string) {
	if v < 0 {
		es.Addf(path, "%s is negative; want %s", Num(v), want)
	}
}

// Duration reports a negative duration; zero means what want says.
func (es *Errors) Duration(path string, d time.Duration, want string) {
	if d < 0 {
		es.Addf(path, "%s is negative; want %s", d, want)
	}
}

// OneOf reports got not among valid; what names the kind of value.
func (es *Errors) OneOf(path, what, got string, valid ...string) {
	for _, v := range valid {
		if got == v {
			return
		}
	}
	es.Addf(path, "unknown %s %q%s; want one of %s", what, got, Suggest(got, valid), strings.Join(valid, ", "))
}
