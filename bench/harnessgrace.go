package bench

import (
	"context"
	"sync"
	"time"
)

// DefaultInterruptGrace is how long sends in flight may still finish after
// the first interrupt (Ctrl-C) before they are canceled: long enough for a
// healthy send to answer, short enough that a hung API cannot hold the run.
const DefaultInterruptGrace = 2 * time.Second

// graceContext returns the context sends run under: it ignores ctx's end
// for grace (DefaultInterruptGrace when 0), then is canceled. stop releases
// it; call it once the sends are done.
func graceContext(ctx context.Context, grace time.Duration) (_ context.Context, stop func()) {
	if grace <= 0 {
		grace = DefaultInterruptGrace
	}
	sendCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	var mu sync.Mutex
	var timer *time.Timer
	stopped := false
	unhook := context.AfterFunc(ctx, func() {
		mu.Lock()
		defer mu.Unlock()
		if !stopped {
			timer = time.AfterFunc(grace, cancel)
		}
	})
	return sendCtx, func() {
		unhook()
		mu.Lock()
		stopped = true
		if timer != nil {
			timer.Stop()
		}
		mu.Unlock()
		cancel()
	}
}
