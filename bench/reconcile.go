package bench

import (
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/fanbench/fanbench/mockapi"
	"github.com/fanbench/fanbench/reports"
)

// reconciliation is every measured send checked against both ledgers.
type reconciliation struct {
	outcomes    reports.Outcomes
	lost        int64
	dupDeliver  reports.AB
	dupEffects  reports.AB
	calls       reports.AB              // arrivals of measured ids at each API
	retries     reports.AB              // arrivals beyond the first of each id
	a, b, both  *hdrhistogram.Histogram // delivery latency, µs
	delivered   map[int]int64           // sends delivered to both, by second of intended time
	arrived     map[int]int64           // the same sends, by second of arrival at the later API
	undelivered map[string][]string     // the first few ids per outcome that is not "both", and lost
}

// delivered says whether a ledger entry (found: ok) is a delivery: an
// applied effect that no compensation undid.
func delivered(e mockapi.Entry, ok bool) bool { return ok && e.Effects > 0 && !e.Undone }

// reconcile walks the measured sends of d in order, recovering each one's
// intended time from the pacer, and looks its id up in the ledgers of API a
// and API b: the ledgers are the ground truth of what was delivered.
func reconcile(d *drive, p vegeta.Pacer, ids idSpace, measureFrom time.Duration, la, lb *mockapi.Ledger) reconciliation {
	r := reconciliation{a: reports.NewHistogram(), b: reports.NewHistogram(), both: reports.NewHistogram(),
		delivered: make(map[int]int64), arrived: make(map[int]int64), undelivered: make(map[string][]string)}
	s := schedule{p: p}
	for seq := uint64(0); seq < d.sent; seq++ {
		due, ok := s.next(1<<62 - 1)
		if !ok {
			break
		}
		if seq < d.firstMeasured || d.include != nil && !d.include(seq) {
			continue
		}
		id := ids.id(seq)
		intended := d.began.Add(due)
		ea, okA := la.Lookup(id)
		eb, okB := lb.Lookup(id)
		gotA, gotB := delivered(ea, okA), delivered(eb, okB)
		switch {
		case gotA && gotB:
			r.outcomes.Both++
			r.delivered[secondOf(due, measureFrom)]++
			r.arrived[secondOf(arrivedAt(ea, eb).Sub(d.began), measureFrom)]++
		case gotA:
			r.outcomes.AOnly++
			r.sample("a_only", id)
		case gotB:
			r.outcomes.BOnly++
			r.sample("b_only", id)
		case ea.Undone || eb.Undone:
			r.outcomes.Compensated++
		default:
			r.outcomes.None++
			r.sample("none", id)
		}
		if d.rec.acked.has(seq-d.firstMeasured) && !(gotA && gotB) {
			r.lost++
			r.sample("lost", id)
		}
		r.calls.A += int64(ea.Arrivals)
		r.calls.B += int64(eb.Arrivals)
		if ea.Arrivals > 1 {
			r.dupDeliver.A++
			r.retries.A += int64(ea.Arrivals - 1)
		}
		if eb.Arrivals > 1 {
			r.dupDeliver.B++
			r.retries.B += int64(eb.Arrivals - 1)
		}
		if ea.Effects > 1 {
			r.dupEffects.A++
		}
		if eb.Effects > 1 {
			r.dupEffects.B++
		}
		var la, lb time.Duration
		if gotA {
			la = ea.FirstSuccess.Sub(intended)
			reports.RecordUs(r.a, la.Microseconds())
		}
		if gotB {
			lb = eb.FirstSuccess.Sub(intended)
			reports.RecordUs(r.b, lb.Microseconds())
		}
		if gotA && gotB {
			reports.RecordUs(r.both, max(la, lb).Microseconds())
		}
	}
	return r
}

// undeliveredSample is how many ids per kind the results keep.
const undeliveredSample = 5

// sample keeps id among the first few of its kind.
func (r *reconciliation) sample(kind, id string) {
	if len(r.undelivered[kind]) < undeliveredSample {
		r.undelivered[kind] = append(r.undelivered[kind], id)
	}
}

// arrivedAt is when a send delivered to both APIs had reached both: the
// later of its first successful arrivals.
func arrivedAt(ea, eb mockapi.Entry) time.Time {
	if ea.FirstSuccess.After(eb.FirstSuccess) {
		return ea.FirstSuccess
	}
	return eb.FirstSuccess
}

// perSecond completes the driver's per-second points with the deliveries:
// Delivered by the second each send was intended, DeliveredByArrival by the
// second it reached both APIs. Arrivals after the last second with sends
// (deliveries made while draining) get points of their own, so a burst of
// late deliveries shows where it happened.
func (r reconciliation) perSecond(points []reports.SeriesPoint) []reports.SeriesPoint {
	have := make(map[int]bool, len(points))
	for i := range points {
		sec := int(points[i].T)
		have[sec] = true
		points[i].Delivered = r.delivered[sec]
		points[i].DeliveredByArrival = r.arrived[sec]
	}
	for sec, n := range r.arrived {
		if !have[sec] {
			points = append(points, reports.SeriesPoint{T: float64(sec), DeliveredByArrival: n})
		}
	}
	sortPoints(points)
	return points
}
