package strategies

import (
	"context"
	"sync/atomic"
	"time"
)

// pause holds every call to one API until the latest time a Retry-After
// from it named. A Retry-After speaks for the API, not for the one request
// that got it: honouring it only in that request's retry would let every
// other send keep hammering a throttled API. The zero value is open.
type pause struct {
	until atomic.Int64 // UnixNano; 0 = open
}

// extend makes the pause last at least until t.
func (p *pause) extend(t time.Time) {
	n := t.UnixNano()
	for {
		cur := p.until.Load()
		if cur >= n || p.until.CompareAndSwap(cur, n) {
			return
		}
	}
}

// wait returns when the pause is over (including any extension made while
// it waited) or ctx is done, with ctx's error then.
func (p *pause) wait(ctx context.Context) error {
	for {
		until := p.until.Load()
		if until == 0 {
			return nil
		}
		d := time.Until(time.Unix(0, until))
		if d <= 0 {
			return nil
		}
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		}
	}
}
