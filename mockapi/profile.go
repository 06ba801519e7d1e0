package mockapi

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/fanbench/fanbench/field"
)

// profile is a validated, compiled Config: what ServeHTTP reads for one
// arrival. It is immutable once built; SetConfig swaps a whole new one in.
type profile struct {
	cfg          Config
	latency      Sampler
	errors       []errorAnswer
	errCum       []float64
	faults       []faultRule
	faultCum     []float64
	failFirst    int
	failAnswer   errorAnswer // the 503 answered by fail_first
	bucket       *tokenBucket
	concurrency  int64
	limitAnswer  errorAnswer // the answer past concurrency_limit
	rateAnswer   errorAnswer // the 429 answered by the token bucket
	idempotent   bool
	requireKey   bool
	headerFaults bool
}

// errorAnswer is a prepared HTTP error answer.
type errorAnswer struct {
	status int
	body   string
	header http.Header
}

type faultRule struct {
	kind     faultKind
	duration time.Duration
}

// defaultSlowBody is how long slow_body dribbles when Duration is unset.
const defaultSlowBody = time.Second

// compile builds the profile of cfg for the API called name, refusing
// what cfg.Validate reports. now is the origin of its token bucket.
func compile(name string, cfg Config, now time.Time) (*profile, error) {
	if err := field.Err(cfg.Validate()); err != nil {
		return nil, err
	}
	p := &profile{cfg: cfg, failFirst: cfg.FailFirst, requireKey: cfg.RequireIdempotencyKey, headerFaults: cfg.AllowHeaderFaults}
	p.latency = cfg.Latency.build()

	// One uniform draw decides both: faults take [0, F), errors
	// [F, F+E), so every configured rate is the share of all arrivals it
	// gets.
	var faultTotal float64
	for _, f := range cfg.Faults {
		k, _ := parseFaultKind(f.Kind)
		d := f.Duration.D()
		if k == faultSlowBody && d == 0 {
			d = defaultSlowBody
		}
		faultTotal += f.Rate
		p.faultCum = append(p.faultCum, faultTotal)
		p.faults = append(p.faults, faultRule{kind: k, duration: d})
	}
	total := faultTotal
	for _, e := range cfg.Errors {
		total += e.Rate
		p.errCum = append(p.errCum, total)
		p.errors = append(p.errors, newErrorAnswer(name, e.Status, e.Body, e.Headers, "injected error"))
	}
	p.failAnswer = newErrorAnswer(name, http.StatusServiceUnavailable, "", nil, "fail_first: this id has not yet failed enough times")

	if cfg.RateLimit != nil {
		var err error
		if p.bucket, err = newTokenBucket(*cfg.RateLimit, now); err != nil {
			return nil, err
		}
		p.rateAnswer = newErrorAnswer(name, http.StatusTooManyRequests, "", nil, "rate_limit: token bucket empty")
	}

	p.concurrency = int64(cfg.ConcurrencyLimit)
	ls := cfg.LimitStatus
	if ls == 0 {
		ls = http.StatusTooManyRequests
	}
	p.limitAnswer = newErrorAnswer(name, ls, "", nil, "concurrency_limit: too many requests in flight")
	p.idempotent = cfg.Idempotency != IdempotencyOff
	return p, nil
}

// pick returns the index in cum that u in [0,1) falls into, or -1 past the end.
func pick(cum []float64, u float64) int {
	for i, c := range cum {
		if u < c {
			return i
		}
	}
	return -1
}

// problem is an RFC 9457 problem details body.
type problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail,omitempty"`
	API    string `json:"api,omitempty"`
}

// newErrorAnswer prepares an error answer. Without a body it is an
// application/problem+json document; a custom body gets application/json
// when it looks like JSON and text/plain otherwise, unless headers say.
func newErrorAnswer(api string, status int, body string, headers map[string]string, detail string) errorAnswer {
	h := make(http.Header, len(headers)+1)
	if body == "" {
		b, err := json.Marshal(problem{Type: "about:blank", Title: http.StatusText(status), Status: status, Detail: detail, API: api})
		if err == nil {
			body = string(b) + "\n"
		}
		h.Set("Content-Type", "application/problem+json")
	} else if t := strings.TrimSpace(body); strings.HasPrefix(t, "{") || strings.HasPrefix(t, "[") {
		h.Set("Content-Type", "application/json")
	} else {
		h.Set("Content-Type", "text/plain; charset=utf-8")
	}
	for k, v := range headers {
		h.Set(k, v)
	}
	return errorAnswer{status: status, body: body, header: h}
}

// write sends the answer.
func (e *errorAnswer) write(w http.ResponseWriter) {
	h := w.Header()
	for k, v := range e.header {
		h[k] = v
	}
	w.WriteHeader(e.status)
	_, _ = io.WriteString(w, e.body)
}
