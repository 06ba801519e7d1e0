package plot

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// SweepPoint is one step of a sweep: the achieved rate and the corrected
// latency there.
type SweepPoint struct {
	Achieved, P50, P99 float64 // sends/s, ms, ms
	Saturated          bool    // the harness was saturated: drawn hollow
}

// SweepCurve is one strategy's steps, in any order, and its knee if found.
type SweepCurve struct {
	Name   string
	Points []SweepPoint
	Knee   *SweepPoint
}

// Sweep draws latency against throughput: x the achieved sends per second,
// y p50 (dashed) and p99 (solid) on a log scale, one colour per strategy,
// the knee ringed, steps where the harness was saturated drawn hollow.
func Sweep(curves []SweepCurve) (*Chart, error) {
	if len(curves) == 0 {
		return nil, fmt.Errorf("plot: sweep of no strategies")
	}
	p := newPlot("latency against throughput", "achieved sends per second", "latency, ms")
	lo, hi, xmax := math.Inf(1), 0.0, 1.0
	for _, c := range curves {
		for _, pt := range c.Points {
			for _, v := range []float64{pt.P50, pt.P99} {
				if v > 0 {
					lo, hi = math.Min(lo, v), math.Max(hi, v)
				}
			}
			xmax = math.Max(xmax, pt.Achieved)
		}
	}
	if math.IsInf(lo, 1) {
		lo = 0
	}
	setLatencyAxis(p, lo, hi, 0.2)
	p.X.Min, p.X.Max = 0, xmax*1.08
	p.X.Tick.Marker = plot.TickerFunc(countTicks)
	p.Legend.Top, p.Legend.Left = true, true
	for i, c := range curves {
		col := seriesColor(i)
		pts := append([]SweepPoint(nil), c.Points...)
		sortByAchieved(pts)
		for _, q := range []struct {
			name  string
			y     func(SweepPoint) float64
			style draw.LineStyle
		}{
			{c.Name + " p99", func(s SweepPoint) float64 { return s.P99 }, solid(col)},
			{c.Name + " p50", func(s SweepPoint) float64 { return s.P50 }, dashed(col)},
		} {
			var xy plotter.XYs
			for _, s := range pts {
				if v := q.y(s); v > 0 {
					xy = append(xy, plotter.XY{X: s.Achieved, Y: v})
				}
			}
			if len(xy) == 0 {
				continue
			}
			line, err := plotter.NewLine(xy)
			if err != nil {
				return nil, fmt.Errorf("plot: sweep %s: %w", q.name, err)
			}
			line.LineStyle = q.style
			p.Add(line)
			p.Legend.Add(q.name, line)
			for _, s := range pts {
				if q.y(s) <= 0 {
					continue
				}
				sc, err := plotter.NewScatter(plotter.XYs{{X: s.Achieved, Y: q.y(s)}})
				if err != nil {
					return nil, err
				}
				shape := draw.GlyphDrawer(draw.CircleGlyph{})
				if s.Saturated {
					shape = draw.RingGlyph{}
				}
				sc.GlyphStyle = draw.GlyphStyle{Color: col, Radius: vg.Points(3), Shape: shape}
				p.Add(sc)
			}
		}
		if k := c.Knee; k != nil && k.P99 > 0 {
			sc, err := plotter.NewScatter(plotter.XYs{{X: k.Achieved, Y: k.P99}})
			if err != nil {
				return nil, err
			}
			sc.GlyphStyle = draw.GlyphStyle{Color: col, Radius: vg.Points(8), Shape: draw.RingGlyph{}}
			p.Add(sc)
			p.Legend.Add(c.Name+" knee", sc)
		}
	}
	return newChart(p), nil
}

func sortByAchieved(pts []SweepPoint) {
	slices.SortStableFunc(pts, func(a, b SweepPoint) int { return cmp.Compare(a.Achieved, b.Achieved) })
}
