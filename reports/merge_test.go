package reports_test

import (
	"errors"
	"testing"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/fanbench/fanbench/reports"
)

// Merging the histograms of parts of a run gives exactly the histogram of
// the whole: same count, same value at every quantile.
func TestMergeEncodedIsExact(t *testing.T) {
	whole := reports.NewHistogram()
	parts := make([]*hdrhistogram.Histogram, 3)
	for i := range parts {
		parts[i] = reports.NewHistogram()
	}
	for i := range int64(3000) {
		us := 1 + (i*7919)%900_000
		reports.RecordUs(whole, us)
		reports.RecordUs(parts[i%3], us)
	}
	var enc []string
	for _, p := range parts {
		s, err := reports.EncodeHistogram(p)
		if err != nil {
			t.Fatal(err)
		}
		enc = append(enc, s)
	}
	merged, err := reports.MergeEncoded(append(enc, "")...)
	if err != nil {
		t.Fatalf("MergeEncoded: %v", err)
	}
	if !merged.Equals(whole) {
		t.Errorf("merged histogram differs from the whole: count %d p50 %d p99 %d; want %d %d %d",
			merged.TotalCount(), merged.ValueAtQuantile(50), merged.ValueAtQuantile(99),
			whole.TotalCount(), whole.ValueAtQuantile(50), whole.ValueAtQuantile(99))
	}
}

func TestMergeRefusesToDrop(t *testing.T) {
	wide := hdrhistogram.New(1, 3_600_000_000, 3) // tracks an hour; ours stop at 60s
	_ = wide.RecordValue(10)
	_ = wide.RecordValue(120_000_000)
	err := reports.Merge(reports.NewHistogram(), wide)
	if !errors.Is(err, reports.ErrMergeDropped) {
		t.Fatalf("Merge of a value beyond the bounds: %v; want ErrMergeDropped", err)
	}
	if _, err := reports.MergeEncoded("not a histogram"); err == nil {
		t.Error("MergeEncoded of a corrupt encoding succeeded")
	}
}
