package outbox

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	// modernc.org/sqlite is SQLite translated to Go: no cgo, nothing to
	// install, so the default store works wherever fanbench builds.
	_ "modernc.org/sqlite"
)

// sqliteStore is the outbox in an embedded SQLite database, in a file of a
// temporary directory. SQLite has one writer at a time, so the claim —
// an UPDATE of the due rows' lease, returning them — is atomic as one
// statement: SQLite's equivalent of FOR UPDATE SKIP LOCKED. It has no
// notification: the relay polls.
type sqliteStore struct {
	db     *sql.DB
	dir    string
	outbox string
	state  string
}

var _ store = (*sqliteStore)(nil)

func openSQLite(ctx context.Context, table string, fsync bool) (*sqliteStore, error) {
	dir, err := os.MkdirTemp("", "fanbench-outbox-")
	if err != nil {
		return nil, fmt.Errorf("outbox: sqlite: temporary directory: %w", err)
	}
	path := filepath.Join(dir, "outbox.db")
	// WAL lets the relay read while the front writes; synchronous FULL
	// syncs each commit to disk, NORMAL only at checkpoints (a process
	// crash loses nothing, a power loss may); busy_timeout waits for the
	// writer instead of failing.
	sync := "NORMAL"
	if fsync {
		sync = "FULL"
	}
	dsn := "file:" + path + "?_pragma=journal_mode(WAL)&_pragma=synchronous(" + sync + ")&_pragma=busy_timeout(10000)&_txlock=immediate"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("outbox: sqlite %s: %w", path, err)
	}
	// One connection: SQLite writes one at a time anyway, and a single
	// connection queues writers in Go instead of in busy-wait retries.
	db.SetMaxOpenConns(1)
	s := &sqliteStore{db: db, dir: dir, outbox: table + "_outbox", state: table + "_state"}
	ddl := []string{
		`CREATE TABLE ` + s.state + ` (id TEXT PRIMARY KEY, bytes INTEGER NOT NULL, at_us INTEGER NOT NULL)`,
		`CREATE TABLE ` + s.outbox + ` (
			seq INTEGER PRIMARY KEY AUTOINCREMENT,
			id TEXT NOT NULL,
			body BLOB,
			created_us INTEGER NOT NULL,
			a_done INTEGER NOT NULL DEFAULT 0,
			b_done INTEGER NOT NULL DEFAULT 0,
			dead INTEGER NOT NULL DEFAULT 0,
			attempts INTEGER NOT NULL DEFAULT 0,
			next_us INTEGER NOT NULL DEFAULT 0,
			lease_us INTEGER NOT NULL DEFAULT 0)`,
		`CREATE INDEX ` + s.outbox + `_open ON ` + s.outbox + ` (seq) WHERE a_done + b_done < 2 AND dead = 0`,
	}
	for _, q := range ddl {
		if _, err := db.ExecContext(ctx, q); err != nil {
			db.Close()
			os.RemoveAll(dir)
			return nil, fmt.Errorf("outbox: sqlite %s: create tables: %w", path, err)
		}
	}
	return s, nil
}

func (s *sqliteStore) commit(ctx context.Context, id string, body []byte, now time.Time) (bool, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return false, err
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it is a no-op
	res, err := tx.ExecContext(ctx, `INSERT INTO `+s.state+` (id, bytes, at_us) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING`,
		id, len(body), us(now))
	if err != nil {
		return false, err
	}
	if n, err := res.RowsAffected(); err != nil {
		return false, err
	} else if n == 0 {
		return true, nil
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO `+s.outbox+` (id, body, created_us) VALUES (?, ?, ?)`,
		id, body, us(now)); err != nil {
		return false, err
	}
	return false, tx.Commit()
}

func (s *sqliteStore) claim(ctx context.Context, now time.Time, lease time.Duration, n int) ([]row, error) {
	rows, err := s.db.QueryContext(ctx, `UPDATE `+s.outbox+` SET lease_us = ?
		WHERE seq IN (SELECT seq FROM `+s.outbox+`
			WHERE a_done + b_done < 2 AND dead = 0 AND next_us <= ? AND lease_us <= ?
			ORDER BY seq LIMIT ?)
		RETURNING seq, id, body, created_us, a_done, b_done, attempts`,
		us(now.Add(lease)), us(now), us(now), n)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	return scanRows(rows)
}

// claimedRows is what both stores' drivers return for a query: pgx.Rows
// and *sql.Rows alike.
type claimedRows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// scanRows reads claimed rows; the caller closes them.
func scanRows(rows claimedRows) ([]row, error) {
	var out []row
	for rows.Next() {
		var r row
		var created int64
		var a, b int
		if err := rows.Scan(&r.seq, &r.id, &r.body, &created, &a, &b, &r.attempts); err != nil {
			return out, err
		}
		r.created, r.done = fromUS(created), [2]bool{a != 0, b != 0}
		out = append(out, r)
	}
	return out, rows.Err()
}

var legColumn = [2]string{"a_done", "b_done"}

func (s *sqliteStore) legDone(ctx context.Context, seq int64, leg int) error {
	_, err := s.db.ExecContext(ctx, `UPDATE `+s.outbox+` SET `+legColumn[leg]+` = 1 WHERE seq = ?`, seq)
	return err
}

func (s *sqliteStore) retry(ctx context.Context, seq int64, next time.Time) error {
	_, err := s.db.ExecContext(ctx, `UPDATE `+s.outbox+` SET attempts = attempts + 1, next_us = ?, lease_us = 0 WHERE seq = ?`, us(next), seq)
	return err
}

func (s *sqliteStore) dead(ctx context.Context, seq int64) error {
	_, err := s.db.ExecContext(ctx, `UPDATE `+s.outbox+` SET attempts = attempts + 1, dead = 1, lease_us = 0 WHERE seq = ?`, seq)
	return err
}

func (s *sqliteStore) backlog(ctx context.Context) (int64, error) {
	var n int64
	err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM `+s.outbox+` WHERE a_done + b_done < 2 AND dead = 0`).Scan(&n)
	return n, err
}

// close drops the tables and removes the database's directory.
func (s *sqliteStore) close(ctx context.Context) error {
	var errs []error
	for _, t := range []string{s.outbox, s.state} {
		if _, err := s.db.ExecContext(ctx, `DROP TABLE IF EXISTS `+t); err != nil {
			errs = append(errs, fmt.Errorf("drop %s: %w", t, err))
		}
	}
	errs = append(errs, s.db.Close(), os.RemoveAll(s.dir))
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("outbox: sqlite: close: %w", err)
	}
	return nil
}
