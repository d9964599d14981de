package article5_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"article5"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// MustSchema compiles one $def of the extension's JSON Schema.
func MustSchema(tb testing.TB, def string) *jsonschema.Schema {
	tb.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(article5.ExtensionSchema()))
	if err != nil {
		tb.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	const url = "https://article5.invalid/extension/v1/schema.json"
	if err := c.AddResource(url, doc); err != nil {
		tb.Fatal(err)
	}
	s, err := c.Compile(url + "#/$defs/" + def)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// TestExtensionDefinition: the published extension-definition carries the
// fixed id and the extension types article5 uses.
func TestExtensionDefinition(t *testing.T) {
	var def map[string]any
	if err := json.Unmarshal(article5.ExtensionDefinition(), &def); err != nil {
		t.Fatal(err)
	}
	if def["id"] != article5.ExtensionID || def["created_by_ref"] != article5.ExtensionCreatorID {
		t.Errorf("id %v created_by_ref %v", def["id"], def["created_by_ref"])
	}
	types, _ := def["extension_types"].([]any)
	if len(types) != 2 || types[0] != "property-extension" || types[1] != "new-sdo" {
		t.Errorf("extension_types %v", types)
	}
}

// TestExamplesMatchExtensionSchema checks every article5 extension payload
// in the examples against the published JSON Schema (an oracle for the
// native checks in package assess).
func TestExamplesMatchExtensionSchema(t *testing.T) {
	inc, rel := MustSchema(t, "incident-extension"), MustSchema(t, "relationship-extension")
	files, _ := filepath.Glob("examples/*.json")
	if len(files) < 8 {
		t.Fatalf("%d example files", len(files))
	}
	checked := 0
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var b struct {
			Objects []map[string]any `json:"objects"`
		}
		if err := json.Unmarshal(data, &b); err != nil {
			t.Fatal(err)
		}
		for _, o := range b.Objects {
			ext, _ := o["extensions"].(map[string]any)
			payload, ok := ext[article5.ExtensionID]
			if !ok {
				continue
			}
			var s *jsonschema.Schema
			switch o["type"] {
			case "incident":
				s = inc
			case "relationship":
				s = rel
			default:
				t.Errorf("%s %s: article5 extension on an unexpected type", file, o["id"])
				continue
			}
			if err := s.Validate(roundTrip(t, payload)); err != nil {
				t.Errorf("%s %s: %v", file, o["id"], err)
			}
			checked++
		}
	}
	if checked == 0 {
		t.Fatal("no extension payload checked")
	}
	bad := map[string]any{"extension_type": "property-extension", "domain": "sea"}
	if err := inc.Validate(roundTrip(t, bad)); err == nil {
		t.Error("schema accepted domain \"sea\"")
	}
	if err := inc.Validate(roundTrip(t, map[string]any{"extension_type": "property-extension", "domain": "cyber",
		"casualties": []any{map[string]any{"outcome": "death", "count": -1, "causation": "direct", "status": "confirmed"}}})); err == nil {
		t.Error("schema accepted a negative casualty count")
	}
}

func roundTrip(t *testing.T, v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	out, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return out
}
