// Package sqlstore is article5's one SQL store: it implements
// article5.Store and audit.Store once, over a Driver that each database
// adapter provides (package sqlite: modernc.org/sqlite through
// database/sql; package postgres: pgx, natively). See docs/storage.md.
//
// Queries are written once, with ? placeholders, in the SQL both databases
// accept; what truly differs (placeholders, boolean literals, JSON and list
// functions, case search, bulk insert, writer locks, snapshots) is the
// Driver's and its Dialect's. Every exported method owns its transaction;
// unexported helpers take the Tx. Every write to a covered table appends
// its transparency-log entries in the same transaction (audit.go).
//
// Instants are kept as integer Unix nanoseconds (or seconds and
// nanoseconds), never as database timestamps: PostgreSQL's stop at the
// microsecond.
package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"golang.org/x/mod/sumdb/note"

	"article5"
	"article5/audit"
)

// DB is an article5.Store and an audit.Store on one SQL database. The
// adapters embed it: sqlite.DB and postgres.DB.
type DB struct {
	drv Driver
	d   Dialect

	// Now is the store's one clock (date added, job leases, session
	// expiry, event and log times); time.Now by default. The database's
	// clock is never used. Set it before use, in tests.
	Now func() time.Time

	// The node's transparency log key (node_keys), loaded by New.
	signer      note.Signer
	verifierKey string
	verifiers   note.Verifiers

	searchWindow int // SetCaseSearchWindow; 0: caseSearchWindow

	clusterState // cluster.go
}

var (
	_ article5.Store = (*DB)(nil)
	_ audit.Store    = (*DB)(nil)
)

// New opens the store on drv: it applies the migrations (Migrations:
// sqlstore's own, rendered for drv, and the adapter's migration/*.sql in
// own; in file-name order, each once) and loads the node's
// transparency log key, making it on first open. On error the caller
// closes drv. Errors are EINTERNAL.
func New(ctx context.Context, drv Driver, own fs.FS) (*DB, error) {
	db := &DB{drv: drv, d: drv, Now: time.Now}
	if err := db.migrate(ctx, own); err != nil {
		return nil, err
	}
	// The release columns first: the log's genesis entries (a store from
	// before the log) digest the rows as they will stay.
	if err := db.backfillRelease(ctx); err != nil {
		return nil, err
	}
	if err := db.convertHashes(ctx); err != nil {
		return nil, err
	}
	if err := db.fillAudience(ctx); err != nil {
		return nil, err
	}
	if err := db.initAudit(ctx); err != nil {
		return nil, err
	}
	if err := db.Ping(ctx); err != nil {
		return nil, err
	}
	return db, nil
}

// migrate applies the steps of Migrations(db.d, own) not yet recorded in
// schema_migrations, in file-name order, each in its own transaction
// under LockMigrate (so that several servers may start at once).
func (db *DB) migrate(ctx context.Context, own fs.FS) error {
	op := db.op("migrate")
	steps, err := Migrations(db.d, own)
	if err != nil {
		return article5.Internal(op, err)
	}
	create, err := render("schema_migrations", createMigrationsTable, db.d.Vocabulary())
	if err != nil {
		return article5.Internal(op, err)
	}
	for _, m := range steps {
		if err := db.migrateOne(ctx, create, m); err != nil {
			return article5.Internal(op, fmt.Errorf("%s: %w", m.Name, err))
		}
	}
	return nil
}

func (db *DB) migrateOne(ctx context.Context, create string, m Migration) error {
	tx, err := db.drv.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	if err := db.drv.Lock(ctx, tx, LockMigrate); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, create); err != nil {
		return err
	}
	var n int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM schema_migrations WHERE name = ?`, m.Name).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	if _, err := tx.Exec(ctx, m.SQL); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (name, applied) VALUES (?, ?)`, m.Name, db.now().UnixNano()); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// Ping checks that the database answers; EINTERNAL if it does not.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.drv.Ping(ctx); err != nil {
		return article5.Internal(db.op("ping"), err)
	}
	return nil
}

// Close closes the database's connections; EINTERNAL on failure.
func (db *DB) Close() error {
	if db.stopListen != nil {
		db.stopListen()
	}
	db.listening.Wait()
	if err := db.drv.Close(); err != nil {
		return article5.Internal(db.op("close"), err)
	}
	return nil
}

// op names an operation in an error's context: "sqlite: find case".
func (db *DB) op(what string) string { return db.d.Name() + ": " + what }

// begin begins a write transaction and takes locks, in the order given
// (see Lock for the order).
func (db *DB) begin(ctx context.Context, op string, locks ...Lock) (Tx, error) {
	tx, err := db.drv.Begin(ctx)
	if err != nil {
		return nil, article5.Internal(op, err)
	}
	for _, l := range locks {
		if err := db.drv.Lock(ctx, tx, l); err != nil {
			tx.Rollback(ctx)
			return nil, article5.Internal(op, err)
		}
	}
	return tx, nil
}

// commit commits tx.
func commit(ctx context.Context, op string, tx Tx) error {
	if err := tx.Commit(ctx); err != nil {
		return article5.Internal(op, err)
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

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func isNoRows(err error) bool { return errors.Is(err, ErrNoRows) }
