package mockapi

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// AdminPrefix is the path prefix of the admin API; every other path gets
// the mock behaviour.
const AdminPrefix = "/_fanbench/"

// API is one mock API: an http.Handler that delays, fails, rate-limits or
// drops requests as its Config says and records every arrival in its Ledger.
// It is safe for concurrent use; its Config can be swapped at any time.
type API struct {
	name     string
	now      func() time.Time
	profile  atomic.Pointer[profile]
	ledger   *Ledger
	stats    stats
	draws    *drawPool
	genSalt  uint64
	genSeq   atomic.Uint64
	registry *prometheus.Registry
	admin    http.Handler
	answers  answers
	lateness lateness // how late latency timers fire (lateness.go)

	adminToken  atomic.Pointer[string]
	adminRemote atomic.Bool
	limits      atomic.Pointer[limits]

	// successPrefix is `{"api":"<name>","id":"`: the fixed start of a 200 body.
	successPrefix string
	// jsonContentType and replayed are header values shared read-only by
	// every answer (Header.Set would allocate per answer).
	jsonContentType []string
	replayed        []string
}

// answers are the fixed error answers of one API, prepared once.
type answers struct {
	missingKey errorAnswer // 400: require_idempotency_key
	badBody    errorAnswer // 400: the request body could not be read
	conflict   errorAnswer // 409: key in flight
	mismatch   errorAnswer // 422: key bound to another body
	noHijack   errorAnswer // 500: a connection fault on a non-hijackable connection
}

// New validates cfg and returns a mock API named name (such as "a" or "b";
// letters, digits, '-' and '_'). seed drives every random draw: the same
// seed, config and arrivals give the same latencies, errors and faults.
func New(name string, cfg Config, seed int64) (*API, error) {
	if err := checkName(name); err != nil {
		return nil, err
	}
	a := &API{
		name:            name,
		now:             time.Now,
		draws:           newDrawPool(seed, name),
		genSalt:         mix64(uint64(seed) ^ fnv64("generated:"+name)),
		successPrefix:   `{"api":"` + name + `","id":"`,
		jsonContentType: []string{"application/json"},
		replayed:        []string{"true"},
	}
	now := a.now()
	p, err := compile(name, cfg.Clone(), now)
	if err != nil {
		return nil, fmt.Errorf("mock %q: %w", name, err)
	}
	a.profile.Store(p)
	a.ledger = newLedger(now)
	if a.registry, err = newRegistry(name, &a.stats); err != nil {
		return nil, err
	}
	a.answers = answers{
		missingKey: newErrorAnswer(name, http.StatusBadRequest, "", nil, "Idempotency-Key header is required (require_idempotency_key)"),
		badBody:    newErrorAnswer(name, http.StatusBadRequest, "", nil, "the request body could not be read"),
		conflict:   newErrorAnswer(name, http.StatusConflict, "", nil, "a request with this Idempotency-Key is still being processed"),
		mismatch:   newErrorAnswer(name, http.StatusUnprocessableEntity, "", nil, "this Idempotency-Key was first used with a different request body"),
		noHijack:   newErrorAnswer(name, http.StatusInternalServerError, "", nil, errNotHijackable.Error()),
	}
	a.admin = a.routes()
	if err := a.SetLimits(Limits{}); err != nil {
		return nil, err
	}
	return a, nil
}

func checkName(name string) error {
	if name == "" || len(name) > 32 {
		return fmt.Errorf("mock name %q: want 1 to 32 letters, digits, '-' or '_'", name)
	}
	for _, c := range name {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return fmt.Errorf("mock name %q: invalid character %q; want letters, digits, '-' or '_'", name, c)
		}
	}
	return nil
}

// Name returns the API's name.
func (a *API) Name() string { return a.name }

// SetConfig validates cfg and swaps it in atomically: arrivals from now on
// use it, arrivals in flight finish with the profile they started with.
// The token bucket of the new config starts full.
func (a *API) SetConfig(cfg Config) error {
	p, err := compile(a.name, cfg.Clone(), a.now())
	if err != nil {
		return fmt.Errorf("mock %q: %w", a.name, err)
	}
	a.profile.Store(p)
	return nil
}

// Config returns a copy of the current config.
func (a *API) Config() Config { return a.profile.Load().cfg.Clone() }

// Ledger returns the API's ledger.
func (a *API) Ledger() *Ledger { return a.ledger }

// Stats returns a snapshot of the API's counters and a summary of its ledger.
func (a *API) Stats() Stats {
	s := a.stats.snapshot()
	s.API = a.name
	s.Ledger = a.ledger.Summary()
	return s
}

// Registry returns the API's own Prometheus registry (what GET
// /_fanbench/metrics serves), for callers that want to gather it in process.
func (a *API) Registry() *prometheus.Registry { return a.registry }

// Reset clears the ledger and the stats and refills the token bucket.
// Arrivals in flight during a Reset are not recorded in the new ledger.
func (a *API) Reset() {
	now := a.now()
	a.ledger.reset(now)
	a.stats.reset()
	if p, err := compile(a.name, a.profile.Load().cfg, now); err == nil {
		a.profile.Store(p)
	}
}

// SetAdminToken makes the admin API require "Authorization: Bearer <tok>".
// The empty token turns the requirement off.
func (a *API) SetAdminToken(tok string) {
	a.adminToken.Store(&tok)
}

// AllowRemoteAdmin lets non-loopback clients use the admin API. By default
// only loopback clients may; set a token too before allowing remote ones.
func (a *API) AllowRemoteAdmin(allow bool) { a.adminRemote.Store(allow) }

// ServeHTTP serves the admin API under AdminPrefix and the mock behaviour
// for every other method and path.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, AdminPrefix) {
		a.admin.ServeHTTP(w, r)
		return
	}
	a.serveMock(w, r)
}

// Clone deep-copies c so that the copy shares no slice, map or pointer with it.
func (c Config) Clone() Config {
	c.Latency = c.Latency.clone()
	c.Errors = slices.Clone(c.Errors)
	for i := range c.Errors {
		c.Errors[i].Headers = maps.Clone(c.Errors[i].Headers)
	}
	if c.RateLimit != nil {
		rl := *c.RateLimit
		c.RateLimit = &rl
	}
	c.Faults = slices.Clone(c.Faults)
	return c
}

func (l Latency) clone() Latency {
	l.Parts = slices.Clone(l.Parts)
	for i := range l.Parts {
		l.Parts[i].Latency = l.Parts[i].Latency.clone()
	}
	return l
}
