package bench

import (
	"slices"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/fanbench/fanbench/mockapi"
	"github.com/fanbench/fanbench/reports"
	"github.com/fanbench/fanbench/strategies"
)

// Live is what a live view (the dashboard) shows of a running strategy
// beyond the progress line, once a second. Per-second figures cover the
// interval since the previous Progress; "so far" figures the whole load.
type Live struct {
	// T is the end of the interval, in seconds since the start of
	// measurement (negative during the warm-up).
	T float64
	// P50Ms and P99Ms are the corrected latency of the measured answers
	// that came back in the interval (warm-up answers are not recorded
	// live); 0 when none did.
	P50Ms, P99Ms float64
	// Offered is sends the schedule intended per second; Answered, measured
	// sends answered 2xx per second; Delivered, sends that reached both
	// APIs per second, counted when the later API's ledger had them.
	Offered, Answered, Delivered float64
	// Outcomes so far, from the ledgers: Both is every send in both; the
	// others count the sends not yet in both (still under way, or failed).
	// Warm-up sends are included: the view starts with the load, while
	// results.json's outcomes cover the measurement only.
	Outcomes reports.Outcomes
	// Backlog is the sends intended so far that are not yet in both ledgers.
	Backlog int64
	// Untracked counts sends the follower stopped looking up (it keeps at
	// most maxFollowed undelivered ones); they are left out of the above.
	Untracked int64
	// Retries so far, per API: arrivals beyond the first of each send in
	// the ledgers, as reconciliation counts them, so a queue's broker
	// redeliveries count as a leg's own retries do.
	Retries reports.AB
	// BreakerOpens so far, per API, from the legs' counters.
	BreakerOpens reports.AB
	// Phases are the fault phases that took effect so far.
	Phases []reports.PhaseMark
}

// maxFollowed bounds how many undelivered sends the follower keeps
// looking up each second (and the memory it holds): beyond it the oldest
// are dropped and counted as untracked.
const maxFollowed = 1 << 16

// follower follows, once a second while a load runs, which sends have
// reached both APIs by looking their ids up in the mock APIs' ledgers —
// the ground truth the final reconciliation reads too. It runs on the
// progress goroutine, never on the send path; each step looks up the
// sends intended since the last step and those still undelivered.
type follower struct {
	sched    schedule
	ids      idSpace
	ledgers  [2]*mockapi.Ledger
	legs     [2]*strategies.LegStats
	pending  []uint64 // seqs intended and not yet in both ledgers
	both     int64
	undone   int64      // sends compensated (settled like both: they leave the backlog)
	retried  reports.AB // arrivals beyond the first of the sends already in both
	dropped  int64
	lastStep time.Duration
}

func newFollower(p vegeta.Pacer, ids idSpace, apis [2]*mockapi.API, legs [2]*strategies.LegStats) *follower {
	return &follower{sched: schedule{p: p}, ids: ids, ledgers: [2]*mockapi.Ledger{apis[0].Ledger(), apis[1].Ledger()}, legs: legs}
}

// step looks the ledgers up at elapsed (since the driver began) and
// fills l with what it found.
func (f *follower) step(elapsed time.Duration, l *Live) {
	dt := (elapsed - f.lastStep).Seconds()
	f.lastStep = elapsed
	var offered int64
	for {
		if _, ok := f.sched.next(elapsed); !ok {
			break
		}
		f.pending = append(f.pending, f.sched.n-1)
		offered++
	}
	if over := len(f.pending) - maxFollowed; over > 0 {
		f.dropped += int64(over)
		f.pending = slices.Delete(f.pending, 0, over)
	}
	var newly int64
	var o reports.Outcomes
	retries := f.retried
	kept := f.pending[:0]
	for _, seq := range f.pending {
		id := f.ids.id(seq)
		ea, okA := f.ledgers[0].Lookup(id)
		eb, okB := f.ledgers[1].Lookup(id)
		gotA, gotB := delivered(ea, okA), delivered(eb, okB)
		extra := reports.AB{A: int64(max(ea.Arrivals-1, 0)), B: int64(max(eb.Arrivals-1, 0))}
		retries.A, retries.B = retries.A+extra.A, retries.B+extra.B
		switch {
		case gotA && gotB:
			newly++
			f.retried.A, f.retried.B = f.retried.A+extra.A, f.retried.B+extra.B
			continue
		case !gotA && !gotB && (ea.Undone || eb.Undone): // as reconcile counts it
			f.undone++
			continue
		case gotA:
			o.AOnly++
		case gotB:
			o.BOnly++
		default:
			o.None++
		}
		kept = append(kept, seq)
	}
	f.pending = kept
	f.both += newly
	o.Both, o.Compensated = f.both, f.undone
	l.Outcomes, l.Backlog, l.Untracked = o, int64(len(f.pending)), f.dropped
	if dt > 0 {
		l.Offered, l.Delivered = float64(offered)/dt, float64(newly)/dt
	}
	l.Retries = retries
	l.BreakerOpens = reports.AB{A: f.legs[0].BreakerOpens.Load(), B: f.legs[1].BreakerOpens.Load()}
}

// marksSoFar returns a copy of the phases that took effect so far.
func (t *timeline) marksSoFar() []reports.PhaseMark {
	t.mu.Lock()
	defer t.mu.Unlock()
	return slices.Clone(t.marks)
}
