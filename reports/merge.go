package reports

import (
	"errors"
	"fmt"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// ErrMergeDropped is returned (wrapped) when a histogram merge would lose
// values: merges of fanbench's histograms are exact or they fail.
var ErrMergeDropped = errors.New("reports: histogram merge dropped values")

// Merge adds every value of src into dst. Histograms made by NewHistogram
// share their bounds, so nothing is dropped; when something would be (src
// tracks values dst cannot), Merge says how many and returns an error
// wrapping ErrMergeDropped.
func Merge(dst, src *hdrhistogram.Histogram) error {
	if src == nil {
		return nil
	}
	if n := dst.Merge(src); n != 0 {
		return fmt.Errorf("%w: %d of %d (source highest %d, destination tracks up to %d)",
			ErrMergeDropped, n, src.TotalCount(), src.Max(), dst.HighestTrackableValue())
	}
	return nil
}

// MergeEncoded decodes each encoded histogram (as EncodeHistogram writes
// them; empty strings are skipped), merges them exactly into one with the
// standard bounds and returns it.
func MergeEncoded(encoded ...string) (*hdrhistogram.Histogram, error) {
	out := NewHistogram()
	for i, e := range encoded {
		h, err := DecodeHistogram(e)
		if err != nil {
			return nil, fmt.Errorf("histogram %d: %w", i, err)
		}
		if err := Merge(out, h); err != nil {
			return nil, fmt.Errorf("histogram %d: %w", i, err)
		}
	}
	return out, nil
}
