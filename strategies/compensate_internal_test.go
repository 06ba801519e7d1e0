package strategies

import (
	"net/http"
	"testing"
	"time"
)

// A compensation block that names some fields keeps the defaults of the
// others: {path: /undo} still has a 2s timeout and 3 retries, and an
// explicit retries: 0 stays 0.
func TestCompensationDefaultsPerField(t *testing.T) {
	c := Compensation{Path: "/undo"}.withDefaults()
	if c.Method != http.MethodDelete || c.Path != "/undo" || c.Timeout != 2*time.Second || c.Retries == nil || *c.Retries != 3 {
		t.Errorf("{path: /undo} with defaults = %+v (retries %v); want DELETE /undo, 2s, 3 retries", c, c.Retries)
	}
	zero := 0
	if c := (Compensation{Retries: &zero, Timeout: time.Second}).withDefaults(); *c.Retries != 0 || c.Timeout != time.Second {
		t.Errorf("retries: 0, timeout 1s with defaults = %+v (retries %d); want them kept", c, *c.Retries)
	}
	neg := -1
	if es := (Compensation{Retries: &neg}).Validate(); len(es) == 0 {
		t.Error("retries: -1 validated")
	}
}
