package mockapi

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// draws is the sample size of the distribution tests.
const draws = 100_000

// Tolerance: rather than compare empirical percentiles with a relative
// error that depends on each density, the tests check the empirical CDF at
// the configured quantile: the share of draws <= x_q must be within
// 5 binomial standard deviations of q, i.e. q ± 5·sqrt(q(1-q)/n) — for
// n = 100k about ±0.0008 at p50, ±0.00047 at p90, ±0.00016 at p99. The
// seeds are fixed, so the tests are deterministic; the bound says how
// tight the match is, not how flaky they are.
func cdfWithin(t *testing.T, xs []time.Duration, x time.Duration, q float64) {
	t.Helper()
	n := 0
	for _, v := range xs {
		if v <= x {
			n++
		}
	}
	got := float64(n) / float64(len(xs))
	tol := 5 * math.Sqrt(q*(1-q)/float64(len(xs)))
	if math.Abs(got-q) > tol {
		t.Errorf("share of draws <= %v = %.5f; want %.5f ± %.5f", x, got, q, tol)
	}
}

func ms(f float64) time.Duration { return time.Duration(f * float64(time.Millisecond)) }

func TestSamplerQuantiles(t *testing.T) {
	sigma := math.Log(120.0/40) / z99
	tests := []struct {
		name string
		lat  Latency
		// quantile returns the configured distribution's q-quantile.
		quantile func(q float64) time.Duration
	}{
		{"uniform", Latency{Dist: "uniform", Min: D(10 * time.Millisecond), Max: D(30 * time.Millisecond)},
			func(q float64) time.Duration { return ms(10 + 20*q) }},
		{"normal", Latency{Dist: "normal", Mean: D(100 * time.Millisecond), Stddev: D(10 * time.Millisecond)},
			func(q float64) time.Duration { return ms(100 + 10*normalQuantile(q)) }},
		{"lognormal median+p99", Latency{Dist: "lognormal", Median: D(40 * time.Millisecond), P99: D(120 * time.Millisecond)},
			func(q float64) time.Duration { return ms(40 * math.Exp(sigma*normalQuantile(q))) }},
		{"lognormal median+sigma", Latency{Dist: "lognormal", Median: D(40 * time.Millisecond), Sigma: 0.5},
			func(q float64) time.Duration { return ms(40 * math.Exp(0.5*normalQuantile(q))) }},
		{"exponential", Latency{Dist: "exponential", Mean: D(50 * time.Millisecond)},
			func(q float64) time.Duration { return ms(-50 * math.Log(1-q)) }},
		{"pareto", Latency{Dist: "pareto", Scale: D(10 * time.Millisecond), Alpha: 1.5},
			func(q float64) time.Duration { return ms(10 * math.Pow(1-q, -1/1.5)) }},
		{"mixture of uniforms 97/3", Latency{Dist: "mixture", Parts: []LatencyPart{
			{Weight: 97, Latency: Latency{Dist: "uniform", Min: D(10 * time.Millisecond), Max: D(20 * time.Millisecond)}},
			{Weight: 3, Latency: Latency{Dist: "uniform", Min: D(500 * time.Millisecond), Max: D(1000 * time.Millisecond)}},
		}}, func(q float64) time.Duration {
			if q < 0.97 {
				return ms(10 + 10*q/0.97)
			}
			return ms(500 + 500*(q-0.97)/0.03)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := tt.lat.Sampler()
			if err != nil {
				t.Fatalf("Sampler(%+v): %v", tt.lat, err)
			}
			xs := sample(s, 1, draws)
			for _, q := range []float64{0.5, 0.9, 0.99} {
				cdfWithin(t, xs, tt.quantile(q), q)
			}
		})
	}
}

func TestSamplerAtomsAndCaps(t *testing.T) {
	tests := []struct {
		name  string
		lat   Latency
		check func(t *testing.T, xs []time.Duration)
	}{
		{"none", Latency{}, allEqual(0)},
		{"fixed", Latency{Dist: "fixed", Value: D(40 * time.Millisecond)}, allEqual(40 * time.Millisecond)},
		{"fixed capped", Latency{Dist: "fixed", Value: D(40 * time.Millisecond), Max: D(30 * time.Millisecond)}, allEqual(30 * time.Millisecond)},
		{"lognormal capped", Latency{Dist: "lognormal", Median: D(40 * time.Millisecond), P99: D(400 * time.Millisecond), Max: D(100 * time.Millisecond)},
			func(t *testing.T, xs []time.Duration) {
				// P(X > 100ms) = 1 - Φ(ln(2.5)/σ); all of that mass sits at the cap.
				sigma := math.Log(10) / z99
				pAbove := 1 - normalCDF(math.Log(2.5)/sigma)
				atCap, over := 0, 0
				for _, x := range xs {
					if x == 100*time.Millisecond {
						atCap++
					}
					if x > 100*time.Millisecond {
						over++
					}
				}
				if over > 0 {
					t.Errorf("%d draws above the 100ms cap", over)
				}
				binomialWithin(t, "draws at the cap", atCap, len(xs), pAbove)
			}},
		{"bimodal mixture 97% fast / 3% 50x slower", Latency{Dist: "mixture", Parts: []LatencyPart{
			{Weight: 0.97, Latency: Latency{Dist: "fixed", Value: D(10 * time.Millisecond)}},
			{Weight: 0.03, Latency: Latency{Dist: "fixed", Value: D(500 * time.Millisecond)}},
		}}, func(t *testing.T, xs []time.Duration) {
			slow := 0
			for _, x := range xs {
				switch x {
				case 500 * time.Millisecond:
					slow++
				case 10 * time.Millisecond:
				default:
					t.Fatalf("draw %v is neither part", x)
				}
			}
			binomialWithin(t, "slow draws", slow, len(xs), 0.03)
		}},
		{"normal clamps at 0", Latency{Dist: "normal", Mean: D(time.Millisecond), Stddev: D(time.Millisecond)},
			func(t *testing.T, xs []time.Duration) {
				zero := 0
				for _, x := range xs {
					if x < 0 {
						t.Fatalf("negative draw %v", x)
					}
					if x == 0 {
						zero++
					}
				}
				binomialWithin(t, "draws clamped to 0", zero, len(xs), normalCDF(-1))
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := tt.lat.Sampler()
			if err != nil {
				t.Fatalf("Sampler(%+v): %v", tt.lat, err)
			}
			tt.check(t, sample(s, 7, draws))
		})
	}
}

func TestSamplerSameSeedSameSequence(t *testing.T) {
	s, err := Latency{Dist: "lognormal", Median: D(40 * time.Millisecond), P99: D(120 * time.Millisecond)}.Sampler()
	if err != nil {
		t.Fatal(err)
	}
	a, b, c := sample(s, 3, 1000), sample(s, 3, 1000), sample(s, 4, 1000)
	same := true
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("draw %d: %v then %v with the same seed", i, a[i], b[i])
		}
		same = same && a[i] == c[i]
	}
	if same {
		t.Fatal("seeds 3 and 4 gave the same sequence")
	}
}

func TestSamplerErrors(t *testing.T) {
	tests := []struct {
		name string
		lat  Latency
		want string
	}{
		{"lognormal p99 below median", Latency{Dist: "lognormal", Median: D(120 * time.Millisecond), P99: D(100 * time.Millisecond)},
			"latency.p99: 100ms is below median (120ms); want p99 of at least the median"},
		{"lognormal without median", Latency{Dist: "lognormal", P99: D(100 * time.Millisecond)}, "latency.median: lognormal needs median above 0"},
		{"lognormal p99 and sigma", Latency{Dist: "lognormal", Median: D(time.Millisecond), P99: D(2 * time.Millisecond), Sigma: 1}, "latency.sigma: give p99 or sigma, not both"},
		{"uniform max below min", Latency{Dist: "uniform", Min: D(20 * time.Millisecond), Max: D(10 * time.Millisecond)}, "latency.max: 10ms is below min (20ms)"},
		{"negative fixed", Latency{Dist: "fixed", Value: D(-time.Millisecond)}, "latency.value: -1ms is negative"},
		{"exponential without mean", Latency{Dist: "exponential"}, "latency.mean: exponential needs mean above 0"},
		{"pareto alpha 0", Latency{Dist: "pareto", Scale: D(time.Millisecond)}, "latency.alpha: pareto needs alpha above 0"},
		{"unknown dist", Latency{Dist: "gamma"}, `latency.dist: unknown distribution "gamma"`},
		{"empty mixture", Latency{Dist: "mixture"}, "latency.parts: a mixture needs parts"},
		{"mixture part weight", Latency{Dist: "mixture", Parts: []LatencyPart{{Weight: 0, Latency: Latency{Dist: "fixed"}}}}, "latency.parts[0].weight: 0"},
		{"mixture part field", Latency{Dist: "mixture", Parts: []LatencyPart{
			{Weight: 1, Latency: Latency{Dist: "fixed"}},
			{Weight: 1, Latency: Latency{Dist: "lognormal", Median: D(2 * time.Millisecond), P99: D(time.Millisecond)}},
		}}, "latency.parts[1].p99: 1ms is below median (2ms)"},
		{"negative max", Latency{Dist: "fixed", Max: D(-time.Second)}, "latency.max: -1s is negative"},
		// Scenarios and the mock once disagreed on this one.
		{"normal mean 0", Latency{Dist: "normal", Stddev: D(time.Millisecond)}, "latency.mean: normal needs mean above 0"},
		{"field of another dist", Latency{Dist: "fixed", Value: D(time.Millisecond), Median: D(time.Millisecond)}, "latency.median: fixed takes value, max, not median"},
		{"uniform without max", Latency{Dist: "uniform", Min: D(time.Millisecond)}, "latency.max: uniform draws between min and max"},
		{"lognormal without spread", Latency{Dist: "lognormal", Median: D(time.Millisecond)}, "latency.p99: lognormal needs p99 (or sigma)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.lat.Sampler()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Sampler(%+v) error = %v; want it to contain %q", tt.lat, err, tt.want)
			}
		})
	}
}

// D converts a time.Duration for config literals.
func D(d time.Duration) Duration { return Duration(d) }

func sample(s Sampler, seed uint64, n int) []time.Duration {
	r := rand.New(rand.NewPCG(seed, seed^0xfeed))
	xs := make([]time.Duration, n)
	for i := range xs {
		xs[i] = s.Sample(r)
	}
	return xs
}

func allEqual(want time.Duration) func(t *testing.T, xs []time.Duration) {
	return func(t *testing.T, xs []time.Duration) {
		t.Helper()
		for i, x := range xs {
			if x != want {
				t.Fatalf("draw %d = %v; want %v", i, x, want)
			}
		}
	}
}

// binomialWithin checks that k successes in n trials are within 5 binomial
// standard deviations of p·n.
func binomialWithin(t *testing.T, what string, k, n int, p float64) {
	t.Helper()
	mean := p * float64(n)
	tol := 5 * math.Sqrt(float64(n)*p*(1-p))
	if math.Abs(float64(k)-mean) > tol {
		t.Errorf("%s: %d of %d; want %.0f ± %.0f (p = %.4f)", what, k, n, mean, tol, p)
	}
}

func normalCDF(z float64) float64 { return 0.5 * math.Erfc(-z/math.Sqrt2) }

func normalQuantile(q float64) float64 { return math.Sqrt2 * math.Erfinv(2*q-1) }
