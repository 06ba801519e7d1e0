package bench

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fanbench/fanbench/mockapi"
	"github.com/fanbench/fanbench/reports"
	"github.com/fanbench/fanbench/scenarios"
)

// timeline applies a scenario's fault phases to the mock APIs at their
// offsets from the start of measurement, through the mocks' atomic config
// swap, and records when each one actually took effect.
//
// A broker phase calls restart (the strategy's Built.RestartBroker) in a
// goroutine of its own, so later phases keep their times; it is marked
// twice, API "broker", action "stop" when it begins and "start" when the
// broker is back. Strategies without a broker skip it unmarked. A relay
// phase does the same with crash (Built.CrashRelay), marked API "relay",
// actions "crash" and "restart".
type timeline struct {
	phases   []scenarios.Phase
	base     scenarios.APIs
	apis     [2]*mockapi.API
	strategy string
	restart  func(ctx context.Context, down time.Duration) error
	crash    func(ctx context.Context, down time.Duration) error

	now      atomic.Pointer[string] // the last phase applied, for progress lines
	cancel   context.CancelFunc
	done     chan struct{}
	restarts sync.WaitGroup
	mu       sync.Mutex // marks: restarts add theirs concurrently
	marks    []reports.PhaseMark
}

func newTimeline(phases []scenarios.Phase, base scenarios.APIs, apis [2]*mockapi.API, strategy string, restart, crash func(context.Context, time.Duration) error) *timeline {
	return &timeline{phases: phases, base: base, apis: apis, strategy: strategy, restart: restart, crash: crash}
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
			if p.Broker != "" {
				t.outage(ctx, t0, p.Down, t.restart, "broker", "stop", "start")
				continue
			}
			if p.Relay != "" {
				t.outage(ctx, t0, p.Down, t.crash, "relay", "crash", "restart")
				continue
			}
			t.apply(p, time.Since(t0))
		}
	}()
}

// outage runs fn (a broker restart, a relay crash) in a goroutine that
// stop waits for, marking what as down when it begins and up when fn
// returns; a strategy without fn skips it unmarked.
func (t *timeline) outage(ctx context.Context, t0 time.Time, down time.Duration, fn func(context.Context, time.Duration) error, what, downAction, upAction string) {
	if fn == nil {
		return
	}
	t.mark(reports.PhaseMark{Strategy: t.strategy, AtS: round3(time.Since(t0).Seconds()), API: what, Action: downAction})
	label := fmt.Sprintf("%s down %v at %.0fs", what, down, time.Since(t0).Seconds())
	t.now.Store(&label)
	t.restarts.Go(func() {
		err := fn(ctx, down)
		mark := reports.PhaseMark{Strategy: t.strategy, AtS: round3(time.Since(t0).Seconds()), API: what, Action: upAction}
		if err != nil {
			mark.Error = err.Error()
		}
		t.mark(mark)
		label := fmt.Sprintf("%s back at %.0fs", what, time.Since(t0).Seconds())
		t.now.Store(&label)
	})
}

// mark records a phase that took effect.
func (t *timeline) mark(m reports.PhaseMark) {
	t.mu.Lock()
	t.marks = append(t.marks, m)
	t.mu.Unlock()
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
	t.mark(mark)
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
	t.restarts.Wait() // a restart cut short by cancel still starts the broker (or relay)
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.marks
}
