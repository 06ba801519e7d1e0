package outbox

import (
	"context"
	"fmt"
	"time"

	"github.com/fanbench/fanbench/strategies"
)

// Build is the outbox strategy's strategies.Constructor: the store, the
// run's tables and a relay whose legs follow the run's policy.
func Build(ctx context.Context, spec strategies.Spec, d strategies.Deps) (strategies.Built, error) {
	o, err := New(ctx, d.Leg(0, d.Policy), d.Leg(1, d.Policy), Options{
		OutboxOptions: spec.Outbox, Seed: d.Seed, Logf: d.Logf,
	})
	if err != nil {
		return strategies.Built{}, fmt.Errorf("start the outbox: %w", err)
	}
	return strategies.Built{
		Strategy: o, Combine: o.Combine(),
		Drain: o.Drain, Close: o.Close, Stats: o.reportStats, CrashRelay: o.CrashRelay,
	}, nil
}

// reportStats is the outbox's part of the report: its counters, and the
// backlog and relay lag per second since it started.
func (o *Outbox) reportStats() strategies.Stats {
	st := o.Stats()
	o.mu.Lock()
	start := o.series.start
	o.mu.Unlock()
	n := int(time.Since(start)/time.Second) + 1
	var backlog, lag []strategies.Sample
	for _, pt := range o.Series(start, n) {
		at := start.Add(time.Duration(pt.T) * time.Second)
		backlog = append(backlog, strategies.Sample{At: at, Value: float64(pt.Backlog)})
		lag = append(lag, strategies.Sample{At: at, Value: pt.LagMs})
	}
	return strategies.Stats{
		DeadLetters: st.DeadRows,
		Counters: map[string]int64{
			"committed":        st.Committed,
			"duplicates":       st.Duplicates,
			"commit_errors":    st.CommitErrors,
			"commit_p50_us":    st.CommitP50.Microseconds(),
			"commit_p99_us":    st.CommitP99.Microseconds(),
			"relay_lag_p50_us": st.LagP50.Microseconds(),
			"relay_lag_p99_us": st.LagP99.Microseconds(),
			"legs_delivered":   st.LegsDelivered,
			"rows_retried":     st.RowsRetried,
			"row_retries":      st.Retries,
			"dead_rows":        st.DeadRows,
			"peak_backlog":     st.PeakBacklog,
			"relay_crashes":    st.RelayCrashes,
			"relay_errors":     st.RelayErrors,
		},
		Series: map[string][]strategies.Sample{"outbox_backlog": backlog, "relay_lag_ms": lag},
	}
}
