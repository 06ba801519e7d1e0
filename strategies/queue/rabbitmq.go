package queue

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math/bits"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/fanbench/fanbench/strategies"
)

// rabbitReconnectWait is how often a lost connection is dialled again.
const rabbitReconnectWait = 100 * time.Millisecond

// headerAttempt carries a message's delivery attempt through the retry
// queues (RabbitMQ does not count deliveries across a republish).
const headerAttempt = "fanbench-attempt"

// errRabbitDown is what a publish meets while the connection is lost.
var errRabbitDown = errors.New("queue: RabbitMQ connection lost; reconnecting")

// rabbitMQ is the RabbitMQ broker. A run has a durable fanout exchange,
// <name>, bound to a durable quorum queue per API, <name>.<api>, bounded
// by MaxMessages with x-overflow reject-publish: a publish to a full queue
// is nacked, and the user gets 503. Every publish waits for the publisher
// confirm. Consumers ack manually.
//
// A failed attempt is redelivered after a delay through a delayed retry
// queue: the consumer republishes the message, its attempt header one
// higher, to <name>.<api>.retry.<ms>, a quorum queue whose x-message-ttl
// is <ms> and whose dead-letter target is the work queue; once that copy
// is confirmed it acks the original. RabbitMQ expires messages only at a
// queue's head, so each queue holds one delay: delays are rounded up to a
// tier (1, 2, 3, 4, 6, 8, 12 ... ms: at most 1.5 times the delay asked
// for), and a tier's queue is declared the first time it is used. The
// retry queues dead-letter at-least-once (x-dead-letter-strategy), so a
// message returning to a full work queue waits in its retry queue instead
// of being dropped. Dead letters go to a durable queue per API,
// <name>.<api>.dlq. Close deletes them all.
//
// RabbitMQ has no message deduplication: a send published twice is
// delivered twice (the APIs' Idempotency-Key absorbs it).
type rabbitMQ struct {
	cfg   brokerConfig
	url   string
	where string

	// pubMu serialises the use of pub: amqp091 can interleave the frames
	// of a publish with those of a declare on the same channel, which the
	// server refuses (UNEXPECTED_FRAME) by closing the connection.
	pubMu sync.Mutex

	mu       sync.Mutex
	conn     *amqp.Connection
	pub      *amqp.Channel // confirm mode; also declares retry queues
	ready    chan struct{} // closed while connected; replaced when the connection is lost
	retryQs  map[string]bool
	deadSent map[string]bool // api/id of stored dead letters
	// owns is set once declare found the run's name free: only then are
	// the queues and the exchange of that name this run's to delete (a
	// name already in use belongs to another run, whose messages stay).
	owns bool
	// closing is set (under mu) when Close begins.
	closing bool

	accepted atomic.Int64    // publishes confirmed (one message per API each)
	settled  [2]atomic.Int64 // per API: acked after a success, or dead-lettered
	handling [2]atomic.Int64 // per API: deliveries handed out, no verdict yet

	stop chan struct{}
	wg   sync.WaitGroup // the reconnect loop, and confirms awaited after their caller gave up
}

var _ broker = (*rabbitMQ)(nil)

// openRabbitMQ connects to the RabbitMQ server at rawURL and declares the
// run's exchange and queues. On error it deletes what it declared.
func openRabbitMQ(ctx context.Context, rawURL string, cfg brokerConfig) (*rabbitMQ, error) {
	r := &rabbitMQ{
		cfg: cfg, url: rawURL, where: redact(rawURL),
		retryQs: map[string]bool{}, deadSent: map[string]bool{},
		ready: make(chan struct{}), stop: make(chan struct{}),
	}
	if err := r.connect(); err != nil {
		return nil, fmt.Errorf("%w %s: %w; start a RabbitMQ server (3.10 or later) there", ErrConnect, r.where, err)
	}
	if err := r.declare(ctx); err != nil {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), closeTimeout)
		defer cancel()
		return nil, errors.Join(err, r.Close(cctx))
	}
	r.wg.Go(r.reconnectLoop)
	return r, nil
}

// connect dials the server and opens the publishing channel in confirm
// mode.
func (r *rabbitMQ) connect() error {
	conn, err := amqp.DialConfig(r.url, amqp.Config{
		Dial:       amqp.DefaultDial(dialTimeout),
		Heartbeat:  5 * time.Second,
		Properties: amqp.Table{"connection_name": "fanbench queue " + r.cfg.Name},
	})
	if err != nil {
		return err
	}
	ch, err := conn.Channel()
	if err == nil {
		err = ch.Confirm(false)
	}
	if err != nil {
		return errors.Join(err, conn.Close())
	}
	r.mu.Lock()
	r.conn, r.pub = conn, ch
	select {
	case <-r.ready:
	default:
		close(r.ready) // wakes whoever waits in session
	}
	r.mu.Unlock()
	return nil
}

// reconnectLoop waits for the connection to be lost and dials again every
// rabbitReconnectWait until it is back, until Close.
func (r *rabbitMQ) reconnectLoop() {
	for {
		r.mu.Lock()
		lost := r.conn.NotifyClose(make(chan *amqp.Error, 1))
		r.mu.Unlock()
		select {
		case <-r.stop:
			return
		case err, ok := <-lost:
			if ok {
				r.cfg.Logf("queue: %s: connection lost (%v); reconnecting", r.where, err)
			}
		}
		r.mu.Lock()
		r.ready = make(chan struct{}) // not connected until connect closes a new one
		r.mu.Unlock()
		for {
			if err := r.connect(); err == nil {
				r.cfg.Logf("queue: %s: reconnected", r.where)
				break
			}
			t := time.NewTimer(rabbitReconnectWait)
			select {
			case <-r.stop:
				t.Stop()
				return
			case <-t.C:
			}
		}
	}
}

// session returns the current connection and publishing channel, waiting
// for a reconnection until ctx ends.
func (r *rabbitMQ) session(ctx context.Context) (*amqp.Connection, *amqp.Channel, error) {
	for {
		r.mu.Lock()
		conn, pub, ready := r.conn, r.pub, r.ready
		r.mu.Unlock()
		select {
		case <-ready:
			if !conn.IsClosed() {
				return conn, pub, nil
			}
		default:
		}
		select {
		case <-ready:
			// A reconnection finished; look again. A connection lost but
			// not yet noticed by reconnectLoop makes this poll briefly.
			if conn.IsClosed() {
				t := time.NewTimer(rabbitReconnectWait / 4)
				select {
				case <-t.C:
				case <-ctx.Done():
					t.Stop()
					return nil, nil, fmt.Errorf("%w: %w", errRabbitDown, ctx.Err())
				}
			}
		case <-ctx.Done():
			return nil, nil, fmt.Errorf("%w: %w", errRabbitDown, ctx.Err())
		case <-r.stop:
			return nil, nil, ErrClosed
		}
	}
}

// workQueue, retryQueue and deadQueue name an API's queues.
func (r *rabbitMQ) workQueue(api string) string { return r.cfg.Name + "." + api }
func (r *rabbitMQ) retryQueue(api string, ms int64) string {
	return r.cfg.Name + "." + api + ".retry." + strconv.FormatInt(ms, 10)
}
func (r *rabbitMQ) deadQueue(api string) string { return r.cfg.Name + "." + api + ".dlq" }

// declare refuses a run name already in use, then declares the exchange,
// the work queues bound to it and the dead-letter queues.
func (r *rabbitMQ) declare(ctx context.Context) error {
	conn, pub, err := r.session(ctx)
	if err != nil {
		return err
	}
	// A passive declare of a missing queue closes its channel: use a spare.
	probe, err := conn.Channel()
	if err != nil {
		return fmt.Errorf("queue: %s: open a channel: %w", r.where, err)
	}
	defer probe.Close() // already closed by the server after a missing queue; the error says nothing then
	_, err = probe.QueueDeclarePassive(r.workQueue(r.cfg.APIs[0]), true, false, false, false, nil)
	if err == nil {
		return fmt.Errorf("%w: queue %q on %s; choose another stream name or delete it", ErrStreamExists, r.workQueue(r.cfg.APIs[0]), r.where)
	}
	r.mu.Lock()
	r.owns = true
	r.mu.Unlock()
	if err := pub.ExchangeDeclare(r.cfg.Name, amqp.ExchangeFanout, true, false, false, false, nil); err != nil {
		return fmt.Errorf("queue: %s: declare exchange %q: %w", r.where, r.cfg.Name, err)
	}
	for _, api := range r.cfg.APIs {
		for _, q := range []string{r.workQueue(api), r.deadQueue(api)} {
			if _, err := pub.QueueDeclare(q, true, false, false, false, r.queueArgs(nil)); err != nil {
				return fmt.Errorf("queue: %s: declare queue %q: %w", r.where, q, err)
			}
		}
		if err := pub.QueueBind(r.workQueue(api), "", r.cfg.Name, false, nil); err != nil {
			return fmt.Errorf("queue: %s: bind queue %q to %q: %w", r.where, r.workQueue(api), r.cfg.Name, err)
		}
	}
	return nil
}

// queueArgs returns the arguments of every queue of the run, a durable
// quorum queue bounded by MaxMessages that refuses publishes when full,
// with extra's added.
func (r *rabbitMQ) queueArgs(extra amqp.Table) amqp.Table {
	args := amqp.Table{
		"x-queue-type": "quorum",
		"x-max-length": int64(r.cfg.MaxMessages),
		"x-overflow":   "reject-publish",
	}
	maps.Copy(args, extra)
	return args
}

// publish sends msg and waits for its confirm: nil once the broker has it.
// When ctx ends first and lateAck is set, lateAck runs if the confirm still
// comes (before Close).
func (r *rabbitMQ) publish(ctx context.Context, exchange, key string, msg amqp.Publishing, lateAck func()) error {
	_, pub, err := r.session(ctx)
	if err != nil {
		return err
	}
	r.pubMu.Lock()
	dc, err := pub.PublishWithDeferredConfirmWithContext(ctx, exchange, key, false, false, msg)
	r.pubMu.Unlock()
	if err != nil {
		return fmt.Errorf("queue: %s: publish: %w", r.where, err)
	}
	acked, err := dc.WaitContext(ctx)
	switch {
	case err != nil:
		if lateAck != nil {
			r.mu.Lock()
			if !r.closing { // Close waits for r.wg: no Add once it began
				r.wg.Go(func() {
					select {
					case <-dc.Done():
						if dc.Acked() {
							lateAck()
						}
					case <-r.stop:
					}
				})
			}
			r.mu.Unlock()
		}
		return fmt.Errorf("queue: %s: wait for the publisher confirm: %w", r.where, err)
	case acked:
		return nil
	case pub.IsClosed():
		return errRabbitDown // a closing channel nacks what it had not confirmed
	}
	return fmt.Errorf("%w: %s refused the message (a queue holds %d)", ErrFull, r.where, r.cfg.MaxMessages)
}

// Publish implements broker. RabbitMQ cannot tell a duplicate.
func (r *rabbitMQ) Publish(ctx context.Context, s strategies.Send) (bool, error) {
	err := r.publish(ctx, r.cfg.Name, "", amqp.Publishing{
		DeliveryMode: amqp.Persistent,
		MessageId:    s.ID,
		Headers:      amqp.Table{headerAttempt: int32(1)},
		Body:         s.Body,
	}, func() {
		// The user gave up waiting, but the message is on the broker and
		// will be delivered: it counts as accepted, or Pending would
		// undercount (the ledgers will show it delivered although the
		// user was told it failed, which reconciliation reports).
		r.accepted.Add(1)
	})
	if err != nil {
		return false, err
	}
	r.accepted.Add(1)
	return false, nil
}

// Subscribe implements broker.
func (r *rabbitMQ) Subscribe(ctx context.Context, api string, prefetch int) (subscription, error) {
	i := 0
	if api == r.cfg.APIs[1] {
		i = 1
	}
	s := &rabbitSub{r: r, api: api, idx: i, prefetch: prefetch, stop: make(chan struct{})}
	if err := s.consume(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// DeadLetter implements broker: the body with the dead letter's headers
// in <name>.<api>.dlq. A dead letter this process already stored for the
// API and id is a duplicate.
func (r *rabbitMQ) DeadLetter(ctx context.Context, dl deadLetter) (bool, error) {
	key := dl.dedupID()
	r.mu.Lock()
	dup := r.deadSent[key]
	r.mu.Unlock()
	if dup {
		return true, nil
	}
	h := amqp.Table{}
	for _, kv := range dl.headers() {
		h[kv[0]] = kv[1]
	}
	err := r.publish(ctx, "", r.deadQueue(dl.API), amqp.Publishing{
		DeliveryMode: amqp.Persistent, MessageId: dl.Send.ID, Headers: h, Body: dl.Send.Body,
	}, nil)
	if err != nil {
		return false, err
	}
	r.mu.Lock()
	r.deadSent[key] = true
	r.mu.Unlock()
	return false, nil
}

// Pending implements broker: messages confirmed to the run and not yet
// acked after a success or dead-lettered by api's consumer, as the run
// counts them, since RabbitMQ's counts miss a message being dead-lettered
// from a retry queue back to the work queue. An ack written just before
// the connection was lost may count a message settled that comes back:
// so when the run's count is 0, the broker's is asked too (ready in the
// work and retry queues, plus deliveries being handled).
func (r *rabbitMQ) Pending(ctx context.Context, api string) (int, error) {
	i := slices.Index(r.cfg.APIs[:], api)
	if i < 0 {
		return 0, fmt.Errorf("queue: %s: no queue for API %q", r.where, api)
	}
	if n := r.accepted.Load() - r.settled[i].Load(); n > 0 {
		return int(n), nil
	}
	_, pub, err := r.session(ctx)
	if err != nil {
		return 0, err
	}
	queues := []string{r.workQueue(api)}
	r.mu.Lock()
	for q := range r.retryQs {
		if strings.HasPrefix(q, r.workQueue(api)+".retry.") {
			queues = append(queues, q)
		}
	}
	r.mu.Unlock()
	n := int(r.handling[i].Load())
	for _, q := range queues {
		r.pubMu.Lock()
		st, err := pub.QueueDeclarePassive(q, true, false, false, false, nil)
		r.pubMu.Unlock()
		if err != nil {
			return 0, fmt.Errorf("queue: %s: count queue %q: %w", r.where, q, err)
		}
		n += st.Messages
	}
	return n, nil
}

// Up implements broker.
func (r *rabbitMQ) Up() bool {
	r.mu.Lock()
	conn, ready := r.conn, r.ready
	r.mu.Unlock()
	select {
	case <-ready:
		return !conn.IsClosed()
	default:
		return false
	}
}

// Close implements broker: it deletes the run's queues and exchange and
// closes the connection.
func (r *rabbitMQ) Close(ctx context.Context) error {
	var errs []error
	r.mu.Lock()
	owns := r.owns
	r.mu.Unlock()
	// A name already in use when declare ran is another run's: leave it.
	if owns {
		if _, pub, err := r.session(ctx); err != nil {
			errs = append(errs, fmt.Errorf("queue: %s: cannot delete the run's queues: %w", r.where, err))
		} else {
			r.mu.Lock()
			var queues []string
			for q := range r.retryQs {
				queues = append(queues, q)
			}
			r.mu.Unlock()
			for _, api := range r.cfg.APIs {
				queues = append(queues, r.workQueue(api), r.deadQueue(api))
			}
			for _, q := range queues {
				if _, err := pub.QueueDelete(q, false, false, false); err != nil {
					errs = append(errs, fmt.Errorf("queue: %s: delete queue %q: %w", r.where, q, err))
					if pub.IsClosed() {
						break
					}
				}
			}
			if !pub.IsClosed() {
				if err := pub.ExchangeDelete(r.cfg.Name, false, false); err != nil {
					errs = append(errs, fmt.Errorf("queue: %s: delete exchange %q: %w", r.where, r.cfg.Name, err))
				}
			}
		}
	}
	r.mu.Lock()
	r.closing = true
	r.mu.Unlock()
	close(r.stop)
	r.wg.Wait()
	r.mu.Lock()
	conn := r.conn
	r.mu.Unlock()
	if conn != nil && !conn.IsClosed() {
		if err := conn.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// retryTier returns the delay tier for d in milliseconds: the smallest of
// 1, 2, 3, 4, 6, 8, 12, ... (2^k and 3·2^(k-1)) that is at least d.
func retryTier(d time.Duration) int64 {
	ms := int64(max((d+time.Millisecond-1)/time.Millisecond, 1))
	p := int64(1) << (63 - bits.LeadingZeros64(uint64(ms))) // 2^k ≤ ms
	switch {
	case ms == p:
		return ms
	case ms <= p+p/2:
		return p + p/2
	}
	return 2 * p
}

// retryQueueFor declares (once) api's retry queue for the delay tier ms.
func (r *rabbitMQ) retryQueueFor(ctx context.Context, api string, ms int64) (string, error) {
	q := r.retryQueue(api, ms)
	r.mu.Lock()
	done := r.retryQs[q]
	r.mu.Unlock()
	if done {
		return q, nil
	}
	_, pub, err := r.session(ctx)
	if err != nil {
		return "", err
	}
	r.pubMu.Lock()
	defer r.pubMu.Unlock()
	if _, err := pub.QueueDeclare(q, true, false, false, false, r.queueArgs(amqp.Table{
		"x-message-ttl":             ms,
		"x-dead-letter-exchange":    "",
		"x-dead-letter-routing-key": r.workQueue(api),
		"x-dead-letter-strategy":    "at-least-once",
	})); err != nil {
		return "", fmt.Errorf("queue: %s: declare retry queue %q: %w", r.where, q, err)
	}
	r.mu.Lock()
	r.retryQs[q] = true
	r.mu.Unlock()
	return q, nil
}

// rabbitSub consumes one API's work queue on a channel of its own,
// re-consuming after a reconnection.
type rabbitSub struct {
	r        *rabbitMQ
	api      string
	idx      int
	prefetch int

	mu       sync.Mutex
	ch       *amqp.Channel
	msgs     <-chan amqp.Delivery
	stopOnce sync.Once
	stop     chan struct{}
}

var _ subscription = (*rabbitSub)(nil)

// consume opens a channel with prefetch and starts consuming.
func (s *rabbitSub) consume(ctx context.Context) error {
	conn, _, err := s.r.session(ctx)
	if err != nil {
		return err
	}
	ch, err := conn.Channel()
	if err != nil {
		return fmt.Errorf("queue: %s: open a channel for %s: %w", s.r.where, s.api, err)
	}
	if err := ch.Qos(s.prefetch, 0, false); err != nil {
		ch.Close()
		return fmt.Errorf("queue: %s: prefetch for %s: %w", s.r.where, s.api, err)
	}
	msgs, err := ch.Consume(s.r.workQueue(s.api), "", false, false, false, false, nil)
	if err != nil {
		ch.Close()
		return fmt.Errorf("queue: %s: consume %q: %w", s.r.where, s.r.workQueue(s.api), err)
	}
	s.mu.Lock()
	s.ch, s.msgs = ch, msgs
	s.mu.Unlock()
	return nil
}

// Next implements subscription. When the connection is lost it waits for
// the reconnection and consumes again; the broker redelivers what was
// unacked.
func (s *rabbitSub) Next(ctx context.Context) (delivery, error) {
	for {
		s.mu.Lock()
		msgs := s.msgs
		s.mu.Unlock()
		select {
		case m, ok := <-msgs:
			if ok {
				s.r.handling[s.idx].Add(1)
				return s.delivery(m), nil
			}
		case <-ctx.Done():
			return delivery{}, ctx.Err()
		case <-s.stop:
			return delivery{}, errors.New("queue: subscription stopped")
		}
		// The channel closed: consume again once reconnected.
		for {
			err := s.consume(ctx)
			if err == nil {
				break
			}
			if ctx.Err() != nil || errors.Is(err, ErrClosed) {
				return delivery{}, err
			}
			t := time.NewTimer(rabbitReconnectWait)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				return delivery{}, ctx.Err()
			case <-s.stop:
				t.Stop()
				return delivery{}, errors.New("queue: subscription stopped")
			}
		}
	}
}

// delivery turns m into a delivery; its attempt is the header's, plus the
// times the work queue redelivered it after a lost connection.
func (s *rabbitSub) delivery(m amqp.Delivery) delivery {
	attempt := 1
	if v, ok := m.Headers[headerAttempt].(int32); ok && v > 0 {
		attempt = int(v)
	}
	if v, ok := m.Headers["x-delivery-count"].(int64); ok && v > 0 {
		attempt += int(v)
	}
	return delivery{
		Send:    strategies.Send{ID: m.MessageId, Body: m.Body},
		Attempt: attempt,
		verdict: &rabbitVerdict{s: s, m: m, attempt: attempt},
	}
}

// Stop implements subscription.
func (s *rabbitSub) Stop() {
	s.stopOnce.Do(func() {
		close(s.stop)
		s.mu.Lock()
		ch := s.ch
		s.mu.Unlock()
		if ch != nil {
			_ = ch.Close() // unacked deliveries go back to the queue
		}
	})
}

// rabbitVerdict settles one delivery.
type rabbitVerdict struct {
	s       *rabbitSub
	m       amqp.Delivery
	attempt int
	handled atomic.Bool
}

// done ends the delivery's handling, once whatever its verdict.
func (v *rabbitVerdict) done() {
	if v.handled.CompareAndSwap(false, true) {
		v.s.r.handling[v.s.idx].Add(-1)
	}
}

// Ack implements verdict.
func (v *rabbitVerdict) Ack() error {
	defer v.done()
	if err := v.m.Ack(false); err != nil {
		return err
	}
	v.s.r.settled[v.s.idx].Add(1)
	return nil
}

// Term implements verdict: the dead letter is stored, so the delivery is
// settled with an ack.
func (v *rabbitVerdict) Term() error { return v.Ack() }

// NakWithDelay implements verdict: a copy with the next attempt number goes
// to the retry queue of delay's tier, then the original is acked. If the
// copy cannot be stored the original is requeued at once instead.
func (v *rabbitVerdict) NakWithDelay(delay time.Duration) error {
	defer v.done()
	ctx, cancel := context.WithTimeout(context.Background(), verdictTimeout)
	defer cancel()
	r := v.s.r
	msg := amqp.Publishing{
		DeliveryMode: amqp.Persistent,
		MessageId:    v.m.MessageId,
		Headers:      amqp.Table{headerAttempt: int32(v.attempt + 1)},
		Body:         v.m.Body,
	}
	key := r.workQueue(v.s.api)
	if delay > 0 {
		q, err := r.retryQueueFor(ctx, v.s.api, retryTier(delay))
		if err != nil {
			return errors.Join(err, v.m.Nack(false, true))
		}
		key = q
	}
	if err := r.publish(ctx, "", key, msg, nil); err != nil {
		return errors.Join(err, v.m.Nack(false, true))
	}
	return v.m.Ack(false)
}
