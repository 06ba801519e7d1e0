package scenarios

import (
	"strings"
	"testing"
	"time"
)

// The queue's broker settings and the broker restart phase: what parses,
// and each mistake reported at its field with what would be right.
func TestQueueBrokerAndRestartPhase(t *testing.T) {
	const base = `
name: restart
apis: {a: {}, b: {}}
load: {rate: 50, duration: 20s}
`
	s := mustParse(t, base+`
strategies:
  - {name: queue, queue: {broker: rabbitmq, url: "amqp://guest:guest@127.0.0.1:5672/", max_messages: 5000, on_outage: wait,
     stop: rabbitmqctl stop_app, start: rabbitmqctl start_app}}
phases:
  - {at: 10s, broker: restart, down: 3s}
`)
	if q := s.Strategies[0].Queue; q.Broker != "rabbitmq" || q.MaxMessages != 5000 || q.OnOutage != "wait" || q.Stop == "" || q.Start == "" {
		t.Errorf("queue options %+v; want broker, max_messages, on_outage, stop and start decoded", q)
	}
	if ph := s.Phases[0]; ph.Broker != BrokerRestart || ph.Down != 3*time.Second || ph.At != 10*time.Second || ph.API != "" {
		t.Errorf("phase %+v; want broker restart at 10s, down 3s", ph)
	}
	mustParse(t, base+"strategies: [queue]\nphases: [{at: 1s, broker: restart, down: 2s}]\n") // embedded: no commands needed

	for _, tc := range []struct{ name, src, want string }{
		{"unknown broker", "strategies: [{name: queue, queue: {broker: kafka}}]", `strategies[0].queue.broker: unknown broker "kafka"`},
		{"scheme", `strategies: [{name: queue, queue: {url: "http://127.0.0.1:1"}}]`, "strategies[0].queue.url: \"http://127.0.0.1:1\": want nats://"},
		{"disagree", `strategies: [{name: queue, queue: {broker: redis, url: "amqp://127.0.0.1:5672/"}}]`, "is a rabbitmq URL but broker is redis"},
		{"no url", "strategies: [{name: queue, queue: {broker: redis}}]", "strategies[0].queue.url: missing; broker redis needs a URL"},
		{"outage", "strategies: [{name: queue, queue: {on_outage: retry}}]", `strategies[0].queue.on_outage: unknown on_outage "retry"`},
		{"half pair", "strategies: [{name: queue, queue: {stop: x}}]", "strategies[0].queue: stop and start go together"},
		{"action", "strategies: [queue]\nphases: [{at: 1s, broker: reboot, down: 1s}]", `phases[0].broker: unknown broker action "reboot"`},
		{"no down", "strategies: [queue]\nphases: [{at: 1s, broker: restart}]", "phases[0].down: 0s; want how long"},
		{"mixed", "strategies: [queue]\nphases: [{at: 1s, broker: restart, down: 1s, api: b, reset: true}]", "phases[0]: a broker phase takes at, broker and down only"},
		{"no queue", "strategies: [errgroup]\nphases: [{at: 1s, broker: restart, down: 1s}]", "phases[0].broker: no queue strategy"},
		{"external without commands", `strategies: [{name: queue, queue: {url: "redis://127.0.0.1:6379/0"}}]` + "\nphases: [{at: 1s, broker: restart, down: 1s}]", "give strategies[0].queue stop: and start:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := parseErr(t, base+tc.src+"\n"); !strings.Contains(got, tc.want) {
				t.Errorf("error %q; want it to contain %q", got, tc.want)
			}
		})
	}
}
