package plot

import (
	"fmt"
	"sort"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
)

// StatLine is one of a strategy's own time series: seconds from the start
// of measurement and the value then.
type StatLine struct {
	Name string
	T, V []float64
}

// StatPanel is a strategy's own series, drawn on one panel.
type StatPanel struct {
	Strategy string
	Lines    []StatLine
}

// StrategySeries draws each strategy's own time series (the serverless
// platform's instances and cold starts, the outbox's backlog and relay
// lag), one panel per strategy, one line per series.
func StrategySeries(panels []StatPanel) (*Chart, error) {
	if len(panels) == 0 {
		return nil, fmt.Errorf("plot: strategy series of no strategies")
	}
	var ps []*plot.Plot
	for _, sp := range panels {
		p := newPlot(sp.Strategy+": its own series per second", "seconds from the start of measurement", "")
		p.Legend.Top, p.Legend.Left = true, true
		lines := append([]StatLine(nil), sp.Lines...)
		sort.Slice(lines, func(i, j int) bool { return lines[i].Name < lines[j].Name })
		top := 1.0
		for i, l := range lines {
			if len(l.T) != len(l.V) {
				return nil, fmt.Errorf("plot: series %s of %s: %d times, %d values", l.Name, sp.Strategy, len(l.T), len(l.V))
			}
			xys := make(plotter.XYs, len(l.T))
			for k := range l.T {
				xys[k] = plotter.XY{X: l.T[k], Y: l.V[k]}
				top = max(top, l.V[k])
			}
			ln, err := plotter.NewLine(xys)
			if err != nil {
				return nil, fmt.Errorf("plot: series %s of %s: %w", l.Name, sp.Strategy, err)
			}
			ln.LineStyle = solid(seriesColor(i))
			p.Add(ln)
			p.Legend.Add(l.Name, ln)
		}
		p.Y.Min, p.Y.Max = 0, top*1.1
		ps = append(ps, p)
	}
	return newChart(ps...), nil
}
