package article5_test

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// allowedImports is the layering rule of docs/development.md ("Project structure"):
// root ← stix, geo, doctrine, examples, casebook, importer, sign, authz, audit ←
// sqlstore ← sqlite, postgres, importer/*, assess, release, workflow ←
// node ← api ← taxii, web ← cmd. A package may import only the article5 packages
// listed for it.
var allowedImports = map[string][]string{
	".":                {},
	"stix":             {"article5"},
	"geo":              {"article5"},
	"doctrine":         {"article5"},
	"examples":         {"article5"},
	"casebook":         {"article5"},
	"assess":           {"article5", "article5/stix", "article5/geo", "article5/doctrine"},
	"importer":         {"article5"},
	"release":          {"article5", "article5/stix"},
	"sqlstore":         {"article5", "article5/audit", "article5/cursor"},
	"sqlite":           {"article5", "article5/audit", "article5/sqlstore"},
	"sign":             {"article5"},
	"audit":            {"article5"},
	"authz":            {"article5"},
	"cursor":           {"article5"},
	"workflow":         {"article5", "article5/authz"},
	"postgres":         {"article5", "article5/audit", "article5/sqlstore"},
	"storetest":        {"article5", "article5/audit"},
	"sqlstore/sqltest": {"article5/sqlstore", "article5/storetest"},
	"internal/testdb":  {"article5/sqlite", "article5/postgres"},
	"node": {"article5", "article5/stix", "article5/assess", "article5/doctrine", "article5/release",
		"article5/sign", "article5/audit", "article5/authz", "article5/workflow", "article5/cursor"},
	"api": {"article5", "article5/stix", "article5/assess", "article5/node", "article5/release", "article5/audit", "article5/authz",
		"article5/sign", "article5/workflow", "article5/cursor"},
	"taxii": {"article5", "article5/stix", "article5/node", "article5/api", "article5/authz"},
	// web is the browser interface beside the API: it logs in through the
	// API's sessions (api.Sessions) and reads through node's release gate;
	// it proves a case's log entries as the API's audit routes do.
	"web": {"article5", "article5/api", "article5/assess", "article5/audit", "article5/authz", "article5/geo", "article5/node", "article5/release",
		"article5/stix", "article5/workflow"},
	"importer/eurepoc": {"article5", "article5/importer"},
	"importer/cfr":     {"article5", "article5/importer"},
	"importer/sanity": {"article5", "article5/assess", "article5/doctrine", "article5/importer",
		"article5/importer/cfr", "article5/importer/eurepoc", "article5/stix"},
}

// forbiddenInRoot are standard packages the domain must not depend on.
var forbiddenInRoot = []string{"database/sql", "net/http"}

func TestLayering(t *testing.T) {
	for dir, allowed := range allowedImports {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		if len(files) == 0 {
			t.Errorf("%s: no Go files (update the layering rule)", dir)
		}
		for _, file := range files {
			if strings.HasSuffix(file, "_test.go") {
				continue
			}
			f, err := parser.ParseFile(token.NewFileSet(), file, nil, parser.ImportsOnly)
			if err != nil {
				t.Fatal(err)
			}
			for _, imp := range f.Imports {
				path, _ := strconv.Unquote(imp.Path.Value)
				if dir == "." {
					for _, bad := range forbiddenInRoot {
						if path == bad {
							t.Errorf("%s imports %s: the domain stays free of storage and transport", file, path)
						}
					}
				}
				if path != "article5" && !strings.HasPrefix(path, "article5/") {
					continue
				}
				ok := false
				for _, a := range allowed {
					if a == path {
						ok = true
					}
				}
				if !ok {
					t.Errorf("%s imports %s, which its layer may not", file, path)
				}
			}
		}
	}
	if _, err := os.Stat("cmd/article5/main.go"); err != nil {
		t.Errorf("wiring lives in cmd/article5: %v", err)
	}
}
