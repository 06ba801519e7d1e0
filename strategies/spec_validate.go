package strategies

import (
	"reflect"
	"slices"
	"strings"

	"github.com/fanbench/fanbench/field"
)

// Gateway wait modes (Spec.Wait). The empty string is the gateway's
// default, WaitAll.
const (
	// WaitAll answers after both legs: 200 when both succeeded, else 502.
	WaitAll = "all"
	// WaitNone answers 202 at once and delivers in the background.
	WaitNone = "none"
)

// Validate returns every problem with s, each with the path of its field
// relative to the spec ("name", "queue.concurrency", "policy.retries"): a
// known strategy, and options only where they apply.
func (s Spec) Validate() []field.Error {
	var es field.Errors
	switch names := Names(); {
	case s.Name == "":
		es.Addf("name", "missing; want one of %s", strings.Join(names, ", "))
	case !slices.Contains(names, s.Name):
		es.OneOf("name", "strategy", s.Name, names...)
	}
	if s.CancelOnError && s.Name != NameErrgroup {
		es.Addf("cancel_on_error", "only errgroup takes cancel_on_error; remove it")
	}
	switch {
	case s.Name == NameGateway && s.Wait != "":
		es.OneOf("wait", "gateway wait", s.Wait, WaitAll, WaitNone)
	case s.Name != NameGateway && s.Wait != "":
		es.Addf("wait", "only gateway takes wait; remove it")
	}
	switch {
	case s.Name == NameGateway && s.Impl != "":
		es.OneOf("impl", "gateway impl", s.Impl, GatewayImpls()...)
		if s.Wait == WaitNone && s.Impl != GatewayOwn {
			es.Addf("wait", "nginx answers the user itself; remove wait: none (or use impl own)")
		}
	case s.Name != NameGateway && s.Impl != "":
		es.Addf("impl", "only gateway takes impl; remove it")
	}
	switch {
	case s.Name == NameQueue:
		es.Nest("queue", s.Queue.Validate())
	case s.Queue != QueueOptions{}:
		es.Addf("queue", "only queue takes queue options; remove them")
	}
	switch {
	case s.Name == NameServerless:
		es.Nest("serverless", s.Serverless.Validate())
	case !reflect.ValueOf(s.Serverless).IsZero():
		es.Addf("serverless", "only serverless takes serverless options; remove them")
	}
	switch {
	case s.Name == NameOutbox:
		es.Nest("outbox", s.Outbox.Validate())
	case !reflect.ValueOf(s.Outbox).IsZero():
		es.Addf("outbox", "only outbox takes outbox options; remove them")
	}
	if s.Policy != nil {
		es.Nest("policy", s.Policy.Validate())
	}
	return es
}

// Validate returns every problem with o; zero values take the queue's
// defaults.
func (o QueueOptions) Validate() []field.Error {
	var es field.Errors
	es.NonNegative("concurrency", float64(o.Concurrency), "messages in flight per consumer, 0 (default 64) or more")
	es.Duration("ack_wait", o.AckWait, "0 (default 30s) or more")
	es.NonNegative("max_deliver", float64(o.MaxDeliver), "delivery attempts, 0 (default: retries + 1) or more")
	if o.Broker != "" {
		es.OneOf("broker", "broker", o.Broker, "jetstream", "rabbitmq", "redis")
	}
	if o.URL != "" {
		scheme, _, ok := strings.Cut(o.URL, "://")
		fromURL := ""
		switch scheme {
		case "nats", "tls", "ws", "wss":
			fromURL = "jetstream"
		case "amqp", "amqps":
			fromURL = "rabbitmq"
		case "redis", "rediss":
			fromURL = "redis"
		}
		switch {
		case !ok || fromURL == "":
			es.Addf("url", "%q: want nats://HOST:PORT (JetStream), amqp://USER:PASS@HOST:PORT/ (RabbitMQ) or redis://HOST:PORT/DB (Redis Streams)", o.URL)
		case o.Broker != "" && o.Broker != fromURL:
			es.Addf("url", "%q is a %s URL but broker is %s; want them to agree", o.URL, fromURL, o.Broker)
		}
	} else if o.Broker != "" && o.Broker != "jetstream" {
		es.Addf("url", "missing; broker %s needs a URL (only jetstream has an embedded server)", o.Broker)
	}
	es.NonNegative("max_messages", float64(o.MaxMessages), "messages stored per API, 0 (default 100000) or more")
	if o.OnOutage != "" {
		es.OneOf("on_outage", "on_outage", o.OnOutage, "fail", "wait")
	}
	if (o.Stop == "") != (o.Start == "") {
		es.Addf("", "stop and start go together; give both shell commands (e.g. stop: rabbitmqctl stop_app, start: rabbitmqctl start_app) or neither")
	}
	return es
}
