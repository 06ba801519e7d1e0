package scenarios

import (
	"strconv"
	"strings"
	"time"
)

// The small checks every validator shares, each phrasing its message the
// same way: what was wrong, then what would be right.

// num formats a number as a reader would write it.
func num(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

// checkShare reports v outside [0, 1].
func checkShare(add reportFunc, path string, v float64) {
	if !(v >= 0 && v <= 1) {
		add(path, "%s is out of range; want a share between 0 and 1", num(v))
	}
}

// checkNonNegative reports a negative number; zero means what want says.
func checkNonNegative(add reportFunc, path string, v float64, want string) {
	if v < 0 {
		add(path, "%s is negative; want %s", num(v), want)
	}
}

// checkDuration reports a negative duration; zero means what want says.
func checkDuration(add reportFunc, path string, d time.Duration, want string) {
	if d < 0 {
		add(path, "%s is negative; want %s", d, want)
	}
}

// checkOneOf reports got not among valid.
func checkOneOf(add reportFunc, path, what, got string, valid ...string) {
	for _, v := range valid {
		if got == v {
			return
		}
	}
	add(path, "unknown %s %q%s; want one of %s", what, got, suggest(got, valid), strings.Join(valid, ", "))
}
