package strategies

import (
	"net/url"
	"time"

	"github.com/fanbench/fanbench/field"
)

// Stores (Options.Store).
const (
	// OutboxSQLite is an embedded SQLite database in a temporary file (pure
	// Go, nothing to install).
	OutboxSQLite = "sqlite"
	// OutboxPostgres is a PostgreSQL server at Options.URL.
	OutboxPostgres = "postgres"
)

// Defaults filled in by normalize.
const (
	DefaultOutboxConcurrency  = 64
	DefaultOutboxPollInterval = 20 * time.Millisecond
	DefaultOutboxLease        = 5 * time.Second
	DefaultOutboxMaxAttempts  = 10
)

// OutboxOptions configure the outbox strategy: the `outbox:` block of its
// entry in a scenario. The zero value uses an embedded SQLite database.
type OutboxOptions struct {
	// Store is OutboxSQLite (default) or OutboxPostgres.
	Store string `json:"store,omitempty" yaml:"store,omitempty"`
	// URL is the PostgreSQL connection URL (postgres://host:port/db);
	// required with OutboxPostgres, refused with OutboxSQLite.
	URL string `json:"url,omitempty" yaml:"url,omitempty"`
	// Concurrency is the relay's deliveries in flight (default 64).
	Concurrency int `json:"concurrency,omitempty" yaml:"concurrency,omitempty"`
	// PollInterval is how often the relay looks for new rows when no
	// notification woke it (default 20ms). PostgreSQL notifies the relay
	// on each commit (LISTEN/NOTIFY); SQLite has no notification, so there
	// the relay polls.
	PollInterval time.Duration `json:"poll_interval,omitempty" yaml:"poll_interval,omitempty"`
	// Lease is how long a claimed row stays the relay's before another
	// relay (or the same one after a crash) may claim it again (default
	// 5s). It should exceed a delivery's longest time under the policy.
	Lease time.Duration `json:"lease,omitempty" yaml:"lease,omitempty"`
	// MaxAttempts is the delivery attempts of a row before it is marked
	// dead (default 10); each attempt is one leg call per unfinished leg,
	// with the policy's own retries inside.
	MaxAttempts int `json:"max_attempts,omitempty" yaml:"max_attempts,omitempty"`
	// Backoff is the wait before a row's next attempt after a failed one;
	// zero fields take Backoff's defaults.
	Backoff Backoff `json:"backoff,omitzero" yaml:"backoff,omitempty"`
	// Fsync makes every commit wait for the disk: SQLite's
	// synchronous=FULL, PostgreSQL's synchronous_commit=on. The default
	// (false) survives a crash of the process but may lose the last
	// commits on a power loss: SQLite's WAL with synchronous=NORMAL,
	// PostgreSQL's synchronous_commit=off for the run's sessions.
	Fsync bool `json:"fsync,omitempty" yaml:"fsync,omitempty"`
}

// Validate returns every invalid setting of o, each naming its field and
// what would be valid; nil when o is valid.
func (o OutboxOptions) Validate() []field.Error {
	var es field.Errors
	add := es.Addf
	switch o.Store {
	case "", OutboxSQLite:
		if o.URL != "" {
			add("url", "set with store sqlite; url is for store postgres (the SQLite file is a temporary one)")
		}
	case OutboxPostgres:
		if o.URL == "" {
			add("url", "empty; store postgres needs a URL such as postgres://127.0.0.1:5432/test")
		} else if u, err := url.Parse(o.URL); err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
			add("url", "%q is not a postgres:// URL; want e.g. postgres://127.0.0.1:5432/test", RedactURL(o.URL))
		}
	default:
		add("store", "unknown store %q; want %s or %s", o.Store, OutboxSQLite, OutboxPostgres)
	}
	if o.Concurrency < 0 {
		add("concurrency", "%d is negative; want >= 1 (0 = %d)", o.Concurrency, DefaultOutboxConcurrency)
	}
	if o.PollInterval < 0 {
		add("poll_interval", "%v is negative; want > 0 (0 = %v)", o.PollInterval, DefaultOutboxPollInterval)
	}
	if o.Lease < 0 {
		add("lease", "%v is negative; want > 0 (0 = %v)", o.Lease, DefaultOutboxLease)
	}
	if o.MaxAttempts < 0 {
		add("max_attempts", "%d is negative; want >= 1 (0 = %d)", o.MaxAttempts, DefaultOutboxMaxAttempts)
	}
	if o.Backoff.Initial < 0 || o.Backoff.Max < 0 || o.Backoff.Multiplier < 0 {
		add("backoff", "negative initial, max or multiplier; want values >= 0 (0 = default)")
	}
	return es
}

// RedactURL hides a password in a URL, for messages.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}
