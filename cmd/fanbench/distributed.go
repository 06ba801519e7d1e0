package main

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/fanbench/fanbench/bench"
	"github.com/fanbench/fanbench/bench/distributed"
	"github.com/fanbench/fanbench/reports"
	"github.com/fanbench/fanbench/scenarios"
)

// distFlags are run's flags for a distributed run.
type distFlags struct {
	workers        int
	serve          string
	pool           string
	listen         string
	wait           time.Duration
	heartbeat      time.Duration
	maxClockOffset time.Duration
}

func addDistFlags(fl *pflag.FlagSet, d *distFlags) {
	fl.IntVar(&d.workers, "workers", 0, "split the load over N 'fanbench worker' processes coordinated over --nats-url (see 'Beyond one machine' in the README)")
	fl.StringVar(&d.serve, "serve", "", "with --workers: the 'fanbench serve' host (its --name) that runs the mock APIs and fronts; default: this process")
	fl.StringVar(&d.pool, "pool", "default", "with --workers: the pool of workers and serve hosts to use")
	fl.StringVar(&d.listen, "listen", "127.0.0.1:0", "with --workers and no --serve: where this process's fronts listen for the workers")
	fl.DurationVar(&d.wait, "wait", 30*time.Second, "with --workers: how long to wait for the workers and the serve host")
	fl.DurationVar(&d.heartbeat, "heartbeat", 500*time.Millisecond, "with --workers: heartbeat interval; a member silent for 4 is lost")
	fl.DurationVar(&d.maxClockOffset, "max-clock-offset", 50*time.Millisecond, "with --workers: refuse a member whose clock is further than this from this one's")
}

// checkDistFlags checks the distributed flags against the others.
func checkDistFlags(cmd *cobra.Command, f runFlags) error {
	fl := cmd.Flags()
	d := f.dist
	if !fl.Changed("workers") {
		for _, name := range []string{"serve", "pool", "listen", "wait", "heartbeat", "max-clock-offset"} {
			if fl.Changed(name) {
				return usageError("--%s goes with --workers N (a distributed run)", name)
			}
		}
		return nil
	}
	switch {
	case d.workers < 1:
		return usageError("--workers %d: want 1 or more worker processes", d.workers)
	case f.natsURL == "":
		return usageError("--workers needs --nats-url: the NATS server the workers and the serve host joined (e.g. nats://127.0.0.1:4222)")
	case f.repeat > 1:
		return usageError("--repeat goes without --workers: repeat a distributed run by running it again")
	case f.target != "":
		return usageError("--target goes without --workers: the external strategy measures your own service from this process")
	case d.wait <= 0 || d.heartbeat <= 0 || d.maxClockOffset <= 0:
		return usageError("--wait, --heartbeat and --max-clock-offset: want positive durations such as 30s, 500ms, 50ms")
	}
	if err := checkNATSURL(f.natsURL); err != nil {
		return err
	}
	if d.serve != "" {
		if err := distributed.CheckName("--serve", d.serve); err != nil {
			return usageError("%v", err)
		}
	}
	if err := distributed.CheckName("--pool", d.pool); err != nil {
		return usageError("%v", err)
	}
	return nil
}

func checkNATSURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "nats" || u.Host == "" {
		return usageError("--nats-url %q: want nats://HOST:PORT such as nats://127.0.0.1:4222", raw)
	}
	return nil
}

// runDistributed coordinates sc over the workers.
func runDistributed(ctx context.Context, sc *scenarios.Scenario, f runFlags, opt bench.Options) (*reports.Results, error) {
	return distributed.Run(ctx, sc, distributed.Options{
		NATSURL: f.natsURL, Pool: f.dist.pool, Workers: f.dist.workers, Serve: f.dist.serve,
		Listen: f.dist.listen, BrokerURL: f.brokerURL, Wait: f.dist.wait, Heartbeat: f.dist.heartbeat,
		MaxClockOffset: f.dist.maxClockOffset,
		Logf:           opt.Logf, Progress: opt.Progress, ResultsOut: opt.ResultsOut,
	})
}

// memberFlags are the flags of worker and serve.
type memberFlags struct {
	natsURL string
	opt     distributed.MemberOptions
}

func addMemberFlags(fl *pflag.FlagSet, m *memberFlags) {
	fl.StringVar(&m.natsURL, "nats-url", "", "the NATS server (JetStream enabled) the coordinator uses (required)")
	fl.StringVar(&m.opt.Name, "name", "", "this member's name in its pool (default <hostname>-<pid>)")
	fl.StringVar(&m.opt.Pool, "pool", "default", "the pool to join")
	fl.BoolVar(&m.opt.Once, "once", false, "exit after the first run (a Kubernetes Job's pod, a one-shot SSH command)")
}

func (m *memberFlags) check() error {
	if m.natsURL == "" {
		return usageError("--nats-url is required: the NATS server the coordinator uses (e.g. nats://127.0.0.1:4222)")
	}
	if err := checkNATSURL(m.natsURL); err != nil {
		return err
	}
	if m.opt.Name != "" {
		if err := distributed.CheckName("--name", m.opt.Name); err != nil {
			return usageError("%v", err)
		}
	}
	if err := distributed.CheckName("--pool", m.opt.Pool); err != nil {
		return usageError("%v", err)
	}
	m.opt.NATSURL = m.natsURL
	return nil
}

// member runs a worker or serve host until ctx ends (Ctrl-C, SIGTERM).
func member(ctx context.Context, e *env, m memberFlags, fn func(context.Context, distributed.MemberOptions) error) error {
	if err := m.check(); err != nil {
		return err
	}
	m.opt.Logf = func(format string, args ...any) { fmt.Fprintf(e.stderr, format+"\n", args...) }
	err := fn(ctx, m.opt)
	switch {
	case errors.Is(err, distributed.ErrConnect):
		return withCode(exitUsage, fmt.Errorf("--nats-url: %w", err))
	case err != nil:
		return withCode(exitFailed, err)
	}
	return nil
}

func newWorkerCmd(e *env) *cobra.Command {
	var m memberFlags
	cmd := &cobra.Command{
		Use:   "worker",
		Short: "Join a pool as a load driver of distributed runs",
		Long: strings.TrimSpace(`
Join a pool of load drivers on a NATS server and wait for work: a
coordinator ('fanbench run --workers N') claims N workers, gives each its
share of the schedule (worker k of N sends the sends ≡ k mod N) and a start
instant, and collects what they measured. The worker returns to the pool
after each run and stops on Ctrl-C or SIGTERM.`),
		Example: examples(`
  fanbench worker --nats-url nats://nats:4222
  fanbench worker --nats-url nats://10.0.0.5:4222 --name driver-3 --pool lab`),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return member(cmd.Context(), e, m, distributed.Work)
		},
	}
	addMemberFlags(cmd.Flags(), &m)
	return cmd
}

func newServeCmd(e *env) *cobra.Command {
	var m memberFlags
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Join a pool as the host of the system under test of distributed runs",
		Long: strings.TrimSpace(`
Join a pool on a NATS server as a serve host: for each strategy of a run
that names it ('fanbench run --workers N --serve NAME'), start the mock APIs
and the strategy's front as a one-process run would, reachable by the
workers at --listen (advertised as --advertise), and reconcile every send
against the mocks' ledgers at the end. Stops on Ctrl-C or SIGTERM.`),
		Example: examples(`
  fanbench serve --nats-url nats://nats:4222 --name sut --listen 0.0.0.0:8080 --advertise fanbench-serve:8080
  fanbench serve --nats-url nats://10.0.0.5:4222 --name sut --listen 10.0.0.7:0`),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkTimeouts(m.opt.FrontTimeouts); err != nil {
				return err
			}
			return member(cmd.Context(), e, m, distributed.Serve)
		},
	}
	addMemberFlags(cmd.Flags(), &m)
	addTimeoutFlags(cmd.Flags(), &m.opt.FrontTimeouts)
	cmd.Flags().StringVar(&m.opt.Listen, "listen", "127.0.0.1:0", "where the strategy fronts listen (HOST:PORT; a fixed port is reused by each strategy)")
	cmd.Flags().StringVar(&m.opt.Advertise, "advertise", "", "HOST[:PORT] the workers reach the fronts at (default: the --listen address, the host name when it is 0.0.0.0)")
	cmd.Flags().StringVar(&m.opt.BrokerURL, "broker-url", "", "queue strategy: use this broker instead of the embedded NATS server")
	return cmd
}
