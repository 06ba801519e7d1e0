package queue

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// embeddedReady bounds the wait for the embedded server to start, when
// the caller's ctx allows longer.
const embeddedReady = 10 * time.Second

// embeddedMaxPayload lets a send of the front's largest body (1 MiB) plus
// headers through; the NATS default is exactly 1 MiB.
const embeddedMaxPayload = 2 << 20

// embeddedReconnectWait is how often the client tries the embedded server
// again while a restart keeps it down.
const embeddedReconnectWait = 20 * time.Millisecond

// errEmbeddedDown is what a connection attempt gets while the embedded
// server is stopped for a restart.
var errEmbeddedDown = errors.New("queue: embedded NATS server is stopped for a restart")

// embedded is a NATS server with JetStream running inside this process. It
// opens no listener (its clients connect in-process), logs nothing, and
// keeps its file store in a temporary directory named after the run and
// its process (see store.go), which shutdown removes. Restart replaces the
// server with a new one over the same store; clients reconnect through
// InProcessConn, which always reaches the current one.
type embedded struct {
	dir  string
	opts server.Options

	mu sync.Mutex
	ns *server.Server // nil while stopped
}

// startEmbedded removes the stores of embedded servers whose process is
// gone, then starts an embedded server with a store named after label and
// waits until it accepts connections.
func startEmbedded(ctx context.Context, label string, logf func(string, ...any)) (*embedded, error) {
	tmp := os.TempDir()
	for _, dir := range removeStaleStores(tmp, logf) {
		logf("queue: removed the embedded NATS store %s of a run whose process is gone", dir)
	}
	dir, err := makeStoreDir(tmp, label)
	if err != nil {
		return nil, fmt.Errorf("queue: embedded NATS server: store directory: %w", err)
	}
	e := &embedded{dir: dir, opts: server.Options{
		ServerName: "fanbench-embedded",
		JetStream:  true,
		StoreDir:   dir,
		DontListen: true,
		NoSigs:     true,
		NoLog:      true,
		MaxPayload: embeddedMaxPayload,
	}}
	if err := e.start(ctx); err != nil {
		return nil, errors.Join(err, os.RemoveAll(dir))
	}
	return e, nil
}

// start starts a server over e's store and waits until it is ready.
func (e *embedded) start(ctx context.Context) error {
	opts := e.opts // the server keeps and changes its options
	ns, err := server.NewServer(&opts)
	if err != nil {
		return fmt.Errorf("queue: embedded NATS server: %w", err)
	}
	ns.Start() // returns at once; the server runs in its own goroutines
	wait := embeddedReady
	if dl, ok := ctx.Deadline(); ok {
		wait = min(wait, time.Until(dl))
	}
	if !ns.ReadyForConnections(wait) {
		ns.Shutdown()
		ns.WaitForShutdown()
		return fmt.Errorf("queue: embedded NATS server not ready after %v", wait)
	}
	e.mu.Lock()
	e.ns = ns
	e.mu.Unlock()
	return nil
}

// stop shuts the current server down, keeping its store.
func (e *embedded) stop() {
	e.mu.Lock()
	ns := e.ns
	e.ns = nil
	e.mu.Unlock()
	if ns != nil {
		ns.Shutdown()
		ns.WaitForShutdown()
	}
}

// InProcessConn implements nats.InProcessConnProvider: a connection to the
// current server, or an error while it is stopped (the client retries).
func (e *embedded) InProcessConn() (net.Conn, error) {
	e.mu.Lock()
	ns := e.ns
	e.mu.Unlock()
	if ns == nil {
		return nil, errEmbeddedDown
	}
	return ns.InProcessConn()
}

// restart stops the server, waits down (or until ctx ends), and starts a
// new one over the same store: everything the old one acknowledged (stored
// messages, consumers and their acks) is there again.
func (e *embedded) restart(ctx context.Context, down time.Duration) error {
	e.stop()
	t := time.NewTimer(down)
	select {
	case <-t.C:
	case <-ctx.Done():
		t.Stop()
	}
	// Start even when ctx has ended: a run must not be left without its
	// broker. The start is bounded by embeddedReady.
	if err := e.start(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("queue: restart the embedded NATS server: %w", err)
	}
	return nil
}

// shutdown stops the server, waits for its goroutines to end and removes
// its store.
func (e *embedded) shutdown() error {
	e.stop()
	if err := os.RemoveAll(e.dir); err != nil {
		return fmt.Errorf("queue: remove embedded NATS store: %w", err)
	}
	return nil
}
