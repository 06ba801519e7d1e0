package queue

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/redis/go-redis/v9"
)

// DeadLetterHeaders returns the headers of every dead letter the run's
// broker holds (JetStream: in order; RabbitMQ, Redis: API a's, then b's).
func (q *Queue) DeadLetterHeaders(ctx context.Context) ([]map[string]string, error) {
	switch b := q.broker.(type) {
	case *jetStream:
		return b.deadLetterHeaders(ctx)
	case *rabbitMQ:
		return b.deadLetterHeaders(ctx)
	case *redisStreams:
		return b.deadLetterHeaders(ctx)
	}
	return nil, fmt.Errorf("unknown broker %T", q.broker)
}

func (j *jetStream) deadLetterHeaders(ctx context.Context) ([]map[string]string, error) {
	s, err := j.js.Stream(ctx, j.dlq)
	if err != nil {
		return nil, err
	}
	info, err := s.Info(ctx)
	if err != nil {
		return nil, err
	}
	var hs []map[string]string
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq && info.State.Msgs > 0; seq++ {
		m, err := s.GetMsg(ctx, seq)
		if err != nil {
			return nil, fmt.Errorf("get dead letter %d: %w", seq, err)
		}
		h := map[string]string{}
		for k := range m.Header {
			h[k] = m.Header.Get(k)
		}
		hs = append(hs, h)
	}
	return hs, nil
}

func (r *rabbitMQ) deadLetterHeaders(ctx context.Context) ([]map[string]string, error) {
	conn, _, err := r.session(ctx)
	if err != nil {
		return nil, err
	}
	ch, err := conn.Channel()
	if err != nil {
		return nil, err
	}
	defer ch.Close()
	var hs []map[string]string
	for _, api := range r.cfg.APIs {
		// Get without ack, then close the channel: the messages stay.
		for {
			m, ok, err := ch.Get(r.deadQueue(api), false)
			if err != nil {
				return nil, err
			}
			if !ok {
				break
			}
			h := map[string]string{}
			for k, v := range m.Headers {
				h[k] = fmt.Sprint(v)
			}
			hs = append(hs, h)
		}
	}
	return hs, nil
}

func (r *redisStreams) deadLetterHeaders(ctx context.Context) ([]map[string]string, error) {
	var hs []map[string]string
	for _, api := range r.cfg.APIs {
		ms, err := r.rdb.XRange(ctx, r.dlq(api), "-", "+").Result()
		if err != nil {
			return nil, err
		}
		for _, m := range ms {
			h := map[string]string{}
			for k, v := range m.Values {
				if k != "body" {
					h[k] = fmt.Sprint(v)
				}
			}
			hs = append(hs, h)
		}
	}
	return hs, nil
}

// Created returns what the run created on its external broker, to check
// after Close that it is gone: JetStream streams, RabbitMQ queues and
// exchanges ("exchange:" prefix), Redis key patterns.
func (q *Queue) Created() []string {
	switch b := q.broker.(type) {
	case *jetStream:
		return []string{b.cfg.Name, b.dlq}
	case *rabbitMQ:
		b.mu.Lock()
		defer b.mu.Unlock()
		out := []string{"exchange:" + b.cfg.Name}
		for _, api := range b.cfg.APIs {
			out = append(out, b.workQueue(api), b.deadQueue(api))
		}
		for rq := range b.retryQs {
			out = append(out, rq)
		}
		return out
	case *redisStreams:
		return []string{b.cfg.Name + ":*"}
	}
	return nil
}

// Leftovers returns which of names (from Created) still exist on the
// broker at url.
func Leftovers(ctx context.Context, broker, url string, names []string) ([]string, error) {
	var left []string
	switch broker {
	case BrokerJetStream:
		nc, err := nats.Connect(url)
		if err != nil {
			return nil, err
		}
		defer nc.Close()
		js, err := jetstream.New(nc)
		if err != nil {
			return nil, err
		}
		for _, s := range names {
			if _, err := js.Stream(ctx, s); !errors.Is(err, jetstream.ErrStreamNotFound) {
				left = append(left, s+" ("+fmt.Sprint(err)+")")
			}
		}
	case BrokerRabbitMQ:
		conn, err := amqp.Dial(url)
		if err != nil {
			return nil, err
		}
		defer conn.Close()
		for _, n := range names {
			ch, err := conn.Channel()
			if err != nil {
				return nil, err
			}
			if ex, ok := strings.CutPrefix(n, "exchange:"); ok {
				err = ch.ExchangeDeclarePassive(ex, amqp.ExchangeFanout, true, false, false, false, nil)
			} else {
				_, err = ch.QueueDeclarePassive(n, true, false, false, false, nil)
			}
			var ae *amqp.Error
			if !errors.As(err, &ae) || ae.Code != amqp.NotFound {
				left = append(left, n)
			}
			ch.Close()
		}
	case BrokerRedis:
		opt, err := redis.ParseURL(url)
		if err != nil {
			return nil, err
		}
		rdb := redis.NewClient(opt)
		defer rdb.Close()
		for _, pattern := range names {
			it := rdb.Scan(ctx, 0, pattern, 1000).Iterator()
			for it.Next(ctx) {
				left = append(left, it.Val())
			}
			if err := it.Err(); err != nil {
				return nil, err
			}
		}
	}
	return left, nil
}

// StoreDir returns the embedded server's store directory ("" for an
// external server).
func (q *Queue) StoreDir() string {
	if j, ok := q.broker.(*jetStream); ok && j.srv != nil {
		return j.srv.dir
	}
	return ""
}

// JetStream is jetstream.New, for tests that inspect an external broker.
var JetStream = jetstream.New

// RetryTier is retryTier, for its table test.
var RetryTier = retryTier

// StoreOwner, RemoveStaleStores and MakeStoreDir expose the store
// directory naming for its tests.
var (
	StoreOwner        = storeOwner
	RemoveStaleStores = removeStaleStores
	MakeStoreDir      = makeStoreDir
	ProcessStart      = processStart
)
