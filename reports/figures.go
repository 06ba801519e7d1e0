package reports

import (
	"bytes"
	"errors"
	"fmt"
	"math"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/fanbench/fanbench/reports/plot"
)

// figure is one chart of a report: its file name (without extension),
// what it shows, and how to draw it from the results.
type figure struct {
	Name    string
	Title   string
	Caption string
	build   func() (*plot.Chart, error)
}

// renderedFigure is a figure drawn in the formats a run directory keeps.
type renderedFigure struct {
	figure
	PNG []byte // nil when only the SVG was asked for
	SVG []byte
}

// asyncRatio is how much later than the user's answer the delivery must
// come (at p50) for a strategy to count as asynchronous and get a user vs
// delivery chart: a queue acks in a millisecond and delivers in tens.
const asyncRatio = 2

// figuresOf lists the charts r calls for, in report order. The list depends
// only on r, so a Markdown report can link the files without drawing them.
func figuresOf(r *Results) []figure {
	if len(r.Strategies) == 0 {
		return nil
	}
	figs := []figure{
		{Name: "latency-spectrum", Title: "Latency percentile spectrum",
			Caption: "User latency of every strategy by percentile, X in nines (90%, 99%, 99.9%, …); each strategy's ideal is dashed in its colour. The gap between solid and dashed is the strategy's overhead.",
			build:   func() (*plot.Chart, error) { return spectrumChart(r) }},
		{Name: "latency-over-time", Title: "User latency over time",
			Caption: "Per-second p50 (solid) and p99 (dashed) user latency by intended send time; shaded bands are fault phases.",
			build:   func() (*plot.Chart, error) { return plot.LatencyOverTime(timelinesOf(r)) }},
		{Name: "throughput", Title: "Offered, answered and delivered throughput",
			Caption: "Sends per second as they happened: offered (scheduled) and answered (the user got a 2xx) by the second each send was intended; delivered (reached both APIs) by the second it arrived at the later API, through the drain after the load; the thin gray line counts the same deliveries by intended second. Shaded bands are fault phases.",
			build:   func() (*plot.Chart, error) { return plot.Throughput(timelinesOf(r)) }},
		{Name: "outcomes", Title: "Outcomes per strategy",
			Caption: "Where each send ended up according to the APIs' ledgers; the label over each bar counts the partial deliveries and lost sends.",
			build:   func() (*plot.Chart, error) { return plot.Outcomes(outcomeBarsOf(r)) }},
	}
	if len(asyncStrategies(r)) > 0 {
		figs = append(figs, figure{Name: "user-vs-delivery", Title: "User latency vs delivery latency",
			Caption: "For asynchronous strategies (delivery p50 at least twice the user's p50): the latency the user waited for (solid) against the time until the send reached both APIs (dotted).",
			build:   func() (*plot.Chart, error) { return deliveryChart(r) }})
	}
	if panels := statPanelsOf(r); len(panels) > 0 {
		figs = append(figs, figure{Name: "strategy-series", Title: "Strategies' own series",
			Caption: "Per second, what strategies report of themselves: the serverless platform's instances alive and cold starts, the outbox's backlog and relay lag.",
			build:   func() (*plot.Chart, error) { return plot.StrategySeries(panels) }})
	}
	return figs
}

// statPanelsOf is a panel per strategy that reports series of its own.
func statPanelsOf(r *Results) []plot.StatPanel {
	var out []plot.StatPanel
	for _, s := range r.Strategies {
		if len(s.StatsSeries) == 0 {
			continue
		}
		sp := plot.StatPanel{Strategy: s.Name}
		for name, pts := range s.StatsSeries {
			l := plot.StatLine{Name: name}
			for _, p := range pts {
				l.T, l.V = append(l.T, p.T), append(l.V, p.V)
			}
			sp.Lines = append(sp.Lines, l)
		}
		out = append(out, sp)
	}
	return out
}

// renderFigures draws every figure of r as SVG and, with withPNG, as PNG
// (rasterizing is most of the cost, and the HTML page needs only SVG). A
// figure that cannot be drawn is left out and its error joined to the
// others; the figures that could be drawn are returned all the same.
func renderFigures(r *Results, withPNG bool) ([]renderedFigure, error) {
	var out []renderedFigure
	var errs []error
	for _, f := range figuresOf(r) {
		rf, err := renderFigure(f, withPNG)
		if err != nil {
			errs = append(errs, fmt.Errorf("plot %s: %w", f.Name, err))
			continue
		}
		out = append(out, rf)
	}
	return out, errors.Join(errs...)
}

func renderFigure(f figure, withPNG bool) (renderedFigure, error) {
	c, err := f.build()
	if err != nil {
		return renderedFigure{}, err
	}
	var png, svg bytes.Buffer
	if withPNG {
		if err := c.WritePNG(&png); err != nil {
			return renderedFigure{}, err
		}
	}
	if err := c.WriteSVG(&svg); err != nil {
		return renderedFigure{}, err
	}
	return renderedFigure{figure: f, PNG: png.Bytes(), SVG: svg.Bytes()}, nil
}

// spectrumChart draws the measured and ideal spectrum of each strategy.
func spectrumChart(r *Results) (*plot.Chart, error) {
	nines := spectrumReach(r)
	curves := make([]plot.SpectrumCurve, 0, len(r.Strategies))
	for _, s := range r.Strategies {
		measured, err := quantilesOf(s.Histograms.Corrected, s.LatencyMs.Corrected, nines)
		if err != nil {
			return nil, fmt.Errorf("%s corrected latency: %w", s.Name, err)
		}
		ideal, err := quantilesOf(s.Histograms.Ideal, s.IdealMs, nines)
		if err != nil {
			return nil, fmt.Errorf("%s ideal: %w", s.Name, err)
		}
		curves = append(curves, plot.SpectrumCurve{Name: s.Name, Measured: measured, Ideal: ideal})
	}
	return plot.Spectrum(curves, nines)
}

// deliveryChart draws user against delivery latency for the async strategies.
func deliveryChart(r *Results) (*plot.Chart, error) {
	nines := spectrumReach(r)
	var curves []plot.DeliveryCurves
	for _, i := range asyncStrategies(r) {
		s := r.Strategies[i]
		user, err := quantilesOf(s.Histograms.Corrected, s.LatencyMs.Corrected, nines)
		if err != nil {
			return nil, fmt.Errorf("%s corrected latency: %w", s.Name, err)
		}
		deliv, err := quantilesOf(s.Histograms.DeliveryBoth, s.DeliveryMs.Both, nines)
		if err != nil {
			return nil, fmt.Errorf("%s delivery latency: %w", s.Name, err)
		}
		curves = append(curves, plot.DeliveryCurves{Name: s.Name, Color: i, User: user, Delivery: deliv})
	}
	return plot.UserVsDelivery(curves, nines)
}

// asyncStrategies returns the positions of the strategies whose delivery
// to both APIs is far slower than the user's answer.
func asyncStrategies(r *Results) []int {
	var idx []int
	for i, s := range r.Strategies {
		u, d := s.LatencyMs.Corrected.P50, s.DeliveryMs.Both.P50
		if u > 0 && d >= asyncRatio*u {
			idx = append(idx, i)
		}
	}
	return idx
}

// spectrumReach is how many nines the samples support: past 1 − 1/N a
// histogram of N values only repeats its maximum.
func spectrumReach(r *Results) float64 {
	var n int64
	for _, s := range r.Strategies {
		n = max(n, s.Requests)
	}
	if n < 10 {
		return 1
	}
	return math.Min(math.Log10(float64(n)), 5)
}

// spectrumStep is the spacing of spectrum samples on the nines axis.
const spectrumStep = 0.025

// quantilesOf samples a latency spectrum from an encoded histogram (µs) up
// to the given nines; without a histogram it falls back to the few
// percentiles the results carry, so hand-made or older results still plot.
func quantilesOf(encoded string, p Percentiles, nines float64) ([]plot.Quantile, error) {
	h, err := DecodeHistogram(encoded)
	if err != nil {
		return nil, err
	}
	if h == nil || h.TotalCount() == 0 {
		return percentileQuantiles(p), nil
	}
	return histogramQuantiles(h, nines), nil
}

func histogramQuantiles(h *hdrhistogram.Histogram, nines float64) []plot.Quantile {
	steps := int(math.Round(nines / spectrumStep))
	qs := make([]plot.Quantile, 0, steps+1)
	for i := 0; i <= steps; i++ {
		q := 1 - math.Pow(10, -float64(i)*spectrumStep)
		// hdrhistogram-go answers 0 for the lowest quantiles instead of
		// the smallest value recorded.
		v := max(h.ValueAtQuantile(100*q), h.Min())
		qs = append(qs, plot.Quantile{Q: q, Ms: float64(v) / 1000})
	}
	return qs
}

func percentileQuantiles(p Percentiles) []plot.Quantile {
	if p.P50 == 0 && p.P99 == 0 {
		return nil
	}
	return []plot.Quantile{{Q: 0.5, Ms: p.P50}, {Q: 0.9, Ms: p.P90}, {Q: 0.99, Ms: p.P99}, {Q: 0.999, Ms: p.P999}}
}

// timelinesOf gives each strategy's per-second series and fault phases.
func timelinesOf(r *Results) []plot.Timeline {
	ts := make([]plot.Timeline, 0, len(r.Strategies))
	for _, s := range r.Strategies {
		t := plot.Timeline{Name: s.Name, End: r.Load.DurationS}
		end := 0.0
		for _, p := range s.Series {
			// Results from before sends were binned by (start, end] have
			// a second at exactly the end of measurement holding one send;
			// drawn, it reads as throughput collapsing to 1/s. Seconds of
			// the drain carry deliveries by arrival only.
			inWindow := r.Load.DurationS <= 0 || p.T < r.Load.DurationS
			if !inWindow && p.DeliveredByArrival == 0 {
				continue
			}
			sec := plot.Second{T: p.T, Arrived: float64(p.DeliveredByArrival)}
			if inWindow {
				sec.P50Ms, sec.P99Ms = p.P50Ms, p.P99Ms
				sec.Sent, sec.OK, sec.Delivered = float64(p.Sent), float64(p.OK), float64(p.Delivered)
				end = max(end, p.T+1)
			}
			t.Seconds = append(t.Seconds, sec)
			t.HasDelivered = t.HasDelivered || p.Delivered > 0
			t.HasArrived = t.HasArrived || p.DeliveredByArrival > 0
		}
		// A run that delivered nothing really has zeros; zeros next to
		// sends that were delivered mean results from before the engine
		// counted deliveries per second, and the line is left out.
		t.HasDelivered = t.HasDelivered || s.Outcomes.Both == 0
		t.HasArrived = t.HasArrived || s.Outcomes.Both == 0
		t.Phases = phasesOf(r.Phases, s.Name, end)
		ts = append(ts, t)
	}
	return ts
}

// outcomeBarsOf gives each strategy's outcome counts.
func outcomeBarsOf(r *Results) []plot.OutcomeBar {
	bars := make([]plot.OutcomeBar, 0, len(r.Strategies))
	for _, s := range r.Strategies {
		o := s.Outcomes
		bars = append(bars, plot.OutcomeBar{Name: s.Name, Both: o.Both, AOnly: o.AOnly, BOnly: o.BOnly, None: o.None, Compensated: o.Compensated, Lost: s.Lost})
	}
	return bars
}
