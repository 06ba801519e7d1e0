package outbox

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"

	"github.com/fanbench/fanbench/field"
	"github.com/fanbench/fanbench/strategies"
)

// Stores (Options.Store).
const (
	StoreSQLite   = strategies.OutboxSQLite
	StorePostgres = strategies.OutboxPostgres
)

// Defaults filled in by normalize.
const (
	DefaultConcurrency  = strategies.DefaultOutboxConcurrency
	DefaultPollInterval = strategies.DefaultOutboxPollInterval
	DefaultLease        = strategies.DefaultOutboxLease
	DefaultMaxAttempts  = strategies.DefaultOutboxMaxAttempts
	// TablePrefix starts every generated table name.
	TablePrefix = "fanbench_"
)

// Options configure an Outbox: the scenario's options plus what the run
// gives.
type Options struct {
	strategies.OutboxOptions
	// Table names the run's tables: Table+"_outbox" and Table+"_state"
	// (default "fanbench_" plus a random id); they are dropped by Close.
	Table string
	// Seed drives the backoff jitter (default 1).
	Seed int64
	// Logf receives rare operational messages; nil discards them.
	Logf func(format string, args ...any)
}

// normalize returns o with its zero fields set to their defaults, or an
// error naming every invalid field.
func (o Options) normalize() (Options, error) {
	if err := field.Err(o.Validate()); err != nil {
		return o, fmt.Errorf("outbox: %w", err)
	}
	if o.Store == "" {
		o.Store = StoreSQLite
	}
	if o.Concurrency == 0 {
		o.Concurrency = DefaultConcurrency
	}
	if o.PollInterval == 0 {
		o.PollInterval = DefaultPollInterval
	}
	if o.Lease == 0 {
		o.Lease = DefaultLease
	}
	if o.MaxAttempts == 0 {
		o.MaxAttempts = DefaultMaxAttempts
	}
	o.Backoff = o.Backoff.Normalize()
	if o.Table == "" {
		var b [6]byte
		_, _ = rand.Read(b[:])
		o.Table = TablePrefix + hex.EncodeToString(b[:])
	}
	for _, c := range o.Table {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') || len(o.Table) > 40 {
			return o, fmt.Errorf("outbox: table name %q: want 1 to 40 lower-case letters, digits or '_'", o.Table)
		}
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
	return o, nil
}

func redact(raw string) string { return strategies.RedactURL(raw) }
