package reports_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/fanbench/fanbench/reports"
)

// readHlog reads every interval of an interval log with hdrhistogram-go's
// own reader.
func readHlog(t *testing.T, log []byte) []*hdrhistogram.Histogram {
	t.Helper()
	r := hdrhistogram.NewHistogramLogReader(bytes.NewReader(log))
	var out []*hdrhistogram.Histogram
	for {
		h, err := r.NextIntervalHistogram()
		if err != nil {
			t.Fatalf("read interval %d: %v\n%s", len(out), err, log)
		}
		if h == nil {
			return out
		}
		out = append(out, h)
	}
}

func encoded(t *testing.T, us ...int64) string {
	t.Helper()
	h := reports.NewHistogram()
	for _, v := range us {
		reports.RecordUs(h, v)
	}
	s, err := reports.EncodeHistogram(h)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestWriteHlogReadBack(t *testing.T) {
	from := time.Date(2026, 12, 1, 15, 0, 0, 250e6, time.UTC) // .250 s: kept to the ms
	in := []reports.Interval{                                 // out of order on purpose: the log is in time order
		{Tag: "w-1", T: 1, Histogram: encoded(t, 300_000, 310_000)},
		{Tag: "w-0", T: 0, Histogram: encoded(t, 500_000)},
		{Tag: "w-1", T: 0, Histogram: encoded(t, 499_000, 501_000, 502_000)},
		{Tag: "w-0", T: 1, Histogram: encoded(t, 1_000)},
	}
	var buf bytes.Buffer
	if err := reports.WriteHlog(&buf, from, in); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "#[Histogram log format version 1.3]") {
		t.Errorf("log lacks its format version line:\n%s", buf.String())
	}
	got := readHlog(t, buf.Bytes())
	want := []struct {
		tag     string
		startMs int64
		count   int64
		max     int64
	}{
		{"w-0", from.UnixMilli(), 1, 500_000},
		{"w-1", from.UnixMilli(), 3, 502_000},
		{"w-0", from.UnixMilli() + 1000, 1, 1_000},
		{"w-1", from.UnixMilli() + 1000, 2, 310_000},
	}
	if len(got) != len(want) {
		t.Fatalf("read %d intervals; want %d:\n%s", len(got), len(want), buf.String())
	}
	for i, w := range want {
		h := got[i]
		if h.Tag() != w.tag || h.StartTimeMs() != w.startMs || h.EndTimeMs() != w.startMs+1000 ||
			h.TotalCount() != w.count || !h.ValuesAreEquivalent(h.Max(), w.max) {
			t.Errorf("interval %d: tag %q start %d end %d count %d max %d; want %q %d %d %d %d",
				i, h.Tag(), h.StartTimeMs(), h.EndTimeMs(), h.TotalCount(), h.Max(),
				w.tag, w.startMs, w.startMs+1000, w.count, w.max)
		}
	}
}

func TestWriteHlogCorruptInterval(t *testing.T) {
	err := reports.WriteHlog(&bytes.Buffer{}, time.Now(), []reports.Interval{{Tag: "w-2", T: 3, Histogram: "HISTFAAAnot"}})
	if err == nil || !strings.Contains(err.Error(), `interval 3s "w-2"`) {
		t.Errorf("WriteHlog of a corrupt interval: %v; want an error naming the interval", err)
	}
}
