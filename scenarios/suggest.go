package scenarios

import "fmt"

// suggest returns ` (did you mean "x"?)` when one of valid is a likely
// misspelling of got, else "". A likely misspelling is at most two edits
// away, and at most one edit per three letters, so that "c" is not taken
// for "a".
func suggest(got string, valid []string) string {
	best, bestDist := "", min(3, len(got)/3+1)
	for _, v := range valid {
		if d := editDistance(got, v); d < bestDist {
			best, bestDist = v, d
		}
	}
	if best == "" || best == got {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// editDistance is the Levenshtein distance between a and b, in bytes.
// Inputs longer than a field name are not worth comparing.
func editDistance(a, b string) int {
	const limit = 64
	if len(a) > limit || len(b) > limit {
		return limit
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
