package postgres_test

import (
	"context"
	"strings"
	"testing"

	"article5/postgres"
	"article5/sqlstore"
	"article5/storetest"
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
	ctx := context.Background()
	db, err := postgres.Open(ctx, freshSchema(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	storetest.PlanSeed(t, db, "b1a4b1a4")
	if err := db.Analyze(ctx); err != nil {
		t.Fatal(err)
	}
	db.SetCaseSearchWindow(storetest.PlanSearchWindow)
	checkPlans(t, db.DB, "postgres", storetest.HotPaths(t, "b1a4b1a4", storetest.PlanSeedCases))
}

// checkPlans runs each hot path on a recording copy of db and checks the
// plan of every statement it matched.
func checkPlans(t *testing.T, db *sqlstore.DB, dialect string, paths []storetest.HotPath) {
	ctx := context.Background()
	for _, h := range paths {
		t.Run(h.Name, func(t *testing.T) {
			var ran []sqlstore.Statement
			if err := h.Run(ctx, db.Recording(&ran)); err != nil {
				t.Fatal(err)
			}
			var all []storetest.PlanStep
			var text strings.Builder
			n := 0
			for _, st := range ran {
				if !strings.Contains(st.Query, h.Match) || strings.HasPrefix(strings.TrimSpace(st.Query), "INSERT") {
					continue
				}
				n++
				p, err := db.Explain(ctx, st)
				if err != nil {
					t.Fatal(err)
				}
				var steps []storetest.PlanStep
				var summary []string
				for _, s := range p.Steps {
					steps = append(steps, storetest.PlanStep{Table: s.Table, Index: s.Index, FullScan: s.FullScan})
					summary = append(summary, s.Detail)
				}
				storetest.CheckPlan(t, dialect, h, st.Query, steps, strings.Join(summary, "\n"))
				all = append(all, steps...)
				text.WriteString(st.Query + "\n" + strings.Join(summary, "\n") + "\n")
			}
			if n == 0 {
				t.Fatalf("%s ran no statement containing %q", h.Name, h.Match)
			}
			storetest.UsesIndexes(t, dialect, h, all, text.String())
			if testing.Verbose() {
				t.Log(text.String())
			}
		})
	}
}
