package plot

import (
	"fmt"
)

// DeliveryCurves are an asynchronous strategy's two latencies: what the
// user waited for (the acknowledgement) and when the information actually
// reached both APIs.
type DeliveryCurves struct {
	Name string
	// Color is the strategy's palette slot, its position in the run, so it
	// keeps the colour it has on the other charts.
	Color    int
	User     []Quantile
	Delivery []Quantile
}

// UserVsDelivery draws, for each asynchronous strategy, the spectrum of the
// user's latency (solid) against the spectrum of delivery to both APIs
// (dotted) on one nines axis: the gap between them is the work the user
// no longer waits for but that still has to happen.
func UserVsDelivery(curves []DeliveryCurves, maxNines float64) (*Chart, error) {
	if len(curves) == 0 {
		return nil, fmt.Errorf("plot: user vs delivery of no strategies")
	}
	p := newPlot("user latency (solid) vs delivery to both APIs (dotted)", "", "")
	var lines []spectrumLine
	for _, c := range curves {
		i := c.Color
		lines = append(lines,
			spectrumLine{name: c.Name + " user", qs: c.User, style: solid(seriesColor(i))},
			spectrumLine{name: c.Name + " delivery", qs: c.Delivery, style: dotted(seriesColor(i))})
	}
	if err := addSpectrum(p, lines, maxNines); err != nil {
		return nil, err
	}
	return newChart(p), nil
}
