package catalog

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/fanbench/fanbench/mockapi"
	"github.com/fanbench/fanbench/mockapi/mocktest"
	"github.com/fanbench/fanbench/strategies"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// The names scenarios and flags accept (strategies.Names, which the
// scenario decoder can import without the strategies' infrastructure) are
// exactly the table's visible rows, in its order.
func TestNamesMatchStrategiesNames(t *testing.T) {
	if got, want := Names(), strategies.Names(); !slices.Equal(got, want) {
		t.Errorf("catalog.Names() = %v; strategies.Names() = %v; a row and the name list disagree", got, want)
	}
	seen := map[string]bool{}
	for _, e := range Entries() {
		if e.Name == "" || e.Build == nil || seen[e.Name] {
			t.Errorf("row %+v: want a unique name and a constructor", e)
		}
		seen[e.Name] = true
	}
	if _, ok := Lookup("no-such"); ok {
		t.Error(`Lookup("no-such") found a constructor`)
	}
}

// Every row builds against two mock APIs into something the engine can
// send to, sends one request through it to both APIs, and releases it.
func TestEveryRowBuildsAndSends(t *testing.T) {
	var apis [2]*mockapi.API
	var urls [2]string
	for i, name := range []string{"a", "b"} {
		apis[i], urls[i] = mocktest.Serve(t, name, mockapi.Config{}, 1)
	}
	client := strategies.NewClient(8)
	defer client.CloseIdleConnections()
	for _, e := range Entries() {
		t.Run(e.Name, func(t *testing.T) {
			spec := strategies.Spec{Name: e.Name}
			var target *httptest.Server
			if e.Name == strategies.NameExternal {
				// The user's service, here a front over the errgroup strategy.
				eg, err := strategies.BuildErrgroup(t.Context(), spec, depsFor(urls, client))
				if err != nil {
					t.Fatal(err)
				}
				target = httptest.NewServer(strategies.NewFront(eg.Strategy))
				defer target.Close()
				spec.External.Target = target.URL + "/send"
			}
			b, err := e.Build(t.Context(), spec, depsFor(urls, client))
			if err != nil {
				t.Fatalf("build: %v", err)
			}
			if b.Close != nil {
				defer func() {
					if err := b.Close(); err != nil {
						t.Errorf("close: %v", err)
					}
				}()
			}
			url := b.Target
			if url == "" {
				h := b.Handler
				if h == nil {
					h = strategies.NewFront(b.Strategy)
				}
				srv := httptest.NewServer(h)
				defer srv.Close()
				url = srv.URL + "/send"
			}
			id := strings.Repeat("0", 14) + map[string]string{
				strategies.NameSequential: "01", strategies.NameErrgroup: "02", strategies.NameQueue: "03",
				strategies.NameGateway: "04", strategies.NameExternal: "05",
			}[e.Name]
			req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, url, strings.NewReader(`{}`))
			req.Header.Set("Idempotency-Key", id)
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusAccepted {
				t.Fatalf("status %d; want 200 or 202", resp.StatusCode)
			}
			if b.Drain != nil {
				if err := b.Drain(t.Context()); err != nil {
					t.Fatalf("drain: %v", err)
				}
			}
			for i, api := range apis {
				if en, ok := api.Ledger().Lookup(id); !ok || en.Effects != 1 {
					t.Errorf("API %c: ledger %+v, %v; want the send applied once", 'a'+i, en, ok)
				}
			}
			if b.Stats != nil {
				_ = b.Stats() // read after the drain, as the engine does
			}
		})
	}
}

func depsFor(urls [2]string, client *http.Client) strategies.Deps {
	return strategies.Deps{
		APIs: urls, Client: client, LegStats: [2]*strategies.LegStats{new(strategies.LegStats), new(strategies.LegStats)},
		Seed: 1, MaxInFlight: 16,
	}
}
