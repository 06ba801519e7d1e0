package queue

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
)

// dialTimeout bounds each dial of an external broker, so an unreachable or
// black-holed address fails New in seconds rather than hanging.
const dialTimeout = 2 * time.Second

// dialer is nats.go's dialer with a memory: nats.Connect reports every
// failed dial as "no servers available", and the error it swallowed
// ("connection refused", "i/o timeout", "no such host") is the one a
// person needs to see.
type dialer struct {
	d    net.Dialer
	mu   sync.Mutex
	last error
}

var _ nats.CustomDialer = (*dialer)(nil)

// Dial implements nats.CustomDialer.
func (d *dialer) Dial(network, address string) (net.Conn, error) {
	c, err := d.d.Dial(network, address)
	if err != nil {
		d.mu.Lock()
		d.last = err
		d.mu.Unlock()
	}
	return c, err
}

// lastErr returns the last dial error, if any.
func (d *dialer) lastErr() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.last
}

// connectExternal connects to the NATS server at url, failing within
// about dialTimeout with an error that names url, says what went wrong
// and what would work.
func connectExternal(url string, logf func(string, ...any)) (*nats.Conn, error) {
	d := &dialer{d: net.Dialer{Timeout: dialTimeout}}
	nc, err := nats.Connect(url,
		nats.Name("fanbench queue"),
		nats.Timeout(dialTimeout),
		nats.SetCustomDialer(d),
		nats.NoCallbacksAfterClientClose(),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
			logf("queue: nats %s: %v", url, err)
		}),
	)
	if err == nil {
		return nc, nil
	}
	if errors.Is(err, nats.ErrNoServers) {
		if de := d.lastErr(); de != nil {
			err = de
		}
	}
	return nil, fmt.Errorf("%w %s: %w; start a NATS server with JetStream (nats-server -js) there, or leave the broker URL empty to use the embedded one",
		ErrConnect, url, err)
}

// redact returns rawURL with any password replaced by "xxxxx", for
// messages.
func redact(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}
