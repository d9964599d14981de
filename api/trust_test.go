package api_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"article5"
	"article5/api"
	"article5/node"
	"article5/release"
	"article5/stix"
)

// The organisations of the trust tests: JP holds the node; US is its
// client (TLP:AMBER reaches it); X is another organisation with a token
// on the node; M is a ministry the JP CSIRT speaks for.
const (
	jpOrg    = holderOrg
	usOrg    = "identity--2b6b5a1c-0d7e-4f9a-9c1b-0a0a0a0a0a02"
	xOrg     = "identity--3c7c6b2d-1e8f-4a0b-8d2c-0b0b0b0b0b03"
	mOrg     = "identity--4d8d7c3e-2f90-4b1c-9e3d-0c0c0c0c0c04"
	tlpGreen = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
	tlpClear = "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"
	tlpAS    = "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003"
)

// trustEnv is a node with a JP holder and tokens of JP, US and X.
type trustEnv struct {
	*env
	us, x string
}

// MustTrustEnv starts a trust env: the JP analyst token of env, a US token
// (a client of JP), an X token, and JP speaking for ministry M.
func MustTrustEnv(tb testing.TB) *trustEnv {
	tb.Helper()
	db, docs := MustStore(tb)
	n := &node.Node{Store: db, Doctrines: docs, Now: time.Now,
		Policy:    release.Policy{Holder: jpOrg, Clients: map[string][]string{jpOrg: {usOrg}}, Default: stix.TLPAmber},
		SpeaksFor: map[string][]string{jpOrg: {mOrg}}}
	srv := httptest.NewServer(api.New(n, api.Options{Limits: noQuotas}))
	tb.Cleanup(srv.Close)
	e := &env{db: db, n: n, srv: srv}
	e.analyst = MustToken(tb, db, &article5.Token{Name: "jp", Party: article5.PartyJP, Org: jpOrg})
	e.named = MustToken(tb, db, &article5.Token{ID: namedToken, Name: "named", Party: article5.PartyJP, Org: jpOrg})
	t := &trustEnv{env: e}
	t.us = MustToken(tb, db, &article5.Token{Name: "us", Party: article5.PartyUS, Org: usOrg})
	t.x = MustToken(tb, db, &article5.Token{Name: "x", Party: article5.PartyUS, Org: xOrg})
	return t
}

// post ingests a bundle of objects as token.
func (e *trustEnv) post(tb testing.TB, token, query string, objs ...map[string]any) response {
	tb.Helper()
	data, err := json.Marshal(map[string]any{"type": "bundle", "id": "bundle--7a7a7a7a-0000-4000-8000-000000000001", "objects": objs})
	if err != nil {
		tb.Fatal(err)
	}
	return e.do(tb, "POST", "/api/v1/bundles"+query, token, stixJSON, data)
}

// incident is a minimal assessable incident.
func incident(id, modified, createdBy string, markings ...string) map[string]any {
	o := map[string]any{"type": "incident", "spec_version": "2.1", "id": id, "created": "2026-01-01T00:00:00.000Z", "modified": modified,
		"name": "outage " + id[len(id)-4:],
		"extensions": map[string]any{article5.ExtensionID: map[string]any{"extension_type": "property-extension", "domain": "cyber",
			"affected_parties": []any{"JP"}, "operation_type": "disruption"}}}
	if createdBy != "" {
		o["created_by_ref"] = createdBy
	}
	if len(markings) > 0 {
		o["object_marking_refs"] = markings
	}
	return o
}

// grouping is a case of incidents.
func grouping(id, modified, createdBy string, incidents []string, markings ...string) map[string]any {
	o := map[string]any{"type": "grouping", "spec_version": "2.1", "id": id, "created": "2026-01-01T00:00:00.000Z", "modified": modified,
		"name": "case " + id[len(id)-4:], "context": "suspicious-activity", "object_refs": incidents}
	if createdBy != "" {
		o["created_by_ref"] = createdBy
	}
	if len(markings) > 0 {
		o["object_marking_refs"] = markings
	}
	return o
}

// red marks o TLP:RED for the named recipients.
func red(o map[string]any, recipients ...string) map[string]any {
	o["object_marking_refs"] = []any{tlpRed}
	ext := o["extensions"]
	if ext == nil {
		ext = map[string]any{}
		o["extensions"] = ext
	}
	e := ext.(map[string]any)
	a5, _ := e[article5.ExtensionID].(map[string]any)
	if a5 == nil {
		a5 = map[string]any{"extension_type": "property-extension"}
		e[article5.ExtensionID] = a5
	}
	if len(recipients) > 0 {
		rs := make([]any, len(recipients))
		for i, r := range recipients {
			rs[i] = r
		}
		a5["red_recipients"] = rs
	}
	return o
}

const (
	redIncident   = "incident--a1a1a1a1-0000-4000-8000-000000000001"
	redCase       = "grouping--a1a1a1a1-0000-4000-8000-0000000000c1"
	strictInc     = "incident--a2a2a2a2-0000-4000-8000-000000000002"
	strictCase    = "grouping--a2a2a2a2-0000-4000-8000-0000000000c2"
	freshIncident = "incident--f0f0f0f0-0000-4000-8000-00000000000f"
	freshCase     = "grouping--f0f0f0f0-0000-4000-8000-0000000000cf"
)

// seedJP stores, as JP, a TLP:RED case (naming the named token) and an
// AMBER+STRICT case, and assesses both.
func (e *trustEnv) seedJP(tb testing.TB) {
	tb.Helper()
	r := e.post(tb, e.analyst, "",
		red(incident(redIncident, "2026-02-01T00:00:00.000Z", jpOrg), namedToken),
		red(grouping(redCase, "2026-02-01T00:00:00.000Z", jpOrg, []string{redIncident}), namedToken),
		incident(strictInc, "2026-02-01T00:00:00.000Z", jpOrg, tlpAS),
		grouping(strictCase, "2026-02-01T00:00:00.000Z", jpOrg, []string{strictInc}, tlpAS))
	if r.status != http.StatusOK {
		tb.Fatalf("seed: %d %s", r.status, r.body)
	}
	e.MustRunJobs(tb)
}

// dateAdded matches the version an unversioned object (an SCO) is given:
// the instant the node added it, to the nanosecond (always nine
// fractional digits).
var dateAdded = regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z`)

// sameAnswer fails unless two responses are the same once the probe id of
// each is replaced by a placeholder.
func sameAnswer(tb testing.TB, what string, a response, aID string, b response, bID string) {
	tb.Helper()
	na := dateAdded.ReplaceAllString(strings.ReplaceAll(string(a.body), aID, "<probe>"), "<date added>")
	nb := dateAdded.ReplaceAllString(strings.ReplaceAll(string(b.body), bID, "<probe>"), "<date added>")
	if a.status != b.status || na != nb || a.header.Get("Content-Type") != b.header.Get("Content-Type") {
		tb.Errorf("%s: the hidden object and a missing one are answered differently:\n%d %.400s\n%d %.400s", what, a.status, na, b.status, nb)
	}
}

// TestForgedVersionsRefused: another organisation can neither rewrite
// evidence it cannot read nor claim to be its creator; the answers are
// those a new object would get; the case is not re-assessed and its
// consultation not re-opened.
func TestForgedVersionsRefused(t *testing.T) {
	e := MustTrustEnv(t)
	e.seedJP(t)
	ctx := context.Background()
	before, err := e.db.FindCaseByID(ctx, redCase)
	if err != nil {
		t.Fatal(err)
	}
	evBefore, err := e.db.EventWatermark(ctx)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("claiming the JP holder as creator is refused, naming the property", func(t *testing.T) {
		for _, id := range []string{redCase, freshCase} {
			r := e.post(t, e.x, "", grouping(id, "2026-03-01T00:00:00.000Z", jpOrg, []string{redIncident}, tlpClear))
			er := MustError(t, r, http.StatusUnprocessableEntity, article5.EINVALID)
			if len(er.Error.Details) != 1 || er.Error.Details[0].Pointer != "/created_by_ref" {
				t.Errorf("%s: %s", id, r.body)
			}
		}
	})
	t.Run("a later version of the hidden case is answered as a new object and changes nothing", func(t *testing.T) {
		hidden := e.post(t, e.x, "", grouping(redCase, "2026-03-01T00:00:00.000Z", xOrg, []string{redIncident}, tlpClear))
		fresh := e.post(t, e.x, "", grouping(freshCase, "2026-03-01T00:00:00.000Z", xOrg, []string{redIncident}, tlpClear))
		sameAnswer(t, "re-versioning the hidden grouping", hidden, redCase, fresh, freshCase)
		// Without created_by_ref at all (any content may omit it).
		g := grouping(redCase, "2026-03-02T00:00:00.000Z", "", []string{redIncident}, tlpClear)
		g2 := grouping(freshCase, "2026-03-02T00:00:00.000Z", "", []string{redIncident}, tlpClear)
		sameAnswer(t, "without created_by_ref", e.post(t, e.x, "", g), redCase, e.post(t, e.x, "", g2), freshCase)
	})
	t.Run("a US token cannot re-version an AMBER+STRICT incident it cannot read", func(t *testing.T) {
		hidden := e.post(t, e.us, "", incident(strictInc, "2026-03-01T00:00:00.000Z", usOrg, tlpClear))
		fresh := e.post(t, e.us, "", incident(freshIncident, "2026-03-01T00:00:00.000Z", usOrg, tlpClear))
		sameAnswer(t, "re-versioning the hidden incident", hidden, strictInc, fresh, freshIncident)
		if r := e.do(t, "GET", "/api/v1/objects/"+strictInc, e.us, "", nil); strings.Contains(string(r.body), tlpAS) {
			t.Errorf("the US token reads the held incident: %s", r.body)
		}
	})
	t.Run("a reader that is not the custodian is refused in one generic sentence", func(t *testing.T) {
		// US may read AMBER (a client): a JP AMBER incident, re-versioned by US.
		amber := "incident--a3a3a3a3-0000-4000-8000-000000000003"
		if r := e.post(t, e.analyst, "", incident(amber, "2026-02-01T00:00:00.000Z", jpOrg)); r.status != http.StatusOK {
			t.Fatal(r.status)
		}
		r := e.post(t, e.us, "", incident(amber, "2026-03-01T00:00:00.000Z", usOrg, tlpClear))
		er := MustError(t, r, http.StatusUnprocessableEntity, article5.EINVALID)
		if er.Error.Details[0].Message != article5.ReasonNotCustodian {
			t.Errorf("%s", r.body)
		}
		if strings.Contains(string(r.body), jpOrg) {
			t.Errorf("the refusal names the custodian: %s", r.body)
		}
	})

	e.MustRunJobs(t)
	after, err := e.db.FindCaseByID(ctx, redCase)
	if err != nil {
		t.Fatal(err)
	}
	if after.Hash != before.Hash {
		t.Errorf("the RED case was re-assessed: %s → %s", before.Hash, after.Hash)
	}
	vs, err := e.db.FindObjectVersions(ctx, redCase)
	if err != nil || len(vs) != 1 {
		t.Errorf("the RED case grouping has %d versions, want 1: %v", len(vs), err)
	}
	evs, err := e.db.FindEvents(ctx, article5.EventFilter{After: evBefore, Limit: 100, Audience: article5.Audience{All: true}})
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range evs {
		if ev.Case == redCase || ev.Case == strictCase {
			t.Errorf("an event on a case the attack must not touch: %+v", ev)
		}
	}
	// X's own grouping (quarantined under the RED case's id) is X's to read.
	if r := e.do(t, "GET", "/api/v1/objects/"+redCase, e.x, "", nil); r.status != http.StatusOK || strings.Contains(string(r.body), tlpRed) {
		t.Errorf("X reading back what it sent: %d %.300s", r.status, r.body)
	}
}

// TestClaimsAndRelay: a principal creates objects as its own organisation
// or one it speaks for; an identity the node does not know is relayed, in
// the submitter's custody, and the provenance route says so.
func TestClaimsAndRelay(t *testing.T) {
	e := MustTrustEnv(t)
	const vendor = "identity--5e5e5e5e-0000-4000-8000-0000000000ee"
	speaks := "incident--b1b1b1b1-0000-4000-8000-000000000001"
	relayed := "incident--b2b2b2b2-0000-4000-8000-000000000002"
	if r := e.post(t, e.analyst, "", incident(speaks, "2026-02-01T00:00:00.000Z", mOrg)); r.status != http.StatusOK {
		t.Fatalf("JP speaking for M: %d %s", r.status, r.body)
	}
	if r := e.post(t, e.x, "", incident("incident--b3b3b3b3-0000-4000-8000-000000000003", "2026-02-01T00:00:00.000Z", mOrg)); r.status != http.StatusUnprocessableEntity {
		t.Fatalf("X claiming M: %d %s", r.status, r.body)
	}
	if r := e.post(t, e.x, "", incident(relayed, "2026-02-01T00:00:00.000Z", vendor, tlpClear)); r.status != http.StatusOK {
		t.Fatalf("X relaying a vendor's report: %d %s", r.status, r.body)
	}
	greenRelayed := "incident--b4b4b4b4-0000-4000-8000-000000000004"
	if r := e.post(t, e.x, "", incident(greenRelayed, "2026-02-01T00:00:00.000Z", vendor, tlpGreen)); r.status != http.StatusOK {
		t.Fatalf("X relaying a GREEN report: %d %s", r.status, r.body)
	}
	var p struct {
		Versions []struct {
			Submitter    string `json:"submitter"`
			SubmitterOrg string `json:"submitter_org"`
			Custodian    string `json:"custodian"`
			Relayed      bool   `json:"relayed"`
			LogIndex     *int64 `json:"log_index"`
			LogBy        string `json:"log_by"`
		} `json:"versions"`
	}
	MustDecode(t, e.do(t, "GET", "/api/v1/objects/"+relayed+"/provenance", e.x, "", nil), &p)
	v := p.Versions[0]
	if !v.Relayed || v.Custodian != xOrg || v.SubmitterOrg != xOrg || !strings.HasPrefix(v.Submitter, "token--") || v.LogIndex == nil || !strings.HasSuffix(v.LogBy, "@"+xOrg) {
		t.Fatalf("provenance to its submitter: %+v", v)
	}
	// The proof of its log entry checks, and names the submitter.
	proof := e.do(t, "GET", fmt.Sprintf("/api/v1/audit/proof/%d", *v.LogIndex), e.x, "", nil)
	if proof.status != http.StatusOK || !strings.Contains(string(proof.body), v.Submitter) {
		t.Errorf("the log entry of the version: %d %s", proof.status, proof.body)
	}
	p.Versions = nil
	MustDecode(t, e.do(t, "GET", "/api/v1/objects/"+relayed+"/provenance", e.analyst, "", nil), &p)
	if v := p.Versions[0]; v.Submitter != "" || v.SubmitterOrg != xOrg || v.LogBy != xOrg {
		t.Errorf("provenance to another organisation shows the submitting token: %+v", v)
	}
	// Custody grants nothing: GREEN reaches JP, its clients (US) and its
	// communities, not its relay X.
	if r := e.do(t, "GET", "/api/v1/objects/"+greenRelayed, e.x, "", nil); r.status != http.StatusNotFound {
		t.Errorf("X (its relay, in no community) reads GREEN relayed content: %d", r.status)
	}
	for _, tok := range []string{e.analyst, e.us} {
		if r := e.do(t, "GET", "/api/v1/objects/"+greenRelayed, tok, "", nil); r.status != http.StatusOK {
			t.Errorf("the holder or its client cannot read GREEN relayed content: %d", r.status)
		}
	}
}

// TestCreateCaseFromReferences: an incident the caller may not read is
// answered exactly as one the node does not hold.
func TestCreateCaseFromReferences(t *testing.T) {
	e := MustTrustEnv(t)
	e.seedJP(t)
	body := func(id string) []byte { return []byte(`{"name":"probe","incidents":["` + id + `"]}`) }
	hidden := e.do(t, "POST", "/api/v1/cases", e.x, "application/json", body(redIncident))
	missing := e.do(t, "POST", "/api/v1/cases", e.x, "application/json", body(freshIncident))
	sameAnswer(t, "POST /api/v1/cases", hidden, redIncident, missing, freshIncident)
	if hidden.status == http.StatusCreated || strings.Contains(string(hidden.body), "tiers") {
		t.Errorf("findings drawn from a hidden incident: %s", hidden.body)
	}
	// The named recipient may: its case carries the RED audience.
	r := e.do(t, "POST", "/api/v1/cases", e.named, "application/json", body(redIncident))
	if r.status != http.StatusCreated {
		t.Fatalf("the named recipient: %d %s", r.status, r.body)
	}
	var c struct{ Case string }
	_ = json.Unmarshal(r.body, &c)
	loc := r.header.Get("Location")
	id := strings.TrimSuffix(strings.TrimPrefix(loc, "/api/v1/cases/"), "/consultation")
	vs, err := e.db.FindObjectVersions(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(vs[0].Markings) != fmt.Sprint([]string{tlpRed}) || fmt.Sprint(vs[0].RedRecipients) != fmt.Sprint([]string{jpOrg, namedToken}) {
		t.Errorf("the new grouping is marked %v for %v, want RED for the incident's audience", vs[0].Markings, vs[0].RedRecipients)
	}
}

// TestDerivedObjectsCarryTheirEvidenceAudience: article5's assessment of
// a case carries the most restrictive TLP of its evidence and, at RED, the
// recipients every RED piece admits.
func TestDerivedObjectsCarryTheirEvidenceAudience(t *testing.T) {
	e := MustTrustEnv(t)
	e.seedJP(t)
	ctx := context.Background()
	for _, tc := range []struct {
		caseID string
		mark   string
		red    []string
	}{{redCase, tlpRed, []string{jpOrg, namedToken}}, {strictCase, tlpAS, nil}} {
		c, err := e.db.FindCaseByID(ctx, tc.caseID)
		if err != nil {
			t.Fatal(err)
		}
		vs, err := e.db.FindObjectVersions(ctx, node.AssessmentObjectID(tc.caseID, c.Hash))
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(vs[0].Markings) != fmt.Sprint([]string{tc.mark}) || fmt.Sprint(vs[0].RedRecipients) != fmt.Sprint(tc.red) {
			t.Errorf("%s's assessment marked %v %v, want %s %v", tc.caseID, vs[0].Markings, vs[0].RedRecipients, tc.mark, tc.red)
		}
	}
}

// TestCursorsAreOpaqueAndBound: a page's next names no case and is
// refused to anyone else; a query for hidden names answers exactly as on a
// node without them.
func TestCursorsAreOpaqueAndBound(t *testing.T) {
	withHidden := MustTrustEnv(t)
	without := MustTrustEnv(t)
	for i, e := range []*trustEnv{withHidden, without} {
		// Two CLEAR cases both nodes hold.
		for k := range 2 {
			inc := fmt.Sprintf("incident--c0c0c0c0-0000-4000-8000-00000000000%d", k)
			g := fmt.Sprintf("grouping--c0c0c0c0-0000-4000-8000-0000000000c%d", k)
			gg := grouping(g, "2026-02-01T00:00:00.000Z", jpOrg, []string{inc}, tlpClear)
			gg["name"] = fmt.Sprintf("Clear case %d", k)
			if r := e.post(t, e.analyst, "", incident(inc, "2026-02-01T00:00:00.000Z", jpOrg, tlpClear), gg); r.status != http.StatusOK {
				t.Fatal(r.status)
			}
		}
		if i == 0 {
			// Three hidden cases whose names contain "nightfall".
			for k := range 3 {
				inc := fmt.Sprintf("incident--d0d0d0d0-0000-4000-8000-00000000000%d", k)
				g := fmt.Sprintf("grouping--d0d0d0d0-0000-4000-8000-0000000000c%d", k)
				gg := grouping(g, "2026-02-01T00:00:00.000Z", jpOrg, []string{inc}, tlpAS)
				gg["name"] = fmt.Sprintf("Operation Nightfall %d", k)
				if r := e.post(t, e.analyst, "", incident(inc, "2026-02-01T00:00:00.000Z", jpOrg, tlpAS), gg); r.status != http.StatusOK {
					t.Fatal(r.status)
				}
			}
		}
		e.MustRunJobs(t)
	}
	for _, q := range []string{"?q=nightfall&limit=1", "?q=night&limit=1", "?q=Nightfall", "?limit=1&q=operation"} {
		a := withHidden.do(t, "GET", "/api/v1/cases"+q, withHidden.x, "", nil)
		b := without.do(t, "GET", "/api/v1/cases"+q, without.x, "", nil)
		if a.status != b.status || string(a.body) != string(b.body) {
			t.Errorf("GET /api/v1/cases%s answers differently with hidden cases:\n%s\n%s", q, a.body, b.body)
		}
	}
	// Page through as X (CLEAR only) one case at a time.
	e := withHidden
	var page caseList
	MustDecode(t, e.do(t, "GET", "/api/v1/cases?limit=1", e.x, "", nil), &page)
	if page.Next == "" || len(page.Cases) != 1 {
		t.Fatalf("first page %+v", page)
	}
	if raw, err := base64.RawURLEncoding.DecodeString(page.Next); err == nil && regexp.MustCompile(`grouping|c1\.`).Match(raw) {
		t.Errorf("the cursor reads as a position: %q", raw)
	}
	for _, other := range []string{e.us, e.analyst} {
		r := e.do(t, "GET", "/api/v1/cases?limit=1&cursor="+page.Next, other, "", nil)
		garbage := e.do(t, "GET", "/api/v1/cases?limit=1&cursor=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", other, "", nil)
		MustError(t, r, http.StatusBadRequest, article5.EINVALID)
		if string(r.body) != string(garbage.body) {
			t.Errorf("another principal's cursor is refused unlike garbage: %s vs %s", r.body, garbage.body)
		}
	}
	var second caseList
	MustDecode(t, e.do(t, "GET", "/api/v1/cases?limit=1&cursor="+page.Next, e.x, "", nil), &second)
	if len(second.Cases) != 1 || second.Next != "" || second.Cases[0].ID == page.Cases[0].ID {
		t.Errorf("second page %+v: want the other CLEAR case and no next", second)
	}
	// Events: ids opaque, no sequence numbers, another's id refused.
	var evs eventList
	MustDecode(t, e.do(t, "GET", "/api/v1/events", e.x, "", nil), &evs)
	raw := string(e.do(t, "GET", "/api/v1/events", e.x, "", nil).body)
	if strings.Contains(raw, `"seq"`) || strings.Contains(raw, "d0d0d0d0") || len(evs.Events) != 2 {
		t.Errorf("events to X: %s", raw)
	}
	MustError(t, e.do(t, "GET", "/api/v1/events?after="+evs.Events[0].ID, e.us, "", nil), http.StatusBadRequest, article5.EINVALID)
	MustError(t, e.do(t, "GET", "/api/v1/events?after=3", e.x, "", nil), http.StatusBadRequest, article5.EINVALID)
}

// TestSCOCopiesRevealNothing: an observable another organisation holds
// under TLP:RED is answered, to one who may not read it, as an observable
// the node has never seen; the copies are each their submitter's.
func TestSCOCopiesRevealNothing(t *testing.T) {
	withIt := MustTrustEnv(t)
	without := MustTrustEnv(t)
	const dom = "domain-name--bedb4899-d24b-5401-bc86-8f6b4cc18ec7"
	sco := func(marking string) map[string]any {
		return map[string]any{"type": "domain-name", "spec_version": "2.1", "id": dom, "value": "example.com", "object_marking_refs": []any{marking}}
	}
	if r := withIt.post(t, withIt.analyst, "", sco(tlpRed)); r.status != http.StatusOK {
		t.Fatal(r.status)
	}
	for _, m := range []string{tlpRed, tlpClear} {
		a := withIt.post(t, withIt.x, "", sco(m))
		b := without.post(t, without.x, "", sco(m))
		sameAnswer(t, "the same observable ("+m+")", a, dom, b, dom)
	}
	a := withIt.do(t, "GET", "/api/v1/objects/"+dom, withIt.x, "", nil)
	b := without.do(t, "GET", "/api/v1/objects/"+dom, without.x, "", nil)
	if a.status != b.status || strings.Count(string(a.body), dom) != strings.Count(string(b.body), dom) {
		t.Errorf("reading the observable back: %d %s\nvs %d %s", a.status, a.body, b.status, b.body)
	}
}
