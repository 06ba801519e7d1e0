package reports

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// WriteHlog writes intervals as an HdrHistogram interval log (format 1.3),
// the file HdrHistogram's HistogramLogReader and HistogramLogProcessor
// read: one line per second of measurement and driver, tagged with the
// driver's name when it has one, in time order. from is the start of
// measurement; interval timestamps are relative to a BaseTime of from
// truncated to the second, so they keep from's milliseconds. Values are
// microseconds; the writer's Interval_Max column divides them by 10^6
// (HdrHistogram's default unit ratio), so that column reads in seconds.
func WriteHlog(w io.Writer, from time.Time, intervals []Interval) error {
	sorted := slices.Clone(intervals)
	slices.SortStableFunc(sorted, func(a, b Interval) int {
		return cmp.Or(cmp.Compare(a.T, b.T), cmp.Compare(a.Tag, b.Tag))
	})
	fromMs := from.UnixMilli()
	lw := hdrhistogram.NewHistogramLogWriter(w)
	lw.SetBaseTime(fromMs / 1000 * 1000)
	head := []func() error{
		lw.OutputLogFormatVersion,
		func() error {
			return lw.OutputComment("fanbench corrected latency (µs) per second of measurement, by intended send time")
		},
		func() error { return lw.OutputStartTime(fromMs) },
		func() error { return lw.OutputBaseTime(fromMs) },
		lw.OutputLegend,
	}
	for _, f := range head {
		if err := f(); err != nil {
			return fmt.Errorf("hlog: %w", err)
		}
	}
	for _, in := range sorted {
		h, err := DecodeHistogram(in.Histogram)
		if err != nil {
			return fmt.Errorf("hlog: interval %vs %q: %w", in.T, in.Tag, err)
		}
		if h == nil {
			continue
		}
		start := fromMs + int64(in.T*1000)
		h.SetStartTimeMs(start)
		h.SetEndTimeMs(start + 1000)
		h.SetTag(in.Tag)
		if err := lw.OutputIntervalHistogram(h); err != nil {
			return fmt.Errorf("hlog: interval %vs %q: %w", in.T, in.Tag, err)
		}
	}
	return nil
}

// hlogFile is the name of a strategy's interval log in the run directory.
func hlogFile(strategy string) string {
	return safeFileName(strategy) + ".hlog"
}
