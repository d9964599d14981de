package node_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"article5"
	"article5/audit"
	"article5/authz"
	"article5/doctrine"
	"article5/node"
	"article5/release"
	"article5/sign"
	"article5/sqlite"
	"article5/stix"
	"article5/workflow"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

const (
	fedJPOrg      = "identity--169612a8-b4f8-4371-9087-e3ae6513ac57" // the example's holder
	fedUSOrg      = "identity--0d1c6a5e-3c3a-4a7e-9b8e-2f1a6c0e7d21"
	winterInc     = "incident--8427b4e1-d27a-49ee-a651-76bc585ab6e3"
	fedPassword   = "password of the approver, long enough"
	fedNodeJP     = 0
	fedNodeUS     = 1
	derivedOnNode = "article5-assessment,article5-determination"
)

// fedClock is a clock two nodes share, moved by the test.
type fedClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fedClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fedClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// fedParty is one Party's node with its users.
type fedParty struct {
	party                    article5.Party
	org                      string
	n                        *node.Node
	analyst, legal, approver authz.User
	partner                  *article5.Partner // the other node, as this node knows it
}

// fedPair is a JP node and a US node, each on its own SQLite store, with
// its own approver key certified by its own Party's root; both trust both
// roots.
type fedPair struct {
	nodes [2]*fedParty
	clock *fedClock
}

func mustFedPair(tb testing.TB) *fedPair {
	tb.Helper()
	ctx := context.Background()
	clk := &fedClock{t: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}
	jpRoot, err := sign.NewRootKey(article5.PartyJP)
	if err != nil {
		tb.Fatal(err)
	}
	usRoot, err := sign.NewRootKey(article5.PartyUS)
	if err != nil {
		tb.Fatal(err)
	}
	roots := []sign.PublicRoot{jpRoot.Public(), usRoot.Public()}
	var docs []*doctrine.Doctrine
	for _, id := range doctrine.DefaultIDs {
		d, err := doctrine.Default(id)
		if err != nil {
			tb.Fatal(err)
		}
		docs = append(docs, d)
	}
	fp := &fedPair{clock: clk}
	for i, spec := range []struct {
		party      article5.Party
		org, other string
		root       *sign.RootKey
		name       string
	}{{article5.PartyJP, fedJPOrg, fedUSOrg, jpRoot, "us"}, {article5.PartyUS, fedUSOrg, fedJPOrg, usRoot, "jp"}} {
		db, err := sqlite.Open(ctx, tb.TempDir()+"/article5.db")
		if err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(func() { db.Close() })
		n := &node.Node{Store: db, Doctrines: docs, Now: clk.Now, Roots: roots, Party: spec.party,
			Policy: release.Policy{Holder: spec.org, Default: stix.TLPAmber, Clients: map[string][]string{spec.org: {spec.other}}}}
		if err := n.StoreExtension(ctx); err != nil {
			tb.Fatal(err)
		}
		p := &fedParty{party: spec.party, org: spec.org, n: n}
		for _, r := range []article5.Role{article5.RoleAnalyst, article5.RoleLegal, article5.RoleApprover} {
			u := &article5.User{Name: strings.ToLower(string(spec.party)) + "-" + string(r), Party: spec.party, Roles: []article5.Role{r}, Org: spec.org, PasswordHash: "unused"}
			if err := db.CreateUser(ctx, u); err != nil {
				tb.Fatal(err)
			}
			au := authz.User{ID: u.ID, Party: spec.party, Roles: []article5.Role{r}, Org: spec.org}
			switch r {
			case article5.RoleAnalyst:
				p.analyst = au
			case article5.RoleLegal:
				p.legal = au
			case article5.RoleApprover:
				p.approver = au
			}
		}
		pub, sealed, err := sign.NewApproverKey([]byte(fedPassword))
		if err != nil {
			tb.Fatal(err)
		}
		cert, err := spec.root.Certify(pub, sign.RoleApprover, p.approver.ID, clk.Now().Add(-time.Hour), clk.Now().Add(365*24*time.Hour))
		if err != nil {
			tb.Fatal(err)
		}
		cj, _ := json.Marshal(cert)
		if err := db.CreateApproverKey(ctx, &article5.ApproverKey{KeyID: sign.KeyID(pub), UserID: p.approver.ID, Party: spec.party, Sealed: sealed, Certificate: cj}); err != nil {
			tb.Fatal(err)
		}
		p.partner = &article5.Partner{Name: spec.name, APIRoot: "http://127.0.0.1:1/taxii2/article5/", Token: "unused", SpeaksFor: []string{spec.other}}
		if err := db.CreatePartner(ctx, p.partner); err != nil {
			tb.Fatal(err)
		}
		fp.nodes[i] = p
	}
	return fp
}

// released returns what node from releases to the other node's
// organisation, as its TAXII collections would (the derived types never
// leave): every version, as a partner's pull asks.
func (fp *fedPair) released(tb testing.TB, from int) []json.RawMessage {
	tb.Helper()
	src, dst := fp.nodes[from], fp.nodes[1-from]
	aud := src.n.AudienceOf(src.n.Policy.OrgRecipient(dst.org))
	var out []json.RawMessage
	cursor := ""
	for range 100 {
		page, err := src.n.Store.FindObjects(context.Background(), article5.ObjectFilter{Audience: &aud, ExcludeTypes: strings.Split(derivedOnNode, ","), AllVersions: true, Limit: 1000, Cursor: cursor})
		if err != nil {
			tb.Fatal(err)
		}
		for _, o := range page.Objects {
			out = append(out, o.Raw)
		}
		if cursor = page.Next; cursor == "" {
			break
		}
	}
	return out
}

// deliver ingests objs into node to, as the partner's pull would.
func (fp *fedPair) deliver(tb testing.TB, to int, objs []json.RawMessage) {
	tb.Helper()
	if len(objs) == 0 {
		return
	}
	dst := fp.nodes[to]
	b, _ := json.Marshal(map[string]any{"type": "bundle", "id": "bundle--6c9a2a6e-2f0a-4b7e-9a51-0a8c1d0f3e11", "objects": objs})
	principal := article5.PartnerPrincipal(dst.partner)
	rec := dst.n.Policy.OrgRecipient(principal.Org)
	rec.Subject = principal.ID
	if _, err := dst.n.Ingest(context.Background(), node.IngestRequest{Principal: principal, Recipient: rec, Data: b, SpeaksFor: dst.partner.SpeaksFor, MaxAhead: 5 * time.Minute}); err != nil {
		tb.Fatalf("deliver to %s: %v", dst.party, err)
	}
}

// work runs node i's re-assessment jobs until none is left (bounded).
func (fp *fedPair) work(tb testing.TB, i int) {
	tb.Helper()
	for range 100 {
		did, err := fp.nodes[i].n.RunJobOnce(context.Background())
		if err != nil {
			tb.Fatal(err)
		}
		if !did {
			return
		}
	}
	tb.Fatal("the worker did not settle")
}

// settle syncs both ways until neither node learns anything new.
func (fp *fedPair) settle(tb testing.TB) {
	tb.Helper()
	for range 10 {
		fp.work(tb, 0)
		fp.work(tb, 1)
		fp.deliver(tb, fedNodeUS, fp.released(tb, fedNodeJP))
		fp.deliver(tb, fedNodeJP, fp.released(tb, fedNodeUS))
		fp.work(tb, 0)
		fp.work(tb, 1)
	}
}

// open ingests the winter-grid example on JP (and the bundles extra) and
// opens, and requests, the consultation of a new case of its incident
// there.
func (fp *fedPair) open(tb testing.TB, extra ...[]byte) string {
	tb.Helper()
	ctx := context.Background()
	jp := fp.nodes[fedNodeJP]
	principal := article5.Principal{ID: jp.analyst.ID, Org: jp.org}
	rec := jp.n.Policy.OrgRecipient(jp.org)
	for _, data := range append([][]byte{MustExample(tb, "winter-grid-deaths")}, extra...) {
		if _, err := jp.n.Ingest(ctx, node.IngestRequest{Principal: principal, Recipient: rec, Data: data, Atomic: true}); err != nil {
			tb.Fatal(err)
		}
	}
	caseID, err := jp.n.CreateCase(ctx, jp.analyst, node.CaseRequest{Name: "Sapporo winter blackout", Incidents: []string{winterInc}, Principal: principal, Recipient: rec})
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := jp.n.OpenConsultation(ctx, jp.analyst, caseID); err != nil {
		tb.Fatal(err)
	}
	if _, err := jp.n.RequestConsultation(ctx, jp.analyst, caseID); err != nil {
		tb.Fatal(err)
	}
	return caseID
}

func mustConsultation(tb testing.TB, n *node.Node, caseID string) *workflow.Case {
	tb.Helper()
	c, _, err := n.Consultation(context.Background(), caseID)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// determinationObject returns the stored determination of a case's
// consultation, exactly as stored.
func determinationObject(tb testing.TB, n *node.Node, c *workflow.Case) []byte {
	tb.Helper()
	if c.Determination == nil {
		tb.Fatalf("case %s has no determination (state %s)", c.ID, c.State)
	}
	id := sign.DeterminationID(c.ID, c.Determination.AssessmentHash)
	vs, err := n.Store.FindObjectVersions(context.Background(), id)
	if err != nil {
		tb.Fatalf("determination %s: %v", id, err)
	}
	return vs[len(vs)-1].Raw
}

// TestConsultationAcrossNodes: JP opens a case; after sync US holds it
// in consultation on the same assessment hash; each Party's legal adviser
// records and its approver signs on its own node; after sync both nodes
// conclude with the same determination, byte for byte, and each node's
// exported record verifies under both roots. A forged JP position sent by
// the US node is held but never applied.
func TestConsultationAcrossNodes(t *testing.T) {
	ctx := context.Background()
	fp := mustFedPair(t)
	jp, us := fp.nodes[fedNodeJP], fp.nodes[fedNodeUS]
	caseID := fp.open(t)
	fp.settle(t)

	cj, cu := mustConsultation(t, jp.n, caseID), mustConsultation(t, us.n, caseID)
	if cu.State != article5.StateInConsultation || cu.AssessmentHash != cj.AssessmentHash {
		t.Fatalf("US: %s on %s; JP: %s on %s", cu.State, cu.AssessmentHash, cj.State, cj.AssessmentHash)
	}

	// An RFI from US, answered on JP.
	if _, _, err := us.n.SendRFI(ctx, us.legal, caseID, "Has Japan corroborated the attribution?"); err != nil {
		t.Fatal(err)
	}
	fp.settle(t)
	cj = mustConsultation(t, jp.n, caseID)
	if len(cj.RFIs) != 1 || cj.RFIs[0].From != article5.PartyUS {
		t.Fatalf("JP holds RFIs %+v", cj.RFIs)
	}
	if _, err := jp.n.AnswerRFI(ctx, jp.legal, caseID, cj.RFIs[0].ID, "Yes: two independent sources."); err != nil {
		t.Fatal(err)
	}

	for _, p := range []*fedParty{jp, us} {
		if _, err := p.n.RecordPosition(ctx, p.legal, caseID, p.party, article5.TierUseOfForcePossible, "agree", "Reasons of "+string(p.party)); err != nil {
			t.Fatal(err)
		}
		fp.clock.Add(1500 * time.Millisecond)
		if _, err := p.n.SignPosition(ctx, p.approver, caseID, p.party, []byte(fedPassword)); err != nil {
			t.Fatal(err)
		}
	}
	fp.settle(t)
	cj, cu = mustConsultation(t, jp.n, caseID), mustConsultation(t, us.n, caseID)
	if cj.State != article5.StateConcurred || cu.State != article5.StateConcurred {
		t.Fatalf("JP %s, US %s", cj.State, cu.State)
	}
	dj, du := determinationObject(t, jp.n, cj), determinationObject(t, us.n, cu)
	if !bytes.Equal(dj, du) {
		t.Fatalf("the determinations differ:\nJP %s\nUS %s", dj, du)
	}
	if cu.RFIs[0].Answer == "" {
		t.Fatal("the answer did not reach US")
	}
	for _, p := range []*fedParty{jp, us} {
		rec, err := p.n.Record(ctx, caseID, "")
		if err != nil {
			t.Fatal(err)
		}
		v, err := sign.VerifyRecord(rec, p.n.Roots, fp.clock.Now())
		if err != nil {
			t.Fatalf("%s record: %v", p.party, err)
		}
		if v.Outcome != article5.Concurred || rec.Determination.ID != sign.DeterminationID(caseID, cj.AssessmentHash) {
			t.Fatalf("%s record: %+v", p.party, v)
		}
		// Only the other root: refused.
		if _, err := sign.VerifyRecord(rec, p.n.Roots[:1], fp.clock.Now()); err == nil {
			t.Fatalf("%s record verified under the JP root alone", p.party)
		}
		// Each node's log names who made each step: its own users, the
		// partner node for the other Party's steps (a signature of its own
		// each, the second followed by the determination it made).
		es, err := p.n.Store.(audit.Store).AuditEntriesByRef(ctx, audit.ConsultationRef(caseID))
		if err != nil {
			t.Fatal(err)
		}
		pp := article5.PartnerPrincipal(p.partner)
		partner := audit.ByOf(pp.ID, pp.Org)
		own := map[string]bool{}
		for _, u := range []authz.User{p.analyst, p.legal, p.approver} {
			own[audit.ByOf(u.ID, p.org)] = true
		}
		var signed, determined []string
		for _, e := range es {
			if !own[e.By] && e.By != partner {
				t.Errorf("%s: entry %d (%s) by %q, want one of its users or %q", p.party, e.Index, e.Kind, e.By, partner)
			}
			switch e.Kind {
			case audit.KindSignature:
				signed = append(signed, e.By)
			case audit.KindDetermination:
				determined = append(determined, e.By)
			}
		}
		if want := []string{audit.ByOf(p.approver.ID, p.org), partner}; !slices.Equal(signed, want) || !slices.Equal(determined, []string{partner}) {
			t.Errorf("%s: signatures by %v, determinations by %v; want %v, then the determination by %s", p.party, signed, determined, want, partner)
		}
		if rep, err := p.n.Store.(audit.Store).AuditVerify(ctx); err != nil || !rep.Intact() {
			t.Errorf("%s: audit verify: %v %v", p.party, err, rep.Err())
		}
	}
}

// TestConsultationCoversSharedEvidence: JP holds, in the case's evidence,
// a TLP:AMBER+STRICT relationship and identity that never leave JP. The
// consultation covers what both Parties' signers can see: JP assesses the
// case without them, so US (which never receives them) reaches the same
// assessment hash; JP lists them as withheld, with the rule, and US lists
// nothing.
func TestConsultationCoversSharedEvidence(t *testing.T) {
	ctx := context.Background()
	fp := mustFedPair(t)
	jp, us := fp.nodes[fedNodeJP], fp.nodes[fedNodeUS]
	const strictRel = "relationship--5d7e9a41-2b9c-4c51-8f3e-1a2b3c4d5e6f"
	const strictID = "identity--5d7e9a41-2b9c-4c51-8f3e-1a2b3c4d5e70"
	strict := fmt.Sprintf(`{"type":"bundle","id":"bundle--5d7e9a41-2b9c-4c51-8f3e-1a2b3c4d5e71","objects":[
	 {"type":"identity","spec_version":"2.1","id":%q,"created":"2026-11-20T10:00:00.000Z","modified":"2026-11-20T10:00:00.000Z","name":"a source","identity_class":"individual","created_by_ref":%q,"object_marking_refs":[%q]},
	 {"type":"relationship","spec_version":"2.1","id":%q,"created":"2026-11-20T10:00:00.000Z","modified":"2026-11-20T10:00:00.000Z","relationship_type":"related-to","source_ref":%q,"target_ref":%q,"created_by_ref":%q,"object_marking_refs":[%q]}]}`,
		strictID, fedJPOrg, stix.TLPAmberStrictID, strictRel, winterInc, strictID, fedJPOrg, stix.TLPAmberStrictID)
	caseID := fp.open(t, []byte(strict))
	fp.settle(t)
	cj, cu := mustConsultation(t, jp.n, caseID), mustConsultation(t, us.n, caseID)
	if cu.State != article5.StateInConsultation || cu.AssessmentHash != cj.AssessmentHash {
		t.Fatalf("US: %s on %s; JP on %s", cu.State, cu.AssessmentHash, cj.AssessmentHash)
	}
	if held := fp.nodes[fedNodeUS].n; len(mustHeld(t, held, strictRel)) != 0 {
		t.Fatal("the AMBER+STRICT relationship reached US")
	}
	w, err := jp.n.Withheld(ctx, caseID)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, o := range w {
		ids = append(ids, o.ID)
		if o.Partner != "us" || !strings.Contains(o.Reason, "amber+strict") {
			t.Errorf("withheld %+v", o)
		}
	}
	if !slices.Equal(ids, []string{strictID, strictRel}) {
		t.Fatalf("JP withholds %v", ids)
	}
	if w, err := us.n.Withheld(ctx, caseID); err != nil || len(w) != 0 {
		t.Fatalf("US withholds %v, %v", w, err)
	}
}

// TestConsultationPinsDoctrines: the US node has its own newer version of
// the us doctrine in force. JP opens the consultation on the versions in
// force on JP; they travel as article5-doctrine objects, and US assesses
// the case with the versions named, so both nodes are on the same
// assessment hash. A case outside the consultation is still assessed on US
// with the doctrine in force there.
func TestConsultationPinsDoctrines(t *testing.T) {
	fp := mustFedPair(t)
	jp, us := fp.nodes[fedNodeJP], fp.nodes[fedNodeUS]
	src, err := doctrine.DefaultSource("us")
	if err != nil {
		t.Fatal(err)
	}
	newer, err := node.ParseDoctrine("us", []byte(strings.Replace(string(src), `version: "2.1.1"`, `version: "2.2.0-us-local"`, 1)))
	if err != nil {
		t.Fatal(err)
	}
	us.n.SetDoctrine(newer)
	// JP has a version of its own that US has never seen: it reaches US as
	// an article5-doctrine object.
	jpSrc, err := doctrine.DefaultSource("jp")
	if err != nil {
		t.Fatal(err)
	}
	jpLocal, err := node.ParseDoctrine("jp", []byte(strings.Replace(string(jpSrc), `version: "2.1.1"`, `version: "2.1.2-jp-local"`, 1)))
	if err != nil {
		t.Fatal(err)
	}
	jp.n.SetDoctrine(jpLocal)
	caseID := fp.open(t)
	fp.settle(t)
	cj, cu := mustConsultation(t, jp.n, caseID), mustConsultation(t, us.n, caseID)
	if cu.State != article5.StateInConsultation || cu.AssessmentHash != cj.AssessmentHash {
		t.Fatalf("US: %s on %s; JP on %s", cu.State, cu.AssessmentHash, cj.AssessmentHash)
	}
	want := []article5.DoctrineRef{jpLocal.Ref(), mustDefault(t, "us").Ref()}
	if !slices.Equal(cu.Doctrines, want) {
		t.Fatalf("US consults on doctrines %+v, want %+v", cu.Doctrines, want)
	}
	// What travelled matches the published schema.
	checked := 0
	for _, def := range []string{"consultation", "doctrine"} {
		sch := mustSchemaDef(t, def)
		page, err := us.n.Store.FindObjects(context.Background(), article5.ObjectFilter{Types: []string{"article5-" + def}, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range page.Objects {
			v, err := jsonschema.UnmarshalJSON(bytes.NewReader(o.Raw))
			if err != nil {
				t.Fatal(err)
			}
			if err := sch.Validate(v); err != nil {
				t.Errorf("%s: %v", o.ID, err)
			}
			checked++
		}
	}
	if checked < 3 { // open, request, the jp doctrine
		t.Fatalf("checked %d objects", checked)
	}
	// Re-assessing on US (as new evidence would) keeps the pinned versions.
	if _, err := us.n.AssessCase(context.Background(), caseID); err != nil {
		t.Fatal(err)
	}
	if c := mustConsultation(t, us.n, caseID); c.AssessmentHash != cj.AssessmentHash || c.State != article5.StateInConsultation {
		t.Fatalf("re-assessed on US: %s on %s", c.State, c.AssessmentHash)
	}
	// The example's own grouping has no consultation: US assesses it with
	// its doctrine in force.
	const exampleCase = "grouping--9f87ff06-c573-4734-82ae-8da8c156f220"
	raw, err := us.n.Store.FindAssessment(context.Background(), exampleCase)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(raw), "2.2.0-us-local") {
		t.Fatal("the case outside the consultation was not assessed with the doctrine in force on US")
	}
}

// mustSchemaDef compiles one $def of article5's extension schema.
func mustSchemaDef(tb testing.TB, def string) *jsonschema.Schema {
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
	sch, err := c.Compile(url + "#/$defs/" + def)
	if err != nil {
		tb.Fatal(err)
	}
	return sch
}

func mustDefault(tb testing.TB, id string) *doctrine.Doctrine {
	tb.Helper()
	d, err := doctrine.Default(id)
	if err != nil {
		tb.Fatal(err)
	}
	return d
}

func mustHeld(tb testing.TB, n *node.Node, id string) []*article5.StoredObject {
	tb.Helper()
	vs, err := n.Store.FindObjectVersions(context.Background(), id)
	if article5.ErrorCode(err) == article5.ENOTFOUND {
		return nil
	}
	if err != nil {
		tb.Fatal(err)
	}
	return vs
}

// TestForgedPositionFromPartnerRefused: a JP position whose signature does
// not chain to the JP root the US node trusts (here: signed by a key a
// root of the US's own making certifies as JP's) arrives from the JP
// node; US holds the opinion but its consultation does not take it.
func TestForgedPositionFromPartnerRefused(t *testing.T) {
	ctx := context.Background()
	fp := mustFedPair(t)
	jp, us := fp.nodes[fedNodeJP], fp.nodes[fedNodeUS]
	caseID := fp.open(t)
	fp.settle(t)
	c := mustConsultation(t, us.n, caseID)

	fake, err := sign.NewRootKey(article5.PartyJP)
	if err != nil {
		t.Fatal(err)
	}
	pub, sealed, err := sign.NewApproverKey([]byte(fedPassword))
	if err != nil {
		t.Fatal(err)
	}
	cert, err := fake.Certify(pub, sign.RoleApprover, "Mallory", fp.clock.Now().Add(-time.Hour), fp.clock.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	priv, err := sign.Unseal(sealed, []byte(fedPassword))
	if err != nil {
		t.Fatal(err)
	}
	reasons := "forged"
	p := article5.PositionPayload{Purpose: article5.PositionPurpose, Case: caseID, AssessmentHash: c.AssessmentHash, EvidenceDigest: c.EvidenceDigest,
		Doctrines: c.Doctrines, Party: article5.PartyJP, Tier: article5.TierBelowThreshold, Opinion: "disagree", ReasonsSHA256: sign.ReasonsSHA256(reasons),
		KeyID: sign.KeyID(pub), SignedAt: sign.FormatTime(fp.clock.Now())}
	sig, _, err := sign.SignPosition(p, priv)
	if err != nil {
		t.Fatal(err)
	}
	op, err := sign.SignedPosition{Payload: p, Reasons: reasons, Signature: sig, Certificate: cert, CreatedBy: fedJPOrg}.Opinion(node.AssessmentObjectID(caseID, c.AssessmentHash))
	if err != nil {
		t.Fatal(err)
	}
	fp.deliver(t, fedNodeUS, []json.RawMessage{op})
	// A determination taken in advance under the id the node will derive
	// is refused: derived objects are never taken from a partner.
	forged, err := sign.Determination{Case: caseID, AssessmentRef: node.AssessmentObjectID(caseID, c.AssessmentHash), AssessmentHash: c.AssessmentHash,
		Outcome: article5.Diverged, PositionKeyIDs: []string{"ed25519:00000000000000000000000000000000", "ed25519:00000000000000000000000000000001"}}.Object(sign.FormatTime(fp.clock.Now()))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(map[string]any{"type": "bundle", "id": "bundle--6c9a2a6e-2f0a-4b7e-9a51-0a8c1d0f3e12", "objects": []json.RawMessage{forged}})
	principal := article5.PartnerPrincipal(us.partner)
	res, err := us.n.Ingest(ctx, node.IngestRequest{Principal: principal, Recipient: us.n.Policy.OrgRecipient(principal.Org), Data: b, SpeaksFor: us.partner.SpeaksFor})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Rejected) != 1 || res.Rejected[0].Pointer != "/type" {
		t.Fatalf("a forged determination from the partner: %+v", res)
	}
	// A request for information the JP node claims US sent: a partner acts
	// only for its own Party.
	ts := sign.FormatTime(fp.clock.Now())
	claim, _ := json.Marshal(map[string]any{"type": node.ConsultationActionType, "spec_version": "2.1",
		"id":      node.ConsultationActionID(caseID, node.ConsultActionRFI, article5.PartyUS, c.AssessmentHash, "", ts, "from US?"),
		"created": ts, "modified": ts, "created_by_ref": fedJPOrg, "case_ref": caseID, "step": node.ConsultActionRFI, "party": article5.PartyUS,
		"assessment_hash": c.AssessmentHash, "evidence_digest": c.EvidenceDigest, "doctrines": c.Doctrines, "text": "from US?",
		"extensions": map[string]any{article5.ExtensionID: map[string]any{"extension_type": "new-sdo"}}})
	fp.deliver(t, fedNodeUS, []json.RawMessage{claim})
	if len(mustHeld(t, us.n, node.ConsultationActionID(caseID, node.ConsultActionRFI, article5.PartyUS, c.AssessmentHash, "", ts, "from US?"))) != 1 {
		t.Fatal("the claimed request was not even stored: the test proves nothing")
	}
	fp.settle(t)
	c = mustConsultation(t, us.n, caseID)
	if pos := c.Positions[article5.PartyJP]; pos != nil && pos.Signature != nil {
		t.Fatalf("US took a forged JP position: %+v", pos.Payload)
	}
	if len(c.RFIs) != 0 {
		t.Fatalf("US took a request the JP node made in US's name: %+v", c.RFIs)
	}
	// The genuine JP position is still taken afterwards.
	if _, err := jp.n.RecordPosition(ctx, jp.legal, caseID, article5.PartyJP, article5.TierUseOfForcePossible, "agree", "genuine"); err != nil {
		t.Fatal(err)
	}
	if _, err := jp.n.SignPosition(ctx, jp.approver, caseID, article5.PartyJP, []byte(fedPassword)); err != nil {
		t.Fatal(err)
	}
	fp.settle(t)
	c = mustConsultation(t, us.n, caseID)
	if pos := c.Positions[article5.PartyJP]; pos == nil || pos.Reasons != "genuine" || pos.Signature == nil {
		t.Fatalf("US holds JP position %+v", pos)
	}
}

// view is what two converged nodes must agree on.
func view(tb testing.TB, n *node.Node, c *workflow.Case) string {
	tb.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "state %s on %s\n", c.State, c.AssessmentHash)
	for _, party := range workflow.Parties {
		if p := c.Positions[party]; p != nil && p.Signature != nil {
			fmt.Fprintf(&b, "signed %s %s %s %s\n", party, p.Payload.Tier, p.Payload.SignedAt, p.Payload.KeyID)
		}
	}
	var rfis []string
	for _, r := range c.RFIs {
		rfis = append(rfis, fmt.Sprintf("rfi %s %s→%s %q answered %q", r.Ref, r.From, r.To, r.Question, r.Answer))
	}
	slices.Sort(rfis)
	for _, r := range rfis {
		b.WriteString(r + "\n")
	}
	var signed []string
	for _, s := range c.Signed {
		signed = append(signed, string(s.Position.Payload.Party)+" "+s.Position.Payload.SignedAt)
	}
	slices.Sort(signed)
	fmt.Fprintf(&b, "signed ever %v\n", signed)
	if c.Determination != nil {
		fmt.Fprintf(&b, "determination %s %s\n", c.Determination.Outcome, determinationObject(tb, n, c))
	}
	var past []string
	for _, d := range c.Past {
		id := sign.DeterminationID(c.ID, d.AssessmentHash)
		vs, err := n.Store.FindObjectVersions(context.Background(), id)
		if err != nil {
			tb.Fatalf("past determination %s: %v", id, err)
		}
		past = append(past, fmt.Sprintf("past %s %s %s", d.AssessmentHash, d.Outcome, vs[len(vs)-1].Raw))
	}
	slices.Sort(past)
	for _, p := range past {
		b.WriteString(p + "\n")
	}
	return b.String()
}

// TestConsultationConvergesProperty drives two nodes through random
// interleavings of the Parties' actions (positions, signatures, RFIs and
// answers, both Parties acting in the same second) and of a transport that
// delays, reorders, drops for a while (partitions) and duplicates what one
// node releases to the other. After the partition heals, both nodes hold
// the same consultation: the same state, signed positions, RFIs and
// answers, and the same determination object; no signed position is lost.
// Seeded and bounded: ARTICLE5_FED_SEEDS runs (default 8), 60 steps each.
func TestConsultationConvergesProperty(t *testing.T) {
	seeds := 8
	if testing.Short() {
		seeds = 2
	}
	for seed := range seeds {
		t.Run(fmt.Sprintf("seed-%d", seed), func(t *testing.T) { convergeOnce(t, uint64(seed)) })
	}
}

func convergeOnce(t *testing.T, seed uint64) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	fp := mustFedPair(t)
	caseID := fp.open(t)
	fp.settle(t) // both nodes in consultation: what follows is concurrent
	tiers := []article5.Tier{article5.TierUseOfForcePossible, article5.TierArmedAttackPossible}
	// in flight: per direction, objects released but not yet delivered.
	var inFlight [2][]json.RawMessage
	partitioned := false
	revisions := 0
	var everSigned []string
	for step := range 60 {
		fp.clock.Add(time.Duration(rng.IntN(20_000)) * time.Millisecond)
		i := rng.IntN(2)
		p := fp.nodes[i]
		switch k := rng.IntN(10); {
		case k == 0:
			partitioned = !partitioned
		case k <= 2: // a pull: what is released now goes in flight, reordered
			if !partitioned {
				objs := fp.released(t, i)
				rng.Shuffle(len(objs), func(a, b int) { objs[a], objs[b] = objs[b], objs[a] })
				inFlight[i] = append(inFlight[i], objs...)
			}
		case k <= 4: // a delivery of part of what is in flight, in random order
			if !partitioned && len(inFlight[i]) > 0 {
				cut := rng.IntN(len(inFlight[i])) + 1
				rng.Shuffle(len(inFlight[i]), func(a, b int) { inFlight[i][a], inFlight[i][b] = inFlight[i][b], inFlight[i][a] })
				for _, o := range inFlight[i][:cut] {
					fp.deliver(t, 1-i, []json.RawMessage{o})
				}
				inFlight[i] = inFlight[i][cut:]
			}
			fp.work(t, 1-i)
		case k == 5:
			_, _ = p.n.RecordPosition(ctx, p.legal, caseID, p.party, tiers[rng.IntN(2)], "agree", fmt.Sprintf("%s reasons at step %d", p.party, step))
		case k == 6:
			if _, err := p.n.SignPosition(ctx, p.approver, caseID, p.party, []byte(fedPassword)); err == nil {
				everSigned = append(everSigned, string(p.party))
			}
			// The other Party signs in the same second, before any sync.
			if rng.IntN(2) == 0 {
				q := fp.nodes[1-i]
				_, _ = q.n.RecordPosition(ctx, q.legal, caseID, q.party, tiers[rng.IntN(2)], "agree", fmt.Sprintf("%s same-second reasons %d", q.party, step))
				if _, err := q.n.SignPosition(ctx, q.approver, caseID, q.party, []byte(fedPassword)); err == nil {
					everSigned = append(everSigned, string(q.party))
				}
			}
		case k == 7 && rng.IntN(4) == 0 && revisions < 2:
			// New evidence on JP: a new version of the incident.
			revisions++
			jp := fp.nodes[fedNodeJP]
			at := fp.clock.Now().UTC().Format("2006-01-02T15:04:05.000Z")
			data := Edit(t, MustExample(t, "winter-grid-deaths"), winterInc, func(o map[string]any) {
				o["modified"] = at
				o["description"] = fmt.Sprintf("revised at step %d", step)
			})
			if _, err := jp.n.Ingest(ctx, node.IngestRequest{Principal: article5.Principal{ID: jp.analyst.ID, Org: jp.org}, Recipient: jp.n.Policy.OrgRecipient(jp.org), Data: Only(t, data, winterInc)}); err != nil {
				t.Fatal(err)
			}
		case k == 7:
			_, _, _ = p.n.SendRFI(ctx, p.legal, caseID, fmt.Sprintf("question %d from %s", step, p.party))
		case k == 8:
			if c, _, err := p.n.Consultation(ctx, caseID); err == nil {
				for _, r := range c.RFIs {
					if r.To == p.party && r.Answer == "" {
						_, _ = p.n.AnswerRFI(ctx, p.legal, caseID, r.ID, fmt.Sprintf("answer %d", step))
						break
					}
				}
			}
		default:
			fp.work(t, i)
		}
	}
	// Heal: what is in flight arrives, then both sync until quiet.
	for i := range 2 {
		for _, o := range inFlight[i] {
			fp.deliver(t, 1-i, []json.RawMessage{o})
		}
	}
	fp.settle(t)
	// Both Parties finish the consultation if they had not.
	for _, p := range fp.nodes {
		c, _, err := p.n.Consultation(ctx, caseID)
		if err != nil {
			t.Fatalf("%s: %v", p.party, err)
		}
		if pos := c.Positions[p.party]; pos == nil || pos.Signature == nil {
			if pos == nil {
				if _, err := p.n.RecordPosition(ctx, p.legal, caseID, p.party, article5.TierUseOfForcePossible, "agree", "at the end"); err != nil {
					t.Fatalf("%s: %v", p.party, err)
				}
			}
			if _, err := p.n.SignPosition(ctx, p.approver, caseID, p.party, []byte(fedPassword)); err != nil {
				t.Fatalf("%s: %v", p.party, err)
			}
			everSigned = append(everSigned, string(p.party))
		}
	}
	fp.settle(t)
	cj, cu := mustConsultation(t, fp.nodes[0].n, caseID), mustConsultation(t, fp.nodes[1].n, caseID)
	vj, vu := view(t, fp.nodes[0].n, cj), view(t, fp.nodes[1].n, cu)
	if vj != vu {
		t.Fatalf("the nodes differ:\nJP:\n%s\nUS:\n%s", vj, vu)
	}
	if cj.Determination == nil {
		t.Fatalf("no determination: %s", vj)
	}
	if len(cj.Signed) != len(everSigned) {
		t.Fatalf("signed %d positions, the nodes hold %d: %s", len(everSigned), len(cj.Signed), vj)
	}
}

// Only returns a bundle of the object id of bundle alone.
func Only(tb testing.TB, bundle []byte, id string) []byte {
	tb.Helper()
	var b struct {
		Objects []json.RawMessage `json:"objects"`
	}
	if err := json.Unmarshal(bundle, &b); err != nil {
		tb.Fatal(err)
	}
	for _, o := range b.Objects {
		var head struct {
			ID string `json:"id"`
		}
		if json.Unmarshal(o, &head) == nil && head.ID == id {
			out, _ := json.Marshal(map[string]any{"type": "bundle", "id": "bundle--6c9a2a6e-2f0a-4b7e-9a51-0a8c1d0f3e13", "objects": []json.RawMessage{o}})
			return out
		}
	}
	tb.Fatalf("no %s in the bundle", id)
	return nil
}
