package mockapi

import (
	"math"
	"net/http"
)

// CompensationMethod is the method of a compensating request: a request
// with this method and an Idempotency-Key undoes the effect of that key
// instead of applying one (a saga's compensating action). It meets the
// API's latency, limits, faults and errors like any request; when it
// succeeds the ledger marks the key undone, or, with nothing applied yet,
// records the compensation as early. It is idempotent, and it is not an
// arrival of the original: Arrivals and Effects do not count it.
const CompensationMethod = http.MethodDelete

// compensationDraw is the arrival number a compensation draws its outcome
// with: never within fail_first, and apart from the original's draws.
const compensationDraw = math.MaxInt32

func isCompensation(r *http.Request) bool { return r.Method == CompensationMethod }

// compensateIf records a successful compensation of ar's key.
func (a *API) compensateIf(comp bool, ar *arrival) {
	if comp {
		a.ledger.compensate(ar.key)
	}
}
