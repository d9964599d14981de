package postgres_test

import (
	"context"
	"strings"
	"testing"

	"article5/postgres"
	"article5/sqlstore"
	"article5/sqlstore/sqltest"
)

// TestQueryPlans reads PostgreSQL's plan (EXPLAIN (FORMAT JSON), with the
// arguments bound) of every query on a hot path, as the store runs it, on
// a store seeded large enough (storetest.PlanSeedCases) that the planner
// chooses as at scale, after ANALYZE; it fails when a query stops reading
// its index.
func TestQueryPlans(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds 20,000 objects")
	}
	db, err := postgres.Open(context.Background(), freshSchema(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	sqltest.RunQueryPlans(t, db.DB, "postgres", false, planText)
}

// planText shows a plan as the detail of each step, a line each.
func planText(p *sqlstore.Plan) string {
	var summary []string
	for _, s := range p.Steps {
		summary = append(summary, s.Detail)
	}
	return strings.Join(summary, "\n")
}
