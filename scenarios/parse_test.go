package scenarios

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/fanbench/fanbench/mockapi"
	"github.com/fanbench/fanbench/strategies"
)

// mustParse parses src or fails the test, showing the input.
func mustParse(t *testing.T, src string) *Scenario {
	t.Helper()
	s, err := Parse("test.yaml", []byte(src))
	if err != nil {
		t.Fatalf("Parse: %v\ninput:\n%s", err, src)
	}
	return s
}

// parseErr parses src and returns its error text, failing if it parses.
func parseErr(t *testing.T, src string) string {
	t.Helper()
	s, err := Parse("test.yaml", []byte(src))
	if err == nil {
		t.Fatalf("Parse = %+v, nil; want an error\ninput:\n%s", s, src)
	}
	return err.Error()
}

const minimal = `
name: minimal
apis: {a: {}, b: {}}
load: {rate: 50, duration: 5s}
`

func TestDefaults(t *testing.T) {
	s := mustParse(t, minimal)
	checks := []struct {
		name      string
		got, want any
	}{
		{"seed", s.Seed, int64(1)},
		{"load.profile", s.Load.Profile, ProfileConstant},
		{"load.max_in_flight", s.Load.MaxInFlight, 10000},
		{"load.timeout", s.Load.Timeout, 10 * time.Second},
		{"load.warmup", s.Load.Warmup, time.Duration(0)},
		{"drain_timeout", s.DrainTimeout, 30 * time.Second},
		{"apis.a.idempotency is left to the mock's own default", s.APIs.A.Idempotency, ""},
		{"apis.b.idempotency is left to the mock's own default", s.APIs.B.Idempotency, ""},
		{"policy", s.Policy, strategies.Policy{Timeout: 2 * time.Second, Backoff: strategies.Backoff{
			Initial: 50 * time.Millisecond, Max: 2 * time.Second, Multiplier: 2, Jitter: "full"}}},
		{"strategies", names(s.Strategies), []string{"sequential", "errgroup"}},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s = %v; want %v", c.name, c.got, c.want)
		}
	}
	for i, sp := range s.Strategies {
		if sp.Policy == nil || !reflect.DeepEqual(*sp.Policy, s.Policy) {
			t.Errorf("strategies[%d].policy = %+v; want the scenario policy %+v", i, sp.Policy, s.Policy)
		}
	}
	if s.Strategies[0].Policy == s.Strategies[1].Policy {
		t.Error("strategies share one *Policy; want one each")
	}
}

func TestDefaultsRespectWhatIsWritten(t *testing.T) {
	s := mustParse(t, `
name: written
seed: 0
apis: {a: {idempotency: "off"}, b: {}}
load: {profile: steps, steps: [{rate: 10, for: 2s}, {rate: 20, for: 3s}], max_in_flight: 5, timeout: 1s}
policy: {retries: 2, backoff: {initial: 5s}}
drain_timeout: 1s
strategies: [gateway]
`)
	checks := []struct {
		name      string
		got, want any
	}{
		{"seed: 0 is kept", s.Seed, int64(0)},
		{"steps duration is their sum", s.Load.Duration, 5 * time.Second},
		{"max_in_flight", s.Load.MaxInFlight, 5},
		{"timeout", s.Load.Timeout, time.Second},
		{"idempotency", s.APIs.A.Idempotency, "off"},
		{"an unset leg timeout defaults to 2s, written policy or not", s.Policy.Timeout, 2 * time.Second},
		{"backoff max defaults to at least initial", s.Policy.Backoff.Max, 5 * time.Second},
		{"backoff multiplier default", s.Policy.Backoff.Multiplier, 2.0},
		{"gateway wait is left to the gateway's own default", s.Strategies[0].Wait, ""},
		{"drain", s.DrainTimeout, time.Second},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s: got %v; want %v", c.name, c.got, c.want)
		}
	}
}

func names(specs []strategies.Spec) []string {
	var out []string
	for _, s := range specs {
		out = append(out, s.Name)
	}
	return out
}

func TestStrategyForms(t *testing.T) {
	s := mustParse(t, minimal+`
strategies:
  - sequential
  - {name: errgroup, cancel_on_error: true}
  - {name: gateway, wait: none}
  - name: queue
    queue: {concurrency: 8, ack_wait: 5s, max_deliver: 3, url: "nats://127.0.0.1:4222"}
`)
	want := []strategies.Spec{
		{Name: "sequential"},
		{Name: "errgroup", CancelOnError: true},
		{Name: "gateway", Wait: "none"},
		{Name: "queue", Queue: strategies.QueueOptions{URL: "nats://127.0.0.1:4222", Concurrency: 8, AckWait: 5 * time.Second, MaxDeliver: 3}},
	}
	for i := range want {
		got := s.Strategies[i]
		got.Policy = nil
		if !reflect.DeepEqual(got, want[i]) {
			t.Errorf("strategies[%d] = %+v; want %+v", i, got, want[i])
		}
	}
}

func TestPolicyOverlay(t *testing.T) {
	s := mustParse(t, minimal+`
policy:
  timeout: 1s
  retries: 3
  backoff: {initial: 10ms, max: 1s, multiplier: 3, jitter: equal}
  retry_on: [429, 5xx]
  honor_retry_after: true
  breaker: {failures: 5, open_for: 5s}
  client_rate_limit: 100
strategies:
  - sequential
  - {name: queue, policy: {retries: 8, backoff: {max: 4s}, retry_on: [network]}}
  - {name: errgroup, policy: {breaker: null, timeout: 0s}}
  - {name: gateway, policy: {breaker: {failures: 2, open_for: 1s}}}
`)
	base := s.Policy
	tests := []struct {
		name   string
		i      int
		change func(p *strategies.Policy)
	}{
		{"no policy inherits the scenario's", 0, func(p *strategies.Policy) {}},
		{"named fields win, nested fields merge, lists are replaced", 1, func(p *strategies.Policy) {
			p.Retries = 8
			p.Backoff.Max = 4 * time.Second
			p.RetryOn = []string{"network"}
		}},
		{"null removes the breaker, zero is a value", 2, func(p *strategies.Policy) {
			p.Breaker = nil
			p.Timeout = 0
		}},
		{"a breaker block replaces what it names", 3, func(p *strategies.Policy) {
			p.Breaker = &strategies.Breaker{Failures: 2, OpenFor: time.Second}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := clonePolicy(base)
			tt.change(&want)
			if got := *s.Strategies[tt.i].Policy; !reflect.DeepEqual(got, want) {
				t.Errorf("strategies[%d].policy =\n%+v\nwant\n%+v", tt.i, got, want)
			}
		})
	}
	if !reflect.DeepEqual(s.Policy.RetryOn, []string{"429", "5xx"}) || s.Policy.Breaker == nil || s.Policy.Breaker.Failures != 5 {
		t.Errorf("the scenario policy changed under the overlays: %+v", s.Policy)
	}
}

func TestPolicyOverlayOnDefaults(t *testing.T) {
	s := mustParse(t, minimal+`
strategies: [{name: queue, policy: {retries: 8}}]
`)
	want := defaultPolicy()
	want.Retries = 8
	if got := *s.Strategies[0].Policy; !reflect.DeepEqual(got, want) {
		t.Errorf("policy = %+v; want the default policy with retries 8: %+v", got, want)
	}
}

func TestPhaseSetOverlay(t *testing.T) {
	s := mustParse(t, `
name: phases
apis:
  a: {}
  b:
    latency: {dist: lognormal, median: 60ms, p99: 200ms}
    errors: [{status: 500, rate: 0.01}]
    rate_limit: {rps: 100, burst: 10}
    idempotency: "off"
load: {rate: 50, duration: 30s}
phases:
  - {at: 5s, api: b, set: {errors: [{status: 503, rate: 1.0}]}}
  - {at: 10s, api: b, set: {latency: {dist: fixed, value: 1s}, idempotency: "on"}}
  - {at: 15s, api: b, set: {rate_limit: null}}
  - {at: 20s, api: b, reset: true}
  - {at: 25s, api: a, set: {}}
`)
	base := s.APIs.B
	tests := []struct {
		i      int
		change func(c *mockapi.Config)
	}{
		{0, func(c *mockapi.Config) { c.Errors = []mockapi.ErrorRule{{Status: 503, Rate: 1}} }},
		{1, func(c *mockapi.Config) {
			c.Latency = mockapi.Latency{Dist: "fixed", Value: mockapi.Duration(time.Second)} // replaced whole
			c.Idempotency = "on"
		}},
		{2, func(c *mockapi.Config) { c.RateLimit = nil }},
	}
	for _, tt := range tests {
		want := base.Clone()
		tt.change(&want)
		if got := s.Phases[tt.i].Set; got == nil || !reflect.DeepEqual(*got, want) {
			t.Errorf("phases[%d].set =\n%+v\nwant\n%+v", tt.i, got, want)
		}
	}
	if s.Phases[3].Set != nil || !s.Phases[3].Reset {
		t.Errorf("phases[3] = %+v; want reset with a nil Set", s.Phases[3])
	}
	if got, want := s.Phases[4].Set, s.APIs.A; got == nil || !reflect.DeepEqual(*got, want) {
		t.Errorf("phases[4].set = %+v; want a's profile unchanged %+v", got, want)
	}
	if len(s.APIs.B.Errors) != 1 || s.APIs.B.Errors[0].Status != 500 || s.APIs.B.RateLimit == nil {
		t.Errorf("the scenario profile changed under the phases: %+v", s.APIs.B)
	}
	s.Phases[0].Set.Errors[0].Rate = 0.5
	if s.Phases[1].Set.Errors[0].Rate != 0.01 || s.APIs.B.Errors[0].Rate != 0.01 {
		t.Error("phase profiles share memory with each other or with the scenario")
	}
}

func TestPhaseSetChecksOnlyWhatItNames(t *testing.T) {
	// apis.b is fine and the set fine on its own; together the rates
	// exceed 1, and the report points at the set, once.
	msg := parseErr(t, `
name: sum
apis:
  a: {}
  b: {errors: [{status: 503, rate: 0.5}]}
load: {rate: 50, duration: 30s}
phases:
  - {at: 5s, api: b, set: {faults: [{kind: reset, rate: 0.6}]}}
`)
	if want := "test.yaml:8:28: phases[0].set.faults: with the errors, the rates sum to 1.1"; !strings.HasPrefix(msg, want) || strings.Count(msg, "\n") != 0 {
		t.Errorf("got:\n%s\nwant one line starting %q", msg, want)
	}
}

func TestAnchorsAndMergeKeys(t *testing.T) {
	s := mustParse(t, `
name: anchors
apis:
  a: &api
    latency: {dist: lognormal, median: 40ms, p99: 120ms}
    errors: [{status: 503, rate: 0.1}]
  b:
    <<: *api
    errors: []
load: {rate: 50, duration: 5s}
`)
	if !reflect.DeepEqual(s.APIs.B.Latency, s.APIs.A.Latency) {
		t.Errorf("b.latency = %+v; want a's %+v through the merge key", s.APIs.B.Latency, s.APIs.A.Latency)
	}
	if len(s.APIs.B.Errors) != 0 {
		t.Errorf("b.errors = %+v; want the explicit empty list to win over the merge", s.APIs.B.Errors)
	}
}

func TestAliasBomb(t *testing.T) {
	// Each part refers to the one before twice: 2^20 parts if expanded.
	var b strings.Builder
	b.WriteString("name: bomb\napis:\n  b: {}\n  a:\n    latency:\n      dist: mixture\n      parts:\n")
	b.WriteString("        - &p0 {weight: 1, dist: fixed, value: 1ms}\n")
	for i := 1; i <= 20; i++ {
		fmt.Fprintf(&b, "        - &p%d {weight: 1, dist: mixture, parts: [*p%d, *p%d]}\n", i, i-1, i-1)
	}
	b.WriteString("load: {rate: 1, duration: 1s}\n")
	start := time.Now()
	_, err := Parse("bomb.yaml", []byte(b.String()))
	if err == nil || !strings.Contains(err.Error(), "too large or nested too deeply") {
		t.Errorf("Parse(alias bomb) error = %v; want the size limit", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Parse(alias bomb) took %v", d)
	}
}

func TestDeepNesting(t *testing.T) {
	parts := "{weight: 1, dist: fixed, value: 1ms}"
	for range 40 {
		parts = "{weight: 1, dist: mixture, parts: [" + parts + "]}"
	}
	src := "name: deep\napis:\n  b: {}\n  a: {latency: {dist: mixture, parts: [" + parts + "]}}\nload: {rate: 1, duration: 1s}\n"
	if _, err := Parse("deep.yaml", []byte(src)); err == nil || !strings.Contains(err.Error(), "nested too deeply") {
		t.Errorf("Parse(deep nesting) error = %v; want the nesting limit", err)
	}
}

func TestErrorFormat(t *testing.T) {
	_, err := Parse("flaky.yaml", []byte(`name: flaky
apis:
  a: {}
  b:
    errors:
      - {status: 503, rate: 0.2}
      - {status: 500, rate: 1.5}
load: {rate: 50, duration: 5s}
`))
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %T: no *Error inside", err)
	}
	want := &Error{File: "flaky.yaml", Line: 7, Column: 29, Path: "apis.b.errors[1].rate",
		Msg: "1.5 is out of range; want a share between 0 and 1"}
	if !reflect.DeepEqual(e, want) {
		t.Errorf("got %+v; want %+v", e, want)
	}
	if got, want := e.Error(), "flaky.yaml:7:29: apis.b.errors[1].rate: 1.5 is out of range; want a share between 0 and 1"; got != want {
		t.Errorf("Error() = %q; want %q", got, want)
	}
}

func TestBuiltins(t *testing.T) {
	infos := Builtins()
	want := []string{"brownout", "ci-smoke", "duplicate-trap", "flaky", "outage", "quick", "rate-limited", "seed-article", "serverless-cold-start", "tail-at-scale"}
	var got []string
	for _, in := range infos {
		got = append(got, in.Name)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Builtins() = %v; want %v", got, want)
	}
	for _, in := range infos {
		t.Run(in.Name, func(t *testing.T) {
			s, err := Open(in.Name)
			if err != nil {
				t.Fatal(err)
			}
			if s.Name != in.Name {
				t.Errorf("name: %q; want the file name %q", s.Name, in.Name)
			}
			if in.Description == "" || in.Description != s.Description {
				t.Errorf("description %q; want a non-empty description", in.Description)
			}
			rates := []float64{s.Load.Rate + max(s.Load.Amp, s.Load.Slope*s.Load.Duration.Seconds())}
			for _, st := range s.Load.Steps {
				rates = append(rates, st.Rate)
			}
			for _, r := range rates {
				if r > 300 {
					t.Errorf("offers %v/s; want at most 300/s on a small machine", r)
				}
			}
			src, err := BuiltinSource(in.Name)
			if err != nil || len(src) == 0 {
				t.Errorf("BuiltinSource: %q, %v", src, err)
			}
		})
	}
}

func TestBuiltinShapes(t *testing.T) {
	open := func(name string) *Scenario {
		t.Helper()
		s, err := Open(name)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	if s := open(DefaultName); len(s.Strategies) != 4 || s.Load.Rate != 200 || s.Load.Warmup != 2*time.Second {
		t.Errorf("quick: %d strategies at %v/s after %v; want 4 at 200/s after 2s", len(s.Strategies), s.Load.Rate, s.Load.Warmup)
	}
	s := open("ci-smoke")
	perStrategy := s.Load.Warmup + s.Load.Duration
	if total := time.Duration(len(s.Strategies)) * perStrategy; len(s.Strategies) != 4 || total >= 20*time.Second {
		t.Errorf("ci-smoke: %d strategies, %v of load in all; want 4 in under 20s", len(s.Strategies), total)
	}
	s = open("outage")
	if len(s.Phases) != 2 || s.Phases[0].Set == nil || s.Phases[0].Set.Errors[0].Rate != 1 || !s.Phases[1].Reset {
		t.Errorf("outage phases: %+v; want b set to 100%% 503 then reset", s.Phases)
	}
	s = open("brownout")
	if got := s.Phases[0].Set.Latency.Median.D(); got != 10*s.APIs.B.Latency.Median.D() {
		t.Errorf("brownout: b median %v in the phase; want ten times %v", got, s.APIs.B.Latency.Median.D())
	}
	s = open("duplicate-trap")
	if s.APIs.B.Idempotency != "off" || len(s.APIs.B.Faults) == 0 || s.APIs.B.Faults[0].Kind != mockapi.FaultLostAck {
		t.Errorf("duplicate-trap b: %+v; want lost_ack with idempotency off", s.APIs.B)
	}
}

func TestOpen(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "mine.yaml")
	if err := os.WriteFile(file, []byte(minimal), 0o644); err != nil {
		t.Fatal(err)
	}
	if s, err := Open(file); err != nil || s.Name != "minimal" {
		t.Errorf("Open(file) = %v, %v; want the minimal scenario", s, err)
	}
	if _, err := Open("quik"); err == nil || !strings.Contains(err.Error(), `did you mean "quick"`) {
		t.Errorf("Open(quik) error = %v; want a suggestion of quick", err)
	}
	if _, err := Open(filepath.Join(dir, "missing.yaml")); err == nil || !strings.Contains(err.Error(), "read scenario") {
		t.Errorf("Open(missing file) error = %v; want a read error", err)
	}
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte(strings.Replace(minimal, "name: minimal", "name: X", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(bad); err == nil || !strings.HasPrefix(err.Error(), bad+":2:7: name:") {
		t.Errorf("Open(bad) error = %v; want it to name %s:2:7", err, bad)
	}
	if _, err := BuiltinSource("../scenarios"); err == nil {
		t.Error("BuiltinSource(../scenarios) succeeded")
	}
}

func TestFileSizeLimit(t *testing.T) {
	big := minimal + "description: " + strings.Repeat("x", maxFileSize) + "\n"
	if msg := parseErr(t, big); !strings.Contains(msg, "want a scenario of at most") {
		t.Errorf("got %q", msg)
	}
}

func TestParseMocks(t *testing.T) {
	s, err := ParseMocks("apis.yaml", []byte("apis:\n  a: {latency: {dist: fixed, value: 1ms}}\n  b: {errors: [{status: 503, rate: 0.5}]}\n"))
	if err != nil {
		t.Fatalf("ParseMocks: %v", err)
	}
	if s.Name != "mocks" || s.APIs.B.Errors[0].Status != 503 || s.Seed != 1 {
		t.Errorf("got name %q, b errors %+v, seed %d; want mocks, the 503 rule, seed 1", s.Name, s.APIs.B.Errors, s.Seed)
	}
	// Still strict about what is there, and a full Parse still wants load.
	if _, err := ParseMocks("bad.yaml", []byte("apis:\n  a: {}\n  b: {errors: [{status: 503, rate: 2}]}\n")); err == nil ||
		!strings.Contains(err.Error(), "bad.yaml:3:") || !strings.Contains(err.Error(), "apis.b.errors[0].rate") {
		t.Errorf("ParseMocks of a bad rate: %v; want an error at bad.yaml:3 naming apis.b.errors[0].rate", err)
	}
	if _, err := Parse("apis.yaml", []byte("apis:\n  a: {}\n  b: {}\n")); err == nil || !strings.Contains(err.Error(), "load: missing") {
		t.Errorf("Parse without load: %v; want load: missing", err)
	}
}
