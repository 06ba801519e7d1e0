package bench

import (
	"strings"
	"testing"
	"time"

	"github.com/fanbench/fanbench/mockapi"
	"github.com/fanbench/fanbench/strategies"
)

// b answers 503 to every call. With on_partial: compensate every send that
// reached a is undone there: all compensated, 100% consistent. With ignore
// they stay a_only. A compensation that itself fails leaves the send
// a_only, with the failure named.
func TestRunCompensation(t *testing.T) {
	run := func(t *testing.T, p strategies.Policy, name ...string) (outcomes [5]int64, stats map[string]int64, requests int64) {
		t.Helper()
		if name == nil {
			name = []string{strategies.NameErrgroup}
		}
		sc := fixedScenario(time.Millisecond, time.Millisecond, 100, time.Second, name...)
		sc.Strategies[0].Wait = map[string]string{strategies.NameGateway: strategies.WaitAll}[name[0]]
		sc.APIs.B.Errors = []mockapi.ErrorRule{{Status: 503, Rate: 1}}
		sc.Policy = p
		res, err := Run(t.Context(), sc, Options{Logf: t.Logf})
		if err != nil {
			t.Fatal(err)
		}
		s := res.Strategies[0]
		o := s.Outcomes
		if s.Lost != 0 {
			t.Errorf("lost %d; want 0 (every user got 502)", s.Lost)
		}
		return [5]int64{o.Both, o.AOnly, o.BOnly, o.None, o.Compensated}, s.Stats, s.Requests
	}
	policy := strategies.Policy{Timeout: time.Second, Retries: 1,
		Backoff: strategies.Backoff{Initial: time.Millisecond, Max: 5 * time.Millisecond}}

	t.Run("compensate", func(t *testing.T) {
		p := policy
		p.OnPartial = strategies.OnPartialCompensate
		o, st, n := run(t, p)
		if n == 0 || o != [5]int64{0, 0, 0, 0, n} {
			t.Errorf("outcomes both/a_only/b_only/none/compensated = %v of %d; want all compensated (consistent 100%%)", o, n)
		}
		if st["compensations_sent"] < n || st["compensations_succeeded"] != st["compensations_sent"] || st["compensations_failed"] != 0 ||
			st["inconsistency_window_p50_us"] <= 0 {
			t.Errorf("stats %v; want every send compensated once, none failed, an inconsistency window", st)
		}
	})
	t.Run("gateway wait all", func(t *testing.T) {
		p := policy
		p.OnPartial = strategies.OnPartialCompensate
		o, st, n := run(t, p, strategies.NameGateway)
		if n == 0 || o != [5]int64{0, 0, 0, 0, n} || st["compensations_succeeded"] < n {
			t.Errorf("outcomes both/a_only/b_only/none/compensated = %v of %d, stats %v; want all compensated", o, n, st)
		}
	})
	t.Run("ignore", func(t *testing.T) {
		o, st, n := run(t, policy)
		if n == 0 || o != [5]int64{0, n, 0, 0, 0} {
			t.Errorf("outcomes both/a_only/b_only/none/compensated = %v of %d; want all a_only", o, n)
		}
		if st["compensations_sent"] != 0 {
			t.Errorf("stats %v; want no compensation", st)
		}
	})
	t.Run("compensation fails", func(t *testing.T) {
		p := policy
		p.OnPartial = strategies.OnPartialCompensate
		// The admin prefix answers 404 to a path it does not know: a
		// compensation endpoint that does not exist.
		one := 1
		p.Compensation = &strategies.Compensation{Path: "/_fanbench/no-such-endpoint", Retries: &one}
		o, st, n := run(t, p)
		if n == 0 || o != [5]int64{0, n, 0, 0, 0} {
			t.Errorf("outcomes both/a_only/b_only/none/compensated = %v of %d; want all a_only", o, n)
		}
		t.Logf("stats %v", st)
		named := false
		for k, v := range st {
			if strings.HasPrefix(k, "compensation_failed: status 4") && v == st["compensations_failed"] {
				named = true
			}
		}
		if st["compensations_failed"] < n || !named {
			t.Errorf("stats %v; want every compensation failed, counted under its failure (status 4xx)", st)
		}
	})
}
