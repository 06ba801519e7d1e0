package main

import (
	"context"
	"errors"
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
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usageError("%v\nsee '%s --help'", err, c.CommandPath())
	})
	root.AddCommand(
		newRunCmd(e),
		newValidateCmd(e),
		newScenariosCmd(e),
		newMockCmd(e),
		newGatewayCmd(e),
		newReportCmd(e),
		newCompareCmd(e),
		newVersionCmd(e),
	)
	err := root.ExecuteContext(ctx)
	var ee *exitError
	if err != nil && !errors.As(err, &ee) && isCobraUsage(err) {
		return usageError("%v\nsee 'fanbench --help'", err)
	}
	return err
}

// isCobraUsage reports errors cobra makes for unknown commands or bad arguments.
func isCobraUsage(err error) bool {
	msg := err.Error()
	return strings.HasPrefix(msg, "unknown command") || strings.HasPrefix(msg, "accepts ") ||
		strings.HasPrefix(msg, "requires ") || strings.Contains(msg, "unknown flag") ||
		strings.Contains(msg, "unknown shorthand flag")
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
