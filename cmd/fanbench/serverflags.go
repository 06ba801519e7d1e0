package main

import (
	"time"

	"github.com/spf13/pflag"

	"github.com/fanbench/fanbench/mockapi"
)

// addTimeoutFlags registers the server timeout flags of mock, gateway and
// serve (its fronts).
func addTimeoutFlags(fl *pflag.FlagSet, t *mockapi.Timeouts) {
	fl.DurationVar(&t.ReadHeader, "read-header-timeout", mockapi.DefaultReadHeaderTimeout, "longest a client may take to send a request's headers")
	fl.DurationVar(&t.Read, "read-timeout", mockapi.DefaultReadTimeout, "longest a client may take to send a whole request, body included")
	fl.DurationVar(&t.Idle, "idle-timeout", mockapi.DefaultIdleTimeout, "longest a keep-alive connection may wait for its next request")
}

// checkTimeouts refuses a timeout flag that is not above 0.
func checkTimeouts(t mockapi.Timeouts) error {
	for _, f := range []struct {
		flag string
		v    time.Duration
	}{{"--read-header-timeout", t.ReadHeader}, {"--read-timeout", t.Read}, {"--idle-timeout", t.Idle}} {
		if f.v <= 0 {
			return usageError("%s %v: want a duration above 0, such as 30s", f.flag, f.v)
		}
	}
	return nil
}
