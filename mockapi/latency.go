package mockapi

import (
	"math"
	"math/rand/v2"
	"time"

	"github.com/fanbench/fanbench/field"
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
// "latency.p99: 100ms is below median (120ms); want p99 of at least the median".
func (l Latency) Sampler() (Sampler, error) {
	var es field.Errors
	es.Nest("latency", l.Validate())
	if err := field.Err(es); err != nil {
		return nil, err
	}
	return l.build(), nil
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

// build returns the sampler of l, which Validate accepted.
func (l Latency) build() Sampler {
	c := capNS(l.Max)
	switch l.Dist {
	case DistFixed:
		return fixedDist{d: toDuration(float64(l.Value), c)}
	case DistUniform:
		return uniformDist{lo: float64(l.Min), span: float64(l.Max - l.Min)}
	case DistNormal:
		return normalDist{mean: float64(l.Mean), sd: float64(l.Stddev), cap: c}
	case DistLognormal:
		sigma := l.Sigma
		if l.P99 != 0 {
			sigma = math.Log(float64(l.P99)/float64(l.Median)) / z99
		}
		return lognormalDist{mu: math.Log(float64(l.Median)), sigma: sigma, cap: c}
	case DistExponential:
		return exponentialDist{mean: float64(l.Mean), cap: c}
	case DistPareto:
		return paretoDist{scale: float64(l.Scale), invAlpha: 1 / l.Alpha, cap: c}
	case DistMixture:
		m := mixtureDist{cum: make([]float64, len(l.Parts)), parts: make([]Sampler, len(l.Parts)), cap: c}
		total := 0.0
		for i, p := range l.Parts {
			total += p.Weight
			m.cum[i] = total
			m.parts[i] = p.Latency.build()
		}
		for i := range m.cum {
			m.cum[i] /= total
		}
		m.cum[len(m.cum)-1] = 1
		return m
	}
	return fixedDist{}
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
