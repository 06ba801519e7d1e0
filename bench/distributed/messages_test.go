package distributed

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/fanbench/fanbench/scenarios"
)

// A claim carries the scenario to every member as JSON: every built-in
// scenario must arrive exactly as the coordinator has it.
func TestClaimCarriesEveryScenario(t *testing.T) {
	for _, b := range scenarios.Builtins() {
		sc, err := scenarios.Open(b.Name)
		if err != nil {
			t.Fatal(err)
		}
		data, err := json.Marshal(Claim{Run: "r", Scenario: sc})
		if err != nil {
			t.Fatalf("%s: %v", b.Name, err)
		}
		var back Claim
		if err := json.Unmarshal(data, &back); err != nil {
			t.Fatalf("%s: %v", b.Name, err)
		}
		if !reflect.DeepEqual(sc, back.Scenario) {
			t.Errorf("%s: the scenario a member receives differs from the coordinator's:\n%+v\n%+v", b.Name, *sc, *back.Scenario)
		}
	}
}

func TestCheckName(t *testing.T) {
	for name, ok := range map[string]bool{"w0": true, "worker-3": true, "a_b": true, "": false, "a.b": false, "a b": false, "a*": false, "a>": false} {
		if err := CheckName("name", name); (err == nil) != ok {
			t.Errorf("CheckName(%q) = %v; want ok %v", name, err, ok)
		}
	}
}
