// Package postgres is article5's production store: an article5.Store on
// PostgreSQL through a pgx connection pool (github.com/jackc/pgx/v5).
//
// It behaves exactly as the sqlite store (storetest proves it). Instants
// are kept as integer seconds and nanoseconds, never timestamptz (which
// stops at the microsecond). Writers whose order readers page by (object
// ingest, events) take a transaction-scoped advisory lock, so sequence
// numbers follow commit order and a page cursor never skips a row that
// commits late. Migrations (migration/*.sql) are applied on Open under a
// session advisory lock, so several servers may start at once.
package postgres

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"time"

	"article5"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"golang.org/x/mod/sumdb/note"
)

//go:embed migration/*.sql
var migrations embed.FS

// Advisory lock keys (pg_advisory_*): one per serialised writer.
const (
	lockMigrate int64 = 0x61727435_00000001 // "art5", migrations
	lockObjects int64 = 0x61727435_00000002 // object ingest: seq in commit order
	lockEvents  int64 = 0x61727435_00000003 // events: seq in commit order
	// consultation saves: the version check holds. Taken before lockObjects
	// and lockEvents, never after.
	lockConsultations int64 = 0x61727435_00000004
)

// DB is an article5.Store on a PostgreSQL database.
type DB struct {
	pool *pgxpool.Pool

	// Now is the store's one clock (date added, job leases, event times);
	// time.Now by default. The database's clock is never used.
	Now func() time.Time

	// The node's transparency log key (node_keys), loaded on Open.
	signer      note.Signer
	verifierKey string
	verifiers   note.Verifiers
}

var _ article5.Store = (*DB)(nil)

// Open connects to the database named by dsn (a postgres:// URL or
// key=value string; any unknown parameter, such as search_path, is sent as
// a run-time parameter) and applies pending migrations. A malformed dsn is
// EINVALID, an unreachable server EINTERNAL.
func Open(ctx context.Context, dsn string) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, article5.Errorf(article5.EINVALID, "postgres: bad database URL: %v", err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, article5.Internal("postgres: open", err)
	}
	db := &DB{pool: pool, Now: time.Now}
	if err := db.Ping(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	if err := db.migrate(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	if err := db.initAudit(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return db, nil
}

// migrate applies the embedded migrations not yet recorded in
// schema_migrations, in file-name order, each in its own transaction.
func (db *DB) migrate(ctx context.Context) error {
	const op = "postgres: migrate"
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return article5.Internal(op, err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, lockMigrate); err != nil {
		return article5.Internal(op, err)
	}
	defer conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, lockMigrate)
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		name    text   NOT NULL PRIMARY KEY,
		applied bigint NOT NULL
	)`); err != nil {
		return article5.Internal(op, err)
	}
	names, err := fs.Glob(migrations, "migration/*.sql")
	if err != nil {
		return article5.Internal(op, err)
	}
	sort.Strings(names)
	for _, name := range names {
		if err := db.migrateOne(ctx, conn.Conn(), name); err != nil {
			return article5.Internal(op, fmt.Errorf("%s: %w", name, err))
		}
	}
	return nil
}

func (db *DB) migrateOne(ctx context.Context, conn *pgx.Conn, name string) error {
	body, err := migrations.ReadFile(name)
	if err != nil {
		return err
	}
	base := path.Base(name)
	tx, err := conn.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	var n int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM schema_migrations WHERE name = $1`, base).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	if _, err := tx.Exec(ctx, string(body)); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (name, applied) VALUES ($1, $2)`, base, db.now().UnixNano()); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.pool.Ping(ctx); err != nil {
		return article5.Internal("postgres: ping", err)
	}
	return nil
}

// Close closes the pool.
func (db *DB) Close() error {
	db.pool.Close()
	return nil
}

func (db *DB) now() time.Time {
	if db.Now == nil {
		return time.Now().UTC()
	}
	return db.Now().UTC()
}

func notFound(format string, args ...any) error {
	return article5.Errorf(article5.ENOTFOUND, format, args...)
}

func fromNano(ns int64) time.Time { return time.Unix(0, ns).UTC() }

func toNano(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func pageLimit(n int) int {
	switch {
	case n <= 0:
		return 100
	case n > 1000:
		return 1000
	}
	return n
}
