package bench

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/fanbench/fanbench/mockapi"
	"github.com/fanbench/fanbench/reports"
	"github.com/fanbench/fanbench/scenarios"
)

// timeline applies a scenario's fault phases to the mock APIs at their
// offsets from the start of measurement, through the mocks' atomic config
// swap, and records when each one actually took effect.
type timeline struct {
	phases   []scenarios.Phase
	base     scenarios.APIs
	apis     [2]*mockapi.API
	strategy string

	now    atomic.Pointer[string] // the last phase applied, for progress lines
	cancel context.CancelFunc
	done   chan struct{}
	marks  []reports.PhaseMark
}

func newTimeline(phases []scenarios.Phase, base scenarios.APIs, apis [2]*mockapi.API, strategy string) *timeline {
	return &timeline{phases: phases, base: base, apis: apis, strategy: strategy}
}

// start runs the phases from t0 (the start of measurement) in a goroutine
// that stop ends.
func (t *timeline) start(ctx context.Context, t0 time.Time) {
	if len(t.phases) == 0 || t.done != nil {
		return
	}
	ctx, t.cancel = context.WithCancel(ctx)
	t.done = make(chan struct{})
	go func() {
		defer close(t.done)
		timer := time.NewTimer(0)
		defer timer.Stop()
		<-timer.C
		for _, p := range t.phases {
			timer.Reset(time.Until(t0.Add(p.At)))
			select {
			case <-timer.C:
			case <-ctx.Done():
				return
			}
			t.apply(p, time.Since(t0))
		}
	}()
}

func (t *timeline) apply(p scenarios.Phase, at time.Duration) {
	i, cfg := 0, t.base.A
	if p.API == "b" {
		i, cfg = 1, t.base.B
	}
	action := "reset"
	if !p.Reset && p.Set != nil {
		action, cfg = "set", *p.Set
	}
	mark := reports.PhaseMark{Strategy: t.strategy, AtS: round3(at.Seconds()), API: p.API, Action: action}
	if err := t.apis[i].SetConfig(cfg); err != nil {
		mark.Error = err.Error()
	}
	t.marks = append(t.marks, mark)
	label := fmt.Sprintf("%s %s at %.0fs", p.API, action, at.Seconds())
	t.now.Store(&label)
}

// current names the last phase applied, "" before the first.
func (t *timeline) current() string {
	if p := t.now.Load(); p != nil {
		return *p
	}
	return ""
}

// stop ends the timeline and returns the phases that took effect.
func (t *timeline) stop() []reports.PhaseMark {
	if t.done == nil {
		return nil
	}
	t.cancel()
	<-t.done
	return t.marks
}
