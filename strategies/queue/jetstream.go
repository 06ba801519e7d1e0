package queue

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/fanbench/fanbench/strategies"
)

// dedupWindow is how long JetStream remembers a message id to drop a
// second publish of it (its default, made explicit).
const dedupWindow = 2 * time.Minute

// jsStoreFailed is the JetStream error code of a refused store; a stream
// at its MaxMsgs with DiscardNew answers it with "maximum messages exceeded".
const jsStoreFailed = 10077

// jetStream is the NATS JetStream broker. A run has one stream with
// interest retention, so a message stays until both consumers have settled
// it, and one durable pull consumer per API without a subject filter, so
// each gets every message. Dead letters go to a second stream with limits
// retention, kept until Close deletes both. Both streams are bounded
// (MaxMessages, twice that for the dead letters of two APIs) and refuse a
// publish when full (DiscardNew) rather than drop what they hold.
type jetStream struct {
	cfg       brokerConfig
	where     string // the URL, or "embedded NATS server", for errors
	nc        *nats.Conn
	js        jetstream.JetStream
	srv       *embedded // nil for an external server
	subject   string    // sends are published here
	dlq       string    // dead-letter stream
	consumers map[string]jetstream.Consumer
	created   []string // streams this run created, and so deletes
}

var _ broker = (*jetStream)(nil)

// openEmbeddedJetStream starts an embedded server and opens the run on it.
func openEmbeddedJetStream(ctx context.Context, cfg brokerConfig) (*jetStream, error) {
	srv, err := startEmbedded(ctx, cfg.StoreLabel, cfg.Logf)
	if err != nil {
		return nil, err
	}
	nc, err := nats.Connect("", nats.InProcessServer(srv), nats.Name("fanbench queue"), nats.NoCallbacksAfterClientClose(),
		// While a restart keeps the server down, try again often and
		// forever; publishes and acks wait in the client's buffer.
		nats.MaxReconnects(-1), nats.ReconnectWait(embeddedReconnectWait),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
			cfg.Logf("queue: embedded NATS server: %v", err) // not the client's default, stderr
		}))
	if err != nil {
		return nil, errors.Join(fmt.Errorf("%w embedded NATS server: %w", ErrConnect, err), srv.shutdown())
	}
	return openJetStream(ctx, nc, srv, "embedded NATS server", cfg)
}

// openExternalJetStream connects to the server at url and opens the run there.
func openExternalJetStream(ctx context.Context, url string, cfg brokerConfig) (*jetStream, error) {
	nc, err := connectExternal(url, cfg.Logf)
	if err != nil {
		return nil, err
	}
	return openJetStream(ctx, nc, nil, url, cfg)
}

// openJetStream creates the run's streams and consumers over nc. On error
// it deletes what it created and releases nc and srv.
func openJetStream(ctx context.Context, nc *nats.Conn, srv *embedded, where string, cfg brokerConfig) (*jetStream, error) {
	j := &jetStream{
		cfg:       cfg,
		where:     where,
		nc:        nc,
		srv:       srv,
		subject:   cfg.Name + ".send",
		dlq:       cfg.Name + DeadLetterSuffix,
		consumers: make(map[string]jetstream.Consumer, 2),
	}
	if err := j.setUp(ctx); err != nil {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), closeTimeout)
		defer cancel()
		return nil, errors.Join(err, j.Close(cctx))
	}
	return j, nil
}

// setUp checks JetStream is there and creates the streams and consumers.
func (j *jetStream) setUp(ctx context.Context) error {
	js, err := jetstream.New(j.nc)
	if err != nil {
		return fmt.Errorf("queue: %s: %w", j.where, err)
	}
	j.js = js
	if _, err := js.AccountInfo(ctx); err != nil {
		if errors.Is(err, jetstream.ErrJetStreamNotEnabled) || errors.Is(err, jetstream.ErrJetStreamNotEnabledForAccount) {
			return fmt.Errorf("queue: %s: JetStream is not enabled; restart the server with -js: %w", j.where, err)
		}
		return fmt.Errorf("queue: %s: JetStream account info: %w", j.where, err)
	}
	for _, name := range []string{j.cfg.Name, j.dlq} {
		switch _, err := js.Stream(ctx, name); {
		case err == nil:
			return fmt.Errorf("%w: %q on %s; choose another stream name or delete it", ErrStreamExists, name, j.where)
		case !errors.Is(err, jetstream.ErrStreamNotFound):
			return fmt.Errorf("queue: %s: look up stream %q: %w", j.where, name, err)
		}
	}
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{
		Name:        j.cfg.Name,
		Description: "fanbench queue strategy: one message per send, kept until both APIs' consumers settle it",
		Subjects:    []string{j.subject},
		Retention:   jetstream.InterestPolicy,
		Storage:     jetstream.FileStorage,
		Duplicates:  dedupWindow,
		MaxMsgs:     int64(j.cfg.MaxMessages),
		Discard:     jetstream.DiscardNew,
	}); err != nil {
		return fmt.Errorf("queue: %s: create stream %q: %w", j.where, j.cfg.Name, err)
	}
	j.created = append(j.created, j.cfg.Name)
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{
		Name:        j.dlq,
		Description: "fanbench queue strategy: sends an API's consumer gave up on",
		Subjects:    []string{j.dlq + ".>"},
		Retention:   jetstream.LimitsPolicy,
		Storage:     jetstream.FileStorage,
		Duplicates:  dedupWindow,
		MaxMsgs:     2 * int64(j.cfg.MaxMessages),
		Discard:     jetstream.DiscardNew,
	}); err != nil {
		return fmt.Errorf("queue: %s: create dead-letter stream %q: %w", j.where, j.dlq, err)
	}
	j.created = append(j.created, j.dlq)
	for _, api := range j.cfg.APIs {
		c, err := js.CreateConsumer(ctx, j.cfg.Name, jetstream.ConsumerConfig{
			Durable:       api,
			Description:   "fanbench queue strategy: delivers every send to API " + api,
			DeliverPolicy: jetstream.DeliverAllPolicy,
			AckPolicy:     jetstream.AckExplicitPolicy,
			AckWait:       j.cfg.AckWait,
			// The consumer decides when to give up (and dead-letters
			// then), so the broker never drops a message by itself.
			MaxDeliver:    -1,
			MaxAckPending: j.cfg.MaxAckPending,
		})
		if err != nil {
			return fmt.Errorf("queue: %s: create consumer %q on %q: %w", j.where, api, j.cfg.Name, err)
		}
		j.consumers[api] = c
	}
	return nil
}

// Publish implements broker.
func (j *jetStream) Publish(ctx context.Context, s strategies.Send) (bool, error) {
	ack, err := j.js.Publish(ctx, j.subject, s.Body, jetstream.WithMsgID(s.ID))
	if err != nil {
		var apiErr *jetstream.APIError
		if errors.As(err, &apiErr) && apiErr.ErrorCode == jsStoreFailed && apiErr.Description == "maximum messages exceeded" {
			return false, fmt.Errorf("%w: stream %q holds %d messages: %w", ErrFull, j.cfg.Name, j.cfg.MaxMessages, err)
		}
		return false, err
	}
	return ack.Duplicate, nil
}

// Subscribe implements broker.
func (j *jetStream) Subscribe(_ context.Context, api string, prefetch int) (subscription, error) {
	c, ok := j.consumers[api]
	if !ok {
		return nil, fmt.Errorf("queue: %s: no consumer for API %q", j.where, api)
	}
	it, err := c.Messages(
		jetstream.PullMaxMessages(prefetch),
		// A missed heartbeat is not the end: the iterator pulls again.
		jetstream.WithMessagesErrOnMissingHeartbeat(false),
	)
	if err != nil {
		return nil, fmt.Errorf("queue: %s: consume %q for API %q: %w", j.where, j.cfg.Name, api, err)
	}
	return &jetStreamSub{it: it, logf: j.cfg.Logf}, nil
}

// DeadLetter implements broker: the original body, with headers naming
// the API and the last failure, on subject <stream>_DLQ.<api>.
func (j *jetStream) DeadLetter(ctx context.Context, dl deadLetter) (bool, error) {
	m := nats.NewMsg(j.dlq + "." + dl.API)
	m.Data = dl.Send.Body
	for _, h := range dl.headers() {
		m.Header.Set(h[0], h[1])
	}
	ack, err := j.js.PublishMsg(ctx, m, jetstream.WithMsgID(dl.dedupID()))
	if err != nil {
		return false, err
	}
	return ack.Duplicate, nil
}

// Pending implements broker: the consumer's undelivered plus unacked
// messages (a message waiting for a delayed redelivery is unacked).
func (j *jetStream) Pending(ctx context.Context, api string) (int, error) {
	c, ok := j.consumers[api]
	if !ok {
		return 0, fmt.Errorf("queue: %s: no consumer for API %q", j.where, api)
	}
	info, err := c.Info(ctx)
	if err != nil {
		return 0, fmt.Errorf("queue: %s: consumer %q info: %w", j.where, api, err)
	}
	return int(info.NumPending) + info.NumAckPending, nil
}

// Up implements broker.
func (j *jetStream) Up() bool { return j.nc.IsConnected() }

// Restart implements restarter for the embedded server: the client
// reconnects by itself once the server is back, and the streams and
// consumers come back from the file store.
func (j *jetStream) Restart(ctx context.Context, down time.Duration) error {
	if j.srv == nil {
		return fmt.Errorf("queue: %s is not embedded; fanbench cannot restart it (give the scenario's queue stop: and start: commands)", j.where)
	}
	return j.srv.restart(ctx, down)
}

// Close implements broker: it deletes the streams the run created (their
// consumers go with them; a stream it refused to adopt is left alone),
// closes the connection and shuts the embedded server down.
func (j *jetStream) Close(ctx context.Context) error {
	var errs []error
	if !j.nc.IsClosed() {
		for _, name := range j.created {
			err := j.js.DeleteStream(ctx, name)
			if err != nil && !errors.Is(err, jetstream.ErrStreamNotFound) {
				errs = append(errs, fmt.Errorf("queue: %s: delete stream %q: %w", j.where, name, err))
			}
		}
	}
	j.nc.Close()
	if j.srv != nil {
		errs = append(errs, j.srv.shutdown())
	}
	return errors.Join(errs...)
}

// jetStreamSub is a subscription over a JetStream pull iterator.
type jetStreamSub struct {
	it   jetstream.MessagesContext
	logf func(string, ...any)
}

var _ subscription = (*jetStreamSub)(nil)

// Next implements subscription.
func (s *jetStreamSub) Next(ctx context.Context) (delivery, error) {
	for {
		m, err := s.it.Next(jetstream.NextContext(ctx))
		if err != nil {
			return delivery{}, err
		}
		md, err := m.Metadata()
		if err != nil {
			// Without the delivery count the consumer cannot tell when to
			// give up; a message the server cannot describe is not ours.
			s.logf("queue: drop a message with unreadable metadata (%v): subject %q", err, m.Subject())
			_ = m.Term()
			continue
		}
		id := m.Headers().Get(jetstream.MsgIDHeader)
		return delivery{
			Send:    strategies.Send{ID: id, Body: m.Data()},
			Attempt: int(md.NumDelivered),
			verdict: m,
		}, nil
	}
}

// Stop implements subscription.
func (s *jetStreamSub) Stop() { s.it.Stop() }
