package mockapi

import (
	"fmt"
	"net/http"
)

// DefaultMaxBodyBytes is the body limit of an API whose Limits leave it 0.
const DefaultMaxBodyBytes = 1 << 20

// Limits bound what one API accepts. The zero value takes every default.
type Limits struct {
	// MaxBodyBytes caps a request body (bytes); a longer one is answered
	// 413 without being read further. 0 means DefaultMaxBodyBytes (1 MiB).
	MaxBodyBytes int64
}

// limits is a validated Limits with its prepared answers.
type limits struct {
	maxBody  int64
	tooLarge errorAnswer // 413
}

// SetLimits validates l and applies it to arrivals from now on.
func (a *API) SetLimits(l Limits) error {
	if l.MaxBodyBytes < 0 {
		return fmt.Errorf("mock %q: max body bytes %d is negative; want > 0, or 0 for the default %d", a.name, l.MaxBodyBytes, DefaultMaxBodyBytes)
	}
	if l.MaxBodyBytes == 0 {
		l.MaxBodyBytes = DefaultMaxBodyBytes
	}
	// Connection: close spares net/http reading the rest of the body.
	tooLarge := newErrorAnswer(a.name, http.StatusRequestEntityTooLarge, "", map[string]string{"Connection": "close"},
		fmt.Sprintf("the request body is over this API's limit of %d bytes", l.MaxBodyBytes))
	a.limits.Store(&limits{maxBody: l.MaxBodyBytes, tooLarge: tooLarge})
	return nil
}
