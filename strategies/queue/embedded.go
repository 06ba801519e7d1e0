package queue

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// embeddedReady bounds the wait for the embedded server to start, when
// the caller's ctx allows longer.
const embeddedReady = 10 * time.Second

// embeddedMaxPayload lets a send of the front's largest body (1 MiB) plus
// headers through; the NATS default is exactly 1 MiB.
const embeddedMaxPayload = 2 << 20

// embedded is a NATS server with JetStream running inside this process. It
// opens no listener (its clients connect in-process), logs nothing, and
// keeps its file store in a temporary directory that shutdown removes.
type embedded struct {
	ns  *server.Server
	dir string
}

// startEmbedded starts an embedded server and waits until it accepts
// connections.
func startEmbedded(ctx context.Context) (*embedded, error) {
	dir, err := os.MkdirTemp("", "fanbench-nats-*")
	if err != nil {
		return nil, fmt.Errorf("queue: embedded NATS server: store directory: %w", err)
	}
	ns, err := server.NewServer(&server.Options{
		ServerName: "fanbench-embedded",
		JetStream:  true,
		StoreDir:   dir,
		DontListen: true,
		NoSigs:     true,
		NoLog:      true,
		MaxPayload: embeddedMaxPayload,
	})
	if err != nil {
		return nil, errors.Join(fmt.Errorf("queue: embedded NATS server: %w", err), os.RemoveAll(dir))
	}
	e := &embedded{ns: ns, dir: dir}
	ns.Start() // returns at once; the server runs in its own goroutines
	wait := embeddedReady
	if dl, ok := ctx.Deadline(); ok {
		wait = min(wait, time.Until(dl))
	}
	if !ns.ReadyForConnections(wait) {
		return nil, errors.Join(fmt.Errorf("queue: embedded NATS server not ready after %v", wait), e.shutdown())
	}
	return e, nil
}

// shutdown stops the server, waits for its goroutines to end and removes
// its store.
func (e *embedded) shutdown() error {
	e.ns.Shutdown()
	e.ns.WaitForShutdown()
	if err := os.RemoveAll(e.dir); err != nil {
		return fmt.Errorf("queue: remove embedded NATS store: %w", err)
	}
	return nil
}
