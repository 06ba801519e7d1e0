package outbox

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/fanbench/fanbench/strategies"
)

// Stores (Options.Store).
const (
	// StoreSQLite is an embedded SQLite database in a temporary file (pure
	// Go, nothing to install).
	StoreSQLite = "sqlite"
	// StorePostgres is a PostgreSQL server at Options.URL.
	StorePostgres = "postgres"
)

// Defaults filled in by normalize.
const (
	DefaultConcurrency  = 64
	DefaultPollInterval = 20 * time.Millisecond
	DefaultLease        = 5 * time.Second
	DefaultMaxAttempts  = 10
	// TablePrefix starts every generated table name.
	TablePrefix = "fanbench_"
)

// Crash stops the relay At after the strategy started (the load's start,
// warm-up included) and restarts it Pause later.
type Crash struct {
	At    time.Duration `json:"at" yaml:"at"`
	Pause time.Duration `json:"pause" yaml:"pause"`
}

// Options configure an Outbox: the outbox strategy's block of a scenario.
// The zero value uses an embedded SQLite database.
type Options struct {
	// Store is StoreSQLite (default) or StorePostgres.
	Store string `json:"store,omitempty" yaml:"store,omitempty"`
	// URL is the PostgreSQL connection URL (postgres://host:port/db);
	// required with StorePostgres, refused with StoreSQLite.
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
	// zero fields take strategies.Backoff's defaults.
	Backoff strategies.Backoff `json:"backoff,omitzero" yaml:"backoff,omitempty"`
	// Fsync makes every commit wait for the disk: SQLite's
	// synchronous=FULL, PostgreSQL's synchronous_commit=on. The default
	// (false) survives a crash of the process but may lose the last
	// commits on a power loss: SQLite's WAL with synchronous=NORMAL,
	// PostgreSQL's synchronous_commit=off for the run's sessions.
	Fsync bool `json:"fsync,omitempty" yaml:"fsync,omitempty"`
	// RelayCrash, when set, crashes the relay once (a fault).
	RelayCrash *Crash `json:"relay_crash,omitempty" yaml:"relay_crash,omitempty"`

	// Table names the run's tables: Table+"_outbox" and Table+"_state"
	// (default "fanbench_" plus a random id); they are dropped by Close.
	Table string `json:"-" yaml:"-"`
	// Seed drives the backoff jitter (default 1).
	Seed int64 `json:"-" yaml:"-"`
	// Logf receives rare operational messages; nil discards them.
	Logf func(format string, args ...any) `json:"-" yaml:"-"`
}

// FieldError is one invalid setting, with its field path under the
// strategy's block (e.g. "outbox.url").
type FieldError struct {
	Field string
	Msg   string
}

func (e FieldError) Error() string { return e.Field + ": " + e.Msg }

// Validate returns every invalid setting of o, each naming its field and
// what would be valid; nil when o is valid.
func (o Options) Validate() []FieldError {
	var errs []FieldError
	add := func(field, format string, args ...any) {
		errs = append(errs, FieldError{Field: field, Msg: fmt.Sprintf(format, args...)})
	}
	switch o.Store {
	case "", StoreSQLite:
		if o.URL != "" {
			add("url", "set with store sqlite; url is for store postgres (the SQLite file is a temporary one)")
		}
	case StorePostgres:
		if o.URL == "" {
			add("url", "empty; store postgres needs a URL such as postgres://127.0.0.1:5432/test")
		} else if u, err := url.Parse(o.URL); err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
			add("url", "%q is not a postgres:// URL; want e.g. postgres://127.0.0.1:5432/test", redact(o.URL))
		}
	default:
		add("store", "unknown store %q; want %s or %s", o.Store, StoreSQLite, StorePostgres)
	}
	if o.Concurrency < 0 {
		add("concurrency", "%d is negative; want >= 1 (0 = %d)", o.Concurrency, DefaultConcurrency)
	}
	if o.PollInterval < 0 {
		add("poll_interval", "%v is negative; want > 0 (0 = %v)", o.PollInterval, DefaultPollInterval)
	}
	if o.Lease < 0 {
		add("lease", "%v is negative; want > 0 (0 = %v)", o.Lease, DefaultLease)
	}
	if o.MaxAttempts < 0 {
		add("max_attempts", "%d is negative; want >= 1 (0 = %d)", o.MaxAttempts, DefaultMaxAttempts)
	}
	if o.Backoff.Initial < 0 || o.Backoff.Max < 0 || o.Backoff.Multiplier < 0 {
		add("backoff", "negative initial, max or multiplier; want values >= 0 (0 = default)")
	}
	if c := o.RelayCrash; c != nil {
		if c.At < 0 {
			add("relay_crash.at", "%v is negative; want the time after the start >= 0", c.At)
		}
		if c.Pause <= 0 {
			add("relay_crash.pause", "%v; want how long the relay stays down, > 0", c.Pause)
		}
	}
	return errs
}

// normalize returns o with its zero fields set to their defaults, or an
// error naming every invalid field.
func (o Options) normalize() (Options, error) {
	if errs := o.Validate(); len(errs) > 0 {
		msgs := make([]string, len(errs))
		for i, e := range errs {
			msgs[i] = e.Error()
		}
		return o, fmt.Errorf("outbox: %s", strings.Join(msgs, "; "))
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

// redact hides a password in a URL for messages.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}
