package mockapi

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"
)

// Latency distribution names (Latency.Dist).
const (
	DistNone        = ""
	DistFixed       = "fixed"
	DistUniform     = "uniform"
	DistNormal      = "normal"
	DistLognormal   = "lognormal"
	DistExponential = "exponential"
	DistPareto      = "pareto"
	DistMixture     = "mixture"
)

// z99 is the standard normal quantile at 0.99: a lognormal with median m and
// shape σ has p99 = m·e^(2.3263·σ).
const z99 = 2.3263478740408408

// Sampler draws latencies. Implementations hold no lock and no state of their
// own; all randomness comes from r, so a seeded r gives a repeatable sequence.
type Sampler interface {
	Sample(r *rand.Rand) time.Duration
}

// Sampler validates l and returns a sampler for it. The empty Dist yields a
// sampler that always returns 0. Errors name the offending field, e.g.
// "latency.p99: 100ms is below median 120ms; p99 must be >= median".
func (l Latency) Sampler() (Sampler, error) {
	return l.compile("latency")
}

var (
	_ Sampler = fixedDist{}
	_ Sampler = uniformDist{}
	_ Sampler = normalDist{}
	_ Sampler = lognormalDist{}
	_ Sampler = exponentialDist{}
	_ Sampler = paretoDist{}
	_ Sampler = mixtureDist{}
)

// compile validates l; path prefixes every field name in errors.
func (l Latency) compile(path string) (Sampler, error) {
	if l.Max < 0 {
		return nil, fmt.Errorf("%s.max: %v is negative; max must be >= 0 (0 = no cap)", path, l.Max.D())
	}
	c := capNS(l.Max)
	switch l.Dist {
	case DistNone:
		return fixedDist{}, nil
	case DistFixed:
		if l.Value < 0 {
			return nil, fmt.Errorf("%s.value: %v is negative; value must be >= 0", path, l.Value.D())
		}
		return fixedDist{d: toDuration(float64(l.Value), c)}, nil
	case DistUniform:
		if l.Min < 0 {
			return nil, fmt.Errorf("%s.min: %v is negative; min must be >= 0", path, l.Min.D())
		}
		if l.Max < l.Min {
			return nil, fmt.Errorf("%s.max: %v is below min %v; uniform needs max >= min", path, l.Max.D(), l.Min.D())
		}
		return uniformDist{lo: float64(l.Min), span: float64(l.Max - l.Min)}, nil
	case DistNormal:
		if l.Mean < 0 {
			return nil, fmt.Errorf("%s.mean: %v is negative; mean must be >= 0", path, l.Mean.D())
		}
		if l.Stddev < 0 {
			return nil, fmt.Errorf("%s.stddev: %v is negative; stddev must be >= 0", path, l.Stddev.D())
		}
		return normalDist{mean: float64(l.Mean), sd: float64(l.Stddev), cap: c}, nil
	case DistLognormal:
		if l.Median <= 0 {
			return nil, fmt.Errorf("%s.median: %v; lognormal needs median > 0", path, l.Median.D())
		}
		sigma := l.Sigma
		switch {
		case l.P99 != 0 && l.Sigma != 0:
			return nil, fmt.Errorf("%s: both p99 and sigma are set; lognormal takes median with either p99 or sigma", path)
		case l.P99 != 0:
			if l.P99 < l.Median {
				return nil, fmt.Errorf("%s.p99: %v is below median %v; p99 must be >= median", path, l.P99.D(), l.Median.D())
			}
			sigma = math.Log(float64(l.P99)/float64(l.Median)) / z99
		case l.Sigma < 0 || math.IsNaN(l.Sigma) || math.IsInf(l.Sigma, 0):
			return nil, fmt.Errorf("%s.sigma: %v; sigma must be a finite number >= 0", path, l.Sigma)
		}
		return lognormalDist{mu: math.Log(float64(l.Median)), sigma: sigma, cap: c}, nil
	case DistExponential:
		if l.Mean <= 0 {
			return nil, fmt.Errorf("%s.mean: %v; exponential needs mean > 0", path, l.Mean.D())
		}
		return exponentialDist{mean: float64(l.Mean), cap: c}, nil
	case DistPareto:
		if l.Scale <= 0 {
			return nil, fmt.Errorf("%s.scale: %v; pareto needs scale > 0 (the minimum latency)", path, l.Scale.D())
		}
		if !(l.Alpha > 0) || math.IsInf(l.Alpha, 0) {
			return nil, fmt.Errorf("%s.alpha: %v; pareto needs a finite alpha > 0", path, l.Alpha)
		}
		return paretoDist{scale: float64(l.Scale), invAlpha: 1 / l.Alpha, cap: c}, nil
	case DistMixture:
		return compileMixture(l, path, c)
	default:
		return nil, fmt.Errorf("%s.dist: unknown distribution %q; want one of fixed, uniform, normal, lognormal, exponential, pareto, mixture", path, l.Dist)
	}
}

func compileMixture(l Latency, path string, c float64) (Sampler, error) {
	if len(l.Parts) == 0 {
		return nil, fmt.Errorf("%s.parts: empty; mixture needs at least one weighted part", path)
	}
	m := mixtureDist{cum: make([]float64, len(l.Parts)), parts: make([]Sampler, len(l.Parts)), cap: c}
	total := 0.0
	for i, p := range l.Parts {
		pp := fmt.Sprintf("%s.parts[%d]", path, i)
		if !(p.Weight > 0) || math.IsInf(p.Weight, 0) {
			return nil, fmt.Errorf("%s.weight: %v; weights must be finite and > 0", pp, p.Weight)
		}
		s, err := p.Latency.compile(pp)
		if err != nil {
			return nil, err
		}
		total += p.Weight
		m.cum[i] = total
		m.parts[i] = s
	}
	for i := range m.cum {
		m.cum[i] /= total
	}
	m.cum[len(m.cum)-1] = 1
	return m, nil
}

// capNS converts an optional cap to float64 nanoseconds (+Inf when unset).
func capNS(max Duration) float64 {
	if max <= 0 {
		return math.Inf(1)
	}
	return float64(max)
}

// toDuration clamps ns to [0, cap] and to the range of time.Duration.
func toDuration(ns, cap float64) time.Duration {
	if !(ns > 0) { // also NaN
		return 0
	}
	ns = min(ns, cap, math.MaxInt64/2)
	return time.Duration(ns)
}

type fixedDist struct{ d time.Duration }

func (f fixedDist) Sample(*rand.Rand) time.Duration { return f.d }

type uniformDist struct{ lo, span float64 }

func (u uniformDist) Sample(r *rand.Rand) time.Duration {
	return toDuration(u.lo+u.span*r.Float64(), math.Inf(1))
}

// normalDist clamps negative draws to 0 rather than redrawing, so a mean
// closer to 0 than ~2σ piles some mass at 0.
type normalDist struct{ mean, sd, cap float64 }

func (n normalDist) Sample(r *rand.Rand) time.Duration {
	return toDuration(n.mean+n.sd*r.NormFloat64(), n.cap)
}

type lognormalDist struct{ mu, sigma, cap float64 }

func (l lognormalDist) Sample(r *rand.Rand) time.Duration {
	return toDuration(math.Exp(l.mu+l.sigma*r.NormFloat64()), l.cap)
}

type exponentialDist struct{ mean, cap float64 }

func (e exponentialDist) Sample(r *rand.Rand) time.Duration {
	return toDuration(e.mean*r.ExpFloat64(), e.cap)
}

type paretoDist struct{ scale, invAlpha, cap float64 }

func (p paretoDist) Sample(r *rand.Rand) time.Duration {
	u := 1 - r.Float64() // (0, 1]
	return toDuration(p.scale*math.Pow(u, -p.invAlpha), p.cap)
}

// mixtureDist picks a part by weight (cum is the normalised cumulative
// weight), then draws from it; cap applies on top of each part's own cap.
type mixtureDist struct {
	cum   []float64
	parts []Sampler
	cap   float64
}

func (m mixtureDist) Sample(r *rand.Rand) time.Duration {
	u := r.Float64()
	i := 0
	for i < len(m.cum)-1 && u >= m.cum[i] {
		i++
	}
	return toDuration(float64(m.parts[i].Sample(r)), m.cap)
}
