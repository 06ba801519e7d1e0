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

// compensationDraw is the draw number of a compensation's first attempt;
// attempt k draws with compensationDraw − k + 1: never within fail_first
// (below math.MaxInt), apart from the original's draws, and different for
// each retry, so a retried compensation is not doomed to its first draw.
const compensationDraw = math.MaxInt - 1

func isCompensation(r *http.Request) bool { return r.Method == CompensationMethod }

// compensateIf records a successful compensation of ar's key.
func (a *API) compensateIf(comp bool, ar *arrival) {
	if comp {
		a.ledger.compensate(ar.key)
	}
}
