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

// openAudit opens a fresh store (openAuditReopen) and the Exec that
// tampers with it.
var openAudit = storetest.WithoutReopen(openAuditReopen)

// openAuditReopen is openAudit with a function that closes the store and
// opens its file again.
func openAuditReopen(t *testing.T) (article5.Store, storetest.Exec, func() article5.Store) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "article5.db")
	raw, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	return storetest.Reopenable(t, func() (*sqlite.DB, error) { return sqlite.Open(context.Background(), path) }, func(q string) error {
		_, err := raw.Exec(q)
		return err
	})
}

func TestAudit(t *testing.T) { storetest.RunAudit(t, storetest.SQLite, openAudit) }

// TestAuditUpgrade: a log of audit_hashes rows is converted to tiles on open.
func TestAuditUpgrade(t *testing.T) { storetest.RunAuditUpgrade(t, storetest.SQLite, openAuditReopen) }

// BenchmarkAuditVerify1M: the routine and the deep check (sub-benchmarks
// routine, deep) over a log of ARTICLE5_BENCH_OBJECTS entries (default
// 1,000,000), one stored object per entry, built once by bulk ingest
// outside the timers:
// go test -run '^$' -bench AuditVerify1M -benchtime 3x ./sqlite/
func BenchmarkAuditVerify1M(b *testing.B) {
	storetest.BenchAuditVerify(b, func(b *testing.B) article5.Store { return openBench(b) })
}

// TestAuditGenesisOnUpgrade: a store made before the log (migration 0002
// not yet applied) gets, on the open that applies it, one genesis entry
// per covered row, so its log verifies.
func TestAuditGenesisOnUpgrade(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "article5.db")
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	storetest.MustIngest(t, db, storetest.SyntheticBatch(0, 25)...)
	db.Close()
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	// Back to a store of migration 0001 alone: 0002, 0007, 0008, 0009 and 0012 undone.
	for _, q := range []string{`DROP INDEX objects_rank_added`, `DROP INDEX objects_creator_added`, `DROP INDEX objects_custodian_added`,
		`DROP INDEX objects_red_added`, `DROP TABLE taxii_statuses`, `DELETE FROM schema_migrations WHERE name = '0012_taxii.sql'`, `DROP TABLE node_keys`, `DROP TABLE audit_entries`, `DROP TABLE audit_hashes`, `DROP TABLE audit_heads`,
		`DROP TABLE audit_tiles`, `DELETE FROM schema_migrations WHERE name = '0008_audit_tiles.sql'`,
		`ALTER TABLE objects DROP COLUMN raw_sha256`, `DELETE FROM schema_migrations WHERE name = '0009_object_raw_sha256.sql'`,
		`DELETE FROM schema_migrations WHERE name = '0002_audit.sql'`,
		`DROP INDEX objects_rank_pending`, `ALTER TABLE objects DROP COLUMN submitter`, `ALTER TABLE objects DROP COLUMN submitter_org`,
		`ALTER TABLE objects DROP COLUMN custodian`, `ALTER TABLE objects DROP COLUMN relayed`, `ALTER TABLE objects DROP COLUMN tlp_rank`,
		`ALTER TABLE objects DROP COLUMN red`, `DROP TABLE quarantine`, `DROP TABLE case_index`, `DROP TABLE case_queue`,
		`DROP TABLE node_secrets`, `DELETE FROM jobs`, `DELETE FROM schema_migrations WHERE name = '0007_trust.sql'`} {
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
	rep, err := db.AuditVerify(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Intact() || rep.Head.N != 25 || rep.Rows != 25 {
		t.Fatalf("after the upgrade: %d entries, %d rows, %v", rep.Head.N, rep.Rows, rep.Err())
	}
	// Their entries digest raw itself (no raw_sha256 then): the routine
	// check reads it, and finds an edit of raw alone.
	raw, err = sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec(`UPDATE objects SET raw = raw || ' ' WHERE seq = 3`); err != nil {
		t.Fatal(err)
	}
	if rep := storetest.MustAuditVerify(t, db); rep.Intact() {
		t.Fatal("an edit of raw alone in a version stored before raw_sha256 was not detected by the routine check")
	}
}

// TestAuditDetectsFlagOutOfRange: SQLite keeps a boolean as any integer, so
// a flag edited to neither 0 nor 1 must still be a row edit.
func TestAuditDetectsFlagOutOfRange(t *testing.T) {
	for _, col := range []string{"unversioned", "revoked"} {
		t.Run(col, func(t *testing.T) {
			s, exec := openAudit(t)
			storetest.MustIngest(t, s, storetest.SyntheticBatch(0, 3)...)
			exec(t, `UPDATE objects SET `+col+` = 2`)
			if rep := storetest.MustAuditVerify(t, s); rep.Intact() {
				t.Fatalf("objects.%s = 2 not detected", col)
			}
		})
	}
}

// TestAuditDetectsUnreadableColumns: SQLite keeps any value in any column,
// and the routine check reads a row as one text of NUL-separated columns,
// so a value of the wrong type, or one holding a NUL, must still be an
// edit.
func TestAuditDetectsUnreadableColumns(t *testing.T) {
	for name, q := range map[string]string{
		// A fraction, not time + 0.5: a nanosecond time is beyond a
		// double's integers, and rounding could give back the same value.
		"entry time not an integer":  `UPDATE audit_entries SET time = 1.5 WHERE idx = 1`,
		"entry ref holding a NUL":    `UPDATE audit_entries SET ref = ref || char(0) || 'x' WHERE idx = 1`,
		"object type holding a NUL":  `UPDATE objects SET type = type || char(0) || 'x' WHERE seq = 2`,
		"object instant not integer": `UPDATE objects SET version_sec = version_sec + 0.5 WHERE seq = 2`,
		"object rank not integer":    `UPDATE objects SET tlp_rank = 'x' WHERE seq = 2`,
	} {
		t.Run(name, func(t *testing.T) {
			s, exec := openAudit(t)
			storetest.MustIngest(t, s, storetest.SyntheticBatch(0, 3)...)
			exec(t, q)
			if rep := storetest.MustAuditVerify(t, s); rep.Intact() {
				t.Fatalf("%s not detected", q)
			}
		})
	}
}

// TestAuditDetectsNULLHiddenByNUL: with its NOT NULL constraints dropped
// (a table rebuilt behind the store's back), a column set to NULL and the
// next one given its value and a NUL would pack to the same text as
// before if NULL were skipped: it must still be an edit.
func TestAuditDetectsNULLHiddenByNUL(t *testing.T) {
	rebuild := func(table string) []string {
		return []string{`CREATE TABLE x AS SELECT * FROM ` + table, `DROP TABLE ` + table, `ALTER TABLE x RENAME TO ` + table}
	}
	for name, qs := range map[string][]string{
		"entry":  append(rebuild("audit_entries"), `UPDATE audit_entries SET digest = NULL, ref = ref || char(0) || digest WHERE idx = 1`),
		"object": append(rebuild("objects"), `UPDATE objects SET spec_version = NULL, created_by = spec_version || char(0) || created_by WHERE seq = 2`),
	} {
		t.Run(name, func(t *testing.T) {
			s, exec := openAudit(t)
			storetest.MustIngest(t, s, storetest.SyntheticBatch(0, 3)...)
			for _, q := range qs {
				exec(t, q)
			}
			if rep := storetest.MustAuditVerify(t, s); rep.Intact() {
				t.Fatalf("%v not detected", qs)
			}
		})
	}
}
