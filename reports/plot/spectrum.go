package plot

import (
	"fmt"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg/draw"
)

// Quantile is one point of a latency spectrum.
type Quantile struct {
	Q  float64 // quantile in [0, 1]
	Ms float64 // latency at that quantile, in milliseconds
}

// SpectrumCurve is one strategy's latency spectrum and, when known, the
// spectrum of its ideal (the same strategy with zero overhead).
type SpectrumCurve struct {
	Name     string
	Measured []Quantile
	// Ideal is drawn dashed in the strategy's colour; nil draws none.
	Ideal []Quantile
}

// Spectrum draws the latency percentile spectrum of every strategy on one
// chart, X in nines (0, 90, 99, 99.9, 99.99%), each ideal dashed in its
// strategy's colour — the HdrHistogram plot, with the ideal beside it.
// maxNines is how far right the X axis reaches (clamped to 1..5); it
// should be where the samples run out, log10 of the count.
func Spectrum(curves []SpectrumCurve, maxNines float64) (*Chart, error) {
	if len(curves) == 0 {
		return nil, fmt.Errorf("plot: spectrum of no strategies")
	}
	p := newPlot("user latency by percentile (solid: measured, dashed: ideal)", "", "")
	var series []spectrumLine
	for i, c := range curves {
		series = append(series,
			spectrumLine{name: c.Name, qs: c.Measured, style: solid(seriesColor(i))},
			spectrumLine{qs: c.Ideal, style: dashed(seriesColor(i))})
	}
	if err := addSpectrum(p, series, maxNines); err != nil {
		return nil, err
	}
	idealKey, err := plotter.NewLine(plotter.XYs{})
	if err != nil {
		return nil, err
	}
	idealKey.LineStyle = dashed(gray())
	p.Legend.Add("ideal (zero overhead)", idealKey)
	return newChart(p), nil
}

// spectrumLine is one curve to put on a nines axis; an empty name keeps it
// out of the legend.
type spectrumLine struct {
	name  string
	qs    []Quantile
	style draw.LineStyle
}

// addSpectrum draws lines on p over a nines X axis reaching maxNines and a
// latency Y axis fitted to what is visible.
func addSpectrum(p *plot.Plot, lines []spectrumLine, maxNines float64) error {
	maxNines = math.Min(math.Max(maxNines, 1), 5)
	lo, hi := math.Inf(1), 0.0
	for _, l := range lines {
		if len(l.qs) == 0 {
			continue
		}
		xys := make(plotter.XYs, 0, len(l.qs))
		for _, q := range l.qs {
			x := Nines(q.Q)
			// A latency of 0 cannot sit on a log axis (and is no
			// measurement: histograms start at 1 µs).
			if x > maxNines+1e-9 || q.Ms <= 0 || math.IsNaN(q.Ms) || math.IsInf(q.Ms, 0) {
				continue
			}
			xys = append(xys, plotter.XY{X: x, Y: q.Ms})
			lo = math.Min(lo, q.Ms)
			hi = math.Max(hi, q.Ms)
		}
		if len(xys) == 0 {
			continue
		}
		line, err := plotter.NewLine(xys)
		if err != nil {
			return fmt.Errorf("plot: spectrum of %q: %w", l.name, err)
		}
		line.LineStyle = l.style
		p.Add(line)
		if l.name != "" {
			p.Legend.Add(l.name, line)
		}
	}
	setNinesAxis(p, maxNines)
	setLatencyAxis(p, lo, hi, 0)
	return nil
}
