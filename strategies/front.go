package strategies

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
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
	s       Strategy
	keyless atomic.Uint64
}

// GeneratedIDPrefix starts every id the front generates for a request
// without an Idempotency-Key; a request that brings a key with this prefix
// is refused (400), so a client can never forge or collide with one.
const GeneratedIDPrefix = "fanbench-gen:"

// generateID returns GeneratedIDPrefix and 128 random bits in hex: unique
// across restarts of the front, unguessable by clients.
func generateID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return GeneratedIDPrefix + hex.EncodeToString(b[:])
}

// Keyless returns how many requests arrived without an Idempotency-Key (and
// were given a generated id): their retries by the client cannot be told
// from new requests.
func (f *Front) Keyless() uint64 { return f.keyless.Load() }

// NewFront puts s behind an HTTP handler.
func NewFront(s Strategy) *Front { return &Front{s: s} }

// ServeHTTP takes any method and path. The message id is the request's
// Idempotency-Key; a request without one gets a generated id (see
// GeneratedIDPrefix) and is counted (Keyless).
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
	switch {
	case id == "":
		id = generateID()
		f.keyless.Add(1)
	case strings.HasPrefix(id, GeneratedIDPrefix):
		http.Error(w, fmt.Sprintf("Idempotency-Key %q: the prefix %q is reserved for ids the front generates; send another key, or none", id, GeneratedIDPrefix), http.StatusBadRequest)
		return
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
