// Package strategies holds the ways of sending one user request to two APIs
// (sequential, errgroup, queue, gateway), the resilience policy every leg
// goes through, and the HTTP front that puts a strategy behind an endpoint.
package strategies

import (
	"context"
)

// Send is one user request that must reach both APIs.
type Send struct {
	// ID is the message id; every leg carries it as Idempotency-Key.
	ID string
	// Body is the payload each leg forwards.
	Body []byte
}

// Reply is what a strategy tells the user about one send.
type Reply struct {
	// Status is the HTTP status the user gets: 200 when both legs
	// succeeded, 202 when delivery continues in the background, 502 when a
	// leg failed.
	Status int
	// Legs are the results of the legs to a and b, when the strategy waited
	// for them (zero for asynchronous strategies).
	Legs [2]LegResult
}

// Combine says how a strategy's user latency relates to its legs' latencies,
// for the ideal a zero-overhead strategy would reach.
type Combine int

const (
	// CombineSum: the user waits for a, then b (sequential).
	CombineSum Combine = iota
	// CombineMax: the user waits for both at once (errgroup, gateway wait=all).
	CombineMax
	// CombineNone: the user does not wait for the legs (queue, gateway wait=none).
	CombineNone
	// CombineA: the user waits for a only; b is sent beside it and its
	// answer discarded (gateway impl nginx, whose mirror copies to b).
	CombineA
)

// Strategy carries each send to API a and API b.
type Strategy interface {
	// Name is the strategy's name as reports show it.
	Name() string
	// Send delivers s (or hands it over for delivery) and says what to tell the user.
	Send(ctx context.Context, s Send) Reply
	// Combine tells how the user's latency is composed of the legs'.
	Combine() Combine
}

// Drainer is implemented by strategies that deliver after replying: Drain
// returns once nothing is left to deliver, or when ctx ends.
type Drainer interface {
	Drain(ctx context.Context) error
}

// Closer is implemented by strategies that hold resources (brokers,
// connections, goroutines). Close releases them.
type Closer interface {
	Close() error
}

// Status returns the user status for two synchronous leg results: 200 when
// both succeeded, else 502.
func Status(legs [2]LegResult) int {
	if legs[0].OK() && legs[1].OK() {
		return 200
	}
	return 502
}
