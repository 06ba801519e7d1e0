package reports

import (
	"fmt"
	"math"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// Histogram bounds used for every latency histogram: 1µs to 60s with 3
// significant digits; values are recorded in microseconds.
const (
	HistMinUs   = 1
	HistMaxUs   = 60_000_000
	HistSigFigs = 3
)

// NewHistogram returns an empty latency histogram with the standard bounds.
func NewHistogram() *hdrhistogram.Histogram {
	return hdrhistogram.New(HistMinUs, HistMaxUs, HistSigFigs)
}

// RecordUs records a latency in microseconds, clamped into the histogram's
// range so that an outlier is counted rather than dropped.
func RecordUs(h *hdrhistogram.Histogram, us int64) {
	if us < HistMinUs {
		us = HistMinUs
	}
	if hi := h.HighestTrackableValue(); us > hi {
		us = hi
	}
	_ = h.RecordValue(us) // in range by construction
}

// PercentilesOf reads the standard quantiles of h (µs) in milliseconds.
// An empty histogram gives zeros.
func PercentilesOf(h *hdrhistogram.Histogram) Percentiles {
	if h == nil || h.TotalCount() == 0 {
		return Percentiles{}
	}
	ms := func(us int64) float64 { return round3(float64(us) / 1000) }
	return Percentiles{
		P50:  ms(h.ValueAtQuantile(50)),
		P90:  ms(h.ValueAtQuantile(90)),
		P99:  ms(h.ValueAtQuantile(99)),
		P999: ms(h.ValueAtQuantile(99.9)),
		Max:  ms(h.Max()),
		Mean: round3(h.Mean() / 1000),
	}
}

// Sub returns p − q per quantile (the overhead of a measurement over its ideal).
func (p Percentiles) Sub(q Percentiles) Percentiles {
	return Percentiles{
		P50: round3(p.P50 - q.P50), P90: round3(p.P90 - q.P90), P99: round3(p.P99 - q.P99),
		P999: round3(p.P999 - q.P999), Max: round3(p.Max - q.Max), Mean: round3(p.Mean - q.Mean),
	}
}

// EncodeHistogram encodes h in the HdrHistogram V2 compressed base64 form.
func EncodeHistogram(h *hdrhistogram.Histogram) (string, error) {
	if h == nil {
		return "", nil
	}
	b, err := encodeV2(h)
	if err != nil {
		return "", fmt.Errorf("encode histogram: %w", err)
	}
	return string(b), nil
}

// DecodeHistogram reverses EncodeHistogram. A corrupt encoding is an
// error: hdrhistogram-go panics on some, and a damaged results.json must
// not take the reports down with it.
func DecodeHistogram(s string) (h *hdrhistogram.Histogram, err error) {
	if s == "" {
		return nil, nil
	}
	defer func() {
		if p := recover(); p != nil {
			h, err = nil, fmt.Errorf("decode histogram: corrupt encoding (%v)", p)
		}
	}()
	h, err = hdrhistogram.Decode([]byte(s))
	if err != nil {
		return nil, fmt.Errorf("decode histogram: %w", err)
	}
	return h, nil
}

func round3(v float64) float64 { return math.Round(v*1000) / 1000 }
