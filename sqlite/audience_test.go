package sqlite_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"article5"
	"article5/sqlite"
	"article5/storetest"
)

func TestAudienceAudit(t *testing.T) { storetest.RunAudienceAudit(t, openAudit) }

// TestAudienceFilledOnUpgrade: cases held before migration 0009 (here: a
// store whose keys are gone and whose cases are pending, as the migration
// leaves them) get their keys on the next open, before it serves.
func TestAudienceFilledOnUpgrade(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "article5.db")
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	storetest.SeedScale(t, db, 30, "0b9e0b9e")
	holder := storetest.ScaleHolder
	before, _, err := db.FindCases(ctx, article5.CaseFilter{Audience: holder})
	if err != nil || len(before) != 27 {
		t.Fatalf("before: %d cases, %v; want the 27 that are not RED", len(before), err)
	}
	db.Close()
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`DELETE FROM case_audience`, `DELETE FROM event_audience`, `INSERT INTO case_audience_pending (case_id) SELECT id FROM cases`} {
		if _, err := raw.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	raw.Close()
	db, err = sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	after, _, err := db.FindCases(ctx, article5.CaseFilter{Audience: holder})
	if err != nil || len(after) != len(before) {
		t.Fatalf("after reopening: %d cases, %v; want %d", len(after), err, len(before))
	}
	evs, err := db.FindEvents(ctx, article5.EventFilter{Audience: holder})
	if err != nil || len(evs) != 27 {
		t.Fatalf("after reopening: %d events, %v; want 27", len(evs), err)
	}
	rep, err := db.AuditVerify(ctx)
	if err != nil || len(rep.Faults) != 0 {
		t.Fatalf("audit verify after the upgrade: %v %+v", err, rep)
	}
}
