package postgres_test

import (
	"context"
	"testing"

	"article5"
	"article5/postgres"
	"article5/storetest"

	"github.com/jackc/pgx/v5"
)

// openAudit opens a fresh store (openAuditReopen) and the Exec that
// tampers with it.
var openAudit = storetest.WithoutReopen(openAuditReopen)

// openAuditReopen is openAudit with a function that closes the store and
// opens its schema again.
func openAuditReopen(t *testing.T) (article5.Store, storetest.Exec, func() article5.Store) {
	t.Helper()
	d := freshSchema(t)
	conn, err := pgx.Connect(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return storetest.Reopenable(t, func() (*postgres.DB, error) { return postgres.Open(context.Background(), d) }, func(q string) error {
		_, err := conn.Exec(context.Background(), q)
		return err
	})
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
