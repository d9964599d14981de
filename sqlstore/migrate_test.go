package sqlstore

import (
	"strings"
	"testing"
	"testing/fstest"
)

// vocabularyOnly is a Dialect that only names itself and its vocabulary:
// Migrations needs no more.
type vocabularyOnly struct {
	Dialect
	v Vocabulary
}

func (d vocabularyOnly) Name() string           { return "test" }
func (d vocabularyOnly) Vocabulary() Vocabulary { return d.v }

// TestMigrationsAdapterFiles: a step the adapter keeps in its own
// migration/ (written the old way, one file per adapter, or one that
// truly differs) is applied in its place in the order, and wins over
// sqlstore's of the same name; sqlstore's others are rendered.
func TestMigrationsAdapterFiles(t *testing.T) {
	own := fstest.MapFS{
		"migration/0001_init.sql":        {Data: []byte("-- the adapter's own 0001")},
		"migration/0011a_between.sql":    {Data: []byte("CREATE TABLE between_steps (x INTEGER)")},
		"migration/9999_last.sql":        {Data: []byte("CREATE TABLE last_step (x INTEGER)")},
		"migration/doc.go":               {Data: []byte("package migration")},
		"migration/sub/0002_ignored.sql": {Data: []byte("not a step")},
	}
	steps, err := Migrations(vocabularyOnly{v: Vocabulary{Postgres: true, Text: "text", Int64: "bigint", Int32: "integer",
		Bool: "boolean", True: "true", False: "false", Blob: "bytea", JSON: "jsonb", JSONExact: "json", Serial: "bigserial"}}, own)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, m := range steps {
		names = append(names, m.Name)
	}
	got := strings.Join(names, " ")
	if !strings.HasPrefix(got, "0001_init.sql 0002_audit.sql") || !strings.Contains(got, "0011_cluster.sql 0011a_between.sql") || !strings.HasSuffix(got, " 9999_last.sql") {
		t.Fatalf("steps in the wrong order or missing: %s", got)
	}
	if steps[0].SQL != "-- the adapter's own 0001" {
		t.Fatalf("the adapter's 0001_init.sql did not win: %q", steps[0].SQL[:min(80, len(steps[0].SQL))])
	}
	if !strings.Contains(steps[1].SQL, "idx    bigint NOT NULL PRIMARY KEY") || strings.Contains(steps[1].SQL, "{{") {
		t.Fatalf("0002_audit.sql not rendered with the vocabulary:\n%s", steps[1].SQL)
	}
}

// TestMigrationsVocabularyComplete: a template naming a word the
// vocabulary lacks fails to render, naming the file, rather than writing
// "<no value>" into the schema.
func TestMigrationsVocabularyComplete(t *testing.T) {
	if _, err := render("0099_x.sql", "CREATE TABLE x (a {{.Uuid}})", Vocabulary{}); err == nil {
		t.Fatal("an unknown word rendered")
	}
	for _, v := range []Vocabulary{{SQLite: true}, {Postgres: true}} {
		steps, err := Migrations(vocabularyOnly{v: v}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(steps) == 0 {
			t.Fatal("no shared steps")
		}
	}
}
