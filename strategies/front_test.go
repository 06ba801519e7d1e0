package strategies

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// recordingStrategy answers 200 and keeps the ids it was given.
type recordingStrategy struct {
	mu  sync.Mutex
	ids []string
}

func (*recordingStrategy) Name() string     { return "recording" }
func (*recordingStrategy) Combine() Combine { return CombineMax }
func (r *recordingStrategy) Send(_ context.Context, s Send) Reply {
	r.mu.Lock()
	r.ids = append(r.ids, s.ID)
	r.mu.Unlock()
	return Reply{Status: http.StatusOK}
}

// TestFrontGeneratedIDs: the attack of a client sending the key a
// generated id would have, and of a front restarting. Generated ids are
// 128 random bits under a prefix no client may send, differ across fronts
// (restarts), and every keyless request is counted.
func TestFrontGeneratedIDs(t *testing.T) {
	post := func(f *Front, key string) (int, frontReply) {
		req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader("{}"))
		if key != "" {
			req.Header.Set("Idempotency-Key", key)
		}
		w := httptest.NewRecorder()
		f.ServeHTTP(w, req)
		var rep frontReply
		_ = json.Unmarshal(w.Body.Bytes(), &rep)
		return w.Code, rep
	}
	seen := map[string]bool{}
	for restart := range 2 {
		rs := &recordingStrategy{}
		f := NewFront(rs)
		for range 3 {
			code, rep := post(f, "")
			if code != 200 || !strings.HasPrefix(rep.ID, GeneratedIDPrefix) || len(rep.ID) != len(GeneratedIDPrefix)+32 || seen[rep.ID] {
				t.Fatalf("front %d: keyless request = %d id %q; want 200 with a new %s<32 hex digits> id", restart, code, rep.ID, GeneratedIDPrefix)
			}
			seen[rep.ID] = true
		}
		if code, rep := post(f, "front-3"); code != 200 || rep.ID != "front-3" {
			t.Fatalf("client key front-3 = %d %q; want 200 with the client's id", code, rep.ID)
		}
		for id := range seen {
			if code, _ := post(f, id); code != http.StatusBadRequest {
				t.Fatalf("client sent the generated id %q as its key: %d; want 400 (reserved prefix)", id, code)
			}
			break
		}
		if got := f.Keyless(); got != 3 {
			t.Errorf("Keyless = %d; want 3", got)
		}
		if len(rs.ids) != 4 {
			t.Errorf("the strategy got %d sends %v; want 4 (the forged key refused)", len(rs.ids), rs.ids)
		}
	}
}
