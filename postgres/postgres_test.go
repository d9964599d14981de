package postgres_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"testing"

	"article5"
	"article5/postgres"
	"article5/storetest"

	"github.com/jackc/pgx/v5"
)

// dsn returns the test database's URL from ARTICLE5_TEST_POSTGRES, or skips.
func dsn(tb testing.TB) string {
	tb.Helper()
	d := os.Getenv("ARTICLE5_TEST_POSTGRES")
	if d == "" {
		tb.Skip("ARTICLE5_TEST_POSTGRES is not set: set it to a PostgreSQL URL (postgres://user:pass@host:5432/db?sslmode=disable) to run the PostgreSQL conformance suite; .ci/run starts a local server and sets it")
	}
	return d
}

// freshSchema creates a schema with a random name, drops it at cleanup, and
// returns dsn with search_path set to it (plus extra run-time parameters).
func freshSchema(tb testing.TB, extra ...string) string {
	tb.Helper()
	return freshSchemaNamed(tb, "test_", extra...)
}

// freshSchemaNamed is freshSchema with the name's prefix.
func freshSchemaNamed(tb testing.TB, prefix string, extra ...string) string {
	tb.Helper()
	base := dsn(tb)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		tb.Fatalf("connect to ARTICLE5_TEST_POSTGRES: %v", err)
	}
	defer conn.Close(ctx)
	b := make([]byte, 6)
	rand.Read(b)
	schema := prefix + hex.EncodeToString(b)
	if _, err := conn.Exec(ctx, `CREATE SCHEMA `+schema); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		conn, err := pgx.Connect(context.Background(), base)
		if err != nil {
			tb.Errorf("drop schema %s: %v", schema, err)
			return
		}
		defer conn.Close(context.Background())
		if _, err := conn.Exec(context.Background(), `DROP SCHEMA `+schema+` CASCADE`); err != nil {
			tb.Errorf("drop schema %s: %v", schema, err)
		}
	})
	return withParams(tb, base, append([]string{"search_path", schema}, extra...)...)
}

func withParams(tb testing.TB, dsn string, kv ...string) string {
	tb.Helper()
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			tb.Fatal(err)
		}
		q := u.Query()
		for i := 0; i+1 < len(kv); i += 2 {
			q.Set(kv[i], kv[i+1])
		}
		u.RawQuery = q.Encode()
		return u.String()
	}
	for i := 0; i+1 < len(kv); i += 2 {
		dsn += " " + kv[i] + "=" + kv[i+1]
	}
	return dsn
}

func open(t *testing.T) article5.Store {
	t.Helper()
	db, err := postgres.Open(context.Background(), freshSchema(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestConformance(t *testing.T) {
	dsn(t) // skips without ARTICLE5_TEST_POSTGRES
	storetest.Run(t, open)
}

func TestOpenTwiceMigratesOnce(t *testing.T) {
	d := freshSchema(t)
	for i := 0; i < 2; i++ {
		db, err := postgres.Open(context.Background(), d)
		if err != nil {
			t.Fatal(err)
		}
		db.Close()
	}
}

func TestBadURLInvalid(t *testing.T) {
	_, err := postgres.Open(context.Background(), "postgres://%zz")
	if article5.ErrorCode(err) != article5.EINVALID {
		t.Fatalf("error %v, want EINVALID", err)
	}
}

// openBench opens a store in a fresh schema that lives until the test
// binary exits (benchmark functions run several times). With async,
// commits are asynchronous (synchronous_commit=off), as a bulk load of
// fixtures would set.
func openBench(b *testing.B, async bool) *postgres.DB {
	b.Helper()
	d := dsn(b)
	conn, err := pgx.Connect(context.Background(), d)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(context.Background())
	r := make([]byte, 6)
	rand.Read(r)
	schema := "bench_" + hex.EncodeToString(r)
	if _, err := conn.Exec(context.Background(), `CREATE SCHEMA `+schema); err != nil {
		b.Fatal(err)
	}
	kept.Defer(func() {
		if conn, err := pgx.Connect(context.Background(), d); err == nil {
			conn.Exec(context.Background(), `DROP SCHEMA `+schema+` CASCADE`)
			conn.Close(context.Background())
		}
	})
	params := []string{"search_path", schema}
	if async {
		params = append(params, "synchronous_commit", "off")
	}
	db, err := postgres.Open(context.Background(), withParams(b, d, params...))
	if err != nil {
		b.Fatal(err)
	}
	return db
}

// kept is what the benchmarks keep until the test binary ends.
var kept storetest.Kept

func TestMain(m *testing.M) { os.Exit(kept.Run(m)) }

// BenchmarkIngest: go test -run '^$' -bench Ingest -benchtime 1x ./postgres/
// (ARTICLE5_BENCH_OBJECTS objects, default 200,000).
func BenchmarkIngest(b *testing.B) {
	storetest.BenchIngest(b, func(b *testing.B) article5.Store { return openBench(b, false) })
}

// BenchmarkFindCases: FindCases latency at 100,000 cases (p99_ms), seeded
// with asynchronous commits (100,000 transactions).
func BenchmarkFindCases(b *testing.B) {
	storetest.BenchFindCases(b, kept.SeededCases(b, 100_000, func(b *testing.B) article5.Store { return openBench(b, true) }))
}

// BenchmarkAuditVerify1M: the routine and the deep check (sub-benchmarks
// routine, deep) over a log of ARTICLE5_BENCH_OBJECTS entries (default
// 1,000,000), one stored object per entry, built once by bulk ingest
// outside the timers:
// ARTICLE5_TEST_POSTGRES=… go test -run '^$' -bench AuditVerify1M -benchtime 3x ./postgres/
func BenchmarkAuditVerify1M(b *testing.B) {
	storetest.BenchAuditVerify(b, func(b *testing.B) article5.Store { return openBench(b, true) })
}

func TestNewestAndAddedTimes(t *testing.T) { storetest.RunNewestAndAddedTimes(t, open(t)) }
