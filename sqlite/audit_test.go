package sqlite_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"testing"
	"time"

	"article5"
	"article5/sqlite"
	"article5/storetest"
)

// openAudit opens a fresh store and, beside it, a plain database/sql
// connection to the same file to tamper with it.
func openAudit(t *testing.T) (article5.Store, storetest.Exec) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "article5.db")
	db, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	raw, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	return db, func(tb testing.TB, q string) {
		tb.Helper()
		if _, err := raw.Exec(q); err != nil {
			tb.Fatalf("%s: %v", q, err)
		}
	}
}

func TestAudit(t *testing.T) { storetest.RunAudit(t, storetest.SQLite, openAudit) }

// BenchmarkAuditVerify1M: AuditVerify over a log of
// ARTICLE5_BENCH_OBJECTS entries (default 1,000,000), one stored object
// per entry, built once by bulk ingest outside the timer:
// go test -run '^$' -bench AuditVerify -benchtime 1x ./sqlite/
func BenchmarkAuditVerify1M(b *testing.B) {
	n := 1_000_000
	if os.Getenv("ARTICLE5_BENCH_OBJECTS") != "" {
		n = storetest.BenchObjects(b)
	}
	db := openBench(b)
	defer db.Close()
	ctx := context.Background()
	start := time.Now()
	for done := 0; done < n; done += 1000 {
		if _, err := db.IngestObjects(ctx, storetest.SyntheticBatch(done, min(1000, n-done)), nil, false); err != nil {
			b.Fatal(err)
		}
	}
	ingestRate := float64(n) / time.Since(start).Seconds()
	b.ResetTimer()
	for range b.N {
		rep, err := db.AuditVerify(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if !rep.Intact() || rep.Head.N != int64(n) {
			b.Fatalf("%d entries: %v", rep.Head.N, rep.Err())
		}
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/verify")
	b.ReportMetric(ingestRate, "ingest_entries/s")
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
	for _, q := range []string{`DROP TABLE node_keys`, `DROP TABLE audit_entries`, `DROP TABLE audit_hashes`, `DROP TABLE audit_heads`,
		`DELETE FROM schema_migrations WHERE name = '0002_audit.sql'`} {
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
}
