package gateway

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/fanbench/fanbench/mockapi"
	"github.com/fanbench/fanbench/mockapi/mocktest"
	"github.com/fanbench/fanbench/strategies"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// withGateway runs fn against a gateway over two mocks, served over HTTP.
func withGateway(t *testing.T, wait string, a, b mockapi.Config, fn func(url string, gw *Gateway, apis [2]*mockapi.API)) {
	t.Helper()
	apiA, urlA := mocktest.Serve(t, "a", a, 1)
	apiB, urlB := mocktest.Serve(t, "b", b, 1)
	client := strategies.NewClient(16)
	defer client.CloseIdleConnections()
	pol := strategies.Policy{Timeout: 2 * time.Second}
	legA := strategies.NewLeg("a", urlA+"/orders", client, pol, new(strategies.LegStats))
	legB := strategies.NewLeg("b", urlB+"/orders", client, pol, new(strategies.LegStats))
	gw, err := New(legA, legB, Options{Wait: wait})
	if err != nil {
		t.Fatal(err)
	}
	defer gw.Close()
	srv := httptest.NewServer(strategies.NewFront(gw))
	defer srv.Close()
	fn(srv.URL, gw, [2]*mockapi.API{apiA, apiB})
}

func post(t *testing.T, url, id string) (*http.Response, map[string]any) {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, url, strings.NewReader(`{"order":1}`))
	req.Header.Set("Idempotency-Key", id)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatalf("decode reply: %v", err)
	}
	return resp, body
}

func fixed(d time.Duration) mockapi.Config {
	return mockapi.Config{Latency: mockapi.Latency{Dist: mockapi.DistFixed, Value: mockapi.Duration(d)}}
}

func TestWaitAll(t *testing.T) {
	down := fixed(0)
	down.Errors = []mockapi.ErrorRule{{Status: 503, Rate: 1}}
	tests := []struct {
		name          string
		b             mockapi.Config
		wantStatus    int
		wantCompleted string
		wantFailed    string
	}{
		{"both succeed", fixed(10 * time.Millisecond), 200, "true", ""},
		{"b down", down, 502, "false", "b: status 503"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			withGateway(t, WaitAll, fixed(10*time.Millisecond), tt.b, func(url string, gw *Gateway, apis [2]*mockapi.API) {
				resp, body := post(t, url, "00000000000000a1")
				if resp.StatusCode != tt.wantStatus || resp.Header.Get("X-Fanbench-Completed") != tt.wantCompleted {
					t.Errorf("status %d, X-Fanbench-Completed %q; want %d, %q", resp.StatusCode,
						resp.Header.Get("X-Fanbench-Completed"), tt.wantStatus, tt.wantCompleted)
				}
				failed, _ := json.Marshal(body["failed"])
				if tt.wantFailed != "" && !strings.Contains(string(failed), tt.wantFailed) {
					t.Errorf("failed legs %s; want %q named", failed, tt.wantFailed)
				}
				if e, ok := apis[0].Ledger().Lookup("00000000000000a1"); !ok || e.Effects != 1 {
					t.Errorf("ledger a: %+v, %v; want one effect", e, ok)
				}
				// b saw the call either way; a 503 applied nothing.
				if e, ok := apis[1].Ledger().Lookup("00000000000000a1"); !ok || e.Arrivals != 1 || (e.Effects == 1) != (tt.wantStatus == 200) {
					t.Errorf("ledger b: %+v, %v; want one arrival, with an effect only when b succeeded", e, ok)
				}
			})
		})
	}
}

func TestWaitNoneDeliversInBackground(t *testing.T) {
	withGateway(t, WaitNone, fixed(50*time.Millisecond), fixed(80*time.Millisecond), func(url string, gw *Gateway, apis [2]*mockapi.API) {
		start := time.Now()
		resp, body := post(t, url, "00000000000000b2")
		if resp.StatusCode != http.StatusAccepted || body["status"] != "accepted" {
			t.Fatalf("status %d, body %v; want 202 accepted", resp.StatusCode, body)
		}
		if el := time.Since(start); el >= 50*time.Millisecond {
			t.Errorf("202 took %v; want it before the 50ms leg finishes", el)
		}
		if err := gw.Drain(t.Context()); err != nil {
			t.Fatal(err)
		}
		for i, api := range apis {
			if e, ok := api.Ledger().Lookup("00000000000000b2"); !ok || e.Effects != 1 {
				t.Errorf("ledger %c: %+v, %v; want delivered once after Drain", 'a'+i, e, ok)
			}
		}
	})
}

func TestNewRejectsUnknownWait(t *testing.T) {
	if _, err := New(nil, nil, Options{Wait: "some"}); err == nil || !strings.Contains(err.Error(), `"all"`) {
		t.Errorf("New(wait=some) error = %v; want one naming the valid modes", err)
	}
}

// Close cancels the deliveries still in flight and waits for them; a send
// after it gets 503, and a second Close does nothing.
func TestCloseCancelsBackgroundDeliveries(t *testing.T) {
	withGateway(t, WaitNone, fixed(time.Minute), fixed(time.Minute), func(url string, gw *Gateway, apis [2]*mockapi.API) {
		if resp, _ := post(t, url, "00000000000000c1"); resp.StatusCode != http.StatusAccepted {
			t.Fatalf("status %d; want 202", resp.StatusCode)
		}
		done := make(chan error, 1)
		go func() { done <- gw.Close() }()
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("Close still waiting for a delivery it should have cancelled")
		}
		if rep := gw.Send(t.Context(), strategies.Send{ID: "00000000000000c2"}); rep.Status != http.StatusServiceUnavailable {
			t.Errorf("send after Close: status %d; want 503", rep.Status)
		}
		if err := gw.Close(); err != nil {
			t.Errorf("second Close: %v", err)
		}
	})
}
