package api_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"article5"
)

// TestIngestNumbersAndMalformedJSON: POST /api/v1/bundles with an object
// whose numbers are out of range or whose JSON is not I-JSON (RFC 7493).
// Before, the count 2.5 or 2^63−1 was stored without a word, and the
// malformed objects were refused as "canonical JSON … not valid JSON"
// without a pointer; now each is rejected (422 when it is alone) with the
// object id and the JSON pointer of the fault, and nothing is stored.
func TestIngestNumbersAndMalformedJSON(t *testing.T) {
	e := MustEnv(t, 0)
	inc := string(objectJSON(t, MustExample(t, "dam-control"), damIncident))
	const a5 = "/extensions/" + article5.ExtensionID
	sub := func(old, new string) string {
		if !strings.Contains(inc, old) {
			t.Fatalf("the incident has no %q", old)
		}
		return strings.Replace(inc, old, new, 1)
	}
	bundle := func(objects ...string) []byte {
		return []byte(`{"type":"bundle","id":"bundle--b33ec8b4-9eea-4c76-b191-2564f829e8db","objects":[` + strings.Join(objects, ",") + `]}`)
	}
	cases := []struct {
		name, object, ptr, says string
	}{
		{"count 2.5", sub(`"count":38`, `"count":2.5`), a5 + "/casualties/0/count", "not a whole number"},
		{"count 2^63−1", sub(`"count":38`, `"count":9223372036854775807`), a5 + "/casualties/0/count", "outside the range of a STIX integer"},
		{"count -1", sub(`"count":38`, `"count":-1`), a5 + "/casualties/0/count", "≥ 0"},
		{"count 1e999", sub(`"count":38`, `"count":1e999`), a5 + "/casualties/0/count", "IEEE 754 double"},
		{"entity count 1.5", sub(`"individual":9000`, `"individual":1.5`), "/extensions/extension-definition--ef765651-680c-498d-9894-99799f2fa126/impacted_entity_counts/individual", "whole"},
		{"a name twice", sub(`"count":38`, `"count":1,"count":38`), a5 + "/casualties/0/count", "appears twice"},
		{"invalid UTF-8", sub(`"name":"`, "\"name\":\"\xff"), "/name", "not valid UTF-8"},
		{`lone surrogate \ud800`, sub(`"name":"`, `"name":"\ud800`), "/name", "unpaired UTF-16 surrogate"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := e.ingest(t, bundle(c.object), "")
			er := MustError(t, r, http.StatusUnprocessableEntity, article5.EINVALID)
			if len(er.Error.Details) != 1 {
				t.Fatalf("details %+v", er.Error.Details)
			}
			d := er.Error.Details[0]
			if d.Object != damIncident || d.Pointer != c.ptr || !strings.Contains(d.Message, c.says) {
				t.Errorf("detail %+v, want %s %s saying %q", d, damIncident, c.ptr, c.says)
			}
			if er.Result == nil || len(er.Result.Rejected) != 1 || er.Result.Rejected[0].Pointer != c.ptr {
				t.Errorf("result %+v", er.Result)
			}
			if bytes.Contains(r.body, []byte("not valid JSON")) {
				t.Errorf("the pointerless canonical-JSON refusal is back: %s", r.body)
			}
			MustError(t, e.get(t, "/api/v1/objects/"+damIncident), http.StatusNotFound, article5.ENOTFOUND)
		})
	}
	t.Run("beside a valid object, only the malformed one is rejected", func(t *testing.T) {
		const good = `{"type":"identity","spec_version":"2.1","id":"identity--0b3f2f5c-5a33-4c3e-8d55-8d1a9c7b6e21","created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z","name":"Good Org","identity_class":"organization"}`
		res := ingestResult(t, e.ingest(t, bundle(sub(`"count":38`, `"count":1,"count":38`), good), ""))
		if len(res.Accepted) != 1 || len(res.Rejected) != 1 {
			t.Fatalf("%+v", res)
		}
		if rj := res.Rejected[0]; rj.ID != damIncident || rj.Index != 0 || rj.Pointer != a5+"/casualties/0/count" {
			t.Errorf("rejection %+v", rj)
		}
	})
	t.Run("a name twice at bundle level is 400 naming the bundle and pointer", func(t *testing.T) {
		b := []byte(`{"type":"bundle","type":"bundle","id":"bundle--b33ec8b4-9eea-4c76-b191-2564f829e8db","objects":[` + inc + `]}`)
		er := MustError(t, e.ingest(t, b, ""), http.StatusBadRequest, article5.EINVALID)
		if len(er.Error.Details) != 1 || er.Error.Details[0].Object != "bundle" || er.Error.Details[0].Pointer != "/type" {
			t.Errorf("details %+v", er.Error.Details)
		}
	})
}
