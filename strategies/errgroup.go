package strategies

import (
	"context"

	"golang.org/x/sync/errgroup"
)

// Errgroup calls API a and API b at once with golang.org/x/sync/errgroup;
// the user waits for the slower of the two. A failing leg does not cancel
// its sibling unless CancelOnError is set.
type Errgroup struct {
	a, b          *Leg
	cancelOnError bool
}

var _ Strategy = (*Errgroup)(nil)

// NewErrgroup returns the errgroup strategy over legs a and b.
func NewErrgroup(a, b *Leg, cancelOnError bool) *Errgroup {
	return &Errgroup{a: a, b: b, cancelOnError: cancelOnError}
}

// BuildErrgroup is the errgroup strategy's Constructor.
func BuildErrgroup(_ context.Context, spec Spec, d Deps) (Built, error) {
	e := NewErrgroup(d.Leg(0, d.Policy), d.Leg(1, d.Policy), spec.CancelOnError)
	return Compensate(Built{Strategy: e, Combine: e.Combine()}, d), nil
}

// Name implements Strategy.
func (*Errgroup) Name() string { return NameErrgroup }

// Combine implements Strategy: the user waits for the slower leg.
func (*Errgroup) Combine() Combine { return CombineMax }

// Send implements Strategy. Leg b runs in an errgroup goroutine and leg a
// in the caller's (the front's handler, whose stack has already grown to
// what net/http needs): one goroutine per send instead of two, and none of
// the stack growth a fresh goroutine pays on the way into net/http
// (copystack was 8% of the CPU profile at 200/s, 3% after; the CPU per
// send against the floor program moved within BenchmarkFloorRatio's noise).
// The legs still run at once; with CancelOnError the first to fail cancels
// the other.
func (e *Errgroup) Send(ctx context.Context, m Send) Reply {
	var legs [2]LegResult
	fail := func() {}
	if e.cancelOnError {
		var cancel context.CancelFunc
		ctx, cancel = context.WithCancel(ctx)
		defer cancel()
		fail = cancel
	}
	var g errgroup.Group
	g.Go(func() error {
		if legs[1] = e.b.Call(ctx, m); !legs[1].OK() {
			fail()
		}
		return nil
	})
	if legs[0] = e.a.Call(ctx, m); !legs[0].OK() {
		fail()
	}
	_ = g.Wait() // failures are in legs
	return Reply{Status: Status(legs), Legs: legs}
}
