package mockapi

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
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

// rateEpsilon absorbs float rounding when rates are summed.
const rateEpsilon = 1e-9

// compile validates cfg for the API called name. now is the origin of its
// token bucket.
func compile(name string, cfg Config, now time.Time) (*profile, error) {
	p := &profile{cfg: cfg, failFirst: cfg.FailFirst, requireKey: cfg.RequireIdempotencyKey, headerFaults: cfg.AllowHeaderFaults}
	var err error
	if p.latency, err = cfg.Latency.compile("latency"); err != nil {
		return nil, err
	}

	total := 0.0
	for i, e := range cfg.Errors {
		f := fmt.Sprintf("errors[%d]", i)
		if e.Status < 400 || e.Status > 599 {
			return nil, fmt.Errorf("%s.status: %d; want an HTTP error status from 400 to 599", f, e.Status)
		}
		if err := checkRate(f, e.Rate); err != nil {
			return nil, err
		}
		total += e.Rate
		p.errCum = append(p.errCum, total)
		p.errors = append(p.errors, newErrorAnswer(name, e.Status, e.Body, e.Headers, "injected error"))
	}

	if cfg.FailFirst < 0 {
		return nil, fmt.Errorf("fail_first: %d is negative; fail_first must be >= 0", cfg.FailFirst)
	}
	p.failAnswer = newErrorAnswer(name, http.StatusServiceUnavailable, "", nil, "fail_first: this id has not yet failed enough times")

	if cfg.RateLimit != nil {
		if p.bucket, err = newTokenBucket(*cfg.RateLimit, now); err != nil {
			return nil, err
		}
		p.rateAnswer = newErrorAnswer(name, http.StatusTooManyRequests, "", nil, "rate_limit: token bucket empty")
	}

	if cfg.ConcurrencyLimit < 0 {
		return nil, fmt.Errorf("concurrency_limit: %d is negative; concurrency_limit must be >= 0 (0 = off)", cfg.ConcurrencyLimit)
	}
	p.concurrency = int64(cfg.ConcurrencyLimit)
	ls := cfg.LimitStatus
	switch ls {
	case 0:
		ls = http.StatusTooManyRequests
	case http.StatusTooManyRequests, http.StatusServiceUnavailable:
	default:
		return nil, fmt.Errorf("limit_status: %d; want 429 or 503", cfg.LimitStatus)
	}
	p.limitAnswer = newErrorAnswer(name, ls, "", nil, "concurrency_limit: too many requests in flight")

	total = 0
	for i, f := range cfg.Faults {
		path := fmt.Sprintf("faults[%d]", i)
		k, ok := parseFaultKind(f.Kind)
		if !ok {
			return nil, fmt.Errorf("%s.kind: unknown fault %q; want one of %s", path, f.Kind, faultKindList())
		}
		if err := checkRate(path, f.Rate); err != nil {
			return nil, err
		}
		if f.Duration < 0 {
			return nil, fmt.Errorf("%s.duration: %v is negative; duration must be >= 0", path, f.Duration.D())
		}
		d := f.Duration.D()
		if k == faultSlowBody && d == 0 {
			d = defaultSlowBody
		}
		total += f.Rate
		p.faultCum = append(p.faultCum, total)
		p.faults = append(p.faults, faultRule{kind: k, duration: d})
	}
	// One uniform draw decides both: faults take [0, F), errors [F, F+E),
	// so every configured rate is the share of all arrivals it gets.
	faultTotal := total
	for i := range p.errCum {
		p.errCum[i] += faultTotal
	}
	if n := len(p.errCum); n > 0 {
		total = p.errCum[n-1]
	}
	if total > 1+rateEpsilon {
		return nil, fmt.Errorf("errors, faults: rates add up to %v; each arrival meets at most one error or fault, so the sum must be <= 1", total)
	}

	switch strings.ToLower(cfg.Idempotency) {
	case "", "on", "true":
		p.idempotent = true
	case "off", "false":
	default:
		return nil, fmt.Errorf("idempotency: %q; want on or off", cfg.Idempotency)
	}
	return p, nil
}

func checkRate(path string, r float64) error {
	if !(r >= 0 && r <= 1) {
		return fmt.Errorf("%s.rate: %v is out of range; rate must be in [0, 1]", path, r)
	}
	return nil
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
