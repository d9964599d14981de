// Package testdb gives tests and benchmarks real, empty stores: SQLite in
// a temporary directory, and PostgreSQL in a schema of its own on the
// server ARTICLE5_TEST_POSTGRES names. Each is closed, and its schema
// dropped, when the test ends.
package testdb

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"article5/postgres"
	"article5/sqlite"

	"github.com/jackc/pgx/v5"
)

// EnvPostgres names the environment variable that holds the URL of the
// PostgreSQL server tests use; unset, they use SQLite only.
const EnvPostgres = "ARTICLE5_TEST_POSTGRES"

// SQLite opens an empty SQLite store in a temporary directory.
func SQLite(tb testing.TB) *sqlite.DB {
	tb.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(tb.TempDir(), "article5.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// Postgres opens an empty PostgreSQL store in a fresh schema (SchemaURL)
// on the server EnvPostgres names; the test fails if it is unset.
func Postgres(tb testing.TB, prefix string) *postgres.DB {
	tb.Helper()
	base := os.Getenv(EnvPostgres)
	if base == "" {
		tb.Fatalf("%s is not set", EnvPostgres)
	}
	db, err := postgres.Open(context.Background(), SchemaURL(tb, base, prefix))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() }) // before the schema is dropped: cleanups run last first
	return db
}

// SchemaURL creates the schema prefix_<12 random hex digits> in the
// database base (a PostgreSQL URL) names, drops it with all it holds when
// the test ends, and returns base with search_path set to it.
func SchemaURL(tb testing.TB, base, prefix string) string {
	tb.Helper()
	rnd := make([]byte, 6)
	_, _ = rand.Read(rnd)
	schema := prefix + "_" + hex.EncodeToString(rnd)
	exec := func(sql string) error {
		ctx := context.Background()
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			return err
		}
		defer conn.Close(ctx)
		_, err = conn.Exec(ctx, sql)
		return err
	}
	if err := exec(`CREATE SCHEMA ` + schema); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := exec(`DROP SCHEMA ` + schema + ` CASCADE`); err != nil {
			tb.Errorf("drop schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
