package reports

import (
	"encoding/json"
	"html/template"

	"github.com/fanbench/fanbench/reports/charts"
	"github.com/fanbench/fanbench/reports/plot"
)

// ChartSeries returns each strategy's timeline as the interactive charts
// draw it: the same seconds and phases as the PNG/SVG plots (latency and
// offered/answered by intended second, deliveries by arrival second).
func ChartSeries(r *Results) []charts.Series {
	out := make([]charts.Series, 0, len(r.Strategies))
	for _, t := range timelinesOf(r) {
		out = append(out, seriesOf(t))
	}
	return out
}

func seriesOf(t plot.Timeline) charts.Series {
	s := charts.Series{Name: t.Name, DeliveredLabel: "delivered to both (by arrival second)", Bands: []charts.Band{}}
	if !t.HasArrived {
		s.DeliveredLabel = "delivered to both (by intended second)"
	}
	gapAtZero := func(v float64) charts.Num {
		if v <= 0 {
			return charts.Gap()
		}
		return charts.Num(v)
	}
	for _, sec := range t.Seconds {
		inWindow := t.End <= 0 || sec.T < t.End
		s.T = append(s.T, sec.T+0.5) // the second's midpoint, as the PNG/SVG plots draw it
		s.P50 = append(s.P50, gapAtZero(sec.P50Ms))
		s.P99 = append(s.P99, gapAtZero(sec.P99Ms))
		offered, answered := charts.Gap(), charts.Gap()
		if inWindow {
			offered, answered = charts.Num(sec.Sent), charts.Num(sec.OK)
		}
		s.Offered = append(s.Offered, offered)
		s.Answered = append(s.Answered, answered)
		switch {
		case t.HasArrived:
			s.Delivered = append(s.Delivered, charts.Num(sec.Arrived))
		case t.HasDelivered && inWindow:
			s.Delivered = append(s.Delivered, charts.Num(sec.Delivered))
		default:
			s.Delivered = append(s.Delivered, charts.Gap())
		}
	}
	for _, p := range t.Phases {
		s.Bands = append(s.Bands, charts.Band{From: p.From, To: p.To, API: p.API})
	}
	return s
}

// PhaseBands turns a strategy's phase marks into the bands the charts
// shade: a "set" opens a phase that the API's next mark (or endS) closes.
func PhaseBands(marks []PhaseMark, strategy string, endS float64) []charts.Band {
	bands := []charts.Band{}
	for _, p := range phasesOf(marks, strategy, endS) {
		bands = append(bands, charts.Band{From: p.From, To: p.To, API: p.API})
	}
	return bands
}

// interactiveCharts is what report.html inlines for its interactive
// charts: the data, uPlot and fanbench.js, and their CSS.
type interactiveCharts struct {
	Names  []string
	Data   template.JS // JSON; encoding/json escapes <, > and &
	Script template.JS
	Style  template.CSS
}

func interactiveOf(r *Results) (*interactiveCharts, error) {
	series := ChartSeries(r)
	if len(series) == 0 {
		return nil, nil
	}
	data, err := json.Marshal(series)
	if err != nil {
		return nil, err
	}
	ic := &interactiveCharts{Data: template.JS(data), Script: template.JS(charts.Script()), Style: template.CSS(charts.Style())}
	for _, s := range series {
		ic.Names = append(ic.Names, s.Name)
	}
	return ic, nil
}
