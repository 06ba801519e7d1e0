package strategies

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/fanbench/fanbench/field"
)

// Policy.OnPartial values.
const (
	OnPartialIgnore     = "ignore"
	OnPartialCompensate = "compensate"
)

// Compensation is the compensating request a saga sends to undo the one
// leg that succeeded when the other failed: the same Idempotency-Key and
// body, with its own method, path and retry policy.
type Compensation struct {
	// Method defaults to DELETE (what fanbench's mock APIs take as a
	// compensation).
	Method string `json:"method,omitempty" yaml:"method,omitempty"`
	// Path on the API that succeeded; default the leg's own ("/send").
	Path string `json:"path,omitempty" yaml:"path,omitempty"`
	// Timeout bounds one attempt; 0 (left out) takes the default 2s. A
	// compensation always has one: it runs after the user's send, and an
	// API that hangs must not hold the answer.
	Timeout time.Duration `json:"timeout,omitempty" yaml:"timeout,omitempty"`
	// Retries is the extra attempts after the first (429, 5xx, network
	// errors and timeouts are retried); left out, 3. 0 means none.
	Retries *int `json:"retries,omitempty" yaml:"retries,omitempty"`
	// Backoff between the attempts; zero fields take Backoff's defaults.
	Backoff Backoff `json:"backoff,omitzero" yaml:"backoff,omitempty"`
}

// The compensation defaults, for a policy that says on_partial:
// compensate and nothing more, and for each field a compensation block
// leaves out: DELETE on the leg's path, 2s per attempt, 3 retries with
// the default backoff.
const (
	defaultCompensationTimeout = 2 * time.Second
	defaultCompensationRetries = 3
)

// withDefaults fills the fields c leaves out.
func (c Compensation) withDefaults() Compensation {
	if c.Method == "" {
		c.Method = http.MethodDelete
	}
	if c.Path == "" {
		c.Path = "/send"
	}
	if c.Timeout == 0 {
		c.Timeout = defaultCompensationTimeout
	}
	if c.Retries == nil {
		r := defaultCompensationRetries
		c.Retries = &r
	}
	return c
}

// Validate returns every problem with c.
func (c Compensation) Validate() []field.Error {
	var es field.Errors
	if c.Method != "" && (strings.ToUpper(c.Method) != c.Method || strings.ContainsAny(c.Method, " /")) {
		es.Addf("method", "%q; want an HTTP method in capitals, such as DELETE", c.Method)
	}
	if c.Path != "" && !strings.HasPrefix(c.Path, "/") {
		es.Addf("path", "%q; want a path starting with /, such as /send", c.Path)
	}
	es.Duration("timeout", c.Timeout, "a per-attempt timeout above 0, such as 2s (left out: 2s)")
	if c.Retries != nil {
		es.NonNegative("retries", float64(*c.Retries), "extra attempts, 0 or more")
	}
	es.Duration("backoff.initial", c.Backoff.Initial, "a first wait above 0, such as 50ms")
	es.Duration("backoff.max", c.Backoff.Max, "a longest wait above 0, such as 2s")
	return es
}

// Compensate wraps a synchronous strategy's Built so that, when the
// policy says on_partial: compensate, a send with exactly one leg
// succeeded is undone on that API. Otherwise it returns b unchanged.
func Compensate(b Built, d Deps) Built {
	if d.Policy.OnPartial != OnPartialCompensate || b.Strategy == nil {
		return b
	}
	var c Compensation
	if d.Policy.Compensation != nil {
		c = *d.Policy.Compensation
	}
	c = c.withDefaults()
	p := Policy{Timeout: c.Timeout, Retries: *c.Retries, Backoff: c.Backoff}
	s := &compensating{
		Strategy: b.Strategy,
		logf:     d.Logger(),
		window:   hdrhistogram.New(1, int64(time.Hour/time.Microsecond), 3),
		failures: map[string]int64{},
	}
	for i := range s.legs {
		// Own stats: compensations are not delivery calls or retries.
		s.legs[i] = NewLeg(string(rune('a'+i)), d.APIs[i]+c.Path, d.Client, p, new(LegStats), WithMethod(c.Method))
	}
	inner := b.Stats
	b.Strategy = s
	b.Stats = func() Stats {
		var st Stats
		if inner != nil {
			st = inner()
		}
		if st.Counters == nil {
			st.Counters = map[string]int64{}
		}
		for k, v := range s.counters() {
			st.Counters[k] = v
		}
		return st
	}
	return b
}

// compensating is a strategy whose partial sends are compensated.
type compensating struct {
	Strategy
	legs [2]*Leg // compensating legs to a and b
	logf func(format string, args ...any)

	sent, succeeded, failed atomic.Int64
	logged                  atomic.Bool

	mu       sync.Mutex
	window   *hdrhistogram.Histogram // µs from the partial leg's success to its compensation's
	failures map[string]int64        // failed compensations by what went wrong
}

// Send implements Strategy: the inner strategy's send, then, if exactly
// one leg succeeded, its compensation. The user's answer does not change
// (the send failed); the compensation runs even if the user has gone, as
// a saga's would.
func (c *compensating) Send(ctx context.Context, m Send) Reply {
	start := time.Now()
	rep := c.Strategy.Send(ctx, m)
	ok := [2]bool{rep.Legs[0].OK(), rep.Legs[1].OK()}
	if ok[0] == ok[1] {
		return rep
	}
	i := 0
	if ok[1] {
		i = 1
	}
	applied := start.Add(rep.Legs[i].Latency) // about when the API acknowledged it
	c.sent.Add(1)
	r := c.legs[i].Call(context.WithoutCancel(ctx), m)
	if r.OK() {
		c.succeeded.Add(1)
		c.mu.Lock()
		_ = c.window.RecordValue(max(time.Since(applied).Microseconds(), 1))
		c.mu.Unlock()
		return rep
	}
	c.failed.Add(1)
	why := r.Failure()
	c.mu.Lock()
	c.failures[why]++
	c.mu.Unlock()
	if c.logged.CompareAndSwap(false, true) {
		c.logf("%s: compensation of send %s on %s failed: %s; it stays %s_only (further failures are only counted)",
			c.Name(), m.ID, c.legs[i].API(), why, c.legs[i].API())
	}
	return rep
}

// counters are the compensation figures for the report; each kind of
// failure counts under "compensation_failed: <what>".
func (c *compensating) counters() map[string]int64 {
	out := map[string]int64{
		"compensations_sent":      c.sent.Load(),
		"compensations_succeeded": c.succeeded.Load(),
		"compensations_failed":    c.failed.Load(),
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.window.TotalCount() > 0 {
		out["inconsistency_window_p50_us"] = c.window.ValueAtQuantile(50)
		out["inconsistency_window_p99_us"] = c.window.ValueAtQuantile(99)
	}
	for why, n := range c.failures {
		out["compensation_failed: "+why] = n
	}
	return out
}
