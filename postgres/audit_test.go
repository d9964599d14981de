package postgres_test

import (
	"context"
	"testing"

	"article5"
	"article5/postgres"
	"article5/storetest"

	"github.com/jackc/pgx/v5"
)

// openAudit opens a store in a fresh schema and, beside it, a plain pgx
// connection to the same schema to tamper with it.
func openAudit(t *testing.T) (article5.Store, storetest.Exec) {
	s, exec, _ := openAuditReopen(t)
	return s, exec
}

// openAuditReopen is openAudit with a function that closes the store and
// opens its schema again.
func openAuditReopen(t *testing.T) (article5.Store, storetest.Exec, func() article5.Store) {
	t.Helper()
	d := freshSchema(t)
	open := func() article5.Store {
		db, err := postgres.Open(context.Background(), d)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	s := open()
	conn, err := pgx.Connect(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	exec := func(tb testing.TB, q string) {
		tb.Helper()
		if _, err := conn.Exec(context.Background(), q); err != nil {
			tb.Fatalf("%s: %v", q, err)
		}
	}
	return s, exec, func() article5.Store {
		s.Close()
		s = open()
		return s
	}
}

func TestAudit(t *testing.T) {
	dsn(t) // skips without ARTICLE5_TEST_POSTGRES
	storetest.RunAudit(t, storetest.Postgres, openAudit)
}

// TestAuditUpgrade: a log of audit_hashes rows is converted to tiles on open.
func TestAuditUpgrade(t *testing.T) {
	dsn(t) // skips without ARTICLE5_TEST_POSTGRES
	storetest.RunAuditUpgrade(t, storetest.Postgres, openAuditReopen)
}
