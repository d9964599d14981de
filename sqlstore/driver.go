package sqlstore

import (
	"context"
	"errors"
)

// Querier runs SQL written with ? placeholders, on a pool, a connection or
// a transaction. A driver whose database numbers its placeholders
// (PostgreSQL's $1, $2, …) rewrites them; a query given no arguments is
// run as it is written (migrations hold several statements).
type Querier interface {
	// Query runs a query that returns rows. The caller closes them before
	// running the next query on the same transaction.
	Query(ctx context.Context, query string, args ...any) (Rows, error)
	// QueryRow runs a query that returns at most one row; its Scan
	// returns ErrNoRows when there was none.
	QueryRow(ctx context.Context, query string, args ...any) Row
	// Exec runs a statement and returns how many rows it changed.
	Exec(ctx context.Context, query string, args ...any) (int64, error)
}

// Row is one row of a result: Scan copies its columns into dest, in
// order. Both drivers scan integers, booleans, text and blobs into
// *int64, *int, *bool, *string and *[]byte; JSON columns (PostgreSQL
// json and jsonb, SQLite TEXT) scan into *string.
type Row interface {
	Scan(dest ...any) error
}

// Rows is the result of a query, read with Next and Scan.
type Rows interface {
	Row
	Next() bool
	Err() error
	Close()
}

// Tx is a transaction. Rollback after Commit does nothing, so a method
// defers Rollback as soon as it has begun.
type Tx interface {
	Querier
	Commit(ctx context.Context) error
	Rollback(ctx context.Context) error
}

// ErrNoRows is what Row.Scan returns when a query found no row; each
// driver maps its own (sql.ErrNoRows, pgx.ErrNoRows) to it.
var ErrNoRows = errors.New("sqlstore: no rows in result set")

// Lock names a writer that PostgreSQL serialises with a transaction-scoped
// advisory lock (pg_advisory_xact_lock), so that sequence numbers follow
// commit order and a check-then-write holds. SQLite has one writer
// connection, so every write transaction already holds them all.
//
// Order: a transaction takes LockConsultations before LockObjects, those
// before LockEvents, and LockAudit (taken by every audited write, and so
// by ingest) last: a lock it needs later in the order is taken at the
// start, never after one further on. Taking a lock it holds again is
// harmless.
type Lock int

// The writer locks.
const (
	LockMigrate       Lock = iota + 1 // applying a migration
	LockConsultations                 // consultation saves: the version check holds
	LockObjects                       // object ingest: objects.seq and date added in commit order
	LockEvents                        // events: events.seq in commit order (FindEvents' cursor, webhook cursors)
	LockAudit                         // the transparency log: one appender at a time
	LockLimits                        // login throttling (UpdateLimits): a read-then-write of its states holds
)

// Driver is what a database adapter (package sqlite, package postgres)
// gives the core: connections and transactions, and the Dialect of what
// truly differs between the two databases. Every method doing I/O takes
// the caller's context; errors are the driver's own (the core wraps them).
type Driver interface {
	Dialect

	// Read is for reads outside a transaction (SQLite: the read-only
	// pool beside the writer; PostgreSQL: the pool).
	Read() Querier
	// Write is for single-statement writes outside a transaction
	// (SQLite: the one writer connection; PostgreSQL: the pool).
	Write() Querier
	// Begin begins a write transaction (SQLite: BEGIN IMMEDIATE on the
	// writer, so writers queue instead of failing with SQLITE_BUSY).
	Begin(ctx context.Context) (Tx, error)
	// BeginRead begins a read-only transaction that sees one snapshot.
	BeginRead(ctx context.Context) (Tx, error)
	// BeginSnapshot begins n read-only transactions that all see the
	// same snapshot, to read large tables at once on n connections
	// (SQLite: each is pinned while the write lock holds commits off;
	// PostgreSQL: pg_export_snapshot and SET TRANSACTION SNAPSHOT).
	BeginSnapshot(ctx context.Context, n int) ([]Tx, error)
	// Lock takes l for the rest of tx (PostgreSQL: pg_advisory_xact_lock;
	// SQLite: nothing, the single writer holds every lock).
	Lock(ctx context.Context, tx Tx, l Lock) error
	// BulkInsert inserts rows (each a value per column of cols) into
	// table inside tx: PostgreSQL COPY, SQLite multi-row INSERTs.
	BulkInsert(ctx context.Context, tx Tx, table string, cols []string, rows [][]any) error
	// Listen tells notify of the topics (article5.Topic) other processes
	// announce with Notify, until ctx is done, and of "" whenever news may
	// have been lost (it reconnected). PostgreSQL: LISTEN on its own
	// connection; SQLite, one process only: it returns at once.
	Listen(ctx context.Context, notify func(topic string))
	// Ping checks that the database answers.
	Ping(ctx context.Context) error
	// Close closes every connection.
	Close() error
}
