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
	t.Helper()
	d := freshSchema(t)
	db, err := postgres.Open(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	conn, err := pgx.Connect(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return db, func(tb testing.TB, q string) {
		tb.Helper()
		if _, err := conn.Exec(context.Background(), q); err != nil {
			tb.Fatalf("%s: %v", q, err)
		}
	}
}

func TestAudit(t *testing.T) {
	dsn(t) // skips without ARTICLE5_TEST_POSTGRES
	storetest.RunAudit(t, storetest.Postgres, openAudit)
}
