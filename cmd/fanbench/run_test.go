package main

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fanbench/fanbench/reports"
)

// fanbench runs the CLI in-process and returns its exit code and output.
func fanbench(t *testing.T, ctx context.Context, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	// A busy shared test machine saturates the harness by its timing rules
	// (late timers); tests of other behaviour judge their SLOs regardless.
	// saturated_test.go runs without this.
	err := run(ctx, args, func(k string) string {
		if k == "FANBENCH_ALLOW_SATURATED" {
			return "1"
		}
		return ""
	}, &out, &errb)
	code = exitCode(err, &errb)
	return code, out.String(), errb.String()
}

func writeFile(t *testing.T, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

const tinyScenario = `name: tiny
seed: 3
apis:
  a: {latency: {dist: fixed, value: 5ms}}
  b: {latency: {dist: fixed, value: 10ms}}
load: {rate: 50, duration: 1s, warmup: 200ms}
strategies: [sequential, errgroup]
`

func TestRunWritesResults(t *testing.T) {
	sc := writeFile(t, "tiny.yaml", tinyScenario)
	out := filepath.Join(t.TempDir(), "out")
	code, stdout, stderr := fanbench(t, t.Context(), "run", "--scenario", sc, "--out", out)
	if code != exitOK {
		t.Fatalf("exit %d; want 0\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	for _, want := range []string{"sequential", "errgroup", "ideal p50", "results:"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	res, err := reports.ReadJSON(filepath.Join(out, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	if res.Scenario != "tiny" || res.Seed != 3 || res.Partial || len(res.Strategies) != 2 {
		t.Errorf("results: scenario %q seed %d partial %v with %d strategies; want tiny, 3, false, 2",
			res.Scenario, res.Seed, res.Partial, len(res.Strategies))
	}
	for _, s := range res.Strategies {
		if s.Requests != 50 || s.Outcomes.Both != 50 {
			t.Errorf("%s: requests %d, both %d; want 50, 50", s.Name, s.Requests, s.Outcomes.Both)
		}
	}
	// The raw JSON carries the schema's field names.
	raw, _ := os.ReadFile(filepath.Join(out, "results.json"))
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	s0 := m["strategies"].([]any)[0].(map[string]any)
	for _, k := range []string{"requests", "rate_requested", "rate_achieved", "success_ratio", "driver_saturated",
		"latency_ms", "ideal_ms", "delivery_ms", "outcomes", "lost", "duplicate_deliveries", "duplicate_effects",
		"calls", "retries", "breaker_opens", "dead_letters", "status_codes", "cpu_us_per_send"} {
		if _, ok := s0[k]; !ok {
			t.Errorf("results.json strategy lacks field %q", k)
		}
	}
}

func TestRunOverridesFromFlags(t *testing.T) {
	sc := writeFile(t, "tiny.yaml", tinyScenario)
	out := filepath.Join(t.TempDir(), "out")
	code, _, stderr := fanbench(t, t.Context(), "run", "--scenario", sc, "--out", out, "--quiet",
		"--strategies", "errgroup", "--rate", "20", "--duration", "500ms", "--warmup", "0", "--seed", "9")
	if code != exitOK {
		t.Fatalf("exit %d; want 0\n%s", code, stderr)
	}
	res, err := reports.ReadJSON(filepath.Join(out, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Strategies) != 1 || res.Strategies[0].Name != "errgroup" || res.Strategies[0].Requests != 10 || res.Seed != 9 {
		t.Errorf("got %d strategies, first %+v, seed %d; want errgroup alone with 10 requests, seed 9",
			len(res.Strategies), res.Strategies[0].Name, res.Seed)
	}
}

func TestRunBadInput(t *testing.T) {
	sc := writeFile(t, "tiny.yaml", tinyScenario)
	tests := []struct {
		name string
		args []string
		want []string // in stderr
	}{
		{"unknown strategy", []string{"--strategies", "sequential,pigeon"}, []string{"--strategies", `"pigeon"`, "errgroup"}},
		{"negative rate", []string{"--rate", "-5"}, []string{"--rate", "above 0"}},
		{"unparsable duration", []string{"--duration", "ten"}, []string{"--duration", "ten"}},
		{"missing scenario file", []string{"--scenario", "/nonexistent/s.yaml"}, []string{"--scenario", "/nonexistent/s.yaml"}},
		{"unknown flag", []string{"--rat", "5"}, []string{"--rat"}},
		{"infinite rate", []string{"--rate", "+Inf"}, []string{"--rate", "at most"}},
		{"rate beyond vegeta", []string{"--rate", "3e9"}, []string{"--rate", "at most"}},
		{"NaN rate", []string{"--rate", "NaN"}, []string{"--rate"}},
		{"run longer than a run may last", []string{"--duration", "2h"}, []string{"--duration", "want at most 1h10m0s"}},
		// Issue 12, items 9 and 10: a sum that wraps round, a rate that never sends.
		{"overflowing sum", []string{"--warmup", "2562047h", "--duration", "2562047h"}, []string{"--duration/--warmup", "overflows"}},
		{"negative warm-up", []string{"--warmup", "-1s"}, []string{"--warmup", "negative"}},
		{"zero duration", []string{"--duration", "0s"}, []string{"--duration", "above 0"}},
		{"rate slower than the run", []string{"--rate", "1e-11"}, []string{"--rate", "load.rate", "after the end"}},
		{"bad mock address", []string{"--target", "http://127.0.0.1:9/x", "--mock-listen", "bogus"}, []string{"--mock-listen", "HOST:PORT"}},
		{"remote mock address", []string{"--target", "http://127.0.0.1:9/x", "--mock-listen", "0.0.0.0:9001"}, []string{"--mock-listen", "--allow-remote"}},
		{"zero repeats", []string{"--repeat", "0"}, []string{"--repeat"}},
		{"unreachable broker", []string{"--strategies", "queue", "--nats-url", "nats://127.0.0.1:1"}, []string{"--nats-url", "connection refused"}},
		{"stray argument", []string{"extra"}, []string{"extra"}},
	}
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	tests = append(tests, struct {
		name string
		args []string
		want []string
	}{"mock port in use", []string{"--target", "http://127.0.0.1:9/x", "--mock-listen", busy.Addr().String()}, []string{"--mock-listen", "address already in use"}})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			args := append([]string{"run", "--scenario", sc, "--out", out}, tt.args...)
			code, _, stderr := fanbench(t, t.Context(), args...)
			if code != exitUsage {
				t.Errorf("exit %d; want %d\n%s", code, exitUsage, stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr)
				}
			}
			if strings.Contains(stderr, "panic") {
				t.Errorf("stderr mentions a panic:\n%s", stderr)
			}
			if _, err := os.Stat(filepath.Join(out, "results.json")); err == nil {
				t.Error("results.json was written for bad input")
			}
		})
	}
}

// Cancelling the context (as Ctrl-C does) once the run has measured
// sends: a partial result of the first strategy, exit 130.
func TestRunInterruptedWritesPartial(t *testing.T) {
	target := newHeldTarget(t, 10*time.Millisecond)
	sc := writeFile(t, "long.yaml", strings.Replace(tinyScenario, "duration: 1s", "duration: 30s", 1))
	out := filepath.Join(t.TempDir(), "out")
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	var code int
	go func() {
		defer close(done)
		code, _, _ = fanbench(t, ctx, "run", "--scenario", sc, "--out", out, "--quiet", "--target", target.URL)
	}()
	// The warm-up is 200ms at 50/s: ten sends; wait for measured ones.
	checkFor(t, 30*time.Second, 10*time.Millisecond, func() error {
		if n := target.received.Load(); n < 20 {
			return fmt.Errorf("the target received %d sends; waiting for 20", n)
		}
		return nil
	})
	cancel()
	<-done
	if code != exitInterrupted {
		t.Fatalf("exit %d; want %d", code, exitInterrupted)
	}
	res, err := reports.ReadJSON(filepath.Join(out, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !res.Partial || len(res.Strategies) != 1 || res.Strategies[0].Requests == 0 {
		t.Errorf("partial %v, %d strategies; want a partial result for the first strategy", res.Partial, len(res.Strategies))
	}
}

func TestVersion(t *testing.T) {
	code, stdout, _ := fanbench(t, t.Context(), "version")
	if code != 0 || !strings.HasPrefix(stdout, "fanbench ") {
		t.Errorf("version: exit %d, %q", code, stdout)
	}
}

func TestRunSLOGates(t *testing.T) {
	tests := []struct {
		name     string
		slo      string
		wantCode int
		// The wildcard SLO becomes one check per strategy (two here).
		wantTests, wantFail int
	}{
		{"passing", `slo: ["errgroup.latency.p99 < 500ms", "*.success_ratio >= 0.99", "sequential.lost == 0"]`, exitOK, 4, 0},
		{"failing", `slo: ["errgroup.latency.p50 < 1ms", "*.success_ratio >= 0.99"]`, exitSLO, 3, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc := writeFile(t, "slo.yaml", tinyScenario+tt.slo+"\n")
			dir := t.TempDir()
			junitPath := filepath.Join(dir, "slo.xml")
			code, stdout, stderr := fanbench(t, t.Context(), "run", "--scenario", sc, "--out", filepath.Join(dir, "out"),
				"--junit", junitPath, "--duration", "500ms")
			if code != tt.wantCode {
				t.Fatalf("exit %d; want %d\n%s\n%s", code, tt.wantCode, stdout, stderr)
			}
			raw, err := os.ReadFile(junitPath)
			if err != nil {
				t.Fatal(err)
			}
			var suites junitSuites
			if err := xml.Unmarshal(raw, &suites); err != nil {
				t.Fatalf("JUnit output does not parse: %v\n%s", err, raw)
			}
			s := suites.Suites[0]
			if s.Tests != tt.wantTests || s.Failures != tt.wantFail {
				t.Errorf("junit: %d tests, %d failures; want %d, %d\n%s", s.Tests, s.Failures, tt.wantTests, tt.wantFail, raw)
			}
			res, err := reports.ReadJSON(filepath.Join(dir, "out", "results.json"))
			if err != nil {
				t.Fatal(err)
			}
			if len(res.SLO) != s.Tests {
				t.Errorf("results.json has %d SLO checks; junit %d", len(res.SLO), s.Tests)
			}
		})
	}
}
