package plot_test

import (
	"bytes"
	"flag"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fanbench/fanbench/reports/plot"
)

var keep = flag.String("keep", "", "also write the test charts into this directory, to look at them")

// lognormalSpectrum returns quantiles of a lognormal latency with the given
// median and p99, plus a constant offset, sampled along the nines axis.
func lognormalSpectrum(median, p99, offset float64) []plot.Quantile {
	sigma := math.Log(p99/median) / 2.3263
	var qs []plot.Quantile
	for x := 0.0; x <= 4; x += 0.05 {
		q := 1 - math.Pow(10, -x)
		if q <= 0 {
			q = 0.001
		}
		z := math.Sqrt2 * math.Erfinv(2*q-1)
		qs = append(qs, plot.Quantile{Q: q, Ms: offset + median*math.Exp(sigma*z)})
	}
	return qs
}

func timeline(name string, faultFrom, faultTo float64) plot.Timeline {
	t := plot.Timeline{Name: name, HasDelivered: true, Phases: []plot.Phase{{From: faultFrom, To: faultTo, API: "b"}}}
	for s := 0.0; s < 30; s++ {
		sec := plot.Second{T: s, P50Ms: 60, P99Ms: 180, Sent: 200, OK: 199, Delivered: 199}
		if s >= faultFrom && s < faultTo {
			sec.P50Ms, sec.P99Ms, sec.OK, sec.Delivered = 300, 2500, 150, 120
		}
		if s == 12 {
			sec = plot.Second{T: s} // a second with no sends: a gap, not a dive
		}
		t.Seconds = append(t.Seconds, sec)
	}
	return t
}

func TestCharts(t *testing.T) {
	charts := []struct {
		name   string
		panels int
		make   func() (*plot.Chart, error)
	}{
		{"spectrum", 1, func() (*plot.Chart, error) {
			return plot.Spectrum([]plot.SpectrumCurve{
				{Name: "sequential", Measured: lognormalSpectrum(105, 260, 6), Ideal: lognormalSpectrum(105, 260, 0)},
				{Name: "errgroup", Measured: lognormalSpectrum(66, 200, 2), Ideal: lognormalSpectrum(66, 200, 0)},
				{Name: "queue", Measured: lognormalSpectrum(3, 9, 0)},
			}, 3.5)
		}},
		{"latency-over-time", 2, func() (*plot.Chart, error) {
			return plot.LatencyOverTime([]plot.Timeline{timeline("sequential", 10, 20), timeline("errgroup", 10, 20)})
		}},
		{"throughput", 2, func() (*plot.Chart, error) {
			return plot.Throughput([]plot.Timeline{timeline("sequential", 10, 20), timeline("errgroup", 10, 20)})
		}},
		{"outcomes", 1, func() (*plot.Chart, error) {
			return plot.Outcomes([]plot.OutcomeBar{
				{Name: "sequential", Both: 5990, AOnly: 4, BOnly: 6},
				{Name: "errgroup", Both: 5000, AOnly: 900, BOnly: 60, None: 40, Lost: 12},
			})
		}},
		{"user-vs-delivery", 1, func() (*plot.Chart, error) {
			return plot.UserVsDelivery([]plot.DeliveryCurves{
				{Name: "queue", Color: 2, User: lognormalSpectrum(3, 9, 0), Delivery: lognormalSpectrum(70, 400, 5)},
			}, 4)
		}},
	}
	for _, c := range charts {
		t.Run(c.name, func(t *testing.T) {
			ch, err := c.make()
			if err != nil {
				t.Fatal(err)
			}
			if got := ch.Panels(); got != c.panels {
				t.Errorf("panels = %d; want %d", got, c.panels)
			}
			var pngBuf, svgBuf bytes.Buffer
			if err := ch.WritePNG(&pngBuf); err != nil {
				t.Fatalf("WritePNG: %v", err)
			}
			img, err := png.Decode(bytes.NewReader(pngBuf.Bytes()))
			if err != nil {
				t.Fatalf("PNG does not decode: %v", err)
			}
			if b := img.Bounds(); b.Dx() < 900 || b.Dy() < 400 {
				t.Errorf("PNG is %dx%d; want at least 900x400", b.Dx(), b.Dy())
			}
			if err := ch.WriteSVG(&svgBuf); err != nil {
				t.Fatalf("WriteSVG: %v", err)
			}
			svg := svgBuf.String()
			if !strings.Contains(svg, "<svg") || !strings.HasSuffix(strings.TrimSpace(svg), "</svg>") {
				t.Errorf("SVG is not a whole <svg> document: %.200q…", svg)
			}
			if *keep != "" {
				for ext, b := range map[string][]byte{"png": pngBuf.Bytes(), "svg": svgBuf.Bytes()} {
					if err := os.WriteFile(filepath.Join(*keep, c.name+"."+ext), b, 0o644); err != nil {
						t.Fatal(err)
					}
				}
			}
		})
	}
}

func TestChartsRefuseNoData(t *testing.T) {
	if _, err := plot.Spectrum(nil, 3); err == nil {
		t.Error("Spectrum(nil) gave no error")
	}
	if _, err := plot.LatencyOverTime(nil); err == nil {
		t.Error("LatencyOverTime(nil) gave no error")
	}
	if _, err := plot.Throughput(nil); err == nil {
		t.Error("Throughput(nil) gave no error")
	}
	if _, err := plot.Outcomes(nil); err == nil {
		t.Error("Outcomes(nil) gave no error")
	}
	if _, err := plot.UserVsDelivery(nil, 3); err == nil {
		t.Error("UserVsDelivery(nil) gave no error")
	}
}

func TestNines(t *testing.T) {
	for _, c := range []struct{ q, want float64 }{
		{0, 0}, {0.9, 1}, {0.99, 2}, {0.999, 3}, {0.9999, 4}, {1, 5}, {-1, 0},
	} {
		if got := plot.Nines(c.q); math.Abs(got-c.want) > 1e-9 {
			t.Errorf("Nines(%g) = %g; want %g", c.q, got, c.want)
		}
	}
}

// TestChartsSurviveAbsurdValues draws figures a corrupt results file could
// hold: gonum/plot panics on some (a zero on a log axis, infinite bounds);
// a chart must draw or fail with an error.
func TestChartsSurviveAbsurdValues(t *testing.T) {
	odd := []plot.Quantile{{Q: 0, Ms: 0}, {Q: 0.5, Ms: 5e-324}, {Q: 0.9, Ms: -3}, {Q: 0.99, Ms: 1e308}, {Q: 0.999, Ms: math.Inf(1)}, {Q: 0.9999, Ms: math.NaN()}}
	tl := plot.Timeline{Name: "odd", HasDelivered: true,
		Seconds: []plot.Second{{T: -5, P50Ms: 1e308, P99Ms: 5e-324, Sent: -1}, {T: 1e300, P50Ms: math.NaN(), Sent: 1e18}},
		Phases:  []plot.Phase{{From: -1e300, To: 1e300, API: "a"}, {From: 5, To: 1, API: "b"}}}
	for name, make := range map[string]func() (*plot.Chart, error){
		"spectrum": func() (*plot.Chart, error) {
			return plot.Spectrum([]plot.SpectrumCurve{{Name: "odd", Measured: odd, Ideal: odd}}, math.NaN())
		},
		"user-vs-delivery": func() (*plot.Chart, error) {
			return plot.UserVsDelivery([]plot.DeliveryCurves{{Name: "odd", User: odd, Delivery: odd}}, 99)
		},
		"latency":    func() (*plot.Chart, error) { return plot.LatencyOverTime([]plot.Timeline{tl}) },
		"throughput": func() (*plot.Chart, error) { return plot.Throughput([]plot.Timeline{tl}) },
		"outcomes": func() (*plot.Chart, error) {
			return plot.Outcomes([]plot.OutcomeBar{{Name: "odd", Both: -5, None: 1 << 62}})
		},
	} {
		t.Run(name, func(t *testing.T) {
			c, err := make()
			if err != nil {
				t.Logf("refused: %v", err)
				return
			}
			var b bytes.Buffer
			if err := c.WritePNG(&b); err != nil {
				t.Logf("PNG refused: %v", err)
			}
			if err := c.WriteSVG(&b); err != nil {
				t.Logf("SVG refused: %v", err)
			}
		})
	}
}

func TestStrategySeries(t *testing.T) {
	c, err := plot.StrategySeries([]plot.StatPanel{
		{Strategy: "serverless", Lines: []plot.StatLine{{Name: "instances", T: []float64{1, 2}, V: []float64{1, 84}}, {Name: "cold_starts", T: []float64{1, 2}, V: []float64{1, 83}}}},
		{Strategy: "outbox", Lines: []plot.StatLine{{Name: "outbox_backlog", T: []float64{1}, V: []float64{3}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if c.Panels() != 2 {
		t.Errorf("panels %d; want one per strategy, 2", c.Panels())
	}
	var svg bytes.Buffer
	if err := c.WriteSVG(&svg); err != nil || !bytes.Contains(svg.Bytes(), []byte("cold_starts")) {
		t.Errorf("SVG: %v; want the series named in the legend", err)
	}
	if _, err := plot.StrategySeries([]plot.StatPanel{{Strategy: "x", Lines: []plot.StatLine{{Name: "n", T: []float64{1}}}}}); err == nil {
		t.Error("times without values: no error")
	}
}
