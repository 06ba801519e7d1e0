package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/fanbench/fanbench/reports"
)

// openResults reads a results.json given either itself or its run directory.
func openResults(arg, what string) (*reports.Results, string, error) {
	path := arg
	if fi, err := os.Stat(arg); err == nil && fi.IsDir() {
		path = filepath.Join(arg, "results.json")
	}
	r, err := reports.ReadJSON(path)
	if err != nil {
		return nil, "", withCode(exitUsage, fmt.Errorf("%s: %w", what, err))
	}
	return r, filepath.Dir(path), nil
}

func newReportCmd(e *env) *cobra.Command {
	var format string
	var write bool
	cmd := &cobra.Command{
		Use:   "report DIR|results.json",
		Short: "Re-render a stored run",
		Long: strings.TrimSpace(`
Re-render a stored run's results.json as text, Markdown, JSON, HTML or CSV on
stdout. With --write, regenerate every report file of the run directory
(report.txt, summary.csv, report.md, report.html, <strategy>.hgrm and the
plots) from its results.json; the <strategy>.results.bin streams hold every
send, which results.json does not, so they cannot be regenerated.`),
		Example: examples(`
  fanbench report fanbench-out/demo
  fanbench report fanbench-out/demo/results.json --format md >> "$GITHUB_STEP_SUMMARY"
  fanbench report fanbench-out/demo --write`),
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !slices.Contains(reports.Formats(), format) && !write {
				return usageError("--format %q: want one of %s", format, strings.Join(reports.Formats(), ", "))
			}
			r, dir, err := openResults(args[0], "report")
			if err != nil {
				return err
			}
			if write {
				if err := reports.WriteAll(dir, r); err != nil {
					return withCode(exitFailed, err)
				}
				fmt.Fprintf(e.stderr, "reports written to %s\n", dir)
				return nil
			}
			if err := reports.Render(e.stdout, r, format); err != nil {
				return withCode(exitFailed, fmt.Errorf("render %s: %w", args[0], err))
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&format, "format", "text", "output format: "+strings.Join(reports.Formats(), ", "))
	cmd.Flags().BoolVar(&write, "write", false, "regenerate the report files in the run's directory instead of printing")
	return cmd
}

func newCompareCmd(e *env) *cobra.Command {
	var format, maxReg string
	var requireAll, allowSaturated bool
	cmd := &cobra.Command{
		Use:   "compare BASE NEW",
		Short: "Compare two runs and fail on a regression",
		Long: strings.TrimSpace(`
Compare a new run with a base run (run directories or results.json files),
strategy by strategy and percentile by percentile. A tracked figure (corrected
latency p50/p90/p99/p99.9, failure ratio = 1 − success ratio, lost, achieved
rate) worse by more than --max-regression is a regression (the failure ratio
is judged relative to the base's failures, with 0.1 percentage point always
allowed); when both runs were made with --repeat, only ranges that do not
overlap count. Strategies that only one run has are listed, not judged,
unless --require-all. Exit 1 on a regression. A run whose harness was
saturated (fanbench itself could not keep up) measured fanbench, not the
strategies: compare refuses to judge it (exit 1) unless --allow-saturated.`),
		Example: examples(`
  fanbench run --scenario ci-smoke --repeat 3 --out base
  ...change...
  fanbench run --scenario ci-smoke --repeat 3 --out new
  fanbench compare base new --max-regression 10%`),
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !slices.Contains([]string{"text", "md", "json"}, format) {
				return usageError("--format %q: want text, md or json", format)
			}
			threshold, err := parseShare(maxReg)
			if err != nil {
				return usageError("--max-regression %q: %v", maxReg, err)
			}
			base, _, err := openResults(args[0], "BASE")
			if err != nil {
				return err
			}
			next, _, err := openResults(args[1], "NEW")
			if err != nil {
				return err
			}
			if !e.allowSaturated(allowSaturated) {
				if err := refuseSaturated(base, args[0], "BASE"); err != nil {
					return err
				}
				if err := refuseSaturated(next, args[1], "NEW"); err != nil {
					return err
				}
			}
			c, err := reports.Compare(base, next, reports.CompareOptions{MaxRegression: threshold, RequireAll: requireAll})
			if err != nil {
				return withCode(exitUsage, err)
			}
			if err := reports.WriteComparison(e.stdout, c, format); err != nil {
				return withCode(exitFailed, err)
			}
			if c.Regressed() {
				return withCode(exitFailed, fmt.Errorf("regression beyond %s", maxReg))
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&format, "format", "text", "output format: text, md or json")
	cmd.Flags().StringVar(&maxReg, "max-regression", "10%", "how much worse a tracked figure may get (10% or 0.1)")
	cmd.Flags().BoolVar(&requireAll, "require-all", false, "a strategy of BASE missing from NEW is a regression")
	cmd.Flags().BoolVar(&allowSaturated, "allow-saturated", false, "compare runs even when fanbench itself was saturated in them (also FANBENCH_ALLOW_SATURATED=1)")
	return cmd
}

// parseShare reads "10%" or "0.1" as 0.1.
func parseShare(s string) (float64, error) {
	v, pct := strings.CutSuffix(strings.TrimSpace(s), "%")
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return 0, fmt.Errorf("want a share such as 10%% or 0.1")
	}
	if pct {
		f /= 100
	}
	if !(f > 0) || f > 10 {
		return 0, fmt.Errorf("want a share above 0 such as 10%% or 0.1")
	}
	return f, nil
}

// refuseSaturated is the error compare gives for a run whose harness was
// saturated: its figures are fanbench's, so no regression or improvement
// can be read from them.
func refuseSaturated(r *reports.Results, path, which string) error {
	names := r.Saturated()
	if len(names) == 0 {
		return nil
	}
	var why []string
	for _, s := range r.Strategies {
		if s.Harness.Saturated {
			why = append(why, s.Name+": "+strings.Join(s.Harness.Reasons, "; "))
		}
	}
	return withCode(exitFailed, fmt.Errorf("%s %s: the harness was saturated (%s), so its figures are fanbench's, not the strategies'; "+
		"not judging a regression or an improvement from it (rerun at a lower rate, or pass --allow-saturated)",
		which, path, strings.Join(why, " | ")))
}
