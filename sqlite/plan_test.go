package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"article5/sqlite"
	"article5/sqlstore"
	"article5/sqlstore/sqltest"
)

// TestQueryPlans reads SQLite's plan (EXPLAIN QUERY PLAN) of every query
// on a hot path, as the store runs it, on a store seeded large enough
// (storetest.PlanSeedCases) that the planner chooses as at scale, on a
// node never analyzed (SQLite's planner without statistics) and after
// ANALYZE; it fails when a query stops reading its index.
func TestQueryPlans(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds 20,000 objects")
	}
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "plans.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	sqltest.RunQueryPlans(t, db.DB, "sqlite", true, planText)
}

// planText shows a plan as SQLite words it (EXPLAIN QUERY PLAN's rows).
func planText(p *sqlstore.Plan) string { return p.Text }
