package main

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/fanbench/fanbench/bench"
	"github.com/fanbench/fanbench/reports"
	"github.com/fanbench/fanbench/reports/dashboard"
	"github.com/fanbench/fanbench/scenarios"
	"github.com/fanbench/fanbench/strategies"
)

type sweepFlags struct {
	scenario       string
	strategies     string
	from, to       float64
	factor         float64
	steps          int
	stepDuration   time.Duration
	p99Max         time.Duration
	maxInFlight    int
	out            string
	force          bool
	quiet          bool
	allowSaturated bool
	prof           profileFlags
	dash           dashFlags
	allowRemote    bool
}

func newSweepCmd(e *env) *cobra.Command {
	var f sweepFlags
	cmd := &cobra.Command{
		Use:   "sweep",
		Short: "Find each strategy's knee: the highest rate it sustains",
		Long: strings.TrimSpace(`
Sweep the rate for each strategy: steps of increasing rate (fresh mocks and
front per step, the scenario's warm-up before each), until two steps after
the first bad one, then two bisection steps between the last good and the
first bad rate. A step is good when it achieved at least 99% of the offered
rate, at least 99% of sends succeeded (or the scenario's own SLOs held, when
it has some), its corrected p99 stayed within --p99-max, and the harness was
not saturated. The knee is the good step with the highest rate.

Writes sweep.json (schema fanbench/sweep/v1), sweep.png/.svg (latency against
achieved throughput), sweep.md and sweep.html to --out, and prints the steps
with one "knee:" line per strategy.

Exit codes: 0 a knee was found for every strategy, 1 not for some (the line
says why: the first step already failed, or none failed up to --to), 2 bad
usage, 130 interrupted (what was measured is written).`),
		Example: examples(`
  fanbench sweep --scenario ci-smoke --strategies errgroup,queue --step-duration 3s
  fanbench sweep --scenario quick --from 200 --to 5000 --factor 1.5
  fanbench sweep --scenario my.yaml --from 100 --to 1000 --steps 10 --p99-max 50ms`),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return runSweep(cmd, e, f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.scenario, "scenario", scenarios.DefaultName, "built-in scenario name or scenario file")
	fl.StringVar(&f.strategies, "strategies", "", "comma-separated strategies to sweep (default: the scenario's)")
	fl.Float64Var(&f.from, "from", 0, "first rate, sends per second (default: the scenario's rate)")
	fl.Float64Var(&f.to, "to", 0, "highest rate to try (default: 100 × --from)")
	fl.Float64Var(&f.factor, "factor", 1.25, "multiply the rate by this from step to step")
	fl.IntVar(&f.steps, "steps", 0, "instead of --factor: N rates evenly spaced from --from to --to")
	fl.DurationVar(&f.stepDuration, "step-duration", 10*time.Second, "measurement per step")
	fl.DurationVar(&f.p99Max, "p99-max", 0, "corrected p99 a good step stays within (default: 10 × the strategy's ideal p99, at least 10ms)")
	fl.IntVar(&f.maxInFlight, "max-in-flight", 0, "override the scenario's load.max_in_flight")
	fl.StringVar(&f.out, "out", "", "output directory, new or empty (default ./fanbench-out/sweep-<UTC time>)")
	fl.BoolVar(&f.force, "force", false, "let --out be a directory that is not empty: replace fanbench's own files in it (an earlier sweep's or run's), leave other files alone")
	fl.BoolVar(&f.quiet, "quiet", false, "print nothing but errors")
	fl.BoolVar(&f.allowSaturated, "allow-saturated", false, "judge steps without the harness verdict (also FANBENCH_ALLOW_SATURATED=1)")
	addProfileFlags(fl, &f.prof)
	addDashFlags(fl, &f.dash)
	fl.BoolVar(&f.allowRemote, "allow-remote", false, "allow a scenario queue.url or --dashboard address that is not on this machine")
	return cmd
}

func runSweep(cmd *cobra.Command, e *env, f sweepFlags) (err error) {
	fl := cmd.Flags()
	switch {
	case fl.Changed("from") && !(f.from > 0 && f.from <= scenarios.MaxRate):
		return usageError("--from %v: want a rate above 0 and at most %g", f.from, scenarios.MaxRate)
	case fl.Changed("to") && !(f.to > 0 && f.to <= scenarios.MaxRate):
		return usageError("--to %v: want a rate above 0 and at most %g", f.to, scenarios.MaxRate)
	case f.from > 0 && f.to > 0 && f.to < f.from:
		return usageError("--to %v is below --from %v", f.to, f.from)
	case fl.Changed("factor") && fl.Changed("steps"):
		return usageError("--factor and --steps: give one (geometric or even steps)")
	case !(f.factor > 1) || f.factor > 100:
		return usageError("--factor %v: want above 1 (such as 1.25) and at most 100", f.factor)
	case fl.Changed("steps") && (f.steps < 2 || f.steps > 1000):
		return usageError("--steps %d: want 2 to 1000", f.steps)
	case f.stepDuration <= 0 || f.stepDuration > time.Hour:
		return usageError("--step-duration %v: want a positive duration up to 1h such as 10s", f.stepDuration)
	case f.p99Max < 0:
		return usageError("--p99-max %v: want a positive duration such as 50ms", f.p99Max)
	case fl.Changed("max-in-flight") && f.maxInFlight < 1:
		return usageError("--max-in-flight %d: want 1 or more", f.maxInFlight)
	}
	sc, err := scenarios.Open(f.scenario)
	if err != nil {
		return withCode(exitUsage, fmt.Errorf("--scenario: %w", err))
	}
	if err := applyRunFlags(cmd, sc, runFlags{scenario: f.scenario, strategies: f.strategies, repeat: 1, allowRemote: f.allowRemote}); err != nil {
		return err
	}
	if f.maxInFlight > 0 {
		sc.Load.MaxInFlight = f.maxInFlight
	}
	if f.from == 0 {
		if sc.Load.Rate <= 0 {
			return usageError("--from: scenario %s has no constant load.rate to start from (profile %s); give --from", sc.Name, sc.Load.Profile)
		}
		f.from = sc.Load.Rate
	}
	if err := f.dash.check(); err != nil {
		return err
	}
	if f.to > 0 && f.to < f.from {
		return usageError("--to %v is below the first rate %v (--from, or the scenario's load.rate)", f.to, f.from)
	}
	for _, s := range sc.Strategies {
		if s.Name == strategies.NameExternal {
			return usageError("--strategies: sweep measures fanbench's strategies; the external one needs run --target")
		}
	}
	// The same output directory rules as run: new or empty unless --force,
	// staged, moved into place only once there are results.
	od, err := openOut(f.out, "sweep-", f.force, time.Now(), e.quit)
	if err != nil {
		return err
	}
	committed := false
	defer func() {
		if !committed {
			od.discard()
		}
	}()
	out := od.dest
	stopProf, err := f.prof.start()
	if err != nil {
		return err
	}
	defer func() {
		if perr := stopProf(); perr != nil && err == nil {
			err = withCode(exitFailed, perr)
		}
	}()

	opt := bench.SweepOptions{
		From: f.from, To: f.to, Factor: f.factor, Steps: f.steps, StepDuration: f.stepDuration, P99Max: f.p99Max,
		AllowSaturated: e.allowSaturated(f.allowSaturated),
	}
	var live *progressLine
	if !f.quiet {
		if isTerminal(e.stderr) {
			live = &progressLine{w: e.stderr, color: e.getenv("NO_COLOR") == ""}
			opt.Run.Progress = live.show
		}
		opt.Step = func(name string, s reports.SweepStep) {
			if live != nil {
				live.clear()
			}
			verdict := "good"
			if !s.Good {
				verdict = "bad: " + strings.Join(s.Why, "; ")
			}
			fmt.Fprintf(e.stderr, "sweep %s: %.0f/s offered, %.0f/s achieved, p99 %.1fms, %s\n", name, s.Offered, s.Achieved, s.LatencyMs.P99, verdict)
		}
	}
	dash, err := startDashboard(f.dash, f.allowRemote, sc.Name+" (sweep)", &opt.Run, e.stderr)
	if err != nil {
		return err
	}
	if dash != nil {
		defer dash.Close()
	}
	res, runErr := bench.Sweep(cmd.Context(), sc, opt)
	if live != nil {
		live.clear()
	}
	if res == nil || len(res.Strategies) == 0 {
		if runErr == nil {
			runErr = errors.New("sweep: no strategy was measured")
		}
		return withCode(exitFailed, runErr)
	}
	if err := reports.WriteSweepFiles(od.staging, res); err != nil {
		return withCode(exitFailed, err)
	}
	if err := od.commit(); err != nil {
		return withCode(exitFailed, err)
	}
	committed = true
	if !f.quiet {
		if err := reports.WriteSweepText(e.stdout, res); err != nil {
			return withCode(exitFailed, err)
		}
		fmt.Fprintf(e.stdout, "\nsweep: %s\n", filepath.Join(out, "sweep.json"))
	}
	if dash != nil {
		var tables bytes.Buffer
		_ = reports.WriteSweepText(&tables, res)
		finishDashboard(cmd.Context(), dash, f.dash, dashboard.Final{
			Tables: tables.String(), ReportPath: filepath.Join(out, "sweep.html"), Interrupted: runErr != nil,
		}, e.stderr)
	}
	switch {
	case errors.Is(runErr, bench.ErrInterrupted):
		return withCode(exitInterrupted, nil)
	case runErr != nil:
		return withCode(exitFailed, runErr)
	}
	for _, s := range res.Strategies {
		if s.Knee == nil {
			return withCode(exitFailed, fmt.Errorf("no knee for %s: %s", s.Name, s.Note))
		}
	}
	return nil
}
