package queue

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/nats-io/nuid"

	"github.com/fanbench/fanbench/strategies"
)

// Options configure a Queue. The zero value runs an embedded NATS server,
// 64 deliveries in flight per API, one delivery attempt per message and a
// fresh stream name.
type Options struct {
	// Broker is the backend: BrokerJetStream, BrokerRabbitMQ or
	// BrokerRedis. Empty takes it from URL's scheme (nats://, amqp://,
	// redis://), and is BrokerJetStream when URL is empty too.
	Broker string
	// URL of an external broker: nats://127.0.0.1:4222 (JetStream),
	// amqp://guest:guest@127.0.0.1:5672/ (RabbitMQ) or
	// redis://127.0.0.1:6379/0 (Redis Streams). Empty starts an embedded
	// NATS server in the process (no listener, file store in a temporary
	// directory named after the run); only JetStream has one.
	URL string
	// MaxMessages bounds the messages the broker stores for the run, per
	// API (default 100000): the JetStream stream's MaxMsgs, the RabbitMQ
	// queues' x-max-length, the Redis stream's MAXLEN. Past it a publish is
	// refused (503), never is a stored message dropped.
	MaxMessages int
	// WaitOnOutage makes a publish while the broker is unreachable wait for
	// it, up to PublishTimeout, instead of failing at once with 503.
	WaitOnOutage bool
	// StopCommand and StartCommand are shell commands (run with sh -c)
	// that stop and start an external broker, for RestartBroker. The
	// embedded server is restarted in process and needs none.
	StopCommand, StartCommand string
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
	// Stream names the run on the broker (letters, digits, '-', '_'): the
	// JetStream stream, the prefix of the RabbitMQ exchange and queues, the
	// prefix of the Redis keys, and part of the embedded store's directory.
	// Default "FANBENCH_" plus a unique id, so runs sharing a broker never
	// collide. New refuses a name the broker already holds (ErrStreamExists).
	// Everything under it, dead letters included, is deleted by Close.
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
	DefaultMaxMessages    = 100000
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
	case o.MaxMessages < 0:
		return o, fmt.Errorf("queue: max_messages %d; want > 0 (0 = %d)", o.MaxMessages, DefaultMaxMessages)
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
	if o.MaxMessages == 0 {
		o.MaxMessages = DefaultMaxMessages
	}
	broker, err := backendOf(o.Broker, o.URL)
	if err != nil {
		return o, err
	}
	o.Broker = broker
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

// Backends, the values of Options.Broker.
const (
	BrokerJetStream = "jetstream"
	BrokerRabbitMQ  = "rabbitmq"
	BrokerRedis     = "redis"
)

// Brokers lists the backends (a fresh slice each call).
func Brokers() []string { return []string{BrokerJetStream, BrokerRabbitMQ, BrokerRedis} }

// schemes returns the URL schemes a backend accepts.
func schemes(broker string) []string {
	switch broker {
	case BrokerJetStream:
		return []string{"nats", "tls", "ws", "wss"}
	case BrokerRabbitMQ:
		return []string{"amqp", "amqps"}
	case BrokerRedis:
		return []string{"redis", "rediss"}
	}
	return nil
}

// BrokerOf returns the backend a broker URL's scheme names, or an error
// saying which schemes are known.
func BrokerOf(rawURL string) (string, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "", fmt.Errorf("queue: broker URL %q: %w; want nats://, amqp:// or redis://HOST:PORT", rawURL, err)
	}
	for _, b := range Brokers() {
		if slices.Contains(schemes(b), u.Scheme) {
			if u.Host == "" {
				return "", fmt.Errorf("queue: broker URL %q has no host; want %s://HOST:PORT", rawURL, u.Scheme)
			}
			return b, nil
		}
	}
	return "", fmt.Errorf("queue: broker URL %q: scheme %q is not supported; want nats:// (JetStream), amqp:// (RabbitMQ) or redis:// (Redis Streams), or empty for the embedded NATS server", rawURL, u.Scheme)
}

// backendOf resolves Options.Broker against Options.URL: the URL's scheme
// names the backend, and a broker named as well must agree with it.
func backendOf(broker, rawURL string) (string, error) {
	if broker != "" && !slices.Contains(Brokers(), broker) {
		return "", fmt.Errorf("queue: broker %q; want one of %s", broker, strings.Join(Brokers(), ", "))
	}
	if rawURL == "" {
		if broker != "" && broker != BrokerJetStream {
			return "", fmt.Errorf("queue: broker %s needs a URL (such as %s); only jetstream has an embedded server", broker, exampleURL(broker))
		}
		return BrokerJetStream, nil
	}
	fromURL, err := BrokerOf(rawURL)
	if err != nil {
		return "", err
	}
	if broker != "" && broker != fromURL {
		return "", fmt.Errorf("queue: broker %s but URL %q is a %s URL; want a URL such as %s", broker, rawURL, fromURL, exampleURL(broker))
	}
	return fromURL, nil
}

// exampleURL returns a URL of a backend on this machine, for errors.
func exampleURL(broker string) string {
	switch broker {
	case BrokerRabbitMQ:
		return "amqp://guest:guest@127.0.0.1:5672/"
	case BrokerRedis:
		return "redis://127.0.0.1:6379/0"
	}
	return "nats://127.0.0.1:4222"
}
