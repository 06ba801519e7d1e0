// Package plot draws fanbench's charts with gonum.org/v1/plot: the latency
// spectrum, latency and throughput over time, outcomes per strategy and user
// against delivery latency. It takes plain figures, not a results file, so
// the reports package decides what to plot and this one only how; it is the
// only importer of gonum.org/v1/plot in the module.
package plot

import (
	"fmt"
	"image/color"
	"io"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Default sizes of a chart, in points (1/72 in). A PNG is drawn at 96 DPI,
// so a one-panel chart is 960×480 pixels.
const (
	chartWidth  = 10 * vg.Inch
	panelHeight = 5 * vg.Inch
	// stackedHeight is the height of each panel of a multi-panel chart.
	stackedHeight = 2.6 * vg.Inch
	pngDPI        = 96
)

// Chart is a figure ready to be written as PNG or SVG: one or more panels
// stacked vertically, sharing the chart's width.
type Chart struct {
	panels []*plot.Plot
	width  vg.Length
	height vg.Length
}

// newChart returns a chart of the given panels, one above the other.
func newChart(panels ...*plot.Plot) *Chart {
	h := panelHeight
	if len(panels) > 1 {
		h = stackedHeight * vg.Length(len(panels))
	}
	return &Chart{panels: panels, width: chartWidth, height: h}
}

// Panels returns how many panels the chart stacks.
func (c *Chart) Panels() int { return len(c.panels) }

// WritePNG draws the chart as a PNG image.
func (c *Chart) WritePNG(w io.Writer) error { return c.write(w, "png") }

// WriteSVG draws the chart as an SVG document.
func (c *Chart) WriteSVG(w io.Writer) error { return c.write(w, "svg") }

func (c *Chart) write(w io.Writer, format string) (err error) {
	// gonum/plot panics on data it cannot draw (a zero on a log axis);
	// one bad chart must cost that chart, not the run's other reports.
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("plot: draw %s: %v", format, p)
		}
	}()
	if len(c.panels) == 0 {
		return fmt.Errorf("plot: chart has no panels")
	}
	cw, err := draw.NewFormattedCanvas(c.width, c.height, format)
	if err != nil {
		return fmt.Errorf("plot: %s canvas: %w", format, err)
	}
	c.draw(draw.New(cw))
	if _, err := cw.WriteTo(w); err != nil {
		return fmt.Errorf("plot: write %s: %w", format, err)
	}
	return nil
}

// draw lays the panels out one above the other and puts each panel's
// legend in a column to the right of the plotting area, level with the
// panel's data: inside the axes a legend hides whichever curve runs under
// it, and no corner is always free (a fixed latency runs along the top of
// a spectrum, a failed API along the bottom of a throughput panel).
func (c *Chart) draw(dc draw.Canvas) {
	legends := make([]plot.Legend, len(c.panels))
	var col vg.Length
	for i, p := range c.panels {
		legends[i] = p.Legend
		col = max(col, p.Legend.Rectangle(dc).Size().X)
		// Drawn apart below; the panel itself gets an empty legend with
		// the same style, restored once drawn (a chart is written twice).
		empty := plot.NewLegend()
		empty.TextStyle = p.Legend.TextStyle
		p.Legend = empty
	}
	defer func() {
		for i, p := range c.panels {
			p.Legend = legends[i]
		}
	}()
	if col > 0 {
		col += 2 * legendGap
	}
	area := draw.Crop(dc, 0, -col, 0, 0)
	canvases := make([]draw.Canvas, len(c.panels))
	if len(c.panels) == 1 {
		canvases[0] = area
	} else {
		rows := make([][]*plot.Plot, len(c.panels))
		for i, p := range c.panels {
			rows[i] = []*plot.Plot{p}
		}
		tiles := draw.Tiles{Rows: len(c.panels), Cols: 1, PadY: vg.Points(8), PadTop: vg.Points(4), PadBottom: vg.Points(4)}
		for i, row := range plot.Align(rows, tiles, area) {
			canvases[i] = row[0]
		}
	}
	for i, p := range c.panels {
		p.Draw(canvases[i])
		if col == 0 {
			continue
		}
		l := legends[i]
		l.Top, l.Left = true, true
		l.Padding = vg.Points(2)
		title := vg.Length(0)
		if p.Title.Text != "" {
			title = p.Title.TextStyle.Rectangle(p.Title.Text).Size().Y + p.Title.Padding
		}
		l.Draw(draw.Canvas{Canvas: dc.Canvas, Rectangle: vg.Rectangle{
			Min: vg.Point{X: area.Max.X + legendGap, Y: canvases[i].Min.Y},
			Max: vg.Point{X: dc.Max.X - legendGap, Y: canvases[i].Max.Y - title},
		}})
	}
}

// legendGap is the space on each side of the legend column.
const legendGap = 8 * vg.Millimeter / 4

// newPlot returns a panel with the house look: white, light grid, legend
// at the top left.
func newPlot(title, xLabel, yLabel string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = xLabel
	p.Y.Label.Text = yLabel
	p.Legend.Top = true
	p.Legend.Left = true
	// Sans-serif throughout, like the HTML page around the charts.
	for _, f := range []*font.Font{
		&p.Title.TextStyle.Font, &p.Legend.TextStyle.Font,
		&p.X.Label.TextStyle.Font, &p.Y.Label.TextStyle.Font, &p.X.Tick.Label.Font, &p.Y.Tick.Label.Font,
	} {
		f.Variant = "Sans"
	}
	p.Legend.TextStyle.Font.Size = vg.Points(9)
	p.Legend.ThumbnailWidth = vg.Points(24)
	p.Add(gridLines())
	return p
}

// seriesColor is the colour of the i-th strategy; the same strategy keeps
// its colour on every chart of a report.
func seriesColor(i int) color.Color {
	palette := [...]color.RGBA{
		{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff}, // blue
		{R: 0xd6, G: 0x27, B: 0x28, A: 0xff}, // red
		{R: 0x2c, G: 0xa0, B: 0x2c, A: 0xff}, // green
		{R: 0x94, G: 0x67, B: 0xbd, A: 0xff}, // purple
		{R: 0xff, G: 0x7f, B: 0x0e, A: 0xff}, // orange
		{R: 0x8c, G: 0x56, B: 0x4b, A: 0xff}, // brown
		{R: 0xe3, G: 0x77, B: 0xc2, A: 0xff}, // pink
		{R: 0x17, G: 0xbe, B: 0xcf, A: 0xff}, // cyan
	}
	return palette[i%len(palette)]
}

// gray is the colour of reference lines (offered load, ideal legend).
func gray() color.Color { return color.RGBA{R: 0x70, G: 0x70, B: 0x70, A: 0xff} }

// solid, dashed and dotted are the line styles a chart combines with a
// series colour.
func solid(c color.Color) draw.LineStyle {
	return draw.LineStyle{Color: c, Width: vg.Points(1.6)}
}

func dashed(c color.Color) draw.LineStyle {
	return draw.LineStyle{Color: c, Width: vg.Points(1.4), Dashes: []vg.Length{vg.Points(6), vg.Points(4)}}
}

// thin is a reference line drawn under the others.
func thin(c color.Color) draw.LineStyle {
	return draw.LineStyle{Color: c, Width: vg.Points(0.8), Dashes: []vg.Length{vg.Points(4), vg.Points(2), vg.Points(1), vg.Points(2)}}
}

func dotted(c color.Color) draw.LineStyle {
	return draw.LineStyle{Color: c, Width: vg.Points(1.8), Dashes: []vg.Length{vg.Points(1.5), vg.Points(2.5)}}
}
