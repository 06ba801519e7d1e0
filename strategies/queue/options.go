package queue

import (
	"fmt"
	"time"

	"github.com/nats-io/nuid"

	"github.com/fanbench/fanbench/strategies"
)

// Options configure a Queue. The zero value runs an embedded NATS server,
// 64 deliveries in flight per API, one delivery attempt per message and a
// fresh stream name.
type Options struct {
	// URL of an external NATS server with JetStream, such as
	// nats://127.0.0.1:4222. Empty starts an embedded server in the process
	// (no listener, file store in a temporary directory).
	URL string
	// Concurrency is the number of messages each consumer handles at once
	// (default 64); the broker hands each consumer at most this many ahead.
	Concurrency int
	// AckWait is how long the broker waits for a consumer's verdict before
	// it redelivers (default 30s). Each delivery's leg call is bounded by
	// it too, so it should exceed the policy's per-attempt timeout.
	AckWait time.Duration
	// MaxDeliver is the number of delivery attempts per API before a
	// message is dead-lettered (default 1, i.e. no retry; the engine passes
	// the policy's retries + 1).
	MaxDeliver int
	// MaxAckPending caps the messages a consumer holds unsettled, those
	// waiting for a delayed redelivery included (default 10000). When it is
	// reached the broker stops delivering to that consumer until some settle.
	MaxAckPending int
	// Backoff is the delay before a redelivery after a failed attempt
	// (a negative acknowledgement with that delay); zero fields take the
	// defaults of strategies.Backoff.Normalize (50ms doubling to 2s, full
	// jitter).
	Backoff strategies.Backoff
	// PublishTimeout bounds one publish (default 2s); after it the user
	// gets 503.
	PublishTimeout time.Duration
	// Stream is the name of the run's stream (letters, digits, '-', '_').
	// Default "FANBENCH_" plus a unique id, so runs sharing a broker never
	// collide. New refuses a name the broker already holds (ErrStreamExists).
	// The stream and its dead-letter stream Stream+"_DLQ" are deleted by Close.
	Stream string
	// Seed drives the backoff jitter (default 1).
	Seed int64
	// Logf receives rare operational messages (broker errors, the first
	// failed publish); nil discards them.
	Logf func(format string, args ...any)
}

// Defaults filled in by normalize.
const (
	DefaultConcurrency    = 64
	DefaultAckWait        = 30 * time.Second
	DefaultMaxAckPending  = 10000
	DefaultPublishTimeout = 2 * time.Second
	// StreamPrefix starts every generated stream name.
	StreamPrefix = "FANBENCH_"
)

// normalize returns o with its zero fields set to their defaults, or an
// error naming the first field out of range.
func (o Options) normalize() (Options, error) {
	switch {
	case o.Concurrency < 0:
		return o, fmt.Errorf("queue: concurrency %d; want > 0 (0 = %d)", o.Concurrency, DefaultConcurrency)
	case o.AckWait < 0:
		return o, fmt.Errorf("queue: ack_wait %v; want > 0 (0 = %v)", o.AckWait, DefaultAckWait)
	case o.MaxDeliver < 0:
		return o, fmt.Errorf("queue: max_deliver %d; want >= 1 (0 = 1)", o.MaxDeliver)
	case o.MaxAckPending < 0:
		return o, fmt.Errorf("queue: max_ack_pending %d; want > 0 (0 = %d)", o.MaxAckPending, DefaultMaxAckPending)
	case o.PublishTimeout < 0:
		return o, fmt.Errorf("queue: publish timeout %v; want > 0 (0 = %v)", o.PublishTimeout, DefaultPublishTimeout)
	}
	if o.Concurrency == 0 {
		o.Concurrency = DefaultConcurrency
	}
	if o.AckWait == 0 {
		o.AckWait = DefaultAckWait
	}
	o.MaxDeliver = max(o.MaxDeliver, 1)
	if o.MaxAckPending == 0 {
		o.MaxAckPending = DefaultMaxAckPending
	}
	if o.PublishTimeout == 0 {
		o.PublishTimeout = DefaultPublishTimeout
	}
	o.Backoff = o.Backoff.Normalize()
	if o.Stream == "" {
		o.Stream = StreamPrefix + nuid.Next()
	}
	if err := checkName("stream", o.Stream); err != nil {
		return o, err
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
	return o, nil
}

// checkName accepts names that are valid both as JetStream stream or
// consumer names and as subject tokens: 1 to 64 letters, digits, '-' or '_'.
func checkName(what, name string) error {
	if name == "" || len(name) > 64 {
		return fmt.Errorf("queue: %s name %q: want 1 to 64 letters, digits, '-' or '_'", what, name)
	}
	for _, c := range name {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return fmt.Errorf("queue: %s name %q: invalid character %q; want letters, digits, '-' or '_'", what, name, c)
		}
	}
	return nil
}
