package sqlite_test

import (
	"testing"

	"article5"
	"article5/storetest"
)

// TestCluster: SQLite has one serve process, so both "processes" are the
// one store; what they share behaves as on PostgreSQL.
func TestCluster(t *testing.T) {
	storetest.RunCluster(t, func(t *testing.T) (article5.Store, article5.Store) {
		s := open(t)
		return s, s
	})
}
