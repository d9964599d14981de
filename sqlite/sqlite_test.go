package sqlite_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"article5"
	"article5/sqlite"
	"article5/storetest"
)

func open(t *testing.T) article5.Store {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "sub dir", "article5 #1%.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestConformance(t *testing.T) { storetest.Run(t, open) }

func TestOpenCreatesFileInWALModeAndReopens(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "new dir", "node #1.db")
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	storetest.MustIngest(t, db, storetest.Object(t, `{"type":"identity","spec_version":"2.1","id":"identity--7c477306-5df9-4487-b023-958c6583ffef","created":"2024-01-01T00:00:00Z","modified":"2024-01-01T00:00:00Z","name":"A"}`, ""))
	if _, err := os.Stat(path + "-wal"); err != nil {
		t.Errorf("no write-ahead log beside the database: %v", err)
	}
	db.Close()
	db, err = sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	storetest.MustVersions(t, db, "identity--7c477306-5df9-4487-b023-958c6583ffef")
}

// openBench opens a store in a directory that outlives the benchmark's
// repeated runs; TestMain removes it.
func openBench(b *testing.B) *sqlite.DB {
	b.Helper()
	dir, err := os.MkdirTemp("", "article5-bench-")
	if err != nil {
		b.Fatal(err)
	}
	kept.Defer(func() { os.RemoveAll(dir) })
	db, err := sqlite.Open(context.Background(), filepath.Join(dir, "article5.db"))
	if err != nil {
		b.Fatal(err)
	}
	return db
}

// kept is what the benchmarks keep until the test binary ends.
var kept storetest.Kept

func TestMain(m *testing.M) { os.Exit(kept.Run(m)) }

// BenchmarkIngest: go test -run '^$' -bench Ingest -benchtime 1x ./sqlite/
// (ARTICLE5_BENCH_OBJECTS objects, default 200,000).
func BenchmarkIngest(b *testing.B) {
	storetest.BenchIngest(b, func(b *testing.B) article5.Store { return openBench(b) })
}

// BenchmarkFindCases: FindCases latency at 100,000 cases (p99_ms).
func BenchmarkFindCases(b *testing.B) {
	storetest.BenchFindCases(b, kept.SeededCases(b, 100_000, func(b *testing.B) article5.Store { return openBench(b) }))
}

// TestBackup: a backup taken while the store is open opens as a store with
// the same objects.
func TestBackup(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := sqlite.Open(ctx, filepath.Join(dir, "a.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	obj := storetest.Object(t, `{"type":"identity","spec_version":"2.1","id":"identity--11111111-2222-4333-8444-555555555555","created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z","name":"Example","identity_class":"organization"}`, "")
	storetest.MustIngest(t, db, obj)
	copyPath := filepath.Join(dir, "copy.db")
	if err := db.Backup(ctx, copyPath); err != nil {
		t.Fatal(err)
	}
	if err := db.Backup(ctx, copyPath); err == nil {
		t.Fatal("a backup over an existing file was accepted")
	}
	cp, err := sqlite.Open(ctx, copyPath)
	if err != nil {
		t.Fatal(err)
	}
	defer cp.Close()
	if v := storetest.MustVersions(t, cp, obj.ID); len(v) != 1 || string(v[0].Raw) != string(obj.Raw) {
		t.Fatalf("backup holds %d versions", len(v))
	}
}

// BenchmarkReleasedPages: the store's side of the case and event pages
// at ARTICLE5_SCALE_CASES cases (comma-separated; default 1,000), seeded
// by storetest.SeedScale (storetest.BenchReleasedPages).
//
//	ARTICLE5_SCALE_CASES=1000,10000,100000 go test -run '^$' -bench ReleasedPages -benchtime 1x ./sqlite/
func BenchmarkReleasedPages(b *testing.B) {
	for _, n := range storetest.ScaleSizes(1000) {
		b.Run(fmt.Sprintf("cases=%d", n), func(b *testing.B) {
			db, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "article5.db"))
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			storetest.SeedScale(b, db, n, "5ca1e5ca")
			for b.Loop() {
				storetest.BenchReleasedPages(b, db, "5ca1e5ca", n)
			}
		})
	}
}

func TestNewestAndAddedTimes(t *testing.T) { storetest.RunNewestAndAddedTimes(t, open(t)) }
