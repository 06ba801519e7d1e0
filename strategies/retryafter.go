package strategies

import (
	"net/http"
	"strings"
	"time"
)

// maxRetryAfterSeconds bounds a delta-seconds Retry-After so the
// conversion to a Duration cannot overflow; any policy caps it far lower.
const maxRetryAfterSeconds = 1 << 32

// parseRetryAfter reads a Retry-After header value (RFC 9110 §10.2.3):
// delta-seconds ("120") or an HTTP-date ("Fri, 31 Dec 1999 23:59:59 GMT",
// and the two obsolete date forms), the latter taken relative to now. A
// date in the past means "now" (0). ok is false for an absent or malformed
// value, in which case the caller falls back to its backoff.
func parseRetryAfter(v string, now time.Time) (d time.Duration, ok bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, isNum := parseSeconds(v); isNum {
		return time.Duration(secs) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	return max(0, t.Sub(now)), true
}

// parseSeconds parses delta-seconds (1*DIGIT) and saturates at
// maxRetryAfterSeconds; isNum is false if v is not all digits.
func parseSeconds(v string) (secs int64, isNum bool) {
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		if secs < maxRetryAfterSeconds {
			secs = secs*10 + int64(c-'0')
		}
	}
	return min(secs, maxRetryAfterSeconds), true
}
