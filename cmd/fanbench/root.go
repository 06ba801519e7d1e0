package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/spf13/cobra"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// env is the process environment, passed in so that tests control it.
type env struct {
	getenv func(string) string
	stdout io.Writer
	stderr io.Writer
	quit   *quitHooks // what a second interrupt runs before quitting at once
}

// run is the whole program: main only wires the process to it.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	return runWithQuit(ctx, &quitHooks{}, args, getenv, stdout, stderr)
}

// runWithQuit is run with the hooks main runs when a second interrupt
// quits the process at once.
func runWithQuit(ctx context.Context, quit *quitHooks, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	// Log lines, progress and an --exec'd service's output share stderr from
	// several goroutines.
	e := &env{getenv: getenv, stdout: stdout, stderr: &lockedWriter{w: stderr}, quit: quit}
	root := &cobra.Command{
		Use:   "fanbench",
		Short: "Measure ways of sending one request to two APIs",
		Long: strings.TrimSpace(`
fanbench measures the ways of sending one user request to two APIs —
sequential, errgroup (concurrent), queue (NATS JetStream) and gateway —
under open-loop load against mock APIs that inject latency, errors, 429s and
connection faults. It reports latency (corrected for coordinated omission),
throughput and what was delivered, lost or applied twice.`),
		SilenceUsage:               true,
		SilenceErrors:              true,
		SuggestionsMinimumDistance: 2, // cobra's default, which it sets only on its own path
		// Runnable, so that cobra checks its arguments through Args (an
		// unknown command) instead of failing inside Find.
		Args: unknownCommand,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usageError("%v\nsee '%s --help'", err, c.CommandPath())
	})
	root.AddCommand(
		newRunCmd(e),
		newSweepCmd(e),
		newWorkerCmd(e),
		newServeCmd(e),
		newValidateCmd(e),
		newScenariosCmd(e),
		newMockCmd(e),
		newGatewayCmd(e),
		newReportCmd(e),
		newCompareCmd(e),
		newVersionCmd(e),
	)
	usageArgs(root)
	return root.ExecuteContext(ctx)
}

// usageArgs makes the argument check of c and of every command below it
// return a usage error (exit 2) that points at the command's help, so
// that no error of cobra's has to be recognised by its text. (Flag errors
// take the same way through SetFlagErrorFunc.)
func usageArgs(c *cobra.Command) {
	if check := c.Args; check != nil {
		c.Args = func(cmd *cobra.Command, args []string) error {
			err := check(cmd, args)
			var ee *exitError
			if err == nil || errors.As(err, &ee) {
				return err
			}
			return usageError("%v\nsee '%s --help'", err, cmd.CommandPath())
		}
	}
	for _, sub := range c.Commands() {
		usageArgs(sub)
	}
}

// unknownCommand is the root's argument check: any argument is a command
// it does not have.
func unknownCommand(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	msg := fmt.Sprintf("unknown command %q for %q", args[0], cmd.CommandPath())
	if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
		msg += "; did you mean " + strings.Join(s, " or ") + "?"
	}
	return usageError("%s\nsee '%s --help'", msg, cmd.CommandPath())
}

// scenarioFlag returns the argument check of a command that takes no
// arguments but a scenario through flag: a word given alone is most
// likely meant for it (`fanbench run flaky`).
func scenarioFlag(flag string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) == 0 {
			return nil
		}
		return usageError("%s takes no arguments; got %q: did you mean %s %s?", cmd.CommandPath(), args[0], flag, args[0])
	}
}

func newVersionCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the fanbench version",
		Example: examples(`
  fanbench version`),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			_, err := io.WriteString(e.stdout, "fanbench "+version+"\n")
			return err
		},
	}
}

// lockedWriter serialises writes to w.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// examples formats a command's Examples block: cobra prints it as given,
// so every line, the first included, keeps its indentation; only the
// blank lines around the block go.
func examples(s string) string { return strings.Trim(s, "\n") }

// allowSaturated reports whether saturated runs are judged anyway: the
// --allow-saturated flag or FANBENCH_ALLOW_SATURATED=1.
func (e *env) allowSaturated(flag bool) bool {
	return flag || e.getenv("FANBENCH_ALLOW_SATURATED") == "1"
}
