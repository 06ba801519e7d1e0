package mockapi

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// Config.Validate names each field by its path within the profile, the
// way scenarios and the admin API report it.
func TestConfigValidatePaths(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want []string // paths, in order
	}{
		{"zero value", Config{}, nil},
		{"error status and rate", Config{Errors: []ErrorRule{{Status: 503, Rate: 0.1}, {Status: 200, Rate: 1.5}}}, []string{"errors[1].status", "errors[1].rate"}},
		{"error rates sum", Config{Errors: []ErrorRule{{Status: 503, Rate: 0.6}, {Status: 500, Rate: 0.6}}}, []string{"errors"}},
		{"errors and faults share a draw", Config{Errors: []ErrorRule{{Status: 503, Rate: 0.6}}, Faults: []Fault{{Kind: FaultReset, Rate: 0.6}}}, []string{"faults"}},
		{"fault kind and duration", Config{Faults: []Fault{{Kind: "explode", Rate: 0.1}, {Kind: FaultHang, Rate: 0.1, Duration: Duration(time.Second)}}}, []string{"faults[0].kind", "faults[1].duration"}},
		{"rate limit", Config{RateLimit: &RateLimit{RPS: 0, Burst: -1, RetryAfter: Duration(-time.Second)}}, []string{"rate_limit.rps", "rate_limit.burst", "rate_limit.retry_after"}},
		{"limits", Config{FailFirst: -1, ConcurrencyLimit: -1, LimitStatus: 500}, []string{"fail_first", "concurrency_limit", "limit_status"}},
		{"idempotency", Config{Idempotency: "true"}, []string{"idempotency"}},
		{"latency", Config{Latency: Latency{Dist: DistNormal}}, []string{"latency.mean"}},
		{"mixture part", Config{Latency: Latency{Dist: DistMixture, Parts: []LatencyPart{{Weight: 1, Latency: Latency{Dist: DistFixed, Value: Duration(-1)}}}}}, []string{"latency.parts[0].value"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, e := range tt.cfg.Validate() {
				got = append(got, e.Path)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("Validate paths = %q; want %q", got, tt.want)
			}
			// What Validate refuses, New refuses, naming the same fields.
			_, err := New("a", tt.cfg, 1)
			if (err == nil) != (len(tt.want) == 0) {
				t.Fatalf("New error = %v; want an error exactly when Validate finds one", err)
			}
			for _, p := range tt.want {
				if !strings.Contains(err.Error(), p+": ") {
					t.Errorf("New error %q does not name %s", err, p)
				}
			}
		})
	}
}
