// Package gateway is fanbench's fan-out API gateway: one endpoint that
// forwards each request to API a and API b concurrently, with the run's
// resilience policy on each leg. The client talks to the gateway only, as
// with KrakenD or Envoy in front of two services.
package gateway

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/fanbench/fanbench/strategies"
)

// Wait modes (Options.Wait), named once in strategies so that a Spec can
// be validated where it is declared.
const (
	// WaitAll answers after both legs: 200 when both succeeded, else 502
	// naming the failed legs, with X-Fanbench-Completed: true|false.
	WaitAll = strategies.WaitAll
	// WaitNone answers 202 at once and delivers in the background with
	// bounded concurrency; what it fails to deliver shows up as lost.
	WaitNone = strategies.WaitNone
)

// Options configure a Gateway. The zero value waits for both legs.
type Options struct {
	// Wait is WaitAll (default) or WaitNone.
	Wait string
	// MaxBackground caps deliveries in flight in WaitNone mode (default
	// 1024). When it is reached, new requests wait for a slot as long as
	// their own context allows, then get 503: the gateway never accepts
	// what it cannot deliver.
	MaxBackground int
}

// Gateway fans each request out to both APIs. It is a strategies.Strategy,
// so it serves through strategies.NewFront like every other strategy.
type Gateway struct {
	a, b *strategies.Leg
	wait string
	both *strategies.Errgroup

	// In WaitNone mode, Send takes a slot and hands the send to the
	// dispatcher, which owns the context of background deliveries.
	slots      chan struct{}
	work       chan strategies.Send
	stopped    chan struct{}      // closed when the dispatcher has returned
	stop       context.CancelFunc // ends the dispatcher and cancels deliveries
	deliveries sync.WaitGroup     // sends accepted and not yet delivered
	// Background deliveries accepted (202) and, of those, not delivered to
	// both APIs (a leg failed, or Close cancelled it).
	accepted, undelivered atomic.Int64
}

var (
	_ strategies.Strategy = (*Gateway)(nil)
	_ strategies.Drainer  = (*Gateway)(nil)
	_ strategies.Closer   = (*Gateway)(nil)
)

// New returns a gateway over legs a and b. Close releases it.
func New(a, b *strategies.Leg, opt Options) (*Gateway, error) {
	switch opt.Wait {
	case "":
		opt.Wait = WaitAll
	case WaitAll, WaitNone:
	default:
		return nil, fmt.Errorf("gateway: wait %q; want %q or %q", opt.Wait, WaitAll, WaitNone)
	}
	if opt.MaxBackground <= 0 {
		opt.MaxBackground = 1024
	}
	ctx, stop := context.WithCancel(context.Background())
	g := &Gateway{
		a: a, b: b, wait: opt.Wait,
		both:    strategies.NewErrgroup(a, b, false),
		slots:   make(chan struct{}, opt.MaxBackground),
		work:    make(chan strategies.Send),
		stopped: make(chan struct{}),
		stop:    stop,
	}
	go g.dispatch(ctx)
	return g, nil
}

// dispatch starts a background delivery for each send handed over, with
// ctx, until ctx ends (Close).
func (g *Gateway) dispatch(ctx context.Context) {
	defer close(g.stopped)
	for {
		select {
		case s := <-g.work:
			go func() {
				defer g.deliveries.Done()
				defer func() { <-g.slots }()
				if rep := g.both.Send(ctx, s); rep.Status != http.StatusOK {
					g.undelivered.Add(1)
				}
			}()
		case <-ctx.Done():
			return
		}
	}
}

// Build is the gateway strategy's strategies.Constructor: a gateway with
// the spec's wait mode whose background deliveries are capped at the
// load's in-flight cap; spec.Impl picks nginx instead (see buildNginx).
func Build(ctx context.Context, spec strategies.Spec, d strategies.Deps) (strategies.Built, error) {
	switch spec.Impl {
	case "", strategies.GatewayOwn:
	case strategies.GatewayNginx, strategies.GatewayNginxLua:
		return buildNginx(ctx, spec, d)
	default:
		return strategies.Built{}, fmt.Errorf("gateway: impl %q; want one of %s", spec.Impl, strings.Join(strategies.GatewayImpls(), ", "))
	}
	g, err := New(d.Leg(0, d.Policy), d.Leg(1, d.Policy), Options{Wait: spec.Wait, MaxBackground: d.MaxInFlight})
	if err != nil {
		return strategies.Built{}, err
	}
	// wait: all answers after both legs, so a partial send can be
	// compensated (on_partial: compensate); wait: none never has one.
	return strategies.Compensate(strategies.Built{Strategy: g, Combine: g.Combine(), Drain: g.Drain, Close: g.Close}, d), nil
}

// Name implements strategies.Strategy.
func (*Gateway) Name() string { return strategies.NameGateway }

// Combine implements strategies.Strategy.
func (g *Gateway) Combine() strategies.Combine {
	if g.wait == WaitNone {
		return strategies.CombineNone
	}
	return strategies.CombineMax
}

// Send implements strategies.Strategy.
func (g *Gateway) Send(ctx context.Context, s strategies.Send) strategies.Reply {
	if g.wait == WaitAll {
		return g.both.Send(ctx, s)
	}
	select {
	case g.slots <- struct{}{}:
	case <-ctx.Done():
		return strategies.Reply{Status: http.StatusServiceUnavailable}
	case <-g.stopped:
		return strategies.Reply{Status: http.StatusServiceUnavailable}
	}
	g.deliveries.Add(1) // before the 202, so that a Drain after it waits for this one
	select {
	case g.work <- s:
		g.accepted.Add(1)
		return strategies.Reply{Status: http.StatusAccepted}
	case <-g.stopped:
		g.deliveries.Done()
		<-g.slots
		return strategies.Reply{Status: http.StatusServiceUnavailable}
	}
}

// Drain implements strategies.Drainer: it waits for background deliveries.
func (g *Gateway) Drain(ctx context.Context) error {
	done := make(chan struct{})
	go func() { g.deliveries.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("gateway: %d deliveries still in flight: %w", len(g.slots), ctx.Err())
	}
}

// Background reports the background deliveries (WaitNone) accepted so far,
// those still in flight, and those that finished without reaching both
// APIs (a leg failed, or Close cancelled them).
func (g *Gateway) Background() (accepted, pending, undelivered int64) {
	return g.accepted.Load(), int64(len(g.slots)), g.undelivered.Load()
}

// Close cancels background deliveries and waits for them to stop. Sends
// after Close get 503. Calling it again does nothing.
func (g *Gateway) Close() error {
	g.stop()
	<-g.stopped
	g.deliveries.Wait()
	return nil
}
