package sqlstore

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"text/template"
)

// migrations are the schema's steps written once (migration/NNNN_name.sql),
// each a text/template rendered with the dialect's Vocabulary.
//
//go:embed migration
var migrations embed.FS

// Vocabulary is what a migration template (sqlstore/migration/*.sql) is
// written in: the column types and literals that the two databases spell
// differently, and which database it is, for the few statements that
// exist on one only ({{if .SQLite}} … {{else}} … {{end}}). Each Dialect
// supplies its own. A SQLite type must stay as written here: a column
// declared exactly INTEGER and PRIMARY KEY is the table's rowid, and the
// declared type decides the column's affinity.
type Vocabulary struct {
	SQLite   bool // SQLite's vocabulary
	Postgres bool // PostgreSQL's vocabulary

	Text      string // text: TEXT, text
	Int64     string // a 64-bit integer (Unix nanoseconds, sequence numbers): INTEGER, bigint
	Int32     string // a small count or rank: INTEGER, integer
	Bool      string // a flag: INTEGER (0 or 1), boolean
	True      string // the flag's literals: 1, true
	False     string // 0, false
	Blob      string // bytes: BLOB, bytea
	JSON      string // JSON text, parsed where the database can: TEXT, jsonb
	JSONExact string // JSON text kept exactly as given: TEXT, json
	// Serial is a whole column definition (after its name): a 64-bit key
	// numbered by the database in insertion order, never reused
	// (INTEGER PRIMARY KEY AUTOINCREMENT; bigint GENERATED ALWAYS AS
	// IDENTITY PRIMARY KEY).
	Serial string
}

// Is is the condition that the flag col is set, as a partial index is
// written (SQLite "col = 1", PostgreSQL "col"): queries name it the same
// way through Dialect.Bool, so that the planner can use the index.
func (v Vocabulary) Is(col string) string {
	if v.SQLite {
		return col + " = " + v.True
	}
	return col
}

// IsNot is the condition that the flag col is not set ("col = 0", "NOT col").
func (v Vocabulary) IsNot(col string) string {
	if v.SQLite {
		return col + " = " + v.False
	}
	return "NOT " + col
}

// Migration is one step of the schema: Name, the file name that
// schema_migrations records once the step has run, and its SQL for one
// database.
type Migration struct {
	Name string
	SQL  string
}

// Migrations returns the steps for the database of d, in file-name
// order: every sqlstore/migration/*.sql rendered with d.Vocabulary(), and
// every migration/*.sql of own (the adapter's directory). A file of own
// wins over a shared one of the same name: it is for a step that truly
// differs on that database, and keeps a step written the old way (one
// file per adapter) working. Errors name the file.
func Migrations(d Dialect, own fs.FS) ([]Migration, error) {
	v := d.Vocabulary()
	byName := map[string]string{}
	shared, err := fs.Glob(migrations, "migration/*.sql")
	if err != nil {
		return nil, err
	}
	for _, name := range shared {
		body, err := fs.ReadFile(migrations, name)
		if err != nil {
			return nil, err
		}
		sql, err := render(path.Base(name), string(body), v)
		if err != nil {
			return nil, fmt.Errorf("sqlstore/%s: %w", name, err)
		}
		byName[path.Base(name)] = sql
	}
	if own != nil {
		names, err := fs.Glob(own, "migration/*.sql")
		if err != nil {
			return nil, err
		}
		for _, name := range names {
			body, err := fs.ReadFile(own, name)
			if err != nil {
				return nil, fmt.Errorf("%s/%s: %w", d.Name(), name, err)
			}
			byName[path.Base(name)] = string(body)
		}
	}
	out := make([]Migration, 0, len(byName))
	for name, body := range byName {
		out = append(out, Migration{Name: name, SQL: body})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// createMigrationsTable records the steps applied: the name of each, and
// when (Unix ns).
const createMigrationsTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
	name    {{.Text}}  NOT NULL PRIMARY KEY,
	applied {{.Int64}} NOT NULL
)`

// render executes the template text with v.
func render(name, text string, v Vocabulary) (string, error) {
	t, err := template.New(name).Option("missingkey=error").Parse(text)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	if err := t.Execute(&b, v); err != nil {
		return "", err
	}
	return b.String(), nil
}
