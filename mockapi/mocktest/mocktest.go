// Package mocktest starts mock APIs for the tests of other packages: one
// call per API, closed when the test ends.
package mocktest

import (
	"context"
	"testing"

	"github.com/fanbench/fanbench/mockapi"
)

// Serve starts mock API name with cfg and seed on 127.0.0.1:0 and returns
// it with its base URL. The server is closed (and its close checked) when
// the test ends; register clients' cleanups after this call so they run
// before it.
func Serve(t testing.TB, name string, cfg mockapi.Config, seed int64) (*mockapi.API, string) {
	t.Helper()
	api, err := mockapi.New(name, cfg, seed)
	if err != nil {
		t.Fatalf("mockapi.New(%q): %v", name, err)
	}
	srv, err := mockapi.Serve(context.Background(), api, "127.0.0.1:0")
	if err != nil {
		t.Fatalf("mockapi.Serve(%q): %v", name, err)
	}
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Errorf("close mock %q: %v", name, err)
		}
	})
	return api, srv.URL()
}
