package strategies

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync/atomic"
)

// maxBody caps a user request body; sends are small messages.
const maxBody = 1 << 20

// frontReply is the JSON body the front answers with.
type frontReply struct {
	ID     string   `json:"id"`
	Status string   `json:"status"`           // "delivered", "accepted" or "failed"
	Failed []string `json:"failed,omitempty"` // legs that failed, e.g. "b: status 503"
}

// Front is the HTTP endpoint of the system under test: it takes a user
// request and sends it on with one strategy. Every strategy sits behind the
// same front so their comparison is fair.
type Front struct {
	s     Strategy
	anonN atomic.Uint64
}

// NewFront puts s behind an HTTP handler.
func NewFront(s Strategy) *Front { return &Front{s: s} }

// ServeHTTP takes any method and path. The message id is the request's
// Idempotency-Key; a request without one gets a generated id.
func (f *Front) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		http.Error(w, "read body: "+err.Error(), http.StatusBadRequest)
		return
	}
	if len(body) > maxBody {
		http.Error(w, fmt.Sprintf("body over %d bytes", maxBody), http.StatusRequestEntityTooLarge)
		return
	}
	id := r.Header.Get("Idempotency-Key")
	if id == "" {
		id = "front-" + strconv.FormatUint(f.anonN.Add(1), 10)
	}
	rep := f.s.Send(r.Context(), Send{ID: id, Body: body})
	out := frontReply{ID: id, Status: "delivered"}
	switch {
	case rep.Status == http.StatusAccepted:
		out.Status = "accepted"
	case rep.Status >= 300:
		out.Status = "failed"
		for i, leg := range rep.Legs {
			if f := leg.Failure(); f != "" {
				out.Failed = append(out.Failed, string(rune('a'+i))+": "+f)
			}
		}
	}
	w.Header().Set("Content-Type", "application/json")
	if rep.Status >= 200 && rep.Status < 300 {
		w.Header().Set("X-Fanbench-Completed", strconv.FormatBool(rep.Status == http.StatusOK))
	} else {
		w.Header().Set("X-Fanbench-Completed", "false")
	}
	w.WriteHeader(rep.Status)
	_ = json.NewEncoder(w).Encode(out) // the user may have gone; nothing to do then
}
