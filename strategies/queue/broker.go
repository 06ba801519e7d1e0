package queue

import (
	"context"
	"time"

	"github.com/fanbench/fanbench/strategies"
)

// broker is what the queue strategy needs from a message broker. It is
// opened for a run with the names of the two APIs; from then on every send
// it stores reaches a durable consumer per API, which delivers it at least
// once until the consumer settles it (ack or terminate). jetStream,
// rabbitMQ and redisStreams implement it; a backend is one more type and
// one more case in openBroker, with nothing changed above it.
type broker interface {
	// Publish stores s durably, deduplicated by s.ID, and returns once the
	// broker has it. duplicate reports that the broker already held s.ID.
	Publish(ctx context.Context, s strategies.Send) (duplicate bool, err error)
	// Subscribe starts delivering api's messages; prefetch bounds how many
	// the broker hands over ahead of their handling.
	Subscribe(ctx context.Context, api string, prefetch int) (subscription, error)
	// DeadLetter stores a message given up on. duplicate reports that one
	// for the same API and id is already stored (an earlier Term was lost).
	DeadLetter(ctx context.Context, dl deadLetter) (duplicate bool, err error)
	// Pending returns the messages api's consumer has not settled yet:
	// not delivered, being handled, or waiting for a delayed redelivery.
	Pending(ctx context.Context, api string) (int, error)
	// Up reports whether the connection to the broker is up now.
	Up() bool
	// Close deletes what the run created on the broker and releases the
	// connection (and the embedded server, if any).
	Close(ctx context.Context) error
}

// restarter is a broker fanbench can stop and start itself (the embedded
// NATS server), keeping what it stored.
type restarter interface {
	// Restart stops the broker, waits down (or until ctx ends), and starts
	// it again from its store.
	Restart(ctx context.Context, down time.Duration) error
}

// brokerConfig is what a broker needs to know about a run.
type brokerConfig struct {
	Name          string    // the run's name on the broker (Options.Stream)
	APIs          [2]string // one consumer (queue, group) per API
	AckWait       time.Duration
	MaxAckPending int
	MaxMessages   int           // stored messages per API
	Reclaim       time.Duration // Redis: idle time after which a pending entry is reclaimed
	StoreLabel    string        // embedded server: names its store directory
	Logf          func(string, ...any)
}

// subscription is a stream of deliveries to one consumer.
type subscription interface {
	// Next blocks until the next delivery. An error means the subscription
	// has ended (stopped, ctx done, consumer or connection gone); brokers
	// retry their transient errors themselves.
	Next(ctx context.Context) (delivery, error)
	// Stop ends the subscription; deliveries not yet handed out are left to
	// the broker's redelivery.
	Stop()
}

// delivery is one delivery attempt of a send to one API.
type delivery struct {
	Send    strategies.Send
	Attempt int // 1 for the first delivery, 2 for the first redelivery, ...
	verdict verdict
}

// verdict settles or defers a delivery. It is exactly the acknowledgement
// part of jetstream.Msg, so a JetStream message is its own verdict.
type verdict interface {
	// Ack settles the delivery as done.
	Ack() error
	// NakWithDelay asks for a redelivery after delay.
	NakWithDelay(delay time.Duration) error
	// Term settles the delivery as given up: never redelivered.
	Term() error
}

// openBroker opens the backend opt.Broker names for a run delivering to
// apis: an embedded NATS server when the URL is empty, else the broker at
// opt.URL.
func openBroker(ctx context.Context, opt Options, apis [2]string) (broker, error) {
	cfg := brokerConfig{
		Name:          opt.Stream,
		APIs:          apis,
		AckWait:       opt.AckWait,
		MaxAckPending: opt.MaxAckPending,
		MaxMessages:   opt.MaxMessages,
		Reclaim:       max(opt.AckWait, opt.Backoff.Max),
		StoreLabel:    opt.Stream,
		Logf:          opt.Logf,
	}
	for _, api := range apis {
		if err := checkName("API", api); err != nil {
			return nil, err
		}
	}
	switch {
	case opt.URL == "":
		return openEmbeddedJetStream(ctx, cfg)
	case opt.Broker == BrokerRabbitMQ:
		return openRabbitMQ(ctx, opt.URL, cfg)
	case opt.Broker == BrokerRedis:
		return openRedis(ctx, opt.URL, cfg)
	default:
		return openExternalJetStream(ctx, opt.URL, cfg)
	}
}
