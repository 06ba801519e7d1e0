// Package charts holds fanbench's interactive charts for HTML pages (the
// live dashboard and report.html): uPlot, embedded from the npm registry
// by `make assets` (pinned in uplot/VERSION, licence beside it, never
// edited by hand), and fanbench.js, which draws a strategy's latency and
// throughput over time from Series with fault phases as bands. Pages
// inline them, so nothing is fetched at view time.
//
// uPlot was chosen because it is small (about 50 kB minified, no
// dependencies), fast on thousands of points, made for time series, and
// maintained; hovering shows values and clicking a legend entry toggles
// its series.
package charts

import (
	_ "embed"
	"encoding/json"
	"math"
	"strconv"
)

//go:embed uplot/uPlot.iife.min.js
var uplotJS string

//go:embed uplot/uPlot.min.css
var uplotCSS string

//go:embed uplot/LICENSE
var uplotLicense string

//go:embed uplot/VERSION
var uplotVersion string

//go:embed fanbench.js
var fanbenchJS string

// Script returns the JavaScript a page inlines: uPlot, then fanbench.js
// (which defines window.fanbenchCharts).
func Script() string {
	return "/* uPlot (" + trimNL(uplotVersion) + "), MIT licence: see License() */\n" + uplotJS + "\n" + fanbenchJS
}

// Style returns the CSS a page inlines for the charts.
func Style() string { return uplotCSS + "\n" + fanbenchCSS }

// License returns uPlot's licence text, for pages that serve it.
func License() string { return uplotLicense }

// Version returns the embedded uPlot's package and version ("uplot@1.6.32").
func Version() string { return trimNL(uplotVersion) }

func trimNL(s string) string {
	for len(s) > 0 && (s[len(s)-1] == '\n' || s[len(s)-1] == '\r') {
		s = s[:len(s)-1]
	}
	return s
}

// fanbenchCSS places the phase bands over a chart's plotting area.
const fanbenchCSS = `.fb-chart { margin: .5em 0 1em; }
.fb-chart .u-over .phase-band { position: absolute; top: 0; bottom: 0; pointer-events: none; }
.fb-chart .phase-band[data-api="a"] { background: rgba(255,165,0,.25); }
.fb-chart .phase-band:not([data-api="a"]) { background: rgba(153,51,204,.19); }
`

// Series is one strategy's timeline as the charts draw it. Every slice is
// indexed like T; a NaN value is a gap (no data that second).
type Series struct {
	Name string `json:"name"`
	// T is seconds since the start of measurement.
	T []float64 `json:"t"`
	// P50 and P99 are user latencies in milliseconds.
	P50 []Num `json:"p50"`
	P99 []Num `json:"p99"`
	// Offered, Answered and Delivered are sends per second.
	Offered   []Num `json:"offered"`
	Answered  []Num `json:"answered"`
	Delivered []Num `json:"delivered"`
	// DeliveredLabel names what Delivered counts ("delivered to both (by
	// arrival second)").
	DeliveredLabel string `json:"delivered_label"`
	// Bands are the fault phases to shade.
	Bands []Band `json:"bands"`
}

// Band is a fault phase on API from From to To seconds.
type Band struct {
	From float64 `json:"from"`
	To   float64 `json:"to"`
	API  string  `json:"api"`
}

// Num is a number that encodes NaN and infinities as JSON null (a gap).
type Num float64

// MarshalJSON implements json.Marshaler.
func (n Num) MarshalJSON() ([]byte, error) {
	f := float64(n)
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return []byte("null"), nil
	}
	return strconv.AppendFloat(nil, f, 'g', -1, 64), nil
}

// Gap is the Num that leaves a gap.
func Gap() Num { return Num(math.NaN()) }

var _ json.Marshaler = Num(0)
