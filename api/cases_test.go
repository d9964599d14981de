package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"testing"

	"article5"
	"article5/assess"
	"article5/stix"
)

type caseList struct {
	Cases []article5.CaseSummary `json:"cases"`
	Next  string                 `json:"next"`
}

type eventList struct {
	Events []article5.Event `json:"events"`
	Next   string           `json:"next"`
}

func TestCasesAfterTheWorker(t *testing.T) {
	ctx := context.Background()
	e := MustEnv(t, 0)
	dam := MustExample(t, "dam-control")
	ingestResult(t, e.ingest(t, dam, ""))
	ingestResult(t, e.ingest(t, MustExample(t, "ddos-government"), ""))

	var empty caseList
	MustDecode(t, e.get(t, "/api/v1/cases"), &empty)
	if len(empty.Cases) != 0 {
		t.Fatalf("cases before the worker ran: %+v", empty)
	}
	e.MustRunJobs(t)

	b, err := stix.Parse(dam)
	if err != nil {
		t.Fatal(err)
	}
	want, err := assess.Assess(ctx, assess.Options{Doctrines: e.n.Doctrines}, b)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("the list has both cases with their tiers", func(t *testing.T) {
		var l caseList
		MustDecode(t, e.get(t, "/api/v1/cases"), &l)
		if len(l.Cases) != 2 {
			t.Fatalf("%+v", l)
		}
		i := slices.IndexFunc(l.Cases, func(c article5.CaseSummary) bool { return c.ID == damCase })
		if i < 0 {
			t.Fatalf("dam case missing: %+v", l)
		}
		for d, a := range want.Assessments {
			if l.Cases[i].Tiers[d] != a.Tier {
				t.Errorf("tier %s = %q, want %q", d, l.Cases[i].Tiers[d], a.Tier)
			}
		}
		if l.Cases[i].Hash != want.Hash {
			t.Errorf("hash %s, want %s", l.Cases[i].Hash, want.Hash)
		}
	})
	t.Run("the assessment is assess.Assess's", func(t *testing.T) {
		var rep article5.Report
		MustDecode(t, e.get(t, "/api/v1/cases/"+damCase+"/assessment"), &rep)
		if rep.Hash != want.Hash || rep.Case != damCase {
			t.Errorf("hash %s case %s, want %s %s", rep.Hash, rep.Case, want.Hash, damCase)
		}
	})
	t.Run("show", func(t *testing.T) {
		var c article5.CaseSummary
		MustDecode(t, e.get(t, "/api/v1/cases/"+damCase), &c)
		if c.ID != damCase || c.Hash != want.Hash || c.Incidents != 1 {
			t.Errorf("%+v", c)
		}
		MustError(t, e.get(t, "/api/v1/cases/grouping--00000000-0000-4000-8000-000000000000"), http.StatusNotFound, article5.ENOTFOUND)
		MustError(t, e.get(t, "/api/v1/cases/grouping--00000000-0000-4000-8000-000000000000/assessment"), http.StatusNotFound, article5.ENOTFOUND)
	})
	t.Run("filters and pages", func(t *testing.T) {
		var l caseList
		tier := want.Assessments["jp"].Tier
		MustDecode(t, e.get(t, "/api/v1/cases?tier="+url.QueryEscape(string(tier))), &l)
		if !slices.ContainsFunc(l.Cases, func(c article5.CaseSummary) bool { return c.ID == damCase }) {
			t.Errorf("tier %s: %+v", tier, l)
		}
		MustDecode(t, e.get(t, "/api/v1/cases?q=NO-SUCH-NAME"), &l)
		if len(l.Cases) != 0 {
			t.Errorf("q: %+v", l)
		}
		var p1, p2 caseList
		MustDecode(t, e.get(t, "/api/v1/cases?limit=1"), &p1)
		if len(p1.Cases) != 1 || p1.Next == "" {
			t.Fatalf("page 1: %+v", p1)
		}
		MustDecode(t, e.get(t, "/api/v1/cases?limit=1&cursor="+url.QueryEscape(p1.Next)), &p2)
		if len(p2.Cases) != 1 || p2.Cases[0].ID == p1.Cases[0].ID {
			t.Fatalf("page 2: %+v after %+v", p2, p1)
		}
		MustError(t, e.get(t, "/api/v1/cases?tier=huge"), http.StatusBadRequest, article5.EINVALID)
		MustError(t, e.get(t, "/api/v1/cases?limit=0"), http.StatusBadRequest, article5.EINVALID)
		MustError(t, e.get(t, "/api/v1/cases?limit=abc"), http.StatusBadRequest, article5.EINVALID)
	})
	t.Run("incidents", func(t *testing.T) {
		var l struct {
			Objects []map[string]any `json:"objects"`
			Next    string           `json:"next"`
		}
		MustDecode(t, e.get(t, "/api/v1/incidents"), &l)
		if len(l.Objects) != 2 {
			t.Fatalf("%d incidents, want 2", len(l.Objects))
		}
		MustDecode(t, e.get(t, "/api/v1/incidents?limit=1"), &l)
		if len(l.Objects) != 1 || l.Next == "" {
			t.Fatalf("page 1: %d, next %q", len(l.Objects), l.Next)
		}
		first := l.Objects[0]["id"]
		MustDecode(t, e.get(t, "/api/v1/incidents?limit=1&cursor="+url.QueryEscape(l.Next)), &l)
		if len(l.Objects) != 1 || l.Objects[0]["id"] == first {
			t.Fatalf("page 2: %v", l.Objects)
		}
		MustDecode(t, e.get(t, "/api/v1/incidents?added_after=2100-01-01T00:00:00.000Z"), &l)
		if len(l.Objects) != 0 {
			t.Errorf("added_after in the future: %d", len(l.Objects))
		}
		MustError(t, e.get(t, "/api/v1/incidents?added_after=yesterday"), http.StatusBadRequest, article5.EINVALID)
	})
	t.Run("a changed tier becomes an event", func(t *testing.T) {
		var before eventList
		MustDecode(t, e.get(t, "/api/v1/events"), &before)
		if !slices.ContainsFunc(before.Events, func(ev article5.Event) bool { return ev.Type == "assessed" && ev.Case == damCase }) {
			t.Fatalf("no assessed event: %+v", before)
		}
		lowered := Edit(t, dam, damIncident, func(o map[string]any) {
			o["modified"] = "2026-11-21T09:00:00.000Z"
			ext := o["extensions"].(map[string]any)
			core := ext[stix.IncidentCoreExtensionID].(map[string]any)
			delete(core, "impact_refs")
			delete(core, "impacted_entity_counts")
			core["determination"] = "failed-attempt"
			a5 := ext[article5.ExtensionID].(map[string]any)
			delete(a5, "casualties")
			a5["operation_type"] = "espionage"
		})
		res := ingestResult(t, e.ingest(t, lowered, ""))
		if len(res.Accepted) != 1 {
			t.Fatalf("%+v", res)
		}
		e.MustRunJobs(t)
		last := before.Events[len(before.Events)-1].ID
		var after eventList
		MustDecode(t, e.get(t, "/api/v1/events?after="+last), &after)
		if !slices.ContainsFunc(after.Events, func(ev article5.Event) bool {
			return ev.Type == "tier-changed" && ev.Case == damCase && ev.From != ev.To
		}) {
			t.Fatalf("no tier-changed event: %+v", after)
		}
		for _, ev := range after.Events {
			for _, old := range before.Events {
				if ev.ID == old.ID {
					t.Errorf("event %s listed again after %s", ev.ID, last)
				}
			}
		}
		var c article5.CaseSummary
		MustDecode(t, e.get(t, "/api/v1/cases/"+damCase), &c)
		if c.Hash == want.Hash {
			t.Error("the case was not re-assessed")
		}
	})
	t.Run("assess now", func(t *testing.T) {
		var out struct {
			Case   article5.CaseSummary `json:"case"`
			Events []article5.Event     `json:"events"`
		}
		MustDecode(t, e.do(t, "POST", "/api/v1/cases/"+damCase+"/assess", e.analyst, "", nil), &out)
		if out.Case.ID != damCase || len(out.Events) != 0 {
			t.Errorf("%+v", out)
		}
		MustError(t, e.do(t, "POST", "/api/v1/cases/grouping--00000000-0000-4000-8000-000000000000/assess", e.analyst, "", nil), http.StatusNotFound, article5.ENOTFOUND)
	})
	t.Run("versions of an object", func(t *testing.T) {
		var vs []json.RawMessage
		MustDecode(t, e.get(t, "/api/v1/objects/"+damIncident), &vs)
		if len(vs) != 2 {
			t.Errorf("%d versions, want 2", len(vs))
		}
	})
}

func itoa(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}
