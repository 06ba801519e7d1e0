package mockapi

import (
	"strings"
	"testing"
	"time"
)

func TestSuccess(t *testing.T) {
	tests := []struct {
		name, id, wantBody string
	}{
		{"driver id", "00000000000000ff", `{"api":"a","id":"00000000000000ff"}` + "\n"},
		{"other key", "order-17", `{"api":"a","id":"order-17"}` + "\n"},
		{"key needing escapes", `x"y`, `{"api":"a","id":"x\"y"}` + "\n"},
	}
	a := newAPI(t, "a", Config{})
	s := withServer(t, a)
	c := newClient(t, 5*time.Second)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := send(c, s.URL()+"/anything", tt.id, "{}")
			if got.err != nil || got.status != 200 || got.body != tt.wantBody {
				t.Fatalf("POST with key %q = %d %q %v; want 200 %q", tt.id, got.status, got.body, got.err, tt.wantBody)
			}
			e, ok := a.Ledger().Lookup(tt.id)
			if !ok || e.Arrivals != 1 || e.Effects != 1 || e.LastStatus != 200 || e.FirstSuccess.Before(e.FirstArrival) {
				t.Fatalf("Lookup(%q) = %+v, %v; want 1 arrival, 1 effect, status 200", tt.id, e, ok)
			}
		})
	}
}

func TestMissingKey(t *testing.T) {
	tests := []struct {
		name       string
		require    bool
		wantStatus int
		wantLen    int
	}{
		{"generated ids", false, 200, 2},
		{"required", true, 400, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newAPI(t, "b", Config{RequireIdempotencyKey: tt.require})
			s := withServer(t, a)
			c := newClient(t, 5*time.Second)
			var ids []string
			for range 2 {
				got := send(c, s.URL(), "", "")
				if got.err != nil || got.status != tt.wantStatus {
					t.Fatalf("POST without key = %d %v; want %d", got.status, got.err, tt.wantStatus)
				}
				ids = append(ids, got.body)
			}
			if st := a.Stats(); tt.wantStatus == 200 && st.Keyless != 2 {
				t.Errorf("stats keyless = %d; want 2", st.Keyless)
			}
			if a.Ledger().Len() != tt.wantLen {
				t.Fatalf("ledger holds %d ids; want %d", a.Ledger().Len(), tt.wantLen)
			}
			if tt.wantStatus == 200 {
				if ids[0] == ids[1] {
					t.Fatalf("two requests without key got the same id: %s", ids[0])
				}
				id := strings.TrimSuffix(strings.TrimPrefix(ids[0], `{"api":"b","id":"`), "\"}\n")
				if e, ok := a.Ledger().Lookup(id); !ok || e.Arrivals != 1 {
					t.Fatalf("generated id %q: Lookup = %+v, %v; want one arrival", id, e, ok)
				}
			}
		})
	}
}
