package strategies

import "context"

// Sequential calls API a, then API b. b is attempted even when a failed:
// the user request carries information both need.
type Sequential struct {
	a, b *Leg
}

var _ Strategy = (*Sequential)(nil)

// NewSequential returns the sequential strategy over legs a and b.
func NewSequential(a, b *Leg) *Sequential { return &Sequential{a: a, b: b} }

// BuildSequential is the sequential strategy's Constructor.
func BuildSequential(_ context.Context, _ Spec, d Deps) (Built, error) {
	s := NewSequential(d.Leg(0, d.Policy), d.Leg(1, d.Policy))
	return Compensate(Built{Strategy: s, Combine: s.Combine()}, d), nil
}

// Name implements Strategy.
func (*Sequential) Name() string { return NameSequential }

// Combine implements Strategy: the user waits for a plus b.
func (*Sequential) Combine() Combine { return CombineSum }

// Send implements Strategy.
func (s *Sequential) Send(ctx context.Context, m Send) Reply {
	var legs [2]LegResult
	legs[0] = s.a.Call(ctx, m)
	legs[1] = s.b.Call(ctx, m)
	return Reply{Status: Status(legs), Legs: legs}
}
