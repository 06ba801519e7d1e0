package plot

import (
	"fmt"
	"math"

	"gonum.org/v1/plot"
)

// Throughput draws, per strategy and second, the offered load (sends
// scheduled, gray dashed), the achieved throughput (sends the user got a
// 2xx for, solid) and the delivered throughput (sends that reached both
// APIs, dotted), one panel per strategy on shared axes, fault phases shaded.
// A gap between offered and achieved is failure seen by the user; between
// achieved and delivered, failure the user was not told about.
func Throughput(ts []Timeline) (*Chart, error) {
	if len(ts) == 0 {
		return nil, fmt.Errorf("plot: throughput of no strategies")
	}
	hi, tmax := 1.0, 1.0
	for _, t := range ts {
		for _, s := range t.Seconds {
			hi = math.Max(hi, math.Max(s.Sent, math.Max(s.OK, s.Delivered)))
			tmax = math.Max(tmax, s.T+1)
		}
	}
	panels := make([]*plot.Plot, 0, len(ts))
	for i, t := range ts {
		p := newPlot(t.Name+": throughput per second", "seconds since the start of measurement", "sends per second")
		p.X.Min, p.X.Max = 0, tmax
		p.Y.Min, p.Y.Max = 0, hi*1.15
		p.Y.Tick.Marker = plot.TickerFunc(countTicks)
		p.Legend.Top, p.Legend.Left = false, true
		if err := shadePhases(p, t.Phases, tmax); err != nil {
			return nil, err
		}
		lines := []perSecond{
			{name: "offered", y: func(s Second) float64 { return s.Sent }, style: dashed(gray())},
			{name: "achieved (2xx)", y: func(s Second) float64 { return s.OK }, style: solid(seriesColor(i))},
		}
		if t.HasDelivered {
			lines = append(lines, perSecond{name: "delivered (both APIs)", y: func(s Second) float64 { return s.Delivered }, style: dotted(seriesColor(i))})
		}
		for _, l := range lines {
			if err := l.add(p, t.Seconds); err != nil {
				return nil, fmt.Errorf("plot: %s %s throughput: %w", t.Name, l.name, err)
			}
		}
		panels = append(panels, p)
	}
	return newChart(panels...), nil
}
