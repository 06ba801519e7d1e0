package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/fanbench/fanbench/bench"
	"github.com/fanbench/fanbench/bench/distributed"
	"github.com/fanbench/fanbench/mockapi"
	"github.com/fanbench/fanbench/reports"
	"github.com/fanbench/fanbench/scenarios"
	"github.com/fanbench/fanbench/strategies"
	"github.com/fanbench/fanbench/strategies/external"
	"github.com/fanbench/fanbench/strategies/gateway"
	"github.com/fanbench/fanbench/strategies/outbox"
	"github.com/fanbench/fanbench/strategies/queue"
)

// runFlags are the flags of `fanbench run`; zero values leave the scenario as it is.
type runFlags struct {
	scenario    string
	strategies  string
	rate        float64
	duration    time.Duration
	warmup      time.Duration
	seed        int64
	out         string
	force       bool
	quiet       bool
	noColor     bool
	repeat      int
	junit       string
	brokerURL   string
	natsURL     string
	dist        distFlags
	target      string
	exec        string
	mockListen  string
	allowRemote bool
	dash        dashFlags
	prof        profileFlags
	// allowSaturated judges SLOs even when the harness was saturated.
	allowSaturated bool
}

func newRunCmd(e *env) *cobra.Command {
	var f runFlags
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Run a scenario and compare its strategies",
		Long: strings.TrimSpace(`
Run a scenario: for each strategy, start fresh mock APIs a and b and a front,
offer the scenario's open-loop load, drain, reconcile every send against the
mocks' ledgers, and print the comparison. results.json goes to --out.

Exit codes: 0 ran and every SLO passed, 1 the run failed, 2 bad usage or bad
scenario, 3 an SLO was violated, 4 fanbench itself was saturated, so its
figures are not the strategies' (results written, SLOs inconclusive; see
--allow-saturated), 130 interrupted (results written, partial).`),
		Example: examples(`
  fanbench run                                   # the built-in quick scenario
  fanbench run --scenario seed-article           # a built-in scenario by name
  fanbench run --scenario my.yaml --rate 500 --duration 30s
  fanbench run --strategies sequential,errgroup --seed 7 --out ./out
  fanbench run --workers 3 --nats-url nats://nats:4222 --serve sut   # over 3 'fanbench worker's and a 'fanbench serve --name sut'`),
		Args: scenarioFlag("--scenario"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runScenario(cmd, e, f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.scenario, "scenario", scenarios.DefaultName, "built-in scenario name or scenario file (see 'fanbench scenarios list')")
	fl.StringVar(&f.strategies, "strategies", "", "comma-separated strategies to run (default: the scenario's); one of "+strings.Join(strategies.Names(), ", "))
	fl.Float64Var(&f.rate, "rate", 0, "override the load rate (sends per second)")
	fl.DurationVar(&f.duration, "duration", 0, "override the measurement duration (e.g. 30s)")
	fl.DurationVar(&f.warmup, "warmup", 0, "override the warm-up duration (e.g. 2s; 0 for none)")
	fl.Int64Var(&f.seed, "seed", 0, "override the seed every random draw derives from")
	fl.StringVar(&f.out, "out", "", "output directory: new or empty (default: a new ./fanbench-out/<UTC time>)")
	fl.BoolVar(&f.force, "force", false, "let --out be a directory that is not empty: replace fanbench's own files in it (an earlier run's, stale strategies' included), leave other files alone")
	fl.BoolVar(&f.quiet, "quiet", false, "print nothing but errors")
	fl.BoolVar(&f.noColor, "no-color", false, "no ANSI colours in the report")
	fl.IntVar(&f.repeat, "repeat", 1, "run the whole scenario N times and report the median repeat with the spread (min–max) of each figure")
	fl.StringVar(&f.junit, "junit", "", "also write the SLO checks as JUnit XML to this file")
	fl.StringVar(&f.brokerURL, "broker-url", "", "queue strategy: use this broker instead of the scenario's (or the embedded NATS server); the scheme names it: nats:// (JetStream), amqp:// (RabbitMQ), redis:// (Redis Streams)")
	fl.StringVar(&f.natsURL, "nats-url", "", "with --workers: the NATS server (JetStream enabled) the distributed run is coordinated over; otherwise an alias of --broker-url (kept from before it took other brokers)")
	addDistFlags(fl, &f.dist)
	fl.StringVar(&f.target, "target", "", "measure your own service: send the load to this URL (strategy 'external'); it must forward each request, with its Idempotency-Key, to the mock APIs")
	fl.StringVar(&f.exec, "exec", "", "with --target: start this shell command once the mocks are up, with FANBENCH_API_A_URL and FANBENCH_API_B_URL set; stopped after the run")
	fl.StringVar(&f.mockListen, "mock-listen", "", "with --target: HOST:PORT for mock API a (b on PORT+1), so your service can use fixed URLs")
	fl.BoolVar(&f.allowRemote, "allow-remote", false, "allow a --target, --broker-url, scenario queue.url or --dashboard address that is not on this machine")
	addDashFlags(fl, &f.dash)
	addProfileFlags(fl, &f.prof)
	fl.BoolVar(&f.allowSaturated, "allow-saturated", false, "judge SLOs (exit 0 or 3) even when fanbench itself was saturated, instead of exit 4 with the SLOs inconclusive (also FANBENCH_ALLOW_SATURATED=1)")
	return cmd
}

// applyRunFlags checks the flags and applies them to sc.
func applyRunFlags(cmd *cobra.Command, sc *scenarios.Scenario, f runFlags) error {
	fl := cmd.Flags()
	steps := sc.Load.Profile == scenarios.ProfileSteps
	if fl.Changed("rate") {
		if steps {
			return usageError("--rate: the scenario's steps profile takes its rates from load.steps; edit those instead")
		}
		sc.Load.Rate = f.rate
	}
	if fl.Changed("duration") {
		if steps {
			return usageError("--duration: the scenario's steps profile lasts as long as its steps; edit load.steps instead")
		}
		sc.Load.Duration = f.duration
	}
	if fl.Changed("warmup") {
		sc.Load.Warmup = f.warmup
	}
	// The flags are held to the load's own rules, stated once. (A phase
	// that a shorter --duration leaves after the end just never starts.)
	for _, e := range sc.Validate() {
		if strings.HasPrefix(e.Path, "load.") {
			return usageError("%s: %s: %s", loadFlag(fl.Changed, e.Path), e.Path, e.Msg)
		}
	}
	if fl.Changed("target") {
		if err := checkURL("--target", f.target, f.allowRemote); err != nil {
			return err
		}
		sc.Strategies = []strategies.Spec{{
			Name: strategies.NameExternal, Policy: &sc.Policy,
			External: strategies.ExternalOptions{Target: f.target, Exec: f.exec},
		}}
		if f.mockListen != "" {
			host, p, err := mockapi.ParseListen(f.mockListen)
			switch {
			case err != nil:
				return usageError("--mock-listen %v", err)
			case !f.allowRemote && !isLoopback(host):
				return usageError("--mock-listen %q is not a loopback address; the mock APIs serve this machine only unless --allow-remote is given", f.mockListen)
			}
			if p != 0 {
				// Say now, not after a warm-up, that a port is taken.
				for i := range 2 {
					addr := mockapi.ListenAddr(host, p, i)
					ln, err := net.Listen("tcp", addr)
					if err != nil {
						return usageError("--mock-listen: API %c needs %s: %v; pick a free PORT (b takes PORT+1)", 'a'+i, addr, err)
					}
					ln.Close()
				}
			}
		}
	} else if f.exec != "" || f.mockListen != "" {
		return usageError("--exec and --mock-listen go with --target URL (your service to measure)")
	}
	if err := checkBrokerURLs(cmd, sc, f); err != nil {
		return err
	}
	if f.repeat < 1 {
		return usageError("--repeat %d: want 1 or more", f.repeat)
	}
	if fl.Changed("seed") {
		sc.Seed = f.seed
	}
	if fl.Changed("strategies") {
		var specs []strategies.Spec
		for _, name := range strings.Split(f.strategies, ",") {
			name = strings.TrimSpace(name)
			if !slices.Contains(strategies.Names(), name) {
				return usageError("--strategies: unknown strategy %q; want a comma-separated list of %s", name, strings.Join(strategies.Names(), ", "))
			}
			i := slices.IndexFunc(sc.Strategies, func(s strategies.Spec) bool { return s.Name == name })
			if i >= 0 {
				specs = append(specs, sc.Strategies[i])
				continue
			}
			p := sc.Policy
			specs = append(specs, strategies.Spec{Name: name, Policy: &p})
		}
		sc.Strategies = specs
	}
	return nil
}

// loadFlag names the flag that set the load field at path, for messages:
// the scenario itself passed validation, so a problem there came from a
// flag.
func loadFlag(changed func(flag string) bool, path string) string {
	var names []string
	for _, f := range []struct{ flag, path string }{
		{"rate", "load.rate"}, {"duration", "load.duration"}, {"warmup", "load.duration"}, {"warmup", "load.warmup"},
	} {
		if f.path == path && changed(f.flag) && !slices.Contains(names, "--"+f.flag) {
			names = append(names, "--"+f.flag)
		}
	}
	if len(names) == 0 {
		return "scenario"
	}
	return strings.Join(names, "/")
}

func runScenario(cmd *cobra.Command, e *env, f runFlags) (err error) {
	if err := checkDistFlags(cmd, f); err != nil {
		return err
	}
	if err := f.dash.check(); err != nil {
		return err
	}
	stopProf, err := f.prof.start()
	if err != nil {
		return err
	}
	defer func() {
		if perr := stopProf(); perr != nil && err == nil {
			err = withCode(exitFailed, perr)
		}
	}()
	if f.dist.workers == 0 && f.natsURL != "" {
		f.brokerURL = f.natsURL // the old name of --broker-url
	}
	sc, err := scenarios.Open(f.scenario)
	if err != nil {
		return withCode(exitUsage, fmt.Errorf("--scenario: %w", err))
	}
	if err := applyRunFlags(cmd, sc, f); err != nil {
		return err
	}
	od, err := openOut(f.out, "", f.force, time.Now(), e.quit)
	if err != nil {
		return err
	}
	out := od.dest
	committed := false
	defer func() {
		if !committed {
			od.discard()
		}
	}()
	opt := bench.Options{
		BrokerURL: f.brokerURL,
		MockAddr:  f.mockListen,
		Env:       os.Environ(),
		Stdout:    e.stderr,
		Stderr:    e.stderr,
		ResultsOut: func(strategy string) (io.WriteCloser, error) {
			return od.create(strategy + ".results.bin")
		},
	}
	var live *progressLine
	if !f.quiet {
		if isTerminal(e.stderr) {
			live = &progressLine{w: e.stderr, color: !f.noColor && e.getenv("NO_COLOR") == ""}
			opt.Progress = live.show
		}
		opt.Logf = func(format string, args ...any) {
			if live != nil {
				live.clear()
			}
			fmt.Fprintf(e.stderr, format+"\n", args...)
		}
	}
	dash, err := startDashboard(f.dash, f.allowRemote, sc.Name, &opt, e.stderr)
	if err != nil {
		return err
	}
	if dash != nil {
		defer dash.Close()
	}
	var res *reports.Results
	var runErr, lostErr error
	if f.dist.workers > 0 {
		res, runErr = runDistributed(cmd.Context(), sc, f, opt)
		if errors.Is(runErr, distributed.ErrWorkerLost) && res != nil {
			// What the live workers measured is written; the run still failed.
			lostErr, runErr = runErr, nil
		}
	} else {
		res, runErr = bench.RunRepeated(cmd.Context(), sc, f.repeat, opt)
	}
	if live != nil {
		live.clear()
	}
	if runErr != nil && !errors.Is(runErr, bench.ErrInterrupted) {
		// No half-written results: what the failed run streamed stays in
		// the staging directory, which goes; --out is left as it was.
		if errors.Is(runErr, queue.ErrConnect) {
			// An unreachable broker is bad input: name where it came from.
			where := brokerFlag(cmd)
			if f.brokerURL == "" {
				where = "strategies[queue].queue.url in " + f.scenario
			}
			return withCode(exitUsage, fmt.Errorf("%s: %w", where, runErr))
		}
		if errors.Is(runErr, gateway.ErrNotInstalled) {
			return withCode(exitUsage, runErr) // the message says how to install it
		}
		if errors.Is(runErr, outbox.ErrConnect) {
			// An unreachable database is bad input too; the error names its url.
			return withCode(exitUsage, fmt.Errorf("strategies[outbox].outbox.url in %s: %w", f.scenario, runErr))
		}
		switch {
		case errors.Is(runErr, distributed.ErrConnect):
			return withCode(exitUsage, fmt.Errorf("--nats-url: %w", runErr))
		case errors.Is(runErr, external.ErrExited):
			runErr = fmt.Errorf("--exec: %w", runErr)
		case errors.Is(runErr, external.ErrNotListening):
			runErr = fmt.Errorf("--target: %w", runErr)
		}
		return withCode(exitFailed, runErr)
	}
	if runErr != nil && !f.quiet {
		fmt.Fprintf(e.stderr, "fanbench: interrupted: writing what was measured to %s\n", out)
	}
	allowSaturated := e.allowSaturated(f.allowSaturated)
	saturated := len(res.Saturated()) > 0 && !allowSaturated
	if saturated {
		res.MarkInconclusive()
	}
	if err := writeResults(od.staging, res); err != nil {
		return withCode(exitFailed, err)
	}
	committed = true
	if err := od.commit(); err != nil {
		return withCode(exitFailed, fmt.Errorf("--out %s: %w", out, err))
	}
	if f.junit != "" {
		if err := reports.WriteFileAtomic(f.junit, func(w io.Writer) error { return writeJUnit(w, res) }); err != nil {
			return withCode(exitFailed, fmt.Errorf("--junit: %w", err))
		}
	}
	if !f.quiet {
		color := !f.noColor && e.getenv("NO_COLOR") == "" && isTerminal(e.stdout)
		if err := reports.WriteText(e.stdout, res, reports.TextOptions{Color: color}); err != nil {
			return withCode(exitFailed, err)
		}
		fmt.Fprintf(e.stdout, "\nresults: %s\n", filepath.Join(out, "results.json"))
	}
	if dash != nil {
		finishDashboard(cmd.Context(), dash, f.dash, runFinal(res, out, runErr != nil), e.stderr)
	}
	switch {
	case runErr != nil:
		return withCode(exitInterrupted, nil)
	case lostErr != nil:
		return withCode(exitFailed, lostErr)
	case saturated:
		return withCode(exitSaturated, fmt.Errorf("the harness was saturated (%s): its figures are fanbench's own, so the SLOs are inconclusive; lower the rate, or pass --allow-saturated to judge them anyway",
			strings.Join(res.Saturated(), ", ")))
	case sloFailed(res):
		return withCode(exitSLO, fmt.Errorf("an SLO was violated"))
	}
	return nil
}

// writeResults writes every output file of a run into dir.
func writeResults(dir string, res *reports.Results) error {
	if err := reports.WriteFileAtomic(filepath.Join(dir, "results.json"), func(w io.Writer) error {
		return reports.WriteJSON(w, res)
	}); err != nil {
		return err
	}
	return reports.WriteAll(dir, res)
}

func sloFailed(res *reports.Results) bool {
	for _, c := range res.SLO {
		if !c.Pass {
			return true
		}
	}
	return false
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	if l, ok := w.(*lockedWriter); ok {
		w = l.w
	}
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// brokerFlag names the broker flag the user gave: --broker-url or its
// alias --nats-url.
func brokerFlag(cmd *cobra.Command) string {
	if cmd.Flags().Changed("nats-url") && !cmd.Flags().Changed("broker-url") && !cmd.Flags().Changed("workers") {
		return "--nats-url"
	}
	return "--broker-url"
}

// checkBrokerURLs checks the broker the queue strategy will use: the
// flag's URL, else each queue spec's url from the scenario. The scheme
// must name a backend, and the host must be on this machine unless
// --allow-remote.
func checkBrokerURLs(cmd *cobra.Command, sc *scenarios.Scenario, f runFlags) error {
	fl := cmd.Flags()
	if fl.Changed("broker-url") && fl.Changed("nats-url") && f.dist.workers == 0 {
		return usageError("--broker-url and --nats-url are the same setting (--nats-url is its old name); give one")
	}
	check := func(where, raw string) error {
		if _, err := queue.BrokerOf(raw); err != nil {
			return usageError("%s: %v", where, err)
		}
		u, _ := url.Parse(raw) // BrokerOf parsed it
		if !f.allowRemote && !isLoopback(u.Hostname()) {
			return usageError("%s %q is not on this machine; add --allow-remote to use it", where, u.Redacted())
		}
		return nil
	}
	if f.brokerURL != "" {
		if err := check(brokerFlag(cmd), f.brokerURL); err != nil {
			return err
		}
		// A broker phase restarts an external broker only with the
		// scenario's stop and start commands.
		hasRestart := slices.ContainsFunc(sc.Phases, func(p scenarios.Phase) bool { return p.Broker != "" })
		for i, spec := range sc.Strategies {
			if hasRestart && spec.Name == strategies.NameQueue && spec.Queue.Stop == "" {
				return usageError("%s: the scenario restarts the broker (phases {broker: restart}), and fanbench restarts only its embedded one; give strategies[%d].queue stop: and start: commands in %s, or drop %s",
					brokerFlag(cmd), i, f.scenario, brokerFlag(cmd))
			}
		}
		return nil
	}
	for i, spec := range sc.Strategies {
		if spec.Name == strategies.NameQueue && spec.Queue.URL != "" {
			if err := check(fmt.Sprintf("strategies[%d].queue.url in %s", i, f.scenario), spec.Queue.URL); err != nil {
				return err
			}
		}
	}
	return nil
}
