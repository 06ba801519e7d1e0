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

	"github.com/fanbench/fanbench/strategies"
	"github.com/fanbench/fanbench/strategies/gateway"
)

func newGatewayCmd(e *env) *cobra.Command {
	var (
		a, b, listen, wait string
		timeout            time.Duration
		retries            int
		allowRemote        bool
	)
	cmd := &cobra.Command{
		Use:   "gateway --a URL --b URL",
		Short: "Serve a fan-out gateway in front of two APIs",
		Long: strings.TrimSpace(`
Serve fanbench's fan-out gateway: every request (any method and path) is
forwarded to API a and API b concurrently, body buffered once, with the
Idempotency-Key passed on. --wait all answers after both legs (200, or 502
naming the failed legs, with X-Fanbench-Completed: true|false); --wait none
answers 202 at once and delivers in the background. Stops on Ctrl-C.`),
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
			if retries < 0 {
				return usageError("--retries %d: want 0 or more", retries)
			}
			pol := strategies.Policy{Timeout: timeout, Retries: retries, HonorRetryAfter: true}
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
			ln, err := net.Listen("tcp", listen)
			if err != nil {
				return usageError("--listen %s: %v", listen, err)
			}
			srv := &http.Server{Handler: strategies.NewFront(gw), ReadHeaderTimeout: 10 * time.Second}
			fmt.Fprintf(e.stdout, "gateway listening on http://%s (wait=%s) → a %s, b %s\n", ln.Addr(), wait, a, b)
			errc := make(chan error, 1)
			go func() { errc <- srv.Serve(ln) }()
			select {
			case err := <-errc:
				return withCode(exitFailed, err)
			case <-cmd.Context().Done():
			}
			shutdown(srv)
			if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
				return withCode(exitFailed, err)
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&a, "a", "", "URL of API a (required)")
	fl.StringVar(&b, "b", "", "URL of API b (required)")
	fl.StringVar(&listen, "listen", "127.0.0.1:8080", "address to listen on")
	fl.StringVar(&wait, "wait", gateway.WaitAll, "all: answer after both legs; none: answer 202 at once")
	fl.DurationVar(&timeout, "timeout", 2*time.Second, "per-attempt timeout of each leg")
	fl.IntVar(&retries, "retries", 0, "retries per leg (exponential backoff with full jitter, honouring Retry-After)")
	fl.BoolVar(&allowRemote, "allow-remote", false, "allow API URLs that are not on this machine")
	return cmd
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

// shutdown stops srv gracefully, bounded.
func shutdown(srv *http.Server) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		srv.Close()
	}
}
