package postgres_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"article5/postgres"
	"article5/sqlstore"
	"article5/sqlstore/sqltest"
)

// TestMigratedSchema: the migrations through sqltest.SchemaGoldenThrough
// make, in a fresh schema, exactly the schema of testdata/schema.golden
// (taken from the migrations as first shipped): every column
// (information_schema.columns: type, nullability, default, identity; and
// its storage), index (pg_indexes.indexdef) and constraint
// (pg_get_constraintdef).
func TestMigratedSchema(t *testing.T) {
	steps, err := postgres.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, freshSchemaNamed(t, "schema_"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	exec := func(m sqlstore.Migration) error {
		return pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			_, err := tx.Exec(ctx, m.SQL)
			return err
		})
	}
	sqltest.CheckMigratedSchema(t, steps, exec, func() (string, error) { return dumpSchema(ctx, conn) }, filepath.Join("testdata", "schema.golden"))
}

// dumpSchema describes the schema conn's search_path names, one fact a
// line, in a stable order, without the schema's own name.
func dumpSchema(ctx context.Context, conn *pgx.Conn) (string, error) {
	var schema string
	if err := conn.QueryRow(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		return "", err
	}
	var out strings.Builder
	for _, q := range []struct{ what, sql string }{
		{"column", `SELECT table_name, column_name, ordinal_position, data_type, is_nullable, coalesce(column_default, ''),
			is_identity, coalesce(identity_generation, '') FROM information_schema.columns
			WHERE table_schema = $1 ORDER BY table_name, ordinal_position`},
		{"storage", `SELECT c.relname, a.attname, a.attstorage::text FROM pg_attribute a
			JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
			WHERE n.nspname = $1 AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped ORDER BY c.relname, a.attnum`},
		{"index", `SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = $1 ORDER BY tablename, indexname`},
		{"constraint", `SELECT c.relname, k.conname, k.contype::text, pg_get_constraintdef(k.oid) FROM pg_constraint k
			JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
			WHERE n.nspname = $1 ORDER BY c.relname, k.conname`},
		{"trigger", `SELECT event_object_table, trigger_name, action_timing, event_manipulation, action_statement
			FROM information_schema.triggers WHERE trigger_schema = $1 ORDER BY 1, 2, 4`},
		{"job", `SELECT id, cases::text, created, leased_until, attempts, done FROM jobs ORDER BY seq`},
	} {
		args := []any{schema}
		if q.what == "job" {
			args = nil
		}
		rs, err := conn.Query(ctx, q.sql, args...)
		if err != nil {
			return "", fmt.Errorf("%s: %w", q.what, err)
		}
		for rs.Next() {
			v, err := rs.Values()
			if err != nil {
				rs.Close()
				return "", err
			}
			line := fmt.Sprintf("%s: %v", q.what, v)
			out.WriteString(strings.ReplaceAll(line, schema+".", "") + "\n")
		}
		rs.Close()
		if err := rs.Err(); err != nil {
			return "", fmt.Errorf("%s: %w", q.what, err)
		}
	}
	return out.String(), nil
}
