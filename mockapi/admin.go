package mockapi

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"
)

// maxConfigBytes bounds a PUT /_fanbench/config body.
const maxConfigBytes = 1 << 20

// guardAdmin refuses non-loopback clients (unless AllowRemoteAdmin) with 403
// and, when an admin token is set, requests without it with 401.
func (a *API) guardAdmin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !a.adminRemote.Load() && !isLoopback(r.RemoteAddr) {
			writeProblem(w, a.name, http.StatusForbidden, "the admin API answers loopback clients only")
			return
		}
		if tok := a.adminToken.Load(); tok != nil && *tok != "" {
			got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
			if !ok || subtle.ConstantTimeCompare([]byte(got), []byte(*tok)) != 1 {
				w.Header().Set("WWW-Authenticate", `Bearer realm="fanbench"`)
				writeProblem(w, a.name, http.StatusUnauthorized, "the admin API needs Authorization: Bearer <token>")
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

func isLoopback(remoteAddr string) bool {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		host = remoteAddr
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func (a *API) handleGetConfig() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, a.Config())
	})
}

func (a *API) handlePutConfig() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxConfigBytes))
		dec.DisallowUnknownFields()
		var cfg Config
		if err := dec.Decode(&cfg); err != nil {
			writeProblem(w, a.name, http.StatusBadRequest, fmt.Sprintf("config: %v", err))
			return
		}
		if err := dec.Decode(new(json.RawMessage)); !errors.Is(err, io.EOF) {
			writeProblem(w, a.name, http.StatusBadRequest, "config: trailing data after the JSON object")
			return
		}
		if err := a.SetConfig(cfg); err != nil {
			writeProblem(w, a.name, http.StatusBadRequest, err.Error())
			return
		}
		writeJSON(w, http.StatusOK, a.Config())
	})
}

func (a *API) handleReset() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.Reset()
		w.WriteHeader(http.StatusNoContent)
	})
}

func (a *API) handleStats() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, a.Stats())
	})
}

// LedgerEntry is one id of GET /_fanbench/ledger?ids=...
type LedgerEntry struct {
	ID           string     `json:"id"`
	Found        bool       `json:"found"`
	FirstArrival *time.Time `json:"first_arrival,omitempty"`
	FirstSuccess *time.Time `json:"first_success,omitempty"`
	Arrivals     int        `json:"arrivals"`
	Effects      int        `json:"effects"`
	LastStatus   int        `json:"last_status"`
	// MaybeEvicted marks an id not found in a ledger that has evicted ids:
	// the ledger cannot vouch that it never arrived.
	MaybeEvicted bool `json:"maybe_evicted,omitempty"`
}

func (a *API) handleLedger() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ids := r.URL.Query().Get("ids")
		if ids == "" {
			writeJSON(w, http.StatusOK, a.ledger.Summary())
			return
		}
		var out struct {
			Entries []LedgerEntry `json:"entries"`
		}
		evicted := a.ledger.Evicted() > 0
		for id := range strings.SplitSeq(ids, ",") {
			if id = strings.TrimSpace(id); id == "" {
				continue
			}
			le := LedgerEntry{ID: id}
			if e, ok := a.ledger.Lookup(id); ok {
				le.Found, le.Arrivals, le.Effects, le.LastStatus = true, e.Arrivals, e.Effects, e.LastStatus
				le.FirstArrival = timePtr(e.FirstArrival)
				le.FirstSuccess = timePtr(e.FirstSuccess)
			} else {
				le.MaybeEvicted = evicted
			}
			out.Entries = append(out.Entries, le)
		}
		writeJSON(w, http.StatusOK, out)
	})
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func (a *API) handleHealthz() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok", "api": a.name})
	})
}

func (a *API) handleAdminError(status int, detail string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeProblem(w, a.name, status, detail)
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		writeProblem(w, "", http.StatusInternalServerError, fmt.Sprintf("encode JSON: %v", err))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

func writeProblem(w http.ResponseWriter, api string, status int, detail string) {
	e := newErrorAnswer(api, status, "", nil, detail)
	e.write(w)
}
