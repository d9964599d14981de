package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"article5"
)

// TestReleaseControl proves that a TLP:RED object never leaves the node to a
// recipient it does not name: every GET operation of the OpenAPI document is
// called, with the RED object's id, its case's id and other ids in the path,
// and the RED id appears in no response.
func TestReleaseControl(t *testing.T) {
	e := MustEnv(t, 0)
	red := Edit(t, MustExample(t, "dam-control"), damIncident, func(o map[string]any) {
		o["object_marking_refs"] = []any{tlpRed}
		ext := o["extensions"].(map[string]any)
		ext[article5.ExtensionID].(map[string]any)["red_recipients"] = []any{namedToken}
	})
	ingestResult(t, e.ingest(t, red, ""))
	ingestResult(t, e.ingest(t, MustExample(t, "ddos-government"), ""))
	e.MustRunJobs(t)

	doc := MustOpenAPI(t, e)
	ids := []string{damIncident, damCase, ddosCase,
		"identity--a94cdb2a-5ed1-41f1-beef-bfdd6ed7a15a",     // a target of the RED incident
		"relationship--1ddc9907-035f-419e-bcfb-27051e3b8d27", // a relationship from it
		"impact--c43dc5d8-fd78-4755-86ff-2d2fa7fe8713",       // one of its impacts
		"threat-actor--eaf630e7-2b42-4c5a-aaa5-432020983f1d"} // its actor
	// article5's assessment objects (one per case): the RED case's names the
	// RED incident inside its findings.
	page, err := e.db.FindObjects(context.Background(), article5.ObjectFilter{Types: []string{"article5-assessment"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Objects) != 2 {
		t.Fatalf("%d assessment objects, want 2", len(page.Objects))
	}
	for _, o := range page.Objects {
		ids = append(ids, o.ID)
	}
	queries := []string{"", "?limit=1", "?q=dam", "?after=0", "?added_after=2000-01-01T00:00:00.000Z"}
	var calls int
	for _, op := range doc.operations() {
		method, path, _ := strings.Cut(op, " ")
		if method != "GET" {
			continue
		}
		paths := []string{path}
		if strings.Contains(path, "{id}") {
			paths = nil
			for _, id := range ids {
				paths = append(paths, strings.ReplaceAll(path, "{id}", id))
			}
		}
		for _, p := range paths {
			for _, q := range queries {
				r := e.get(t, p+q)
				calls++
				if strings.Contains(string(r.body), damIncident) {
					t.Errorf("GET %s%s (%d) leaks the RED incident: %.300s", p, q, r.status, r.body)
				}
				if r.status >= 500 {
					t.Errorf("GET %s%s: %d %s", p, q, r.status, r.body)
				}
			}
		}
	}
	t.Logf("%d calls", calls)

	t.Run("the barred recipient still sees what it may", func(t *testing.T) {
		var l caseList
		MustDecode(t, e.get(t, "/api/v1/cases"), &l)
		if len(l.Cases) != 1 || l.Cases[0].ID != ddosCase {
			t.Errorf("cases %+v, want only the GREEN case", l.Cases)
		}
		if r := e.get(t, "/api/v1/objects/threat-actor--eaf630e7-2b42-4c5a-aaa5-432020983f1d"); r.status != http.StatusOK {
			t.Errorf("an AMBER object unrelated by reference: %d", r.status)
		}
		MustError(t, e.get(t, "/api/v1/objects/"+damIncident), http.StatusNotFound, article5.ENOTFOUND)
		MustError(t, e.get(t, "/api/v1/cases/"+damCase), http.StatusNotFound, article5.ENOTFOUND)
		MustError(t, e.do(t, "POST", "/api/v1/cases/"+damCase+"/assess", e.analyst, "", nil), http.StatusNotFound, article5.ENOTFOUND)
	})

	t.Run("ingest tells a barred sender nothing about the withheld object", func(t *testing.T) {
		// Re-sending it: reported as accepted, not "unchanged" (which would
		// confirm the node holds it).
		res := ingestResult(t, e.ingest(t, red, ""))
		for _, u := range res.Unchanged {
			if u.ID == damIncident {
				t.Errorf("a re-sent withheld object is reported unchanged: %+v", res)
			}
		}
		// Changed content at the same version: refused without version or creator.
		changed := Edit(t, red, damIncident, func(o map[string]any) { o["name"] = "probe" })
		got := ingestResult(t, e.ingest(t, changed, ""))
		found := false
		for _, rj := range got.Rejected {
			if rj.ID == damIncident {
				found = true
				if rj.Reason != "refused: it conflicts with an object this node holds" || rj.Pointer != "" {
					t.Errorf("a refusal over a withheld object says too much: %+v", rj)
				}
			}
		}
		if !found {
			t.Errorf("the conflicting withheld object was not refused: %+v", got)
		}
		if r := e.ingest(t, changed, "?atomic=true"); strings.Contains(string(r.body), "different content") {
			t.Errorf("an atomic refusal over a withheld object says too much: %.400s", r.body)
		}
	})

	t.Run("the named recipient sees it", func(t *testing.T) {
		for _, p := range []string{"/api/v1/objects/" + damIncident, "/api/v1/incidents", "/api/v1/cases/" + damCase + "/assessment", "/api/v1/objects/" + damCase} {
			r := e.do(t, "GET", p, e.named, "", nil)
			if r.status != http.StatusOK || !strings.Contains(string(r.body), damIncident) {
				t.Errorf("GET %s as the named recipient: %d %.200s", p, r.status, r.body)
			}
		}
		var l caseList
		MustDecode(t, e.do(t, "GET", "/api/v1/cases", e.named, "", nil), &l)
		if len(l.Cases) != 2 {
			t.Errorf("cases %+v, want both", l.Cases)
		}
		var ev eventList
		MustDecode(t, e.do(t, "GET", "/api/v1/events", e.named, "", nil), &ev)
		if !strings.Contains(string(e.do(t, "GET", "/api/v1/events", e.named, "", nil).body), damCase) {
			t.Errorf("events about the RED case are missing: %+v", ev)
		}
	})
}
