package stix_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"article5/examples"
	"article5/stix"
)

// TestIncidentCoreRequired: an Incident Core extension without
// determination or investigation_status (both required by the extension's
// schema, incident_core.json) is an error naming the missing property on
// the incident; a copy of the definition in the bundle does not lift it.
func TestIncidentCoreRequired(t *testing.T) {
	base, err := examples.Read("winter-grid-deaths")
	if err != nil {
		t.Fatal(err)
	}
	if r := stix.Validate(MustParse(t, base)); len(r.Errors()) > 0 {
		t.Fatalf("the example itself is invalid:%s", dump(r))
	}
	for _, prop := range []string{"determination", "investigation_status"} {
		t.Run("without "+prop, func(t *testing.T) {
			data := withoutCoreProperty(t, base, prop)
			r := stix.Validate(MustParse(t, data))
			is, ok := findIssue(r, stix.SeverityError, "missing-property", core+"/"+prop)
			if !ok || is.Object != winterIncident {
				t.Fatalf("want missing-property %s on %s; issues:%s", prop, winterIncident, dump(r))
			}
			def := `{"type":"extension-definition","spec_version":"2.1","id":"` + stix.IncidentCoreExtensionID + `","created_by_ref":"identity--169612a8-b4f8-4371-9087-e3ae6513ac57","created":"2022-01-01T00:00:00.000Z","modified":"2022-01-01T00:00:00.000Z","name":"Incident Core Extension","schema":"https://example.invalid/schema.json","version":"2.0.0","extension_types":["property-extension"]}`
			data = bytes.Replace(data, []byte(`"objects":[`), []byte(`"objects":[`+def+`,`), 1)
			if _, ok := findIssue(stix.Validate(MustParse(t, data)), stix.SeverityError, "missing-property", core+"/"+prop); !ok {
				t.Errorf("a copy of the definition lifted the rule")
			}
		})
	}
}

// withoutCoreProperty returns the bundle data with prop removed from the
// winter incident's Incident Core extension.
func withoutCoreProperty(t *testing.T, data []byte, prop string) []byte {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, o := range doc["objects"].([]any) {
		m := o.(map[string]any)
		if m["id"] != winterIncident {
			continue
		}
		ext := m["extensions"].(map[string]any)[stix.IncidentCoreExtensionID].(map[string]any)
		if _, found = ext[prop]; !found {
			t.Fatalf("the example lacks %s already", prop)
		}
		delete(ext, prop)
	}
	if !found {
		t.Fatal("winter incident not found")
	}
	out, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
