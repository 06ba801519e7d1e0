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
	go func() {
		s := <-sigs
		fmt.Fprintf(os.Stderr, "\nfanbench: %v: stopping, writing what was measured (again to quit at once)\n", s)
		cancel(errors.New("interrupted by " + s.String()))
		<-sigs
		fmt.Fprintln(os.Stderr, "fanbench: interrupted twice, quitting without results")
		os.Exit(exitInterrupted)
	}()
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	os.Exit(exitCode(err, os.Stderr))
}
