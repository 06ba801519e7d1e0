package scenarios

import (
	"strings"
	"testing"
)

// TestOddInputs runs Parse over YAML corner cases: none may panic, each
// must fail with a located message (or parse, where noted).
func TestOddInputs(t *testing.T) {
	tests := []struct {
		name, src string
		ok        bool   // expected to parse
		want      string // part of the message, when it fails
	}{
		{"document marker only", "---\n", false, "the file is empty"},
		{"directive", "%YAML 1.2\n---\n" + minimal, true, ""},
		{"null root", "~\n", false, "the file is empty"},
		{"scalar root", "hello\n", false, "want a mapping of scenario fields"},
		{"tagged values", strings.Replace(minimal, "rate: 50", "rate: !!float 50", 1), true, ""},
		{"JSON", `{"name": "json", "apis": {"a": {}, "b": {}}, "load": {"rate": 5, "duration": "1s"}}`, true, ""},
		{"merge of a scalar", "name: m\napis:\n  a:\n    <<: 5\n  b: {}\nload: {rate: 1, duration: 1s}\n", false, "want a mapping"},
		{"merge of a list of aliases", "name: m\napis:\n  a: &x {fail_first: 1}\n  b:\n    <<: [*x, {idempotency: \"off\"}]\nload: {rate: 1, duration: 1s}\n", true, ""},
		{"merge of an unknown alias", "name: m\napis:\n  a: {}\n  b:\n    <<: *nope\nload: {rate: 1, duration: 1s}\n", false, "alias *nope"},
		{"self alias", "name: m\napis: &x {a: *x, b: {}}\nload: {rate: 1, duration: 1s}\n", false, "alias *x"},
		{"numeric key", "name: m\n1: x\n", false, "unknown field"},
		{"anchored key", "name: m\n&k apis: {a: {}, b: {}}\nload: {rate: 1, duration: 1s}\n", true, ""},
		{"block scalar name", "name: |\n  multi\n  line\napis: {a: {}, b: {}}\nload: {rate: 1, duration: 1s}\n", false, "want lower-case letters"},
		{"huge int", "name: m\nseed: 0x7fffffffffffffffff\n", false, "whole number"},
		{"negative zero duration", strings.Replace(minimal, "duration: 5s", "duration: -0s", 1), false, "load.duration"},
		{"empty strategies", minimal + "strategies: []\n", false, "the list is empty"},
		{"null strategies", minimal + "strategies:\n", true, ""},
		{"null strategy item", minimal + "strategies: [~]\n", false, "name: missing"},
		{"strategy as list", minimal + "strategies: [[queue]]\n", false, "want a mapping"},
		{"headers", strings.Replace(minimal, "b: {}", "b: {errors: [{status: 503, rate: 0.1, headers: {Retry-After: 1}}]}", 1), true, ""},
		{"headers as list", strings.Replace(minimal, "b: {}", "b: {errors: [{status: 503, rate: 0.1, headers: [x]}]}", 1), false, "want a mapping"},
		{"bool as number", strings.Replace(minimal, "rate: 50", "rate: true", 1), false, "want a number"},
		{"slo not a string", minimal + "slo: [{a: 1}]\n", false, "want a string"},
		{"slo as number", minimal + "slo: [5]\n", false, "has no comparison"},
		{"phase set null", minimal + "phases: [{at: 1s, api: a, set: ~}]\n", false, "neither set nor reset"},
		{"tabs", "name: m\n\tapis: {}\n", false, ""},
		{"unicode name", "name: ĥ\napis: {a: {}, b: {}}\nload: {rate: 1, duration: 1s}\n", false, "want lower-case letters"},
		{"NUL byte", "name: m\x00\n", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Parse("odd.yaml", []byte(tt.src))
			switch {
			case tt.ok && err != nil:
				t.Fatalf("Parse: %v\ninput:\n%s", err, tt.src)
			case !tt.ok && err == nil:
				t.Fatalf("Parse = %+v, nil; want an error containing %q\ninput:\n%s", s, tt.want, tt.src)
			case err != nil && !strings.Contains(err.Error(), tt.want):
				t.Errorf("Parse error:\n%v\nwant it to contain %q", err, tt.want)
			}
		})
	}
}
