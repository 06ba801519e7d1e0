package plot

import (
	"fmt"
	"image/color"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// OutcomeBar is where one strategy's sends ended up, from the APIs' ledgers.
type OutcomeBar struct {
	Name                     string
	Both, AOnly, BOnly, None int64
	// Compensated sends were applied on one API and undone there.
	Compensated int64
	// Lost is the part of AOnly+BOnly+None the user was told succeeded.
	Lost int64
}

// Outcomes draws one stacked bar per strategy: sends delivered to both
// APIs, to a only, to b only and to none. Partial outcomes are often a
// sliver next to "both", so each bar is labelled with their counts and the
// lost sends too.
func Outcomes(bars []OutcomeBar) (*Chart, error) {
	if len(bars) == 0 {
		return nil, fmt.Errorf("plot: outcomes of no strategies")
	}
	p := newPlot("outcome of each send (from the APIs' ledgers)", "", "sends")
	p.Legend.Top, p.Legend.Left = true, false
	layers := []struct {
		name string
		v    func(OutcomeBar) int64
		fill color.Color
	}{
		{"both", func(b OutcomeBar) int64 { return b.Both }, color.RGBA{R: 0x2c, G: 0xa0, B: 0x2c, A: 0xff}},
		{"a only", func(b OutcomeBar) int64 { return b.AOnly }, color.RGBA{R: 0xff, G: 0xbb, B: 0x33, A: 0xff}},
		{"b only", func(b OutcomeBar) int64 { return b.BOnly }, color.RGBA{R: 0xff, G: 0x7f, B: 0x0e, A: 0xff}},
		{"none", func(b OutcomeBar) int64 { return b.None }, color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff}},
	}
	for _, b := range bars {
		if b.Compensated > 0 { // drawn only when some strategy compensated
			layers = append(layers[:1], append([]struct {
				name string
				v    func(OutcomeBar) int64
				fill color.Color
			}{{"compensated", func(b OutcomeBar) int64 { return b.Compensated }, color.RGBA{R: 0x98, G: 0xdf, B: 0x8a, A: 0xff}}}, layers[1:]...)...)
			break
		}
	}
	width := vg.Points(60)
	var below *plotter.BarChart
	top := 1.0
	for _, l := range layers {
		vs := make(plotter.Values, len(bars))
		for i, b := range bars {
			vs[i] = float64(l.v(b))
		}
		bc, err := plotter.NewBarChart(vs, width)
		if err != nil {
			return nil, fmt.Errorf("plot: outcome bars %s: %w", l.name, err)
		}
		bc.Color = l.fill
		bc.LineStyle.Width = vg.Points(0.5)
		if below != nil {
			bc.StackOn(below)
		}
		p.Add(bc)
		p.Legend.Add(l.name, bc)
		below = bc
	}
	names := make([]string, len(bars))
	labels := plotter.XYLabels{}
	for i, b := range bars {
		names[i] = b.Name
		total := below.BarHeight(i)
		top = max(top, total)
		labels.XYs = append(labels.XYs, plotter.XY{X: float64(i), Y: total})
		labels.Labels = append(labels.Labels, fmt.Sprintf("a only %d · b only %d · none %d · lost %d", b.AOnly, b.BOnly, b.None, b.Lost))
	}
	p.NominalX(names...)
	p.Y.Min, p.Y.Max = 0, top*1.25
	p.Y.Tick.Marker = plot.TickerFunc(countTicks)
	p.X.Min, p.X.Max = -0.6, float64(len(bars))-0.4
	ls, err := plotter.NewLabels(labels)
	if err != nil {
		return nil, fmt.Errorf("plot: outcome labels: %w", err)
	}
	for i := range ls.TextStyle {
		ls.TextStyle[i].Font.Size = vg.Points(8)
		ls.TextStyle[i].Font.Variant = "Sans"
		ls.TextStyle[i].XAlign = draw.XCenter
	}
	ls.Offset = vg.Point{Y: vg.Points(4)}
	p.Add(ls)
	return newChart(p), nil
}
