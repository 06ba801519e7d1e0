package strategies

import "time"

// Strategy names.
const (
	NameSequential = "sequential"
	NameErrgroup   = "errgroup"
	NameQueue      = "queue"
	NameGateway    = "gateway"
	NameExternal   = "external"
	NameServerless = "serverless"
	NameOutbox     = "outbox"
)

// Names lists the built-in strategies in the order reports show them (a
// fresh slice each call: callers may keep or change it).
func Names() []string {
	return []string{NameSequential, NameErrgroup, NameQueue, NameGateway, NameServerless, NameOutbox}
}

// Spec selects and configures one strategy: an entry of a scenario's
// `strategies:` list, written either as a bare name or as a map.
type Spec struct {
	Name string `json:"name" yaml:"name"`
	// Policy overrides the scenario's default policy for this strategy's
	// legs; nil means the scenario default.
	Policy *Policy `json:"policy,omitempty" yaml:"policy,omitempty"`
	// CancelOnError (errgroup) cancels the sibling leg when one fails.
	CancelOnError bool `json:"cancel_on_error,omitempty" yaml:"cancel_on_error,omitempty"`
	// Wait (gateway) is "all" (answer after both legs) or "none" (answer
	// 202 at once, deliver in the background).
	Wait string `json:"wait,omitempty" yaml:"wait,omitempty"`
	// Impl (gateway) is which gateway carries the sends: "own" (default,
	// fanbench's), "nginx" (proxy_pass to a, mirror to b) or "nginx-lua"
	// (both legs at once through nginx's Lua module, answering after both).
	Impl string `json:"impl,omitempty" yaml:"impl,omitempty"`
	// Queue configures the queue strategy.
	Queue QueueOptions `json:"queue,omitempty" yaml:"queue,omitempty"`
	// Serverless configures the serverless strategy.
	Serverless ServerlessOptions `json:"serverless,omitzero" yaml:"serverless,omitempty"`
	// Outbox configures the outbox strategy.
	Outbox OutboxOptions `json:"outbox,omitzero" yaml:"outbox,omitempty"`
	// External configures the external strategy. A scenario file cannot
	// set it: the command line measures the user's own service.
	External ExternalOptions `json:"-" yaml:"-"`
}

// Implementations of the gateway strategy (Spec.Impl).
const (
	// GatewayOwn is fanbench's own gateway, the default.
	GatewayOwn = "own"
	// GatewayNginx is nginx: proxy_pass to API a, mirror to API b.
	GatewayNginx = "nginx"
	// GatewayNginxLua is nginx's Lua module calling both APIs at once.
	GatewayNginxLua = "nginx-lua"
)

// GatewayImpls lists the gateway implementations a scenario may name (a
// fresh slice each call).
func GatewayImpls() []string { return []string{GatewayOwn, GatewayNginx, GatewayNginxLua} }

// Labels lists every name results can go by (Spec.Label of every
// strategy and implementation), for whatever refers to a result by name,
// such as an SLO.
func Labels() []string {
	labels := Names()
	for _, impl := range GatewayImpls() {
		if impl != GatewayOwn {
			labels = append(labels, Spec{Name: NameGateway, Impl: impl}.Label())
		}
	}
	return labels
}

// Label is the name a strategy's results go by: its name, followed by its
// implementation when that is not the default ("gateway-nginx"), so that
// one scenario can compare implementations of the same strategy.
func (s Spec) Label() string {
	if s.Impl == "" || s.Impl == GatewayOwn {
		return s.Name
	}
	return s.Name + "-" + s.Impl
}

// ExternalOptions point the load at the user's own service instead of a
// strategy of fanbench's.
type ExternalOptions struct {
	// Target is the URL every user request is sent to.
	Target string
	// Exec, when set, is a shell command that starts the service once the
	// mock APIs are up (their base URLs in FANBENCH_API_A_URL and
	// FANBENCH_API_B_URL); it is stopped (SIGTERM, then SIGKILL) when the
	// strategy's run ends.
	Exec string
}

// QueueOptions configures the queue strategy's broker and consumers.
type QueueOptions struct {
	// Broker is the backend: jetstream, rabbitmq or redis. Empty takes it
	// from URL's scheme (nats://, amqp://, redis://), else jetstream.
	Broker string `json:"broker,omitempty" yaml:"broker,omitempty"`
	// URL of an external broker; empty starts an embedded NATS server.
	URL string `json:"url,omitempty" yaml:"url,omitempty"`
	// MaxMessages bounds the messages the broker stores for the run, per
	// API (default 100000); past it publishes are refused (503).
	MaxMessages int `json:"max_messages,omitempty" yaml:"max_messages,omitempty"`
	// OnOutage is what a publish does while the broker is down: "fail"
	// (default) answers 503 at once, "wait" waits up to the policy timeout.
	OnOutage string `json:"on_outage,omitempty" yaml:"on_outage,omitempty"`
	// Stop and Start are shell commands that stop and start an external
	// broker, for a phase {broker: restart} (the embedded one needs none).
	Stop  string `json:"stop,omitempty" yaml:"stop,omitempty"`
	Start string `json:"start,omitempty" yaml:"start,omitempty"`
	// Concurrency is the number of messages each consumer handles at once (default 64).
	Concurrency int `json:"concurrency,omitempty" yaml:"concurrency,omitempty"`
	// AckWait is how long the broker waits for an ack before redelivering (default 30s).
	AckWait time.Duration `json:"ack_wait,omitempty" yaml:"ack_wait,omitempty"`
	// MaxDeliver is the number of delivery attempts before a message is
	// dead-lettered (default: policy retries + 1).
	MaxDeliver int `json:"max_deliver,omitempty" yaml:"max_deliver,omitempty"`
}
