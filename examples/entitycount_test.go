package examples_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"article5/examples"
)

// TestEntityCountsUseTheStandardKey: the examples and the casebook's
// bundles count persons under "individual", the entity-type-ov key the
// Incident Core Extension's impacted_entity_counts uses (OASIS
// cti-stix-common-objects, incident-core examples), as the doctrines'
// checklists and docs/doctrine.md tell analysts to record it.
func TestEntityCountsUseTheStandardKey(t *testing.T) {
	files := map[string][]byte{}
	for _, n := range examples.Names() {
		b, err := examples.Read(n)
		if err != nil {
			t.Fatal(err)
		}
		files["examples/"+n] = b
	}
	paths, _ := filepath.Glob(filepath.Join("..", "casebook", "*.json"))
	if len(paths) == 0 {
		t.Fatal("no casebook bundles found")
	}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		files["casebook/"+filepath.Base(p)] = b
	}
	counted := 0
	for name, b := range files {
		var v any
		if err := json.Unmarshal(b, &v); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		walk(v, func(counts map[string]any) {
			if _, ok := counts["individuals"]; ok {
				t.Errorf("%s: impacted_entity_counts uses \"individuals\", not the entity-type-ov key \"individual\"", name)
			}
			if _, ok := counts["individual"]; ok {
				counted++
			}
		})
	}
	if counted == 0 {
		t.Fatal("no impacted_entity_counts with individual found; the test reads nothing")
	}
}

func walk(v any, f func(map[string]any)) {
	switch x := v.(type) {
	case map[string]any:
		for k, c := range x {
			if m, ok := c.(map[string]any); ok && k == "impacted_entity_counts" {
				f(m)
			}
			walk(c, f)
		}
	case []any:
		for _, c := range x {
			walk(c, f)
		}
	}
}
