package bench

import (
	"cmp"
	"slices"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/fanbench/fanbench/reports"
)

// series keeps the per-second view of a run (by intended send time). Each
// open second has a small histogram; a second is closed into a point once
// no sample can still arrive for it (older than the request timeout), and
// its histogram is reused, so memory stays flat however long the run.
type series struct {
	origin time.Duration // start of measurement
	lag    int           // seconds a second stays open
	open   map[int]*second
	pool   []*hdrhistogram.Histogram
	points []reports.SeriesPoint
	// intervals are the closed seconds' histograms, for the .hlog.
	intervals []reports.Interval
	newest    int
}

type second struct {
	h            *hdrhistogram.Histogram
	sent, ok, ko int64
}

func newSeries(origin, timeout time.Duration) *series {
	return &series{origin: origin, lag: int(timeout/time.Second) + 2, open: make(map[int]*second)}
}

// secondOf returns which second of measurement a send intended at due
// belongs to. Measurement is the window (origin, origin+duration], so second
// k holds (origin+k s, origin+(k+1) s]: the last send of a 30s run, intended
// at exactly 30s, is in second 29, not alone in a second 30.
func secondOf(due, origin time.Duration) int {
	return max(int((due-origin-1)/time.Second), 0)
}

func (s *series) record(due time.Duration, us int64, good bool) {
	idx := secondOf(due, s.origin)
	sec := s.open[idx]
	if sec == nil {
		sec = &second{h: s.histogram()}
		s.open[idx] = sec
	}
	sec.sent++
	if good {
		sec.ok++
	} else {
		sec.ko++
	}
	reports.RecordUs(sec.h, us)
	if idx > s.newest {
		s.newest = idx
		for i, old := range s.open {
			if i < idx-s.lag {
				s.close(i, old)
			}
		}
	}
}

// histogram returns a reset histogram with the standard bounds, so that the
// seconds' histograms (the .hlog intervals) add up exactly to the run's.
func (s *series) histogram() *hdrhistogram.Histogram {
	if n := len(s.pool); n > 0 {
		h := s.pool[n-1]
		s.pool = s.pool[:n-1]
		h.Reset()
		return h
	}
	return reports.NewHistogram()
}

func (s *series) close(i int, sec *second) {
	p := reports.PercentilesOf(sec.h)
	s.points = append(s.points, reports.SeriesPoint{
		T: float64(i), Sent: sec.sent, OK: sec.ok, Errors: sec.ko,
		P50Ms: p.P50, P99Ms: p.P99, MaxMs: p.Max,
	})
	enc, _ := reports.EncodeHistogram(sec.h) // a histogram of ours always encodes
	s.intervals = append(s.intervals, reports.Interval{T: float64(i), Histogram: enc})
	delete(s.open, i)
	s.pool = append(s.pool, sec.h)
}

// flush closes every open second and sorts the points by time.
func (s *series) flush() {
	for i, sec := range s.open {
		s.close(i, sec)
	}
	sortPoints(s.points)
	slices.SortFunc(s.intervals, func(a, b reports.Interval) int { return cmp.Compare(a.T, b.T) })
}

// sortPoints sorts points by time.
func sortPoints(pts []reports.SeriesPoint) {
	for i := 1; i < len(pts); i++ { // insertion sort: nearly sorted already
		for j := i; j > 0 && pts[j].T < pts[j-1].T; j-- {
			pts[j], pts[j-1] = pts[j-1], pts[j]
		}
	}
}
