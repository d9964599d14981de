package web_test

import (
	"context"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"article5"
	"article5/api"
	"article5/audit"
)

// MustConclude takes case id to a joint determination through the case
// page's forms: the JP analyst opens and requests consultations, both
// legal advisers record positions (tier) and both approvers sign. It
// needs MustApprovers.
func (e *env) MustConclude(tb testing.TB, id, tier string) {
	tb.Helper()
	path := "/cases/" + id
	post := func(user, action string, form url.Values) {
		tb.Helper()
		c := e.client(tb, "en")
		c.MustLogin(tb, user)
		if r := c.do(tb, "POST", path+"/"+action, form); r.status != http.StatusSeeOther {
			tb.Fatalf("%s %s: %d %.400s", user, action, r.status, r.body)
		}
	}
	if c, _, _ := e.n.Consultation(tb.Context(), id); c == nil {
		post("jp-analyst", "open", url.Values{})
	}
	if c, _, _ := e.n.Consultation(tb.Context(), id); c != nil && c.State == "open" {
		post("jp-analyst", "request", url.Values{})
	}
	post("jp-legal", "position", url.Values{"tier": {tier}, "opinion": {"agree"}, "reasons": {"JP reasons."}})
	post("us-legal", "position", url.Values{"tier": {tier}, "opinion": {"agree"}, "reasons": {"US reasons."}})
	post("jp-approver", "sign", url.Values{"password": {password}})
	post("us-approver", "sign", url.Values{"password": {password}})
}

var entryRow = regexp.MustCompile(`<tr id="entry-(\d+)">`)

// TestCaseTrail: the case page lists the log entries of the case, its
// assessments and every consultation step, each verified on the server
// against the signed tree head, and offers each proof as JSON that checks
// offline with the node's key; past determinations are listed with their
// hash, outcome and the export of their signed record.
func TestCaseTrail(t *testing.T) {
	e := MustEnv(t)
	e.MustApprovers(t)
	e.MustIngest(t, "jp-analyst", MustExample(t, "dam-control"))
	const id = "grouping--eb902b1f-89f8-47b0-ab8f-a81479941a41"
	e.MustConclude(t, id, "armed-attack-possible")
	// New evidence: a new version of the incident, a new assessment,
	// the determination becomes a past one; then a second one.
	var b map[string]any
	if err := json.Unmarshal(MustExample(t, "dam-control"), &b); err != nil {
		t.Fatal(err)
	}
	for _, o := range b["objects"].([]any) {
		if m := o.(map[string]any); m["type"] == "incident" {
			m["modified"] = "2026-11-21T09:00:00.000Z"
			m["name"] = "HYPOTHETICAL: dam floodgates opened remotely (revised)"
		}
	}
	revised, _ := json.Marshal(b)
	e.MustIngest(t, "jp-analyst", revised)
	e.MustConclude(t, id, "armed-attack-possible")

	c := e.client(t, "en")
	c.MustLogin(t, "jp-observer")
	p := c.get(t, "/cases/"+id)
	if p.status != 200 {
		t.Fatalf("case page: %d", p.status)
	}
	// Past determinations: the current one and the earlier one, each with
	// its hash, outcome and (for a role that may export) the record.
	det := between(t, p.body, `id="determinations"`, `</section>`)
	hashes := regexp.MustCompile(`<code translate="no">([0-9a-f]{64})</code>`).FindAllStringSubmatch(det, -1)
	if len(hashes) != 2 || hashes[0][1] == hashes[1][1] || !strings.Contains(det, "earlier assessment") || strings.Count(det, "concurred") != 2 {
		t.Errorf("determinations: want the current and an earlier one with distinct hashes: %s", det)
	}
	an := e.client(t, "en")
	an.MustLogin(t, "jp-analyst")
	if strings.Contains(between(t, an.get(t, "/cases/"+id).body, `id="determinations"`, `</section>`), "/record?") {
		t.Errorf("an analyst, who may not export the record, is offered it")
	}
	a := e.client(t, "en")
	a.MustLogin(t, "jp-approver")
	ap := a.get(t, "/cases/"+id)
	if len(hashes) == 2 && !strings.Contains(ap.body, `/api/v1/cases/`+id+`/record?assessment=`+hashes[1][1]) {
		t.Errorf("the approver is not offered the earlier determination's record")
	} else if len(hashes) == 2 {
		rec := a.get(t, "/api/v1/cases/"+id+"/record?assessment="+hashes[1][1])
		if rec.status != 200 || !strings.Contains(rec.body, hashes[1][1]) {
			t.Errorf("earlier record: %d %.300s", rec.status, rec.body)
		}
	}

	// The trail: entries of the case, its assessments and consultation,
	// all verified.
	trail := between(t, p.body, `id="trail"`, `</section>`)
	rows := entryRow.FindAllStringSubmatch(trail, -1)
	if len(rows) < 10 {
		t.Fatalf("trail has %d entries: %s", len(rows), trail)
	}
	for _, want := range []string{"cases/" + id, "assessments/" + id + "/1", "assessments/" + id + "/2", "consultations/" + id, "position signed", "determination"} {
		if !strings.Contains(trail, want) {
			t.Errorf("the trail does not show %q", want)
		}
	}
	if !strings.Contains(trail, strconv.Itoa(len(rows))+" of "+strconv.Itoa(len(rows))+" entries verified") || strings.Contains(trail, "not verified") {
		t.Errorf("not every entry verified: %s", between(t, trail, `id="trail-verified"`, `</p>`))
	}
	// Each proof downloads as JSON and checks offline against the signed
	// head with the node's key.
	for _, r := range []string{rows[0][1], rows[len(rows)-1][1]} {
		resp := c.get(t, "/cases/"+id+"/proofs/"+r+".json")
		if resp.status != 200 || !strings.HasPrefix(resp.header.Get("Content-Type"), "application/json") {
			t.Fatalf("proof %s: %d %.300s", r, resp.status, resp.body)
		}
		var pj struct {
			Entry struct {
				Index int64  `json:"index"`
				Ref   string `json:"ref"`
			} `json:"entry"`
			Hashes         []string `json:"hashes"`
			Proof          string   `json:"proof"`
			SignedTreeHead string   `json:"signed_tree_head"`
			VerifierKey    string   `json:"verifier_key"`
			Verified       bool     `json:"verified"`
		}
		if err := json.Unmarshal([]byte(resp.body), &pj); err != nil {
			t.Fatal(err)
		}
		// An entry by a U.S. user (the determination) comes without its
		// line to this JP observer and checks by its leaf hash.
		proof, _, err := audit.ParseProof([]byte(pj.Proof))
		if err != nil {
			t.Fatal(err)
		}
		vs, err := audit.NewVerifiers(pj.VerifierKey)
		if err != nil {
			t.Fatal(err)
		}
		head, err := audit.VerifyTreeHead([]byte(pj.SignedTreeHead), vs)
		if err != nil {
			t.Fatal(err)
		}
		if err := proof.Check(head); err != nil || !pj.Verified || strconv.FormatInt(proof.Index, 10) != r || len(pj.Hashes) != len(proof.Proof) {
			t.Errorf("proof %s does not check offline: %v (verified %v)", r, err, pj.Verified)
		}
		// A proof edited by one bit does not check.
		if len(proof.Proof) > 0 {
			proof.Proof[0][0] ^= 1
			if proof.Check(head) == nil {
				t.Errorf("an edited proof checks")
			}
		}
	}
	// An entry that is not of this case's trail is not offered under it.
	if r := c.get(t, "/cases/"+id+"/proofs/0.json"); r.status != http.StatusNotFound {
		t.Errorf("entry 0 (not of the case) under the case: %d", r.status)
	}
	for _, bad := range []string{"x.json", "-1.json", "1", "99999999.json"} {
		if r := c.get(t, "/cases/"+id+"/proofs/"+bad); r.status != http.StatusNotFound {
			t.Errorf("proofs/%s: %d, want 404", bad, r.status)
		}
	}
}

// TestCaseTrailRedIsMissing: a JP observer sees no entry and no proof of
// a RED U.S. case: its proofs answer exactly like those of a case that
// does not exist, and asking for the RED case's entries under a case the
// observer may see answers "not found" too.
func TestCaseTrailRedIsMissing(t *testing.T) {
	e := MustEnv(t)
	e.MustIngest(t, "jp-analyst", MustExample(t, "port-ransomware"))
	e.MustIngest(t, "us-analyst", RedUS(t, "dam-control"))
	const red = "grouping--eb902b1f-89f8-47b0-ab8f-a81479941a41"
	const missing = "grouping--00000000-0000-4000-8000-000000000000"
	us := e.client(t, "en")
	us.MustLogin(t, "us-analyst")
	up := us.get(t, "/cases/"+red)
	redRows := entryRow.FindAllStringSubmatch(up.body, -1)
	if len(redRows) == 0 {
		t.Fatalf("the U.S. analyst sees no trail of the RED case")
	}
	jp := e.client(t, "en")
	jp.MustLogin(t, "jp-observer")
	own := regexp.MustCompile(`href="/cases/(grouping--[0-9a-f-]+)"`).FindStringSubmatch(jp.get(t, "/search?q=port").body)
	if own == nil || own[1] == red {
		t.Fatalf("the JP observer does not find the JP case")
	}
	ownRows := entryRow.FindAllStringSubmatch(jp.get(t, "/cases/"+own[1]).body, -1)
	for _, r := range redRows {
		for _, o := range ownRows {
			if o[1] == r[1] {
				t.Errorf("entry %s is in both cases' trails", r[1])
			}
		}
		gone := jp.get(t, "/cases/"+red+"/proofs/"+r[1]+".json")
		none := jp.get(t, "/cases/"+missing+"/proofs/"+r[1]+".json")
		goneBody := strings.ReplaceAll(gone.body, html.EscapeString(red), "ID")
		noneBody := strings.ReplaceAll(none.body, html.EscapeString(missing), "ID")
		if gone.status != http.StatusNotFound || goneBody != noneBody {
			t.Errorf("proof %s of the RED case: %d, a missing case's: %d", r[1], gone.status, none.status)
		}
		if x := jp.get(t, "/cases/"+own[1]+"/proofs/"+r[1]+".json"); x.status != http.StatusNotFound || strings.Contains(x.body, red) {
			t.Errorf("the RED case's entry %s under the JP case: %d", r[1], x.status)
		}
	}
	if p := jp.get(t, "/cases/"+red); p.status != http.StatusNotFound || strings.Contains(p.body, redName) {
		t.Errorf("the RED case page: %d", p.status)
	}
}

// TestSearchInitiator: search by the attributed actor or State (name or
// id) lists the cases whose incidents are attributed to it, and never a
// case the user may not see.
func TestSearchInitiator(t *testing.T) {
	e := MustEnv(t)
	e.MustIngest(t, "jp-analyst", MustExample(t, "dam-control"))
	var b map[string]any
	if err := json.Unmarshal(MustExample(t, "winter-grid-deaths"), &b); err != nil {
		t.Fatal(err)
	}
	for _, o := range b["objects"].([]any) {
		m := o.(map[string]any)
		switch {
		case m["type"] == "threat-actor":
			m["name"] = "Unit 7 of State Y (fictional)"
		case m["type"] == "identity" && m["name"] == "Government of State X":
			m["name"] = "Government of State Y"
		}
	}
	winter, _ := json.Marshal(b)
	e.MustIngest(t, "jp-analyst", winter)
	e.MustIngest(t, "us-analyst", RedUS(t, "port-ransomware"))
	jp := e.client(t, "en")
	jp.MustLogin(t, "jp-observer")
	cases := func(c *client, q string) []string {
		t.Helper()
		p := c.get(t, "/search?initiator="+url.QueryEscape(q))
		if p.status != 200 {
			t.Fatalf("search %q: %d", q, p.status)
		}
		var out []string
		for _, m := range regexp.MustCompile(`href="/cases/(grouping--[0-9a-f-]+)"`).FindAllStringSubmatch(between(t, p.body, `id="results"`, `</div>`), -1) {
			out = append(out, m[1])
		}
		return out
	}
	const dam, grid = "grouping--eb902b1f-89f8-47b0-ab8f-a81479941a41", "grouping--9f87ff06-c573-4734-82ae-8da8c156f220"
	if got := cases(jp, "state x"); len(got) != 1 || got[0] != dam {
		t.Errorf("initiator State X: %v, want the dam case", got)
	}
	if got := cases(jp, "Unit 7"); len(got) != 1 || got[0] != grid {
		t.Errorf("initiator Unit 7: %v, want the grid case", got)
	}
	if got := cases(jp, "identity--9da5414c-cee3-4cd4-8355-24e6147453cb"); len(got) != 1 || got[0] != grid {
		t.Errorf("initiator by State id: %v, want the grid case", got)
	}
	if got := cases(jp, "nobody at all"); len(got) != 0 {
		t.Errorf("initiator nobody: %v", got)
	}
	// The RED U.S. case is attributed to LockBit; only the U.S. sees it.
	us := e.client(t, "en")
	us.MustLogin(t, "us-analyst")
	if got := cases(us, "lockbit"); len(got) != 1 {
		t.Errorf("the U.S. analyst finds %d RED cases attributed to LockBit, want 1", len(got))
	}
	p := jp.get(t, "/search?initiator=LockBit")
	if strings.Contains(strings.ReplaceAll(p.body, `value="LockBit"`, ""), redName) || len(cases(jp, "LockBit")) != 0 || len(cases(jp, "State")) != 2 {
		t.Errorf("the JP observer finds the RED case by initiator, or not both States' cases")
	}
	if r := jp.get(t, "/search?initiator="+strings.Repeat("x", 201)); r.status != http.StatusBadRequest || !strings.Contains(r.body, `id="e-initiator"`) {
		t.Errorf("a too long initiator: %d", r.status)
	}
}

// between returns the part of s from the first from up to the next to.
func between(t *testing.T, s, from, to string) string {
	t.Helper()
	i := strings.Index(s, from)
	if i < 0 {
		t.Fatalf("no %q in %.300s", from, s)
	}
	j := strings.Index(s[i:], to)
	if j < 0 {
		return s[i:]
	}
	return s[i : i+j]
}

// TestBriefPDFByToken: a brief's PDF answers to an API token too, with
// the token's release: a JP token asking for a RED U.S. case gets exactly
// what a missing case gets; an unknown token is 401; the other pages do
// not take tokens (they send the caller to log in).
func TestBriefPDFByToken(t *testing.T) {
	e := MustEnv(t)
	e.MustIngest(t, "us-analyst", RedUS(t, "dam-control"))
	const red = "grouping--eb902b1f-89f8-47b0-ab8f-a81479941a41"
	const missing = "grouping--00000000-0000-4000-8000-000000000000"
	secret, hash := api.NewToken()
	if err := e.db.CreateToken(context.Background(), &article5.Token{Name: "jp-feed", Party: article5.PartyJP, Org: jpOrg, Hash: hash}); err != nil {
		t.Fatal(err)
	}
	get := func(path, tok string) response {
		req, _ := http.NewRequest("GET", e.srv.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Accept-Language", "en")
		res, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return response{status: res.StatusCode, body: string(b), header: res.Header}
	}
	gone, none := get("/cases/"+red+"/brief.pdf", secret), get("/cases/"+missing+"/brief.pdf", secret)
	if gone.status != http.StatusNotFound || strings.ReplaceAll(gone.body, red, "ID") != strings.ReplaceAll(none.body, missing, "ID") || strings.Contains(gone.body, redName) {
		t.Errorf("the RED case's PDF by a JP token: %d, a missing one: %d", gone.status, none.status)
	}
	if r := get("/cases/"+missing+"/brief.pdf", "a5_unknown"); r.status != http.StatusUnauthorized {
		t.Errorf("an unknown token: %d", r.status)
	}
	if r := get("/cases/"+missing, secret); r.status != http.StatusSeeOther {
		t.Errorf("the case page with a token: %d, want the login redirect", r.status)
	}
}
