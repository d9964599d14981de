package postgres_test

import (
	"testing"

	"article5/storetest"
)

func TestDoctrineAudit(t *testing.T) {
	dsn(t) // skips without ARTICLE5_TEST_POSTGRES
	storetest.RunDoctrineAudit(t, storetest.Postgres, openAudit)
}
