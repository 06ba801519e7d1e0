package plot

import (
	"image/color"
	"math"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// minLatencyMs and maxLatencyMs bound a latency axis: 1 µs (the
// histograms' floor) to a year.
const (
	minLatencyMs = 1e-3
	maxLatencyMs = 365 * 24 * 3600 * 1e3
)

// maxNines is the furthest the nines axis reaches: 99.999%.
const maxNines = 5

// Nines maps a quantile q in [0, 1) to its position on a "nines" axis:
// 0 → 0, 0.9 → 1, 0.99 → 2, 0.999 → 3. Quantiles at or above 1 − 10⁻⁵
// are pinned to 5 nines.
func Nines(q float64) float64 {
	if q <= 0 {
		return 0
	}
	if q >= 1-math.Pow(10, -maxNines) {
		return maxNines
	}
	return -math.Log10(1 - q)
}

// ninesTicks labels a nines axis with the percentiles people quote.
func ninesTicks(_, max float64) []plot.Tick {
	var ts []plot.Tick
	for n := 0; n <= maxNines && float64(n) <= max+1e-9; n++ {
		ts = append(ts, plot.Tick{Value: float64(n), Label: ninesLabel(n)})
		// Minor ticks at 50%, 95%, 99.5%, ...: halfway in quantile terms.
		if m := Nines(1 - 0.5*math.Pow(10, -float64(n))); n < maxNines && m <= max {
			ts = append(ts, plot.Tick{Value: m})
		}
	}
	return ts
}

func ninesLabel(n int) string {
	switch n {
	case 0:
		return "0%"
	case 1:
		return "90%"
	case 2:
		return "99%"
	}
	return "99." + strings.Repeat("9", n-2) + "%"
}

// setNinesAxis makes p's X axis the nines axis from 0 to max nines.
func setNinesAxis(p *plot.Plot, max float64) {
	p.X.Min, p.X.Max = 0, max
	p.X.Tick.Marker = plot.TickerFunc(ninesTicks)
	p.X.Label.Text = "percentile (log scale of 1 − q: each step adds a nine)"
}

// setLatencyAxis scales p's Y axis to latencies between lo and hi (ms):
// logarithmic with 1-2-5 ticks when they span a decade or more, so a
// 10-second tail and a 5 ms median share one chart; linear from 0
// otherwise. headroom is the share of the height kept free above hi, for
// a legend that would otherwise sit on the data.
func setLatencyAxis(p *plot.Plot, lo, hi, headroom float64) {
	p.Y.Label.Text = "latency, ms"
	if hi <= 0 || math.IsNaN(hi) {
		p.Y.Min, p.Y.Max = 0, 1
		return
	}
	// No latency is a year long; a larger figure is a corrupt one and
	// would overflow the axis arithmetic below to +Inf.
	hi = math.Min(hi, maxLatencyMs)
	if lo > 0 {
		lo = math.Max(lo, minLatencyMs)
	}
	if lo > 0 && hi/lo >= 10 {
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = plot.TickerFunc(logTicks125)
		lo, hi = lo/1.2, hi*1.2
		// In log space the free share h above hi needs hi·(hi/lo)^(h/(1−h)).
		p.Y.Min, p.Y.Max = lo, hi*math.Pow(hi/lo, headroom/(1-headroom))
		// gonum centres an axis label at the arithmetic middle of the
		// range even on a log scale, so a long label is pushed up and
		// squeezes the panel; a log axis gets a short one.
		p.Y.Label.Text = "ms, log"
		return
	}
	p.Y.Min, p.Y.Max = 0, hi*1.08/(1-headroom)
}

// countTicks are the default ticks labelled as plain integers, not "7500.00".
func countTicks(min, max float64) []plot.Tick {
	ts := plot.DefaultTicks{}.Ticks(min, max)
	for i := range ts {
		if ts[i].Label != "" {
			ts[i].Label = strconv.FormatFloat(ts[i].Value, 'f', -1, 64)
		}
	}
	return ts
}

// logTicks125 puts labelled ticks at 1, 2 and 5 of each decade and
// unlabelled ones at the other digits.
func logTicks125(min, max float64) []plot.Tick {
	if min <= 0 || max <= min || math.IsInf(max, 0) || math.Log10(max/min) > 30 {
		return nil
	}
	var ts []plot.Tick
	for e := math.Floor(math.Log10(min)); e <= math.Ceil(math.Log10(max)); e++ {
		dec := math.Pow(10, e)
		for d := 1; d <= 9; d++ {
			v := float64(d) * dec
			if v < min || v > max {
				continue
			}
			t := plot.Tick{Value: v}
			if d == 1 || d == 2 || d == 5 {
				t.Label = strconv.FormatFloat(v, 'g', -1, 64)
			}
			ts = append(ts, t)
		}
	}
	return ts
}

// gridLines is a light grid behind the data.
func gridLines() *plotter.Grid {
	g := plotter.NewGrid()
	light := color.RGBA{R: 0xdd, G: 0xdd, B: 0xdd, A: 0xff}
	g.Vertical.Color, g.Horizontal.Color = light, light
	g.Vertical.Width, g.Horizontal.Width = vg.Points(0.5), vg.Points(0.5)
	g.Horizontal.Dashes, g.Vertical.Dashes = nil, nil
	return g
}
