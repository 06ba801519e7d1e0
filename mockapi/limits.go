package mockapi

import (
	"fmt"
	"net/http"
)

// Defaults of the Limits fields left 0.
const (
	DefaultMaxBodyBytes   = 1 << 20 // 1 MiB
	DefaultLedgerCapacity = 1 << 22 // 4,194,304 ids: 100-250 MB of ledger
)

// Limits bound what one API accepts. The zero value takes every default.
type Limits struct {
	// MaxBodyBytes caps a request body (bytes); a longer one is answered
	// 413 without being read further. 0 means DefaultMaxBodyBytes (1 MiB).
	MaxBodyBytes int64
	// LedgerCapacity caps the ids the ledger keeps (at least
	// MinLedgerCapacity); past it the oldest are evicted and counted (see
	// Ledger). 0 means DefaultLedgerCapacity; UnboundedLedger keeps every
	// id, for a mock whose arrivals something else bounds (the engine's
	// mocks live for one run, and a run's sends are bounded).
	LedgerCapacity int
}

// UnboundedLedger as Limits.LedgerCapacity keeps every id.
const UnboundedLedger = -1

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
	if l.LedgerCapacity == 0 {
		l.LedgerCapacity = DefaultLedgerCapacity
	}
	if l.LedgerCapacity == UnboundedLedger {
		a.ledger.genCap.Store(0)
	} else if err := a.ledger.SetCapacity(l.LedgerCapacity); err != nil {
		return fmt.Errorf("mock %q: %w", a.name, err)
	}
	// Connection: close spares net/http reading the rest of the body.
	tooLarge := newErrorAnswer(a.name, http.StatusRequestEntityTooLarge, "", map[string]string{"Connection": "close"},
		fmt.Sprintf("the request body is over this API's limit of %d bytes", l.MaxBodyBytes))
	a.limits.Store(&limits{maxBody: l.MaxBodyBytes, tooLarge: tooLarge})
	return nil
}
