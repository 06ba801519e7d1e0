package main

import (
	"errors"
	"fmt"
	"io"
)

// Exit codes of fanbench (the contract CI scripts rely on).
const (
	exitOK          = 0
	exitFailed      = 1 // the run failed
	exitUsage       = 2 // bad usage or bad scenario
	exitSLO         = 3 // an SLO was violated
	exitSaturated   = 4 // the harness itself was saturated: results written, SLOs inconclusive
	exitInterrupted = 130
)

// exitError carries an exit code with an optional message.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

func usageError(format string, args ...any) error {
	return &exitError{code: exitUsage, err: fmt.Errorf(format, args...)}
}

func withCode(code int, err error) error { return &exitError{code: code, err: err} }

// exitCode prints err (if it has a message) and returns the process exit code.
func exitCode(err error, stderr io.Writer) int {
	if err == nil {
		return exitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintln(stderr, "fanbench:", ee.err)
		}
		return ee.code
	}
	fmt.Fprintln(stderr, "fanbench:", err)
	return exitFailed
}
