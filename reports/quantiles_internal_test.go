package reports

import "testing"

// TestQuantilesFallBackToStoredPercentiles: results written before the
// engine stored histograms still plot, from their stored percentiles.
func TestQuantilesFallBackToStoredPercentiles(t *testing.T) {
	p := Percentiles{P50: 10, P90: 20, P99: 30, P999: 40, Max: 50}
	qs, err := quantilesOf("", p, 3)
	if err != nil {
		t.Fatal(err)
	}
	want := map[float64]float64{0.5: 10, 0.9: 20, 0.99: 30, 0.999: 40}
	if len(qs) != len(want) {
		t.Fatalf("got %d quantiles %v; want the 4 stored percentiles", len(qs), qs)
	}
	for _, q := range qs {
		if want[q.Q] != q.Ms {
			t.Errorf("quantile %v = %vms; want %vms", q.Q, q.Ms, want[q.Q])
		}
	}
	h := NewHistogram()
	for v := int64(1); v <= 1000; v++ {
		RecordUs(h, v*1000)
	}
	enc, err := EncodeHistogram(h)
	if err != nil {
		t.Fatal(err)
	}
	qs, err = quantilesOf(enc, p, 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(qs) <= 4 || qs[len(qs)-1].Ms < 990 {
		t.Errorf("with a histogram: %d quantiles, last %v; want the histogram's dense curve up to ~1000ms", len(qs), qs[len(qs)-1])
	}
}
