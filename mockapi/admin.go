package mockapi

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// maxConfigBytes bounds a PUT /_fanbench/config body.
const maxConfigBytes = 1 << 20

// guardAdmin protects the admin API:
//
//   - non-loopback clients get 403 unless AllowRemoteAdmin;
//   - so does a request whose Host is not a loopback name or address
//     (unless AllowRemoteAdmin): a web page that rebinds its own name to
//     127.0.0.1 cannot reach a mock from the user's browser;
//   - so does a request with an Origin (sent by browsers) other than the
//     request's own host or a loopback origin: another site's page cannot
//     reset or reconfigure a mock;
//   - once an admin token is set, a request without
//     "Authorization: Bearer <token>" (scheme in any case) gets 401.
func (a *API) guardAdmin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		remote := a.adminRemote.Load()
		switch {
		case !remote && !isLoopbackAddr(r.RemoteAddr):
			writeProblem(w, a.name, http.StatusForbidden, "the admin API answers loopback clients only")
			return
		case !remote && !isLoopbackHost(r.Host):
			writeProblem(w, a.name, http.StatusForbidden, fmt.Sprintf("Host %q: the admin API answers requests to a loopback name or address only (localhost, 127.0.0.1, [::1])", r.Host))
			return
		case !sameOrLoopbackOrigin(r.Header.Get("Origin"), r.Host):
			writeProblem(w, a.name, http.StatusForbidden, fmt.Sprintf("Origin %q: the admin API refuses requests from another site's page", r.Header.Get("Origin")))
			return
		}
		if tok := a.adminToken.Load(); tok != nil && *tok != "" {
			if !bearer(r.Header.Get("Authorization"), *tok) {
				w.Header().Set("WWW-Authenticate", `Bearer realm="fanbench"`)
				writeProblem(w, a.name, http.StatusUnauthorized, "the admin API needs Authorization: Bearer <token>")
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// bearer reports whether an Authorization header carries token with the
// Bearer scheme, whose name is case-insensitive (RFC 9110 11.1); the token
// is compared in constant time.
func bearer(auth, token string) bool {
	scheme, got, ok := strings.Cut(strings.TrimSpace(auth), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(strings.TrimSpace(got)), []byte(token)) == 1
}

func isLoopbackAddr(remoteAddr string) bool {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		host = remoteAddr
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// isLoopbackHost reports whether a Host header (name or address, with or
// without a port) names this machine's loopback interface.
func isLoopbackHost(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if h := strings.ToLower(strings.TrimSuffix(host, ".")); h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true // RFC 6761: always the loopback interface
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// sameOrLoopbackOrigin accepts no Origin (not a browser), the request's
// own host, and loopback origins.
func sameOrLoopbackOrigin(origin, host string) bool {
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return false // "null" and other opaque origins
	}
	return strings.EqualFold(u.Host, host) || isLoopbackHost(u.Host)
}

func (a *API) handleGetConfig() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, a.Config())
	})
}

// handlePutConfig replaces the whole config: a field the body leaves out
// takes its zero value (PUT {"errors":[...]} also removes the latency).
func (a *API) handlePutConfig() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var cfg Config
		if err := decodeStrict(w, r, &cfg); err != nil {
			writeProblem(w, a.name, http.StatusBadRequest, fmt.Sprintf("config: %v", err))
			return
		}
		a.swapConfig(w, cfg)
	})
}

// handlePatchConfig overlays a JSON merge patch (RFC 7396) on the current
// config: the fields the body names change, the others stay; a null
// removes a field (back to its zero value).
func (a *API) handlePatchConfig() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var patch map[string]any
		if err := decodeStrict(w, r, &patch); err != nil || patch == nil {
			if err == nil {
				err = errors.New("want a JSON object of the fields to change")
			}
			writeProblem(w, a.name, http.StatusBadRequest, fmt.Sprintf("config patch: %v", err))
			return
		}
		cur, err := json.Marshal(a.Config())
		var doc map[string]any
		if err == nil {
			err = json.Unmarshal(cur, &doc)
		}
		if err != nil {
			writeProblem(w, a.name, http.StatusInternalServerError, fmt.Sprintf("config patch: read the current config: %v", err))
			return
		}
		merged, err := json.Marshal(mergePatch(doc, patch))
		if err != nil {
			writeProblem(w, a.name, http.StatusBadRequest, fmt.Sprintf("config patch: %v", err))
			return
		}
		dec := json.NewDecoder(strings.NewReader(string(merged)))
		dec.DisallowUnknownFields()
		var cfg Config
		if err := dec.Decode(&cfg); err != nil {
			writeProblem(w, a.name, http.StatusBadRequest, fmt.Sprintf("config patch: %v", err))
			return
		}
		a.swapConfig(w, cfg)
	})
}

// mergePatch applies an RFC 7396 merge patch to doc.
func mergePatch(doc, patch map[string]any) map[string]any {
	if doc == nil {
		doc = map[string]any{}
	}
	for k, v := range patch {
		switch pv := v.(type) {
		case nil:
			delete(doc, k)
		case map[string]any:
			sub, _ := doc[k].(map[string]any)
			doc[k] = mergePatch(sub, pv)
		default:
			doc[k] = v
		}
	}
	return doc
}

// decodeStrict decodes one JSON value of at most maxConfigBytes from the
// request body into v, refusing unknown fields and trailing data.
func decodeStrict(w http.ResponseWriter, r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxConfigBytes))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if err := dec.Decode(new(json.RawMessage)); !errors.Is(err, io.EOF) {
		return errors.New("trailing data after the JSON object")
	}
	return nil
}

// swapConfig validates and swaps in cfg, answering the config now in force.
func (a *API) swapConfig(w http.ResponseWriter, cfg Config) {
	if err := a.SetConfig(cfg); err != nil {
		writeProblem(w, a.name, http.StatusBadRequest, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, a.Config())
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
