// Command fanbench measures ways of sending one user request to two APIs —
// sequential, errgroup, queue, gateway — against mock APIs that inject
// latency, errors and faults, and reports latency, throughput and delivery.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, cancel := context.WithCancelCause(context.Background())
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	quit := &quitHooks{}
	go func() {
		s := <-sigs
		// Each command says what stopping means for it (run writes what
		// was measured, gateway drains what it accepted).
		fmt.Fprintf(os.Stderr, "\nfanbench: %v: stopping (again to quit at once)\n", s)
		cancel(errors.New("interrupted by " + s.String()))
		<-sigs
		fmt.Fprintln(os.Stderr, "fanbench: interrupted twice, quitting at once")
		quit.run()
		os.Exit(exitInterrupted)
	}()
	if _, err := raiseFDLimit(); err != nil {
		// Not fatal: the engine sizes its in-flight cap from whatever the limit is.
		fmt.Fprintf(os.Stderr, "fanbench: could not raise the open-file limit: %v\n", err)
	}
	err := runWithQuit(ctx, quit, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	os.Exit(exitCode(err, os.Stderr))
}
