package plot

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg/draw"
)

// Second is one second of a strategy's run.
type Second struct {
	T     float64 // start of the second, from the start of measurement (s)
	P50Ms float64 // user latency of the sends intended in that second; 0 = none
	P99Ms float64
	// Sent (offered), OK (answered: the user got a 2xx) and Delivered
	// (reached both APIs, whenever) count the sends intended in that second.
	Sent, OK, Delivered float64
	// Arrived counts the sends that reached both APIs in that second (the
	// later API's first successful arrival), whenever they were intended.
	Arrived float64
}

// Phase is a fault phase to shade: API's faults were on from From to To
// seconds after the start of measurement.
type Phase struct {
	From, To float64
	API      string
}

// Timeline is one strategy over the measurement window.
type Timeline struct {
	Name    string
	Seconds []Second
	Phases  []Phase
	// HasDelivered says Seconds carry delivered counts; results written
	// before the engine recorded them do not, and the line is left out
	// rather than drawn at zero. HasArrived says the same of Arrived.
	HasDelivered, HasArrived bool
	// End is the end of the measurement window (s): offered and answered
	// are drawn up to it, deliveries by arrival also after it (the drain).
	// 0 draws every second.
	End float64
}

// LatencyOverTime draws each strategy's per-second user latency, p50 solid
// and p99 dashed, one panel per strategy on shared axes, with its fault
// phases shaded.
func LatencyOverTime(ts []Timeline) (*Chart, error) {
	if len(ts) == 0 {
		return nil, fmt.Errorf("plot: latency over time of no strategies")
	}
	lo, hi, tmax := math.Inf(1), 0.0, 1.0
	for _, t := range ts {
		for _, s := range t.Seconds {
			if t.End > 0 && s.T >= t.End {
				continue // a second of the drain: no sends, no latency
			}
			for _, v := range []float64{s.P50Ms, s.P99Ms} {
				if v > 0 {
					lo, hi = math.Min(lo, v), math.Max(hi, v)
				}
			}
			tmax = math.Max(tmax, s.T+1)
		}
	}
	panels := make([]*plot.Plot, 0, len(ts))
	for i, t := range ts {
		p := newPlot(t.Name+": user latency per second", "seconds since the start of measurement", "")
		p.X.Min, p.X.Max = 0, tmax
		setLatencyAxis(p, lo, hi, 0.15)
		if err := shadePhases(p, t.Phases, tmax); err != nil {
			return nil, err
		}
		for _, l := range []perSecond{
			{name: "p50", y: func(s Second) float64 { return s.P50Ms }, style: solid(seriesColor(i)), gapAtZero: true},
			{name: "p99", y: func(s Second) float64 { return s.P99Ms }, style: dashed(seriesColor(i)), gapAtZero: true},
		} {
			if err := l.add(p, t.Seconds); err != nil {
				return nil, fmt.Errorf("plot: %s %s over time: %w", t.Name, l.name, err)
			}
		}
		panels = append(panels, p)
	}
	return newChart(panels...), nil
}

// perSecond is one line of a per-second panel.
type perSecond struct {
	name  string
	y     func(Second) float64
	style draw.LineStyle
	// gapAtZero breaks the line where a second has no value (y ≤ 0)
	// instead of diving to zero: right for latencies, wrong for counts.
	gapAtZero bool
}

// add draws the line over the seconds' midpoints, with a dot per second.
func (l perSecond) add(p *plot.Plot, secs []Second) error {
	var runs []plotter.XYs
	var cur plotter.XYs
	for _, s := range secs {
		v := l.y(s)
		if math.IsNaN(v) || math.IsInf(v, 0) || (l.gapAtZero && v <= 0) {
			if len(cur) > 0 {
				runs, cur = append(runs, cur), nil
			}
			continue
		}
		cur = append(cur, plotter.XY{X: s.T + 0.5, Y: v})
	}
	if len(cur) > 0 {
		runs = append(runs, cur)
	}
	for i, r := range runs {
		line, dots, err := plotter.NewLinePoints(r)
		if err != nil {
			return err
		}
		line.LineStyle = l.style
		dots.GlyphStyle = draw.GlyphStyle{Color: l.style.Color, Radius: l.style.Width, Shape: draw.CircleGlyph{}}
		p.Add(line, dots)
		if i == 0 {
			p.Legend.Add(l.name, line)
		}
	}
	return nil
}

// shadePhases shades each fault phase across p's full height; phases of
// API a and b get different tints and one legend entry each.
func shadePhases(p *plot.Plot, phases []Phase, tmax float64) error {
	seen := map[string]bool{}
	for _, ph := range phases {
		from, to := math.Max(ph.From, 0), math.Min(ph.To, tmax)
		if to <= from {
			continue
		}
		band, err := plotter.NewPolygon(plotter.XYs{
			{X: from, Y: p.Y.Min}, {X: from, Y: p.Y.Max}, {X: to, Y: p.Y.Max}, {X: to, Y: p.Y.Min},
		})
		if err != nil {
			return fmt.Errorf("plot: phase band: %w", err)
		}
		band.Color = phaseColor(ph.API)
		band.LineStyle.Width = 0
		p.Add(band)
		if !seen[ph.API] {
			seen[ph.API] = true
			p.Legend.Add("faults on API "+ph.API, band)
		}
	}
	return nil
}

// phaseColor tints a fault phase by the API it hit.
func phaseColor(api string) color.Color {
	if api == "a" {
		return color.NRGBA{R: 0xff, G: 0xa5, B: 0x00, A: 0x40}
	}
	return color.NRGBA{R: 0x99, G: 0x33, B: 0xcc, A: 0x30}
}
