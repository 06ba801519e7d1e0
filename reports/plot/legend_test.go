package plot

import (
	"math"
	"strings"
	"testing"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/recorder"
)

// TestLegendClearsCurvesAndTitle records what a chart draws and checks that
// every legend entry sits right of every curve and below the panel's title:
// inside the axes a legend hid a fixed latency running along the top of the
// spectrum.
func TestLegendClearsCurvesAndTitle(t *testing.T) {
	flat := make([]Quantile, 0, 40)
	for x := 0.0; x <= 3; x += 0.1 {
		flat = append(flat, Quantile{Q: 1 - math.Pow(10, -x), Ms: 200})
	}
	rising := make([]Quantile, 0, 40)
	for x := 0.0; x <= 3; x += 0.1 {
		rising = append(rising, Quantile{Q: 1 - math.Pow(10, -x), Ms: 20 * math.Pow(2, x)})
	}
	spectrum, err := Spectrum([]SpectrumCurve{
		{Name: "gateway-nginx-lua", Measured: flat, Ideal: flat},
		{Name: "errgroup", Measured: rising},
	}, 3)
	if err != nil {
		t.Fatal(err)
	}
	tl := Timeline{Name: "queue", HasArrived: true, HasDelivered: true, End: 20}
	for s := 0.0; s < 25; s++ {
		tl.Seconds = append(tl.Seconds, Second{T: s, Sent: 100, OK: 100, Delivered: 100, Arrived: 100})
	}
	throughput, err := Throughput([]Timeline{tl, tl})
	if err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]*Chart{"spectrum": spectrum, "throughput": throughput} {
		t.Run(name, func(t *testing.T) {
			rec := &recorder.Canvas{}
			c.draw(draw.NewCanvas(rec, c.width, c.height))
			legend := map[string]bool{"gateway-nginx-lua": true, "errgroup": true, "ideal (zero overhead)": true,
				"offered (by intended second)": true, "delivered to both (by arrival second)": true}
			curveRight := vg.Length(math.Inf(-1))
			var titles []*recorder.FillString
			var texts []*recorder.FillString
			for _, a := range rec.Actions {
				switch a := a.(type) {
				case *recorder.Stroke:
					if len(a.Path) < 10 { // axes, ticks, legend thumbnails
						continue
					}
					for _, comp := range a.Path {
						curveRight = max(curveRight, comp.Pos.X)
					}
				case *recorder.FillString:
					if strings.Contains(a.String, "per second") || strings.Contains(a.String, "by percentile") {
						titles = append(titles, a)
					}
					texts = append(texts, a)
				}
			}
			found := 0
			for _, s := range texts {
				if !legend[s.String] {
					continue
				}
				found++
				if s.Point.X <= curveRight {
					t.Errorf("legend %q at x=%v; want right of every curve (they reach x=%v)", s.String, s.Point.X, curveRight)
				}
				for _, title := range titles {
					if s.Point.Y < title.Point.Y+title.Size && title.Point.Y < s.Point.Y+s.Size {
						t.Errorf("legend %q at y=%v..%v; want clear of the title %q at y=%v..%v",
							s.String, s.Point.Y, s.Point.Y+s.Size, title.String, title.Point.Y, title.Point.Y+title.Size)
					}
				}
			}
			if found < 2 || len(titles) == 0 {
				t.Fatalf("found %d legend entries and %d titles among %d texts; the test no longer sees the legend", found, len(titles), len(texts))
			}
		})
	}
}
