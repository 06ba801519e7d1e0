package mockapi

import (
	"net/http"

	"github.com/gorilla/mux"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// routes lists the whole admin API of one mock, under AdminPrefix:
//
//	GET  /_fanbench/config    the current Config (JSON)
//	PUT  /_fanbench/config    swap in a whole new Config (JSON) atomically;
//	                          fields left out take their zero value
//	PATCH /_fanbench/config   change only the fields given (JSON merge
//	                          patch, RFC 7396; null removes a field)
//	POST /_fanbench/reset     clear the ledger and the stats
//	GET  /_fanbench/stats     counts by status and fault kind, ledger summary
//	GET  /_fanbench/ledger    ledger summary, or ?ids=a,b for those entries
//	GET  /_fanbench/metrics   Prometheus exposition of this API's registry
//	GET  /_fanbench/healthz   liveness
//
// Every route is loopback-only unless AllowRemoteAdmin, and needs
// "Authorization: Bearer <token>" once SetAdminToken set one.
func (a *API) routes() http.Handler {
	r := mux.NewRouter()
	p := func(name string) string { return AdminPrefix + name }
	r.Handle(p("config"), a.handleGetConfig()).Methods(http.MethodGet)
	r.Handle(p("config"), a.handlePutConfig()).Methods(http.MethodPut)
	r.Handle(p("config"), a.handlePatchConfig()).Methods(http.MethodPatch)
	r.Handle(p("reset"), a.handleReset()).Methods(http.MethodPost)
	r.Handle(p("stats"), a.handleStats()).Methods(http.MethodGet)
	r.Handle(p("ledger"), a.handleLedger()).Methods(http.MethodGet)
	r.Handle(p("metrics"), promhttp.HandlerFor(a.registry, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})).Methods(http.MethodGet)
	r.Handle(p("healthz"), a.handleHealthz()).Methods(http.MethodGet)
	r.NotFoundHandler = a.handleAdminError(http.StatusNotFound, "no such admin route; see /_fanbench/{config,reset,stats,ledger,metrics,healthz}")
	r.MethodNotAllowedHandler = a.handleAdminError(http.StatusMethodNotAllowed, "method not allowed on this admin route")
	return a.guardAdmin(r)
}
