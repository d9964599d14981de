// Package sqlite is article5's embedded store: an article5.Store and an
// audit.Store on one SQLite file (modernc.org/sqlite, no cgo), the default
// for a node that needs no setup. The store itself is package sqlstore's,
// written once for both databases; this package opens the file, supplies
// SQLite's vocabulary for the migrations (written once in sqlstore) and
// implements sqlstore.Driver (driver.go).
//
// The file is opened in WAL mode with a busy timeout and foreign keys on.
// Writes go through one connection whose transactions begin IMMEDIATE, so
// writers queue in the pool instead of failing with SQLITE_BUSY; reads use
// a separate pool of read-only connections that WAL lets run beside the
// writer. Migrations (Migrations) are applied on Open.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"article5"
	"article5/sqlstore"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

//go:embed migration
var migrations embed.FS

// Migrations returns the schema steps Open applies, in order: sqlstore's,
// rendered for this database, and any of migration/ (which win over
// sqlstore's of the same name). See sqlstore.Migrations.
func Migrations() ([]sqlstore.Migration, error) { return sqlstore.Migrations(&driver{}, migrations) }

// DB is an article5.Store on one SQLite file: the sqlstore.DB (every
// store method, and its Now clock) plus what only SQLite does (Backup).
type DB struct {
	*sqlstore.DB
	drv *driver
}

var _ article5.Store = (*DB)(nil)

// Open opens (creating it and its directory on first start) the SQLite
// database at path and applies pending migrations. A path with '?' is
// EINVALID; other errors are EINTERNAL.
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
	n := max(runtime.GOMAXPROCS(0), 4)
	read.SetMaxOpenConns(n)
	read.SetMaxIdleConns(n)
	drv := &driver{write: write, read: read}
	store, err := sqlstore.New(ctx, drv, migrations)
	if err != nil {
		drv.Close()
		return nil, err
	}
	return &DB{DB: store, drv: drv}, nil
}
