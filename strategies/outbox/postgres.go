package outbox

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// connectTimeout bounds reaching the PostgreSQL server at New.
const connectTimeout = 5 * time.Second

// pgStore is the outbox in PostgreSQL. The claim takes due rows with
// FOR UPDATE SKIP LOCKED, so concurrent relays never wait for each other's
// rows; each commit notifies the relay (pg_notify inside the transaction,
// delivered when it commits) on a channel named after the run's tables.
type pgStore struct {
	pool    *pgxpool.Pool
	url     string
	outbox  string
	state   string
	channel string
}

var (
	_ store    = (*pgStore)(nil)
	_ notifier = (*pgStore)(nil)
)

func openPostgres(ctx context.Context, rawURL, table string, conns int, fsync bool) (*pgStore, error) {
	cfg, err := pgxpool.ParseConfig(rawURL)
	if err != nil {
		return nil, fmt.Errorf("%w: PostgreSQL url %s: %w", ErrConnect, redact(rawURL), err)
	}
	cfg.MaxConns = int32(min(max(conns, 4), 64))
	cfg.ConnConfig.ConnectTimeout = connectTimeout
	if !fsync {
		// A commit returns before its WAL reaches the disk; the server
		// stays consistent after a crash but may lose the last commits.
		cfg.ConnConfig.RuntimeParams["synchronous_commit"] = "off"
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("%w: PostgreSQL at %s: %w", ErrConnect, redact(rawURL), err)
	}
	pctx, cancel := context.WithTimeout(ctx, connectTimeout)
	defer cancel()
	if err := pool.Ping(pctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("%w: PostgreSQL at %s: %w", ErrConnect, redact(rawURL), err)
	}
	s := &pgStore{pool: pool, url: rawURL, outbox: table + "_outbox", state: table + "_state", channel: table}
	ddl := []string{
		`CREATE TABLE ` + s.state + ` (id TEXT PRIMARY KEY, bytes INTEGER NOT NULL, at_us BIGINT NOT NULL)`,
		`CREATE TABLE ` + s.outbox + ` (
			seq BIGSERIAL PRIMARY KEY,
			id TEXT NOT NULL,
			body BYTEA,
			created_us BIGINT NOT NULL,
			a_done INTEGER NOT NULL DEFAULT 0,
			b_done INTEGER NOT NULL DEFAULT 0,
			dead INTEGER NOT NULL DEFAULT 0,
			attempts INTEGER NOT NULL DEFAULT 0,
			next_us BIGINT NOT NULL DEFAULT 0,
			lease_us BIGINT NOT NULL DEFAULT 0)`,
		`CREATE INDEX ` + s.outbox + `_open ON ` + s.outbox + ` (seq) WHERE a_done + b_done < 2 AND dead = 0`,
	}
	for _, q := range ddl {
		if _, err := pool.Exec(ctx, q); err != nil {
			err = fmt.Errorf("outbox: PostgreSQL at %s: create tables: %w", redact(rawURL), err)
			return nil, errors.Join(err, s.close(context.WithoutCancel(ctx)))
		}
	}
	return s, nil
}

func (s *pgStore) commit(ctx context.Context, id string, body []byte, now time.Time) (bool, error) {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return false, err
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck // after Commit it is a no-op
	tag, err := tx.Exec(ctx, `INSERT INTO `+s.state+` (id, bytes, at_us) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING`,
		id, len(body), us(now))
	if err != nil {
		return false, err
	}
	if tag.RowsAffected() == 0 {
		return true, nil
	}
	if _, err := tx.Exec(ctx, `INSERT INTO `+s.outbox+` (id, body, created_us) VALUES ($1, $2, $3)`, id, body, us(now)); err != nil {
		return false, err
	}
	if _, err := tx.Exec(ctx, `SELECT pg_notify($1, '')`, s.channel); err != nil {
		return false, err
	}
	return false, tx.Commit(ctx)
}

func (s *pgStore) claim(ctx context.Context, now time.Time, lease time.Duration, n int) ([]row, error) {
	rows, err := s.pool.Query(ctx, `UPDATE `+s.outbox+` SET lease_us = $1
		WHERE seq IN (SELECT seq FROM `+s.outbox+`
			WHERE a_done + b_done < 2 AND dead = 0 AND next_us <= $2 AND lease_us <= $2
			ORDER BY seq LIMIT $3
			FOR UPDATE SKIP LOCKED)
		RETURNING seq, id, body, created_us, a_done, b_done, attempts`,
		us(now.Add(lease)), us(now), n)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	return scanRows(rows)
}

func (s *pgStore) legDone(ctx context.Context, seq int64, leg int) error {
	_, err := s.pool.Exec(ctx, `UPDATE `+s.outbox+` SET `+legColumn[leg]+` = 1 WHERE seq = $1`, seq)
	return err
}

func (s *pgStore) retry(ctx context.Context, seq int64, next time.Time) error {
	_, err := s.pool.Exec(ctx, `UPDATE `+s.outbox+` SET attempts = attempts + 1, next_us = $1, lease_us = 0 WHERE seq = $2`, us(next), seq)
	return err
}

func (s *pgStore) dead(ctx context.Context, seq int64) error {
	_, err := s.pool.Exec(ctx, `UPDATE `+s.outbox+` SET attempts = attempts + 1, dead = 1, lease_us = 0 WHERE seq = $1`, seq)
	return err
}

func (s *pgStore) backlog(ctx context.Context) (int64, error) {
	var n int64
	err := s.pool.QueryRow(ctx, `SELECT count(*) FROM `+s.outbox+` WHERE a_done + b_done < 2 AND dead = 0`).Scan(&n)
	return n, err
}

// listen holds one connection of its own (LISTEN binds to a session).
func (s *pgStore) listen(ctx context.Context, wake func()) error {
	conn, err := pgx.Connect(ctx, s.url)
	if err != nil {
		return fmt.Errorf("outbox: listen: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, `LISTEN `+s.channel); err != nil {
		return fmt.Errorf("outbox: listen: %w", err)
	}
	for {
		if _, err := conn.WaitForNotification(ctx); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("outbox: listen: %w", err)
		}
		wake()
	}
}

// close drops the run's tables and closes the pool.
func (s *pgStore) close(ctx context.Context) error {
	defer s.pool.Close()
	if _, err := s.pool.Exec(ctx, `DROP TABLE IF EXISTS `+s.outbox+`, `+s.state); err != nil {
		return fmt.Errorf("outbox: PostgreSQL at %s: drop tables: %w", redact(s.url), err)
	}
	return nil
}
