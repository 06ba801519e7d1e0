package outbox

import (
	"context"
	"time"
)

// row is an outbox row as the relay claims it.
type row struct {
	seq      int64
	id       string
	body     []byte
	created  time.Time
	done     [2]bool // leg to a, leg to b delivered
	attempts int     // delivery attempts before this one
}

// store is where the outbox lives. Each method is one short transaction.
type store interface {
	// commit applies the service's (simulated) state change for s and
	// inserts its outbox row in the same transaction. A send whose id is
	// already stored changes nothing (the user retried): dup is true.
	commit(ctx context.Context, id string, body []byte, now time.Time) (dup bool, err error)
	// claim leases up to n rows due by now and not leased, oldest first,
	// until now+lease; rows another relay holds are skipped, not waited for.
	claim(ctx context.Context, now time.Time, lease time.Duration, n int) ([]row, error)
	// legDone marks one leg of a row delivered, on its own.
	legDone(ctx context.Context, seq int64, leg int) error
	// retry counts a failed attempt, releases the row's lease and makes it
	// due again at next; dead marks it given up instead.
	retry(ctx context.Context, seq int64, next time.Time) error
	dead(ctx context.Context, seq int64) error
	// backlog counts the rows with a leg not yet delivered (dead ones aside).
	backlog(ctx context.Context) (int64, error)
	// close drops the run's tables and releases the store.
	close(ctx context.Context) error
}

// notifier is a store that can wake the relay when a row is committed.
type notifier interface {
	// listen calls wake for every commit notification until ctx ends or
	// the connection fails.
	listen(ctx context.Context, wake func()) error
}

// us converts t to microseconds since the Unix epoch, the stores' time.
func us(t time.Time) int64 { return t.UnixMicro() }

func fromUS(v int64) time.Time { return time.UnixMicro(v) }
