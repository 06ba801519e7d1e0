package bench

import (
	"os"
	"testing"
	"time"

	"github.com/fanbench/fanbench/mockapi"
	"github.com/fanbench/fanbench/strategies"
	"github.com/fanbench/fanbench/strategies/gateway"
)

// needNginxLua skips without nginx and its Lua module, or fails when
// FANBENCH_REQUIRE_BROKERS is set (CI installs them).
func needNginxLua(t *testing.T) {
	t.Helper()
	sc := fixedScenario(time.Millisecond, time.Millisecond, 1, time.Second)
	b, err := gateway.Build(t.Context(), strategies.Spec{Name: strategies.NameGateway, Impl: strategies.GatewayNginxLua},
		strategies.Deps{APIs: [2]string{"http://127.0.0.1:1", "http://127.0.0.1:2"}, Policy: sc.Policy})
	if err == nil {
		if err := b.Close(); err != nil { // the probe's nginx
			t.Fatal(err)
		}
		return
	}
	if v := os.Getenv("FANBENCH_REQUIRE_BROKERS"); v != "" && v != "0" {
		t.Fatalf("%v (FANBENCH_REQUIRE_BROKERS=%s requires it)", err, v)
	}
	t.Skipf("%v", err)
}

func nginxSpecs() []strategies.Spec {
	return []strategies.Spec{
		{Name: strategies.NameGateway, Impl: strategies.GatewayNginx},
		{Name: strategies.NameGateway, Impl: strategies.GatewayNginxLua},
	}
}

// The acceptance test: with a = 50 ms and b = 200 ms fixed, the
// mirroring nginx answers when a does and the Lua one when both have, and
// every send reaches both ledgers either way.
func TestRunNginxGateways(t *testing.T) {
	needNginxLua(t)
	sc := fixedScenario(50*time.Millisecond, 200*time.Millisecond, 50, 2*time.Second)
	sc.Strategies = nginxSpecs()
	res, err := Run(t.Context(), sc, Options{Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name   string
		lo, hi float64
		ideal  float64
	}{
		{"gateway-nginx", 50, 58, 50},
		{"gateway-nginx-lua", 200, 210, 200},
	} {
		s := byName(t, res, tt.name)
		t.Logf("%s: user p50 %vms, p99 %vms, ideal p50 %vms, outcomes %+v", tt.name, s.LatencyMs.Corrected.P50, s.LatencyMs.Corrected.P99, s.IdealMs.P50, s.Outcomes)
		if p := s.LatencyMs.Corrected.P50; p < tt.lo || p > tt.hi {
			t.Errorf("%s: user p50 %vms; want in [%v, %v]", tt.name, p, tt.lo, tt.hi)
		}
		if p := s.IdealMs.P50; p < tt.ideal-0.1 || p > tt.ideal+0.1 {
			t.Errorf("%s: ideal p50 %vms; want %v", tt.name, p, tt.ideal)
		}
		if s.Requests != 100 || s.Outcomes.Both != s.Requests || s.SuccessRatio != 1 {
			t.Errorf("%s: %d sends, outcomes %+v, success %v; want 100 sends, every one in both ledgers and answered 2xx", tt.name, s.Requests, s.Outcomes, s.SuccessRatio)
		}
	}
}

// With b failing every call, the mirror hides it from users (all 2xx) and
// the ledgers show it (a_only); the Lua gateway answers 502.
func TestRunNginxGatewaysBFailing(t *testing.T) {
	needNginxLua(t)
	sc := fixedScenario(5*time.Millisecond, 5*time.Millisecond, 50, time.Second)
	sc.APIs.B.Errors = []mockapi.ErrorRule{{Status: 503, Rate: 1}}
	sc.Strategies = nginxSpecs()
	res, err := Run(t.Context(), sc, Options{Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	mirror := byName(t, res, "gateway-nginx")
	if mirror.SuccessRatio != 1 || mirror.Outcomes.AOnly != mirror.Requests || mirror.Requests == 0 || mirror.Lost != mirror.Requests {
		t.Errorf("gateway-nginx: success %v, outcomes %+v, lost %d of %d; want every user answered 2xx, every send a_only and so lost",
			mirror.SuccessRatio, mirror.Outcomes, mirror.Lost, mirror.Requests)
	}
	lua := byName(t, res, "gateway-nginx-lua")
	if lua.StatusCodes["502"] != lua.Requests || lua.Requests == 0 || lua.Outcomes.AOnly != lua.Requests || lua.Lost != 0 {
		t.Errorf("gateway-nginx-lua: status codes %v, outcomes %+v, lost %d of %d; want every user a 502, every send a_only, none lost (the user was told)",
			lua.StatusCodes, lua.Outcomes, lua.Lost, lua.Requests)
	}
}
