package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/fanbench/fanbench/mockapi"
	"github.com/fanbench/fanbench/scenarios"
)

func newMockCmd(e *env) *cobra.Command {
	var (
		config, listen, token string
		seed                  int64
		limits                mockapi.Limits
		timeouts              mockapi.Timeouts
	)
	cmd := &cobra.Command{
		Use:   "mock",
		Short: "Serve the mock APIs a and b of a scenario (or an apis-only file) standalone",
		Long: strings.TrimSpace(`
Serve the two mock APIs of a scenario (built-in name or file) so any client
or service can be pointed at them: API a on --listen's port, API b on the
next one. Each answers any method and path with its fault profile and
records every arrival in its ledger; the admin API is under /_fanbench/
(config, reset, stats, ledger, metrics, healthz). Stops on Ctrl-C.

PUT /_fanbench/config replaces the whole profile (a field left out takes
its zero value: no latency, no errors); PATCH changes only the fields it
names (JSON merge patch). The admin API answers loopback clients with a
loopback Host and no foreign Origin; off loopback it needs an admin token
(--admin-token, or FANBENCH_ADMIN_TOKEN, which ps does not show).`),
		Example: examples(`
  fanbench mock --config flaky --listen 127.0.0.1:9001
  curl -s -X POST -H 'Idempotency-Key: 7' localhost:9002/orders
  curl -s localhost:9002/_fanbench/ledger?ids=7
  curl -s -X PATCH localhost:9002/_fanbench/config -d '{"errors":[{"status":503,"rate":1}]}'`),
		Args: scenarioFlag("--config"),
		RunE: func(cmd *cobra.Command, args []string) error {
			sc, err := scenarios.OpenMocks(config)
			if err != nil {
				return withCode(exitUsage, fmt.Errorf("--config: %w", err))
			}
			if cmd.Flags().Changed("seed") {
				sc.Seed = seed
			}
			host, port, err := mockapi.ParseListen(listen)
			if err != nil {
				return usageError("--listen %v", err)
			}
			if token == "" {
				token = e.getenv("FANBENCH_ADMIN_TOKEN")
			}
			remote := !isLoopback(host)
			if remote && token == "" {
				return usageError("--listen %s is not a loopback address: set --admin-token (or FANBENCH_ADMIN_TOKEN) to protect the admin API", listen)
			}
			if limits.MaxBodyBytes <= 0 {
				return usageError("--max-body %d: want a body limit above 0 bytes", limits.MaxBodyBytes)
			}
			if limits.LedgerCapacity < mockapi.MinLedgerCapacity {
				return usageError("--ledger-capacity %d: want at least %d ids", limits.LedgerCapacity, mockapi.MinLedgerCapacity)
			}
			if err := checkTimeouts(timeouts); err != nil {
				return err
			}
			ctx := cmd.Context()
			var servers []*mockapi.Server
			defer func() {
				for _, s := range servers {
					s.Close()
				}
			}()
			for i, cfg := range []mockapi.Config{sc.APIs.A, sc.APIs.B} {
				name := string(rune('a' + i))
				api, err := mockapi.New(name, cfg, sc.Seed)
				if err != nil {
					return withCode(exitUsage, fmt.Errorf("apis.%s: %w", name, err))
				}
				if token != "" {
					api.SetAdminToken(token)
				}
				if err := api.SetLimits(limits); err != nil {
					return withCode(exitUsage, err)
				}
				api.AllowRemoteAdmin(remote)
				addr := mockapi.ListenAddr(host, port, i)
				srv, err := mockapi.ServeWith(ctx, api, addr, timeouts)
				if err != nil {
					return withCode(exitUsage, fmt.Errorf("--listen: API %s on %s: %w", name, addr, err))
				}
				servers = append(servers, srv)
				fmt.Fprintf(e.stdout, "mock API %s: %s  (admin: %s/_fanbench/)\n", name, srv.URL(), srv.URL())
			}
			fmt.Fprintf(e.stdout, "scenario %s, seed %d; Ctrl-C to stop\n", sc.Name, sc.Seed)
			<-ctx.Done()
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&config, "config", scenarios.DefaultName, "built-in scenario name or scenario file whose apis to serve")
	fl.StringVar(&listen, "listen", "127.0.0.1:9001", "HOST:PORT for API a; API b takes PORT+1 (port 0: any free ports)")
	fl.StringVar(&token, "admin-token", "", "require 'Authorization: Bearer TOKEN' on the admin API (needed off loopback; FANBENCH_ADMIN_TOKEN also sets it, unseen by ps)")
	fl.Int64Var(&limits.MaxBodyBytes, "max-body", mockapi.DefaultMaxBodyBytes, "largest request body in bytes; a larger one is answered 413")
	fl.IntVar(&limits.LedgerCapacity, "ledger-capacity", mockapi.DefaultLedgerCapacity, "ids each ledger keeps; past it the oldest are evicted and counted (stats: ledger.evicted)")
	addTimeoutFlags(fl, &timeouts)
	fl.Int64Var(&seed, "seed", 0, "override the scenario's seed")
	return cmd
}
