// Package sqlite is article5's embedded store: an article5.Store on one
// SQLite file (modernc.org/sqlite, no cgo), the default for a node that
// needs no setup. It is also an audit.Store: every write to a covered
// table appends its entries to the transparency log and signs a tree head
// in the same transaction (audit.go).
//
// The file is opened in WAL mode with a busy timeout and foreign keys on.
// Writes go through one connection whose transactions begin IMMEDIATE, so
// writers queue in the pool instead of failing with SQLITE_BUSY; reads use
// a separate pool of read-only connections that WAL lets run beside the
// writer. Migrations (migration/*.sql) are applied on Open.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"

	"article5"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

//go:embed migration/*.sql
var migrations embed.FS

// DB is an article5.Store on one SQLite file.
type DB struct {
	path  string
	write *sql.DB // one connection, BEGIN IMMEDIATE: the single writer
	read  *sql.DB // read-only connections

	// Now is the store's one clock (date added, job leases, event times);
	// time.Now by default. Set it before use, in tests.
	Now func() time.Time

	// The node's transparency log key (node_keys), loaded on Open.
	signer      note.Signer
	verifierKey string
	verifiers   note.Verifiers
}

var _ article5.Store = (*DB)(nil)

// Open opens (creating it and its directory on first start) the SQLite
// database at path and applies pending migrations. Errors are EINTERNAL.
func Open(ctx context.Context, path string) (*DB, error) {
	const op = "sqlite: open"
	if path == "" || strings.ContainsRune(path, '?') {
		return nil, article5.Errorf(article5.EINVALID, "sqlite: database path %q: want a file name without '?'", path)
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, article5.Internal(op, err)
		}
	}
	pragmas := url.Values{}
	for _, p := range []string{"busy_timeout(10000)", "journal_mode(WAL)", "foreign_keys(1)", "synchronous(NORMAL)"} {
		pragmas.Add("_pragma", p)
	}
	wq := url.Values{"_txlock": {"immediate"}}
	for k, v := range pragmas {
		wq[k] = v
	}
	write, err := sql.Open("sqlite", path+"?"+wq.Encode())
	if err != nil {
		return nil, article5.Internal(op, err)
	}
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxLifetime(0)
	db := &DB{path: path, write: write, Now: time.Now}
	if err := db.migrate(ctx); err != nil {
		write.Close()
		return nil, err
	}
	if err := db.initAudit(ctx); err != nil {
		write.Close()
		return nil, err
	}
	rq := url.Values{}
	for k, v := range pragmas {
		rq[k] = v
	}
	rq.Add("_pragma", "query_only(1)")
	read, err := sql.Open("sqlite", path+"?"+rq.Encode())
	if err != nil {
		write.Close()
		return nil, article5.Internal(op, err)
	}
	n := runtime.GOMAXPROCS(0)
	if n < 4 {
		n = 4
	}
	read.SetMaxOpenConns(n)
	read.SetMaxIdleConns(n)
	db.read = read
	if err := db.Ping(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// migrate applies the embedded migrations not yet recorded in
// schema_migrations, in file-name order, each in its own transaction.
func (db *DB) migrate(ctx context.Context) error {
	const op = "sqlite: migrate"
	if _, err := db.write.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		name    TEXT    NOT NULL PRIMARY KEY,
		applied INTEGER NOT NULL
	)`); err != nil {
		return article5.Internal(op, err)
	}
	names, err := fs.Glob(migrations, "migration/*.sql")
	if err != nil {
		return article5.Internal(op, err)
	}
	sort.Strings(names)
	for _, name := range names {
		if err := db.migrateOne(ctx, name); err != nil {
			return article5.Internal(op, fmt.Errorf("%s: %w", name, err))
		}
	}
	return nil
}

func (db *DB) migrateOne(ctx context.Context, name string) error {
	body, err := migrations.ReadFile(name)
	if err != nil {
		return err
	}
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE name = ?`, filepath.Base(name)).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, string(body)); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (name, applied) VALUES (?, ?)`, filepath.Base(name), db.now().UnixNano()); err != nil {
		return err
	}
	return tx.Commit()
}

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.read.PingContext(ctx); err != nil {
		return article5.Internal("sqlite: ping", err)
	}
	var one int
	if err := db.read.QueryRowContext(ctx, `SELECT 1`).Scan(&one); err != nil {
		return article5.Internal("sqlite: ping", err)
	}
	return nil
}

// Close closes both pools.
func (db *DB) Close() error {
	var errs []error
	if db.read != nil {
		errs = append(errs, db.read.Close())
	}
	if db.write != nil {
		errs = append(errs, db.write.Close())
	}
	if err := errors.Join(errs...); err != nil {
		return article5.Internal("sqlite: close", err)
	}
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
