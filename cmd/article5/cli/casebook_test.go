package cli_test

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"article5/casebook"
	"article5/cmd/article5/cli"
)

// TestCasebookReachable: every casebook case can be assessed by name and by
// path with the same assessment hash, and 'article5 casebook' lists it.
func TestCasebookReachable(t *testing.T) {
	list, errs, code := run(t, "casebook")
	if code != cli.ExitOK {
		t.Fatalf("casebook: exit %d: %s", code, errs)
	}
	for _, name := range casebook.Names() {
		t.Run(name, func(t *testing.T) {
			if !strings.Contains(list, name+" ") {
				t.Errorf("'article5 casebook' does not list %s", name)
			}
			byName, errs, code := run(t, "assess", "--format", "json", "--casebook", name)
			if code != cli.ExitOK {
				t.Fatalf("assess --casebook %s: exit %d: %s", name, code, errs)
			}
			byPath, errs, code := run(t, "assess", "--format", "json", filepath.Join("..", "..", "..", "casebook", name+".json"))
			if code != cli.ExitOK {
				t.Fatalf("assess casebook/%s.json: exit %d: %s", name, code, errs)
			}
			var a, b struct{ Hash string }
			if err := json.Unmarshal([]byte(byName), &a); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal([]byte(byPath), &b); err != nil {
				t.Fatal(err)
			}
			if a.Hash == "" || a.Hash != b.Hash {
				t.Errorf("hash by name %q, by path %q", a.Hash, b.Hash)
			}
		})
	}
	if _, errs, code := run(t, "assess", "--casebook", "no-such-case"); code != cli.ExitInvalid || !strings.Contains(errs, "no casebook case") {
		t.Errorf("unknown case: exit %d, %s", code, errs)
	}
	if _, errs, code := run(t, "assess", "--casebook", "../examples/dam-control"); code != cli.ExitInvalid || !strings.Contains(errs, "no casebook case") {
		t.Errorf("path in a case name: exit %d, %s", code, errs)
	}
}
