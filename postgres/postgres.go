// Package postgres is article5's production store: an article5.Store and
// an audit.Store on PostgreSQL through a pgx connection pool
// (github.com/jackc/pgx/v5, natively: COPY, binary rows). The store itself
// is package sqlstore's, written once for both databases; this package
// connects, supplies PostgreSQL's vocabulary for the migrations (written
// once in sqlstore) and implements sqlstore.Driver (driver.go).
//
// It behaves exactly as the sqlite store (storetest proves it). Instants
// are kept as integer seconds and nanoseconds, never timestamptz (which
// stops at the microsecond). Writers whose order readers page by (object
// ingest, events) take a transaction-scoped advisory lock, so sequence
// numbers follow commit order and a page cursor never skips a row that
// commits late. Migrations (Migrations) are applied on Open, each
// under an advisory lock, so several servers may start at once.
package postgres

import (
	"context"
	"embed"

	"article5"
	"article5/sqlstore"

	"github.com/jackc/pgx/v5/pgxpool"
)

//go:embed migration
var migrations embed.FS

// Migrations returns the schema steps Open applies, in order: sqlstore's,
// rendered for this database, and any of migration/ (which win over
// sqlstore's of the same name). See sqlstore.Migrations.
func Migrations() ([]sqlstore.Migration, error) { return sqlstore.Migrations(&driver{}, migrations) }

// DB is an article5.Store on a PostgreSQL database: the sqlstore.DB (every
// store method, and its Now clock) plus what only PostgreSQL does (Backup,
// with pg_dump).
type DB struct {
	*sqlstore.DB
	pool *pgxpool.Pool
	dsn  string // as given to Open: Backup hands it to pg_dump
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
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, article5.Internal("postgres: ping", err)
	}
	store, err := sqlstore.New(ctx, &driver{pool: pool}, migrations)
	if err != nil {
		pool.Close()
		return nil, err
	}
	return &DB{DB: store, pool: pool, dsn: dsn}, nil
}
