package distributed

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/fanbench/fanbench/bench"
)

// sut is the system under test of one strategy: on the serve host
// (remote), or in the coordinator's process.
type sut struct {
	c        *coordinator
	strategy string
	remote   *member
	local    *bench.Host
	url      string
	offset   time.Duration // the host's clock − the coordinator's
	lost     bool          // the serve host stopped answering: nothing to tear down
}

// setUp starts the strategy's mock APIs and front.
func (c *coordinator) setUp(ctx context.Context, strategy string) (*sut, error) {
	h := &sut{c: c, strategy: strategy, remote: c.serve}
	if h.remote == nil {
		local, err := bench.StartHost(ctx, c.sc, strategy, bench.Options{FrontListen: c.opt.Listen, BrokerURL: c.opt.BrokerURL, Logf: c.opt.Logf})
		if err != nil {
			return nil, err
		}
		h.local, h.url = local, local.URL()
		return h, nil
	}
	h.offset = h.remote.offset
	r, err := h.request("setup", Setup{Strategy: strategy}, 30*time.Second)
	if err != nil {
		return nil, err
	}
	h.url = r.URL
	return h, nil
}

// request asks the serve host; no answer means it is gone.
func (h *sut) request(what string, req any, timeout time.Duration) (Reply, error) {
	r, err := request(h.c.nc, h.c.subj.of(what, h.remote.Name), req, timeout)
	if errors.Is(err, nats.ErrTimeout) || errors.Is(err, nats.ErrNoResponders) {
		h.lost = true
		return r, fmt.Errorf("%w: serve host %s on %s did not answer %s for %s: %w",
			ErrServeLost, h.remote.Name, h.remote.Host, what, h.strategy, err)
	}
	if err != nil {
		return r, fmt.Errorf("serve host %s: %w", h.remote.Name, err)
	}
	return r, nil
}

// begin starts the fault phases for a schedule starting at start
// (coordinator's clock).
func (h *sut) begin(ctx context.Context, start time.Time) error {
	if h.local != nil {
		h.local.Begin(ctx, start)
		return nil
	}
	_, err := h.request("begin", Begin{Strategy: h.strategy, Start: start.Add(h.offset).UnixNano()}, 5*time.Second)
	return err
}

// settle drains and reconciles the sends.
func (h *sut) settle(ctx context.Context, s bench.Sends) (*bench.Settled, error) {
	if h.local != nil {
		return h.local.Settle(ctx, s)
	}
	b, err := json.Marshal(s)
	if err != nil {
		return nil, err
	}
	name := h.strategy + "/sends.json"
	if _, err := h.c.obs.PutBytes(ctx, name, b); err != nil {
		return nil, fmt.Errorf("store %s: %w", name, err)
	}
	r, err := h.request("settle", Settle{Strategy: h.strategy, Object: name}, h.c.sc.DrainTimeout+time.Minute)
	if err != nil {
		return nil, err
	}
	out, err := h.c.obs.GetBytes(ctx, r.Object)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", r.Object, err)
	}
	var settled bench.Settled
	if err := json.Unmarshal(out, &settled); err != nil {
		return nil, fmt.Errorf("decode %s: %w", r.Object, err)
	}
	return &settled, nil
}

// tearDown stops the strategy and its mocks.
func (h *sut) tearDown() error {
	if h.local != nil {
		return h.local.Close()
	}
	if h.lost {
		return nil
	}
	_, err := h.request("teardown", Setup{Strategy: h.strategy}, 30*time.Second)
	return err
}
