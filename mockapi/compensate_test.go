package mockapi

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// do sends method with Idempotency-Key id straight to a's handler.
func compDo(t *testing.T, a *API, method, id string) int {
	t.Helper()
	req := httptest.NewRequest(method, "/send", nil)
	req.Header.Set("Idempotency-Key", id)
	rec := httptest.NewRecorder()
	a.ServeHTTP(rec, req)
	return rec.Code
}

func TestCompensation(t *testing.T) {
	a := newAPI(t, "a", Config{})
	if got := compDo(t, a, http.MethodPost, "k1"); got != 200 {
		t.Fatalf("POST k1: %d", got)
	}
	for range 2 { // idempotent
		if got := compDo(t, a, CompensationMethod, "k1"); got != 200 {
			t.Fatalf("DELETE k1: %d; want 200", got)
		}
	}
	e, _ := a.Ledger().Lookup("k1")
	if !e.Undone || e.CompensatedEarly || e.Arrivals != 1 || e.Effects != 1 {
		t.Errorf("k1 after its compensation: %+v; want undone, 1 arrival, 1 effect", e)
	}
	// A compensation before its original: recorded early; the original,
	// when it comes, is applied and undone at once.
	if got := compDo(t, a, CompensationMethod, "k2"); got != 200 {
		t.Fatalf("DELETE k2: %d", got)
	}
	if e, ok := a.Ledger().Lookup("k2"); !ok || !e.CompensatedEarly || e.Undone || e.Arrivals != 0 {
		t.Errorf("k2 compensated first: %+v (found %v); want early, not undone, no arrival", e, ok)
	}
	compDo(t, a, http.MethodPost, "k2")
	if e, _ := a.Ledger().Lookup("k2"); !e.Undone || e.Effects != 1 {
		t.Errorf("k2 after its late original: %+v; want applied and undone", e)
	}
	if s := a.Ledger().Summary(); s.Undone != 2 || s.Arrivals != 2 {
		t.Errorf("summary %+v; want 2 undone, 2 arrivals", s)
	}
}

// A compensation meets the API's faults like any request: an API that
// fails every call fails it, and nothing is undone.
func TestCompensationFails(t *testing.T) {
	a := newAPI(t, "a", Config{})
	compDo(t, a, http.MethodPost, "k")
	if err := a.SetConfig(Config{Errors: []ErrorRule{{Status: 503, Rate: 1}}}); err != nil {
		t.Fatal(err)
	}
	if got := compDo(t, a, CompensationMethod, "k"); got != 503 {
		t.Errorf("DELETE on a failing API: %d; want 503", got)
	}
	if e, _ := a.Ledger().Lookup("k"); e.Undone {
		t.Errorf("k: %+v; want not undone", e)
	}
}

// Each compensation attempt draws its own outcome: against an API that
// fails half of all calls, a retried compensation that failed can succeed
// (with one draw per key for every attempt, it never could).
func TestCompensationRetryDrawsAgain(t *testing.T) {
	a := newAPI(t, "a", Config{Errors: []ErrorRule{{Status: 503, Rate: 0.5}}})
	recovered := 0
	for i := range 50 {
		id := formatKey(uint64(i) + 1)
		first := compDo(t, a, CompensationMethod, id)
		if first == 200 {
			continue
		}
		for range 6 {
			if compDo(t, a, CompensationMethod, id) == 200 {
				recovered++
				break
			}
		}
	}
	if recovered == 0 {
		t.Fatal("no compensation that failed once succeeded on a retry; want each attempt to draw anew")
	}
}
