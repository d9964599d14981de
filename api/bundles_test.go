package api_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"article5"
)

// ingestResult decodes a 200 ingest.
func ingestResult(tb testing.TB, r response) article5.IngestResult {
	tb.Helper()
	var res article5.IngestResult
	MustDecode(tb, r, &res)
	return res
}

func TestIngest(t *testing.T) {
	e := MustEnv(t, 0)
	dam := MustExample(t, "dam-control")

	t.Run("a valid bundle is accepted", func(t *testing.T) {
		res := ingestResult(t, e.ingest(t, dam, ""))
		if len(res.Accepted) != 16 || len(res.Rejected) != 0 || len(res.Unchanged) != 0 {
			t.Fatalf("%+v", res)
		}
	})
	t.Run("a re-sent bundle is unchanged", func(t *testing.T) {
		res := ingestResult(t, e.ingest(t, dam, ""))
		if len(res.Unchanged) != 16 || len(res.Accepted) != 0 {
			t.Fatalf("%+v", res)
		}
	})
	t.Run("the same version with other content is rejected, naming the object and nothing held", func(t *testing.T) {
		changed := Edit(t, dam, damIncident, func(o map[string]any) { o["name"] = "another name" })
		res := ingestResult(t, e.ingest(t, changed, ""))
		if len(res.Rejected) != 1 || res.Rejected[0].ID != damIncident || res.Rejected[0].Reason != article5.ReasonVersionConflict {
			t.Fatalf("%+v", res)
		}
		if len(res.Unchanged) != 15 {
			t.Errorf("unchanged %d, want 15", len(res.Unchanged))
		}
		// Alone, every object is rejected: 422 in the error shape, with the result.
		only := []byte(`{"type":"bundle","id":"bundle--b33ec8b4-9eea-4c76-b191-2564f829e8db","objects":[` + string(objectJSON(t, changed, damIncident)) + `]}`)
		er := MustError(t, e.ingest(t, only, ""), http.StatusUnprocessableEntity, article5.EINVALID)
		if er.Result == nil || len(er.Result.Rejected) != 1 || er.Error.Details[0].Object != damIncident {
			t.Fatalf("%+v", er)
		}
	})
	t.Run("one invalid object is rejected with id and pointer, the rest stored", func(t *testing.T) {
		b := []byte(`{"type":"bundle","id":"bundle--b33ec8b4-9eea-4c76-b191-2564f829e8db","objects":[
{"type":"identity","spec_version":"2.1","id":"identity--92dcdf5d-be0b-4e5f-9e5f-f90016760e99","created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z","name":"Example Org","identity_class":"organization","ip":"192.0.2.1"},
{"type":"identity","spec_version":"2.1","id":"identity--0b3f2f5c-5a33-4c3e-8d55-8d1a9c7b6e21","created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z","name":"Good Org","identity_class":"organization"}]}`)
		res := ingestResult(t, e.ingest(t, b, ""))
		if len(res.Accepted) != 1 || len(res.Rejected) != 1 {
			t.Fatalf("%+v", res)
		}
		rj := res.Rejected[0]
		if rj.ID != "identity--92dcdf5d-be0b-4e5f-9e5f-f90016760e99" || rj.Pointer != "/ip" || rj.Index != 0 || rj.Reason == "" {
			t.Errorf("rejection %+v", rj)
		}
		if r := e.get(t, "/api/v1/objects/identity--0b3f2f5c-5a33-4c3e-8d55-8d1a9c7b6e21"); r.status != http.StatusOK {
			t.Errorf("the valid object was not stored: %d %s", r.status, r.body)
		}
		MustError(t, e.get(t, "/api/v1/objects/identity--92dcdf5d-be0b-4e5f-9e5f-f90016760e99"), http.StatusNotFound, article5.ENOTFOUND)
	})
	t.Run("atomic refuses the whole bundle", func(t *testing.T) {
		b := []byte(`{"type":"bundle","id":"bundle--b33ec8b4-9eea-4c76-b191-2564f829e8db","objects":[
{"type":"identity","spec_version":"2.1","id":"identity--a0a0a0a0-be0b-4e5f-9e5f-f90016760e99","created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z","name":"Example Org","identity_class":"organization","ip":"192.0.2.1"},
{"type":"identity","spec_version":"2.1","id":"identity--b1b1b1b1-5a33-4c3e-8d55-8d1a9c7b6e21","created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z","name":"Good Org","identity_class":"organization"}]}`)
		er := MustError(t, e.ingest(t, b, "?atomic=true"), http.StatusConflict, article5.ECONFLICT)
		if len(er.Error.Details) != 1 || er.Error.Details[0].Object != "identity--a0a0a0a0-be0b-4e5f-9e5f-f90016760e99" || er.Error.Details[0].Pointer != "/ip" {
			t.Errorf("details %+v", er.Error.Details)
		}
		MustError(t, e.get(t, "/api/v1/objects/identity--b1b1b1b1-5a33-4c3e-8d55-8d1a9c7b6e21"), http.StatusNotFound, article5.ENOTFOUND)
	})
	t.Run("atomic with a version conflict refuses the whole bundle", func(t *testing.T) {
		changed := Edit(t, dam, damIncident, func(o map[string]any) { o["name"] = "another name" })
		changed = Edit(t, changed, "identity--a94cdb2a-5ed1-41f1-beef-bfdd6ed7a15a", func(o map[string]any) {
			o["modified"] = "2027-01-01T00:00:00.000Z"
		})
		MustError(t, e.ingest(t, changed, "?atomic=true"), http.StatusConflict, article5.ECONFLICT)
		var vs []map[string]any
		MustDecode(t, e.get(t, "/api/v1/objects/identity--a94cdb2a-5ed1-41f1-beef-bfdd6ed7a15a"), &vs)
		if len(vs) != 1 {
			t.Errorf("%d versions after a refused atomic ingest, want 1", len(vs))
		}
	})
	t.Run("wrong content type is 415", func(t *testing.T) {
		for _, ct := range []string{"", "text/plain", "application/xml", "application/stix+json;version=2.0", "multipart/form-data"} {
			MustError(t, e.do(t, "POST", "/api/v1/bundles", e.analyst, ct, dam), http.StatusUnsupportedMediaType, article5.EINVALID)
		}
		for _, ct := range []string{"application/json", "application/stix+json", "application/stix+json; version=2.1", "application/json; charset=utf-8"} {
			if r := e.do(t, "POST", "/api/v1/bundles", e.analyst, ct, dam); r.status != http.StatusOK {
				t.Errorf("%s: %d %s", ct, r.status, r.body)
			}
		}
	})
	t.Run("malformed JSON is 400 with line and column", func(t *testing.T) {
		er := MustError(t, e.ingest(t, []byte("{\n \"type\": \"bundle\",\n \"objects\": [,]\n}"), ""), http.StatusBadRequest, article5.EINVALID)
		if !strings.Contains(er.Error.Message, "line 3") || !strings.Contains(er.Error.Message, "column") {
			t.Errorf("message %q", er.Error.Message)
		}
	})
	t.Run("a bad atomic flag is 400", func(t *testing.T) {
		MustError(t, e.ingest(t, dam, "?atomic=maybe"), http.StatusBadRequest, article5.EINVALID)
	})
	t.Run("unversioned objects are stored", func(t *testing.T) {
		const clear = `{"type":"marking-definition","spec_version":"2.1","id":"marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487","created":"2022-10-01T00:00:00.000Z","name":"TLP:CLEAR","extensions":{"extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d":{"extension_type":"property-extension","tlp_2_0":"clear"}}}`
		const domain = `{"type":"domain-name","spec_version":"2.1","id":"domain-name--bedb4899-d24b-5401-bc86-8f6b4cc18ec7","value":"example.com"}`
		b := []byte(`{"type":"bundle","id":"bundle--5a7d3d0e-2f7c-4b8a-9c1d-6e5f4a3b2c10","objects":[` + clear + `,` + domain + `]}`)
		res := ingestResult(t, e.ingest(t, b, ""))
		if len(res.Accepted) != 2 || len(res.Rejected) != 0 {
			t.Fatalf("%+v", res)
		}
		for _, a := range res.Accepted {
			if a.ID == "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487" && a.Version != "2022-10-01T00:00:00.000Z" {
				t.Errorf("marking version %q, want its created", a.Version)
			}
			if a.ID == "domain-name--bedb4899-d24b-5401-bc86-8f6b4cc18ec7" && a.Version == "" {
				t.Error("the SCO has no version")
			}
		}
		var vs []map[string]any
		MustDecode(t, e.get(t, "/api/v1/objects/domain-name--bedb4899-d24b-5401-bc86-8f6b4cc18ec7"), &vs)
		if len(vs) != 1 || vs[0]["value"] != "example.com" {
			t.Errorf("stored %v", vs)
		}
		res = ingestResult(t, e.ingest(t, b, ""))
		if len(res.Unchanged) != 2 {
			t.Errorf("re-sent: %+v, want both unchanged", res)
		}
	})
}

func TestIngestOversizedBodyIs413(t *testing.T) {
	e := MustEnv(t, 4096)
	dam := MustExample(t, "dam-control")
	MustError(t, e.ingest(t, dam, ""), http.StatusRequestEntityTooLarge, article5.EINVALID)
	// Without a Content-Length the limit still holds.
	req, err := http.NewRequest("POST", e.srv.URL+"/api/v1/bundles", struct{ *bytes.Reader }{bytes.NewReader(dam)})
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+e.analyst)
	req.Header.Set("Content-Type", stixJSON)
	res, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("chunked: status %d", res.StatusCode)
	}
	if r := e.get(t, "/api/v1/objects/"+damIncident); r.status != http.StatusNotFound {
		t.Errorf("something was stored: %d", r.status)
	}
}

// objectJSON returns the JSON of the object id in bundle.
func objectJSON(tb testing.TB, bundle []byte, id string) []byte {
	tb.Helper()
	var out []byte
	Edit(tb, bundle, id, func(o map[string]any) {
		var err error
		out, err = jsonMarshal(o)
		if err != nil {
			tb.Fatal(err)
		}
	})
	return out
}
