package scenarios

import (
	"strings"
	"testing"
)

// Implementations of the gateway run side by side under their labels
// (gateway, gateway-nginx, gateway-nginx-lua), which SLOs name; the same
// label twice, or an impl on another strategy, is refused where it is written.
func TestGatewayImpls(t *testing.T) {
	const head = "name: impls\napis: {a: {latency: {dist: fixed, value: 5ms}}, b: {latency: {dist: fixed, value: 5ms}}}\nload: {rate: 10, duration: 1s}\n"
	ok := head + `strategies: [gateway, {name: gateway, impl: nginx}, {name: gateway, impl: nginx-lua}]
slo: [gateway-nginx.lost == 0, gateway-nginx-lua.latency.p99 < 1s, gateway.lost == 0]
`
	sc, err := Parse("ok.yaml", []byte(ok))
	if err != nil {
		t.Fatalf("three gateway impls with SLOs on their labels: %v", err)
	}
	if got := sc.Strategies[2].Label(); got != "gateway-nginx-lua" {
		t.Errorf("label %q; want gateway-nginx-lua", got)
	}
	for _, tt := range []struct{ name, yaml, want string }{
		{"twice", "strategies: [gateway, {name: gateway, impl: own}]\n", "strategies[1].name: gateway is listed twice"},
		{"unknown", "strategies: [{name: gateway, impl: envoy}]\n", `strategies[0].impl: unknown gateway impl "envoy"`},
		{"not gateway", "strategies: [{name: errgroup, impl: nginx}]\n", "strategies[0].impl: only gateway takes impl"},
		{"wait none", "strategies: [{name: gateway, impl: nginx, wait: none}]\n", "strategies[0].wait: nginx answers the user itself"},
		{"slo on an impl not run", "strategies: [gateway]\nslo: [gateway-nginx.lost == 0]\n", "strategy gateway-nginx is not run by this scenario"},
	} {
		_, err := Parse(tt.name+".yaml", []byte(head+tt.yaml))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v; want one containing %q", tt.name, err, tt.want)
		}
	}
}
