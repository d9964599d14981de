// Package examples embeds article5's example cases: STIX 2.1 bundles
// written from public reporting (and marked hypotheticals at and above the
// threshold), each one case. See README.md in this folder.
package examples

import (
	"embed"
	"io/fs"
	"sort"
	"strings"

	"article5"
)

//go:embed *.json
var files embed.FS

// Names returns the example names (file names without .json), sorted.
func Names() []string {
	entries, _ := fs.ReadDir(files, ".")
	var out []string
	for _, e := range entries {
		out = append(out, strings.TrimSuffix(e.Name(), ".json"))
	}
	sort.Strings(out)
	return out
}

// Read returns the bundle of the named example (with or without ".json");
// ENOTFOUND if there is none.
func Read(name string) ([]byte, error) {
	name = strings.TrimSuffix(name, ".json")
	data, err := files.ReadFile(name + ".json")
	if err != nil {
		return nil, article5.Errorf(article5.ENOTFOUND, "no example %q (list them with 'article5 examples')", name)
	}
	return data, nil
}
