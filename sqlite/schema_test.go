package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"article5/sqlite"
	"article5/sqlstore"
	"article5/sqlstore/sqltest"
)

// TestMigratedSchema: the migrations through sqltest.SchemaGoldenThrough
// make, on a fresh file, exactly the schema of testdata/schema.golden
// (taken from the migrations as first shipped): every table's columns
// (PRAGMA table_xinfo), indexes (index_list, index_info), foreign keys,
// and every sqlite_master statement without its comments.
func TestMigratedSchema(t *testing.T) {
	steps, err := sqlite.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "schema.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	exec := func(m sqlstore.Migration) error {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer tx.Rollback()
		if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
			return err
		}
		return tx.Commit()
	}
	sqltest.CheckMigratedSchema(t, steps, exec, func() (string, error) { return dumpSchema(ctx, db) }, filepath.Join("testdata", "schema.golden"))
}

// dumpSchema describes the schema of db, one fact a line, in a stable order.
func dumpSchema(ctx context.Context, db *sql.DB) (string, error) {
	var out strings.Builder
	var tables []string
	err := queryLines(ctx, db, &out, `SELECT type, name, tbl_name, coalesce(sql, '') FROM sqlite_master ORDER BY type, name`, func(v []any) string {
		if v[0] == "table" {
			tables = append(tables, v[1].(string))
		}
		return fmt.Sprintf("%v %v on %v: %s", v[0], v[1], v[2], sqltest.NormalizeSQL(v[3].(string)))
	})
	if err != nil {
		return "", err
	}
	for _, tb := range tables {
		q := strings.ReplaceAll(tb, `"`, `""`)
		if err := queryLines(ctx, db, &out, `SELECT * FROM pragma_table_xinfo("`+q+`")`, func(v []any) string {
			return fmt.Sprintf("column %s: %v", tb, v)
		}); err != nil {
			return "", err
		}
		var indexes []string
		if err := queryLines(ctx, db, &out, `SELECT * FROM pragma_index_list("`+q+`") ORDER BY name`, func(v []any) string {
			indexes = append(indexes, v[1].(string))
			return fmt.Sprintf("index %s: %v", tb, v[1:])
		}); err != nil {
			return "", err
		}
		for _, ix := range indexes {
			if err := queryLines(ctx, db, &out, `SELECT * FROM pragma_index_xinfo("`+strings.ReplaceAll(ix, `"`, `""`)+`")`, func(v []any) string {
				return fmt.Sprintf("index column %s: %v", ix, v)
			}); err != nil {
				return "", err
			}
		}
		if err := queryLines(ctx, db, &out, `SELECT * FROM pragma_foreign_key_list("`+q+`")`, func(v []any) string {
			return fmt.Sprintf("foreign key %s: %v", tb, v)
		}); err != nil {
			return "", err
		}
		if err := queryLines(ctx, db, &out, `SELECT count(*) FROM "`+q+`"`, func(v []any) string {
			return fmt.Sprintf("rows %s: %v", tb, v[0])
		}); err != nil {
			return "", err
		}
	}
	if err := queryLines(ctx, db, &out, `SELECT id, cases, created, leased_until, attempts, done FROM jobs ORDER BY seq`, func(v []any) string {
		return fmt.Sprintf("job: %v", v)
	}); err != nil {
		return "", err
	}
	return out.String(), nil
}

// queryLines writes line(row) and a newline for each row of query.
func queryLines(ctx context.Context, db *sql.DB, out *strings.Builder, query string, line func(v []any) string) error {
	rs, err := db.QueryContext(ctx, query)
	if err != nil {
		return fmt.Errorf("%s: %w", query, err)
	}
	defer rs.Close()
	cols, err := rs.Columns()
	if err != nil {
		return err
	}
	for rs.Next() {
		v := make([]any, len(cols))
		p := make([]any, len(cols))
		for i := range v {
			p[i] = &v[i]
		}
		if err := rs.Scan(p...); err != nil {
			return err
		}
		for i, x := range v {
			if b, ok := x.([]byte); ok {
				v[i] = string(b)
			}
		}
		out.WriteString(line(v) + "\n")
	}
	return rs.Err()
}
