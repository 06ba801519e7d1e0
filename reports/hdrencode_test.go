package reports

import (
	"bytes"
	"math/rand/v2"
	"testing"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// TestEncodeV2 checks that encodeV2 writes exactly what hdrhistogram-go's
// Encode writes, over empty histograms, single values, zero runs of one
// and many buckets, counts that need all nine ZigZag bytes, random loads
// and other geometries, and that the result decodes to an equal histogram.
func TestEncodeV2(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 9))
	type tc struct {
		name string
		h    *hdrhistogram.Histogram
	}
	var cases []tc
	add := func(name string, h *hdrhistogram.Histogram, fill func(h *hdrhistogram.Histogram)) {
		fill(h)
		cases = append(cases, tc{name, h})
	}
	add("empty", NewHistogram(), func(*hdrhistogram.Histogram) {})
	add("one value", NewHistogram(), func(h *hdrhistogram.Histogram) { _ = h.RecordValue(1234) })
	add("lowest value", NewHistogram(), func(h *hdrhistogram.Histogram) { _ = h.RecordValue(HistMinUs) })
	add("highest value", NewHistogram(), func(h *hdrhistogram.Histogram) { _ = h.RecordValue(HistMaxUs) })
	add("adjacent buckets (zero runs of 1)", NewHistogram(), func(h *hdrhistogram.Histogram) {
		for v := int64(1); v < 40; v += 2 {
			_ = h.RecordValue(v)
		}
	})
	add("huge counts (nine-byte ZigZag)", NewHistogram(), func(h *hdrhistogram.Histogram) {
		_ = h.RecordValues(5, 1<<58)
		_ = h.RecordValues(7_000, 1<<40)
	})
	add("random lognormal load", NewHistogram(), func(h *hdrhistogram.Histogram) {
		for range 20000 {
			_ = h.RecordValue(int64(1000 * rng.ExpFloat64() * rng.ExpFloat64()))
		}
	})
	add("another geometry", hdrhistogram.New(1, 100_000, 2), func(h *hdrhistogram.Histogram) {
		for range 500 {
			_ = h.RecordValue(rng.Int64N(100_000))
		}
	})
	reset := NewHistogram()
	_ = reset.RecordValue(99_999)
	reset.Reset()
	add("reset after a large value", reset, func(h *hdrhistogram.Histogram) { _ = h.RecordValue(3) })
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			want, err := c.h.Encode(hdrhistogram.V2CompressedEncodingCookieBase)
			if err != nil {
				t.Fatal(err)
			}
			for range 2 { // the second time with a zlib writer from the pool
				got, err := encodeV2(c.h)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, want) {
					t.Fatalf("encodeV2 = %q;\nwant          %q", got, want)
				}
			}
			back, err := hdrhistogram.Decode(want)
			if err != nil {
				t.Fatal(err)
			}
			if !back.Equals(c.h) {
				t.Error("decoded histogram differs from the original")
			}
		})
	}
}

// BenchmarkEncodeHistogram is one second's histogram of a 1,000/s run
// encoded as the series does it every second.
func BenchmarkEncodeHistogram(b *testing.B) {
	h := NewHistogram()
	rng := rand.New(rand.NewPCG(1, 1))
	for range 1000 {
		_ = h.RecordValue(int64(500 + 3000*rng.ExpFloat64()))
	}
	b.Run("hdrhistogram-go", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := h.Encode(hdrhistogram.V2CompressedEncodingCookieBase); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("pooled", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := encodeV2(h); err != nil {
				b.Fatal(err)
			}
		}
	})
}
