package queue

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"time"
)

// commandTimeout bounds each of the stop and start commands of an
// external broker.
const commandTimeout = time.Minute

// restartExternal runs stop, waits down (or until ctx ends) and runs
// start: the scenario's way of restarting a broker fanbench does not own.
// start runs even when ctx ended during the wait, so the broker is never
// left stopped.
func restartExternal(ctx context.Context, stop, start, url string, down time.Duration) error {
	if stop == "" || start == "" {
		return fmt.Errorf("queue: restart the broker at %s: no stop and start commands; give queue: {stop: ..., start: ...} in the scenario (e.g. rabbitmqctl stop_app / rabbitmqctl start_app)", url)
	}
	if err := runCommand(ctx, "stop", stop); err != nil {
		return err
	}
	t := time.NewTimer(down)
	select {
	case <-t.C:
	case <-ctx.Done():
		t.Stop()
	}
	return runCommand(context.WithoutCancel(ctx), "start", start)
}

// runCommand runs a shell command, bounded by commandTimeout, and returns
// an error with its output when it fails.
func runCommand(ctx context.Context, what, command string) error {
	ctx, cancel := context.WithTimeout(ctx, commandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "sh", "-c", command)
	out, err := cmd.CombinedOutput()
	if err != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			err = fmt.Errorf("%w after %v", err, commandTimeout)
		}
		return fmt.Errorf("queue: broker %s command %q: %w: %s", what, command, err, strings.TrimSpace(string(out)))
	}
	return nil
}
