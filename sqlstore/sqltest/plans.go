// Package sqltest holds what the tests of the SQL adapters (sqlite,
// postgres) share beyond the store's conformance suite (storetest): the
// check of the schema their migrations make, and of the query plans of the
// hot paths. Each adapter supplies only what differs: how it reaches its
// database and reads its catalogue.
package sqltest

import (
	"context"
	"strings"
	"testing"

	"article5/sqlstore"
	"article5/storetest"
)

// CheckPlans runs each hot path on a recording copy of db and checks the
// plan (db.Explain) of every statement it ran that contains the path's
// Match, INSERTs aside, with storetest.CheckPlan, and the steps of them
// all with storetest.UsesIndexes. text is how the dialect's test shows a plan in a failure
// (SQLite: the plan's own text; PostgreSQL: each step's detail). A path
// that ran no matching statement fails.
func CheckPlans(t *testing.T, db *sqlstore.DB, dialect string, paths []storetest.HotPath, text func(p *sqlstore.Plan) string) {
	ctx := context.Background()
	for _, h := range paths {
		t.Run(h.Name, func(t *testing.T) {
			var ran []sqlstore.Statement
			if err := h.Run(ctx, db.Recording(&ran)); err != nil {
				t.Fatal(err)
			}
			var all []storetest.PlanStep
			var shown strings.Builder
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
				for _, s := range p.Steps {
					steps = append(steps, storetest.PlanStep{Table: s.Table, Index: s.Index, FullScan: s.FullScan})
				}
				pt := text(p)
				storetest.CheckPlan(t, dialect, h, st.Query, steps, pt)
				all = append(all, steps...)
				shown.WriteString(st.Query + "\n" + pt + "\n")
			}
			if n == 0 {
				t.Fatalf("%s ran no statement containing %q", h.Name, h.Match)
			}
			storetest.UsesIndexes(t, dialect, h, all, shown.String())
			if testing.Verbose() {
				t.Log(shown.String())
			}
		})
	}
}

// RunQueryPlans seeds db, a fresh store, with storetest.PlanSeed, sets
// its case search window to storetest.PlanSearchWindow, and checks the
// plans of the hot paths (storetest.HotPaths, CheckPlans) after ANALYZE,
// in subtests "analyzed"; with fresh, first before it too, in subtests
// "fresh" (SQLite's planner on a node never analyzed). text is as for
// CheckPlans.
func RunQueryPlans(t *testing.T, db *sqlstore.DB, dialect string, fresh bool, text func(p *sqlstore.Plan) string) {
	const tag = "b1a4b1a4"
	storetest.PlanSeed(t, db, tag)
	db.SetCaseSearchWindow(storetest.PlanSearchWindow)
	if fresh {
		t.Run("fresh", func(t *testing.T) {
			CheckPlans(t, db, dialect, storetest.HotPaths(t, tag, storetest.PlanSeedCases), text)
		})
	}
	if err := db.Analyze(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Run("analyzed", func(t *testing.T) {
		CheckPlans(t, db, dialect, storetest.HotPaths(t, tag, storetest.PlanSeedCases), text)
	})
}
