package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"article5"
)

// redContent is a phrase of the dam-control incident's description: what a
// recipient would learn from the object itself.
const redContent = "intruders using the dam's remote-control link"

// TestReleaseControl proves that a TLP:RED object never leaves the node to a
// recipient it does not name, nor anything the node derives from it: every
// GET operation of the OpenAPI document is called, with the RED object's
// id, its case's id and other ids in the path, and neither the RED
// object's content nor its case's findings appear in any response. (An
// object that references the RED id is released on its own marking: a
// reference is an id, not content.)
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
				if strings.Contains(string(r.body), redContent) {
					t.Errorf("GET %s%s (%d) leaks the RED incident: %.300s", p, q, r.status, r.body)
				}
				if strings.Contains(string(r.body), `"assessments"`) && strings.Contains(string(r.body), damCase) {
					t.Errorf("GET %s%s (%d) leaks findings drawn from the RED incident: %.300s", p, q, r.status, r.body)
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
		// The same sends on a node that never held the RED incident get the
		// same answers, word for word: re-sending it, changing it at the
		// same version, and the same atomically.
		other := MustEnv(t, 0)
		ingestResult(t, other.ingest(t, MustExample(t, "ddos-government"), ""))
		changed := Edit(t, red, damIncident, func(o map[string]any) { o["name"] = "probe" })
		incidentOnly := func(b []byte) []byte { return Only(t, b, damIncident) }
		for i, send := range []struct {
			body  []byte
			query string
		}{{incidentOnly(red), ""}, {incidentOnly(changed), ""}, {incidentOnly(changed), "?atomic=true"}} {
			here := e.ingest(t, send.body, send.query)
			there := other.ingest(t, send.body, send.query)
			if here.status != there.status || string(here.body) != string(there.body) {
				t.Errorf("send %d: the node holding the RED incident answered\n%d %.500s\nthe node without it\n%d %.500s", i, here.status, here.body, there.status, there.body)
			}
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
