package postgres_test

import (
	"context"
	"testing"

	"article5"
	"article5/postgres"
	"article5/storetest"
)

// TestCluster: two stores on one database, as two serve processes hold
// them.
func TestCluster(t *testing.T) {
	dsn(t) // skips without ARTICLE5_TEST_POSTGRES
	storetest.RunCluster(t, func(t *testing.T) (article5.Store, article5.Store) {
		d := freshSchema(t)
		var out [2]article5.Store
		for i := range out {
			db, err := postgres.Open(context.Background(), d)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			out[i] = db
		}
		return out[0], out[1]
	})
}
