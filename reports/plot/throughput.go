package plot

import (
	"fmt"
	"math"

	"gonum.org/v1/plot"
)

// Throughput draws, per strategy and second, what users read a throughput
// chart as — what happened at time t: the offered load (sends scheduled,
// gray dashed) and the answered throughput (sends the user got a 2xx for,
// solid) by the second each send was intended, and the delivered throughput
// (sends that reached both APIs, dotted) by the second it arrived, one
// panel per strategy on shared axes, fault phases shaded. Deliveries by
// intended second, when there are arrivals to compare with, are drawn thin
// and labelled as such. A gap between offered and answered is failure seen
// by the user; deliveries at zero while the user is answered is a backlog
// building up, and the burst after it the backlog draining.
func Throughput(ts []Timeline) (*Chart, error) {
	if len(ts) == 0 {
		return nil, fmt.Errorf("plot: throughput of no strategies")
	}
	hi, tmax := 1.0, 1.0
	for _, t := range ts {
		for _, s := range t.Seconds {
			hi = math.Max(hi, math.Max(math.Max(s.Sent, s.OK), math.Max(s.Delivered, s.Arrived)))
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
		window := t.Seconds
		if t.End > 0 {
			window = nil
			for _, s := range t.Seconds {
				if s.T < t.End {
					window = append(window, s)
				}
			}
		}
		type line struct {
			perSecond
			secs []Second
		}
		lines := []line{
			{perSecond{name: "offered (by intended second)", y: func(s Second) float64 { return s.Sent }, style: dashed(gray())}, window},
			{perSecond{name: "answered 2xx (by intended second)", y: func(s Second) float64 { return s.OK }, style: solid(seriesColor(i))}, window},
		}
		switch {
		case t.HasArrived:
			lines = append(lines, line{perSecond{name: "delivered to both (by arrival second)", y: func(s Second) float64 { return s.Arrived }, style: dotted(seriesColor(i))}, t.Seconds})
			if t.HasDelivered {
				lines = append(lines, line{perSecond{name: "delivered to both (by intended second)", y: func(s Second) float64 { return s.Delivered }, style: thin(gray())}, window})
			}
		case t.HasDelivered:
			lines = append(lines, line{perSecond{name: "delivered to both (by intended second)", y: func(s Second) float64 { return s.Delivered }, style: dotted(seriesColor(i))}, window})
		}
		for _, l := range lines {
			if err := l.add(p, l.secs); err != nil {
				return nil, fmt.Errorf("plot: %s %s throughput: %w", t.Name, l.name, err)
			}
		}
		panels = append(panels, p)
	}
	return newChart(panels...), nil
}
