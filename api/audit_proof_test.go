package api_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"article5"
	"article5/api"
	"article5/audit"
	"article5/node"
	"article5/release"
)

// TestAuditProofWithheld: over HTTP, the inclusion proof of an entry made
// by a JP user carries the entry's line and the user id to a JP token and
// checks; to a U.S. token (JP's client, who may see the object) the same
// entry is proved by its leaf hash alone — no JP user id, the text marked
// "entry withheld" — and checks against the same signed head; a tampered
// leaf hash or path does not; an entry by the node is the same proof for
// both.
func TestAuditProofWithheld(t *testing.T) {
	e := MustTrustEnv(t)
	ctx := context.Background()
	u := &article5.User{Name: "jp-analyst", Party: article5.PartyJP, Roles: []article5.Role{article5.RoleAnalyst}, Org: jpOrg, PasswordHash: api.HashPassword(loginPassword)}
	if err := e.db.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	bundle := MustExample(t, "dam-control")
	res, err := e.n.Ingest(ctx, node.IngestRequest{Principal: article5.Principal{ID: u.ID, Org: u.Org},
		Recipient: release.Recipient{Party: u.Party, Org: u.Org, Subject: u.ID}, Data: bundle, Atomic: true})
	if err != nil || len(res.Rejected) > 0 {
		t.Fatalf("ingest as the JP user: %v %+v", err, res.Rejected)
	}
	e.MustRunJobs(t)

	vs, err := audit.NewVerifiers(strings.TrimSpace(string(e.get(t, "/api/v1/audit/key").body)))
	if err != nil {
		t.Fatal(err)
	}
	head, err := audit.VerifyTreeHead(e.get(t, "/api/v1/audit/head").body, vs)
	if err != nil {
		t.Fatal(err)
	}
	check := func(who string, body []byte) *audit.InclusionProof {
		t.Helper()
		leaf, full, err := audit.ParseProof(body)
		if err != nil {
			t.Fatalf("%s: %v\n%s", who, err, body)
		}
		if err := leaf.Check(head); err != nil {
			t.Errorf("%s: does not check: %v", who, err)
		}
		bad := *leaf
		bad.LeafHash[0] ^= 1
		if bad.Check(head) == nil {
			t.Errorf("%s: an edited leaf hash checks", who)
		}
		if len(leaf.Proof) > 0 {
			bad = *leaf
			bad.Proof = append(bad.Proof[:0:0], leaf.Proof...)
			bad.Proof[len(bad.Proof)-1][3] ^= 1
			if bad.Check(head) == nil {
				t.Errorf("%s: an edited path checks", who)
			}
		}
		return full
	}
	var byUser, byNode int
	for i := range head.N {
		ent, err := e.db.AuditEntry(ctx, i)
		if err != nil {
			t.Fatal(err)
		}
		path := "/api/v1/audit/proof/" + strconv.FormatInt(i, 10) + "?size=" + strconv.FormatInt(head.N, 10)
		switch ent.By {
		case audit.ByOf(u.ID, jpOrg):
			jp := e.do(t, "GET", path, e.analyst, "", nil)
			us := e.do(t, "GET", path, e.us, "", nil)
			if jp.status != http.StatusOK || us.status != http.StatusOK {
				t.Fatalf("proof %d (%s): to JP %d, to the U.S. %d", i, ent.Ref, jp.status, us.status)
			}
			if full := check("JP", jp.body); full == nil || full.Entry != ent || !strings.Contains(string(jp.body), u.ID) {
				t.Errorf("JP's own proof %d is not the full one:\n%s", i, jp.body)
			}
			if full := check("U.S.", us.body); full != nil || strings.Contains(string(us.body), "user--") ||
				!strings.HasPrefix(string(us.body), "article5 audit inclusion proof, entry withheld\n"+strconv.FormatInt(i, 10)+" "+ent.RecordHash().String()+"\n") {
				t.Errorf("the U.S. proof %d names the JP user or carries the line:\n%s", i, us.body)
			}
			byUser++
		case article5.PrincipalNode, audit.ByOf(node.NodePrincipal.ID, node.NodePrincipal.Org):
			jp := e.do(t, "GET", path, e.analyst, "", nil)
			us := e.do(t, "GET", path, e.us, "", nil)
			if us.status != http.StatusOK {
				continue // a row the U.S. may not see
			}
			if check("node", jp.body) == nil || string(jp.body) != string(us.body) {
				t.Errorf("the node's entry %d differs between organisations:\n%s\n%s", i, jp.body, us.body)
			}
			byNode++
		}
	}
	if byUser == 0 || byNode == 0 {
		t.Errorf("%d entries by the JP user, %d by the node seen by both: want some of each", byUser, byNode)
	}
}
