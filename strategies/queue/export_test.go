package queue

import (
	"context"
	"fmt"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// DeadLetterHeaders returns the headers of every message in the run's
// dead-letter stream, in order.
func (q *Queue) DeadLetterHeaders(ctx context.Context) ([]nats.Header, error) {
	j := q.broker.(*jetStream)
	s, err := j.js.Stream(ctx, j.dlq)
	if err != nil {
		return nil, err
	}
	info, err := s.Info(ctx)
	if err != nil {
		return nil, err
	}
	var hs []nats.Header
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq && info.State.Msgs > 0; seq++ {
		m, err := s.GetMsg(ctx, seq)
		if err != nil {
			return nil, fmt.Errorf("get dead letter %d: %w", seq, err)
		}
		hs = append(hs, m.Header)
	}
	return hs, nil
}

// StoreDir returns the embedded server's store directory ("" for an
// external server).
func (q *Queue) StoreDir() string {
	if j := q.broker.(*jetStream); j.srv != nil {
		return j.srv.dir
	}
	return ""
}

// JetStream is jetstream.New, for tests that inspect an external broker.
var JetStream = jetstream.New
