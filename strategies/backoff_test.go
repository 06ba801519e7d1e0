package strategies

import (
	"testing"
	"time"
)

func TestBackoffDelay(t *testing.T) {
	b := Backoff{Initial: 100 * ms, Max: time.Second, Multiplier: 2}
	tests := []struct {
		name   string
		jitter string
		n      int
		u      float64
		want   time.Duration
	}{
		{"none n=0", JitterNone, 0, 0.7, 100 * ms},
		{"none n=3", JitterNone, 3, 0.7, 800 * ms},
		{"none capped", JitterNone, 4, 0.7, time.Second},
		{"none far past the cap", JitterNone, 5000, 0.7, time.Second},
		{"full low bound", JitterFull, 2, 0, 0},
		{"full mid", JitterFull, 2, 0.5, 200 * ms},
		{"full capped", JitterFull, 10, 0.25, 250 * ms},
		{"equal low bound", JitterEqual, 2, 0, 200 * ms},
		{"equal high end", JitterEqual, 2, 0.5, 300 * ms},
		{"equal capped", JitterEqual, 10, 0.5, 750 * ms},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := b
			b.Jitter = tt.jitter
			if got := b.Delay(tt.n, tt.u); got != tt.want {
				t.Errorf("%+v.Delay(n=%d, u=%v) = %v; want %v", b, tt.n, tt.u, got, tt.want)
			}
		})
	}
}

// TestFullJitterBounds: every full-jitter wait lies in [0, min(max,
// initial·multiplier^n)), whatever the draw.
func TestFullJitterBounds(t *testing.T) {
	b := Backoff{Initial: 50 * ms, Max: 2 * time.Second, Multiplier: 2, Jitter: JitterFull}
	for n := range 12 {
		ceil := min(b.Max, b.Initial<<n)
		for _, u := range []float64{0, 0.001, 0.5, 0.999999} {
			d := b.Delay(n, u)
			if d < 0 || d >= ceil {
				t.Errorf("n=%d u=%v: %v; want in [0, %v)", n, u, d, ceil)
			}
		}
	}
}

func TestBackoffNormalize(t *testing.T) {
	got := Backoff{}.Normalize()
	want := Backoff{Initial: 50 * ms, Max: 2 * time.Second, Multiplier: 2, Jitter: JitterFull}
	if got != want {
		t.Errorf("Backoff{}.Normalize() = %+v; want %+v", got, want)
	}
	if got := (Backoff{Initial: 5 * time.Second}).Normalize().Max; got != 5*time.Second {
		t.Errorf("Max with Initial 5s = %v; want 5s (never below Initial)", got)
	}
}
