package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/fanbench/fanbench/mockapi"
	"github.com/fanbench/fanbench/strategies"
	"github.com/fanbench/fanbench/strategies/gateway"
)

func newGatewayCmd(e *env) *cobra.Command {
	var (
		a, b, listen, wait    string
		timeout, drainTimeout time.Duration
		retries               int
		allowRemote           bool
		timeouts              mockapi.Timeouts
	)
	cmd := &cobra.Command{
		Use:   "gateway --a URL --b URL",
		Short: "Serve a fan-out gateway in front of two APIs",
		Long: strings.TrimSpace(`
Serve fanbench's fan-out gateway: every request (any method and path) is
forwarded to API a and API b concurrently, body buffered once, with the
Idempotency-Key passed on. --wait all answers after both legs (200, or 502
naming the failed legs, with X-Fanbench-Completed: true|false); --wait none
answers 202 at once and delivers in the background.

On Ctrl-C (or SIGTERM) the gateway stops accepting requests, finishes the
ones in progress and delivers what it accepted in the background, for at
most --drain-timeout, then says how many accepted requests were not
delivered (exit 1 if any); a second Ctrl-C quits at once.`),
		Example: examples(`
  fanbench mock --listen 127.0.0.1:9001 &      # API a on 9001, b on 9002
  fanbench gateway --a http://127.0.0.1:9001/orders --b http://127.0.0.1:9002/orders --listen 127.0.0.1:8080
  curl -i -X POST -H 'Idempotency-Key: 42' localhost:8080/orders -d '{}'`),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			for flag, u := range map[string]string{"--a": a, "--b": b} {
				if err := checkURL(flag, u, allowRemote); err != nil {
					return err
				}
			}
			if timeout <= 0 {
				return usageError("--timeout %v: want a per-attempt timeout above 0, such as 2s", timeout)
			}
			if drainTimeout <= 0 {
				return usageError("--drain-timeout %v: want a duration above 0, such as 30s", drainTimeout)
			}
			if err := checkTimeouts(timeouts); err != nil {
				return err
			}
			if host, _, err := net.SplitHostPort(listen); err != nil {
				return usageError("--listen %q: want HOST:PORT such as 127.0.0.1:8080", listen)
			} else if !allowRemote && !isLoopback(host) {
				return usageError("--listen %s is not a loopback address: the gateway would take requests from other machines; add --allow-remote if that is what you want", listen)
			}
			pol := strategies.Policy{Timeout: timeout, Retries: retries, HonorRetryAfter: true}
			// The flags are held to the rules of the gateway's spec and
			// policy, as a scenario's would be.
			spec := strategies.Spec{Name: strategies.NameGateway, Wait: wait, Policy: &pol}
			for _, e := range spec.Validate() {
				flag := map[string]string{"wait": "--wait", "policy.timeout": "--timeout", "policy.retries": "--retries"}[e.Path]
				if flag == "" {
					flag = e.Path
				}
				return usageError("%s: %s", flag, e.Msg)
			}
			client := strategies.NewClient(1024)
			defer client.CloseIdleConnections()
			gw, err := gateway.New(
				strategies.NewLeg("a", a, client, pol, new(strategies.LegStats)),
				strategies.NewLeg("b", b, client, pol, new(strategies.LegStats)),
				gateway.Options{Wait: wait})
			if err != nil {
				return usageError("--wait: %v", err)
			}
			defer gw.Close()
			front := strategies.NewFront(gw)
			srv := &http.Server{Handler: front}
			if err := timeouts.Apply(srv); err != nil {
				return usageError("%v", err)
			}
			ln, err := net.Listen("tcp", listen)
			if err != nil {
				return usageError("--listen %s: %v", listen, err)
			}
			fmt.Fprintf(e.stdout, "gateway listening on http://%s (wait=%s) → a %s, b %s\n", ln.Addr(), wait, a, b)
			errc := make(chan error, 1)
			go func() { errc <- srv.Serve(ln) }()
			select {
			case err := <-errc:
				return withCode(exitFailed, err)
			case <-cmd.Context().Done():
			}
			return drainGateway(e, srv, errc, gw, front, drainTimeout)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&a, "a", "", "URL of API a (required)")
	fl.StringVar(&b, "b", "", "URL of API b (required)")
	fl.StringVar(&listen, "listen", "127.0.0.1:8080", "address to listen on")
	fl.StringVar(&wait, "wait", gateway.WaitAll, "all: answer after both legs; none: answer 202 at once")
	fl.DurationVar(&timeout, "timeout", 2*time.Second, "per-attempt timeout of each leg")
	fl.IntVar(&retries, "retries", 0, "retries per leg (exponential backoff with full jitter, honouring Retry-After)")
	fl.BoolVar(&allowRemote, "allow-remote", false, "allow API URLs that are not on this machine, and a --listen address other machines can reach")
	fl.DurationVar(&drainTimeout, "drain-timeout", 30*time.Second, "on Ctrl-C, how long to keep delivering what was accepted before giving up")
	addTimeoutFlags(fl, &timeouts)
	return cmd
}

// drainGateway stops srv from accepting, lets requests in progress finish
// and background deliveries complete within drainTimeout, then reports
// what was accepted but not delivered (exit 1 if anything).
func drainGateway(e *env, srv *http.Server, errc <-chan error, gw *gateway.Gateway, front *strategies.Front, drainTimeout time.Duration) error {
	_, pending, _ := gw.Background()
	fmt.Fprintf(e.stderr, "gateway: stopping: no new requests; finishing the ones in progress and %d accepted background deliveries (at most --drain-timeout %v; again to quit at once)\n", pending, drainTimeout)
	ctx, cancel := context.WithTimeout(context.Background(), drainTimeout)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		srv.Close() // the timeout: cut what is still in progress
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return withCode(exitFailed, err)
	}
	_ = gw.Drain(ctx) // the count below says what it could not finish
	stillPending := func() int64 { _, p, _ := gw.Background(); return p }()
	gw.Close() // cancels what is still in flight: those count as undelivered
	accepted, _, undelivered := gw.Background()
	if n := front.Keyless(); n > 0 {
		fmt.Fprintf(e.stderr, "gateway: %d requests arrived without an Idempotency-Key (ids were generated; a client's retry of one cannot be recognised)\n", n)
	}
	if undelivered > 0 {
		return withCode(exitFailed, fmt.Errorf("gateway: %d of %d accepted background deliveries were not delivered to both APIs (%d still in flight at the drain timeout, the rest failed)", undelivered, accepted, stillPending))
	}
	if accepted > 0 {
		fmt.Fprintf(e.stderr, "gateway: all %d accepted background deliveries delivered\n", accepted)
	}
	return nil
}

// checkURL requires an http(s) URL on a loopback host unless remote is allowed.
func checkURL(flag, raw string, allowRemote bool) error {
	if raw == "" {
		return usageError("%s is required: the URL of the API, e.g. http://127.0.0.1:9001/orders", flag)
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return usageError("%s %q: want an http:// or https:// URL", flag, raw)
	}
	if !allowRemote && !isLoopback(u.Hostname()) {
		return usageError("%s %q is not on this machine; fanbench only sends load to loopback addresses unless --allow-remote is given", flag, raw)
	}
	return nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
