package sqltest

import (
	"os"
	"strings"
	"testing"

	"article5/sqlstore"
)

// SchemaGoldenThrough is the last migration whose schema the adapters'
// testdata/schema.golden pins: the migrations through it have shipped and
// never change, so neither may the schema they make, however they are
// written (once in sqlstore/migration, or per adapter).
const SchemaGoldenThrough = "0011_cluster.sql"

// CheckMigratedSchema applies the steps through SchemaGoldenThrough with
// exec (each step's SQL whole, in order, on a fresh database) and
// compares dump() — the adapter's description of the schema it finds —
// with the file golden; with ARTICLE5_UPDATE_GOLDEN=1 it writes golden
// instead. It fails on the first difference, naming its line.
func CheckMigratedSchema(t *testing.T, steps []sqlstore.Migration, exec func(step sqlstore.Migration) error, dump func() (string, error), golden string) {
	t.Helper()
	n := 0
	for _, m := range steps {
		if m.Name > SchemaGoldenThrough {
			break
		}
		if err := exec(m); err != nil {
			t.Fatalf("%s: %v", m.Name, err)
		}
		n++
	}
	if n == 0 || steps[n-1].Name != SchemaGoldenThrough {
		t.Fatalf("the migrations stop before %s", SchemaGoldenThrough)
	}
	got, err := dump()
	if err != nil {
		t.Fatal(err)
	}
	if os.Getenv("ARTICLE5_UPDATE_GOLDEN") == "1" {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	w, g := strings.Split(string(want), "\n"), strings.Split(got, "\n")
	for i := 0; i < max(len(w), len(g)); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			t.Fatalf("the migrated schema differs from %s at line %d:\nwant %q\ngot  %q", golden, i+1, wl, gl)
		}
	}
}

// NormalizeSQL is a statement as a schema compares it: -- comments
// dropped (outside quotes) and white space folded to one space.
func NormalizeSQL(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\'' || c == '"':
			j := strings.IndexByte(s[i+1:], c)
			if j < 0 {
				b.WriteString(s[i:])
				i = len(s)
				continue
			}
			b.WriteString(s[i : i+j+2])
			i += j + 1
		case c == '-' && i+1 < len(s) && s[i+1] == '-':
			j := strings.IndexByte(s[i:], '\n')
			if j < 0 {
				j = len(s) - i
			}
			i += j - 1
			b.WriteByte(' ')
		default:
			b.WriteByte(c)
		}
	}
	return strings.Join(strings.Fields(b.String()), " ")
}
