package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// --broker-url (and its alias --nats-url) and a scenario's queue.url are
// checked before anything runs: the scheme names a backend, the host is on
// this machine unless --allow-remote, and an unreachable broker is bad
// input naming where its URL came from (exit 2).
func TestRunBrokerURL(t *testing.T) {
	sc := writeFile(t, "tiny.yaml", tinyScenario)
	restart := writeFile(t, "restart.yaml", strings.Replace(tinyScenario, "strategies: [sequential, errgroup]",
		"strategies: [queue]\nphases: [{at: 500ms, broker: restart, down: 1s}]", 1))
	remote := writeFile(t, "remote.yaml", strings.Replace(tinyScenario, "strategies: [sequential, errgroup]",
		`strategies: [{name: queue, queue: {url: "nats://0.0.0.0:4222"}}]`, 1))
	for _, tc := range []struct {
		name string
		args []string
		want []string
	}{
		{"unknown scheme", []string{"--broker-url", "kafka://127.0.0.1:9092"}, []string{"--broker-url", `scheme "kafka" is not supported`, "amqp://"}},
		{"remote flag", []string{"--broker-url", "redis://203.0.113.7:6379/0"}, []string{"--broker-url", "not on this machine", "--allow-remote"}},
		{"remote in the scenario", []string{"--scenario", remote}, []string{"strategies[0].queue.url in " + remote, "not on this machine", "--allow-remote"}},
		{"restart needs commands", []string{"--scenario", restart, "--broker-url", "redis://127.0.0.1:6379/0"}, []string{"--broker-url", "stop: and start:"}},
		{"both names", []string{"--broker-url", "nats://127.0.0.1:1", "--nats-url", "nats://127.0.0.1:1"}, []string{"give one"}},
		{"unreachable rabbitmq", []string{"--strategies", "queue", "--broker-url", "amqp://guest:guest@127.0.0.1:1/"}, []string{"--broker-url", "connection refused"}},
		{"unreachable redis", []string{"--strategies", "queue", "--broker-url", "redis://127.0.0.1:1/0"}, []string{"--broker-url", "connection refused"}},
		{"alias named", []string{"--strategies", "queue", "--nats-url", "nats://127.0.0.1:1"}, []string{"--nats-url", "connection refused"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"run", "--scenario", sc, "--out", filepath.Join(t.TempDir(), "out")}, tc.args...)
			code, _, stderr := fanbench(t, t.Context(), args...)
			if code != exitUsage {
				t.Errorf("exit %d; want %d\n%s", code, exitUsage, stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr)
				}
			}
		})
	}
}
