package sanity_test

import (
	"bytes"
	"context"
	"flag"
	"os"
	"strings"
	"testing"

	"article5/doctrine"
	"article5/importer/sanity"
)

var update = flag.Bool("update", false, "rewrite the generated part of docs/sanity.md")

const (
	eurepocCSV = "../../../shared/data/eurepoc/EuRepoC_Global_Database_1.1.csv"
	cfrCSV     = "../../../shared/data/cfr/cyber-operations-incidents.csv"
	page       = "../../docs/sanity.md"
	begin      = "<!-- BEGIN GENERATED: go test ./importer/sanity -update -->\n"
	end        = "<!-- END GENERATED -->\n"
)

// TestSanityReport imports EuRepoC and CFR, assesses every incident with
// the built-in doctrines and checks that the figures in docs/sanity.md are
// the ones the code produces now. After a change to an importer or a
// doctrine, regenerate them with
//
//	go test ./importer/sanity -run TestSanityReport -update
//
// and explain every changed count in the page's prose.
func TestSanityReport(t *testing.T) {
	if testing.Short() {
		t.Skip("imports and assesses both datasets")
	}
	var docs []*doctrine.Doctrine
	for _, id := range doctrine.DefaultIDs {
		d, err := doctrine.Default(id)
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, d)
	}
	rep, err := sanity.Compute(context.Background(), eurepocCSV, cfrCSV, docs)
	if err != nil {
		t.Fatal(err)
	}
	var gen bytes.Buffer
	if err := rep.Markdown(&gen); err != nil {
		t.Fatal(err)
	}
	doc, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.Index(doc, []byte(begin))
	j := bytes.Index(doc, []byte(end))
	if i < 0 || j < i {
		t.Fatalf("%s: no generated block (%q … %q)", page, strings.TrimSpace(begin), strings.TrimSpace(end))
	}
	cur := doc[i+len(begin) : j]
	if bytes.Equal(cur, gen.Bytes()) {
		return
	}
	if *update {
		next := append(append(append([]byte{}, doc[:i+len(begin)]...), gen.Bytes()...), doc[j:]...)
		if err := os.WriteFile(page, next, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("%s rewritten; explain the changed counts in its prose", page)
		return
	}
	t.Errorf("the figures in %s are out of date; run: go test ./importer/sanity -run TestSanityReport -update\n%s", page, firstDiff(string(cur), gen.String()))
}

func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(al) || i < len(bl); i++ {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			return "first difference:\n- " + x + "\n+ " + y
		}
	}
	return ""
}
