package strategies

import (
	"context"
	"errors"

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

// errLegFailed makes a failed leg cancel its sibling when CancelOnError is set.
var errLegFailed = errors.New("strategies: leg failed")

// Send implements Strategy.
func (e *Errgroup) Send(ctx context.Context, m Send) Reply {
	var legs [2]LegResult
	var g *errgroup.Group
	if e.cancelOnError {
		g, ctx = errgroup.WithContext(ctx)
	} else {
		g = new(errgroup.Group)
	}
	for i, leg := range [2]*Leg{e.a, e.b} {
		g.Go(func() error {
			legs[i] = leg.Call(ctx, m)
			if e.cancelOnError && !legs[i].OK() {
				return errLegFailed
			}
			return nil
		})
	}
	_ = g.Wait() // failures are in legs; the error only served to cancel
	return Reply{Status: Status(legs), Legs: legs}
}
