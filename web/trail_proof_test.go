package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"article5"
	"article5/audit"
)

// downloadedProof is a case page's proof download as a program reads it.
type downloadedProof struct {
	Entry struct {
		Index int64  `json:"index"`
		Ref   string `json:"ref"`
		By    string `json:"by"`
	} `json:"entry"`
	Leaf           string   `json:"leaf"`
	Withheld       bool     `json:"withheld"`
	LeafHash       string   `json:"leaf_hash"`
	Hashes         []string `json:"hashes"`
	Proof          string   `json:"proof"`
	SignedTreeHead string   `json:"signed_tree_head"`
	VerifierKey    string   `json:"verifier_key"`
	Verified       bool     `json:"verified"`
}

// mustCheckOffline checks a downloaded proof as an offline verifier does:
// the head with the key, then the leaf (by its line, or by its hash when
// withheld) at its index of the signed tree. It returns the parsed full
// proof, nil when the line was withheld.
func mustCheckOffline(t *testing.T, who string, p downloadedProof) *audit.InclusionProof {
	t.Helper()
	vs, err := audit.NewVerifiers(p.VerifierKey)
	if err != nil {
		t.Fatal(err)
	}
	head, err := audit.VerifyTreeHead([]byte(p.SignedTreeHead), vs)
	if err != nil {
		t.Fatalf("%s: head: %v", who, err)
	}
	leaf, full, err := audit.ParseProof([]byte(p.Proof))
	if err != nil {
		t.Fatalf("%s: proof: %v\n%s", who, err, p.Proof)
	}
	if err := leaf.Check(head); err != nil || !p.Verified || leaf.Index != p.Entry.Index || leaf.LeafHash.String() != p.LeafHash {
		t.Errorf("%s: proof of %d does not check offline: %v (verified %v)", who, p.Entry.Index, err, p.Verified)
	}
	// A leaf hash or path edited by one bit does not check.
	bad := *leaf
	bad.LeafHash[0] ^= 1
	if bad.Check(head) == nil {
		t.Errorf("%s: an edited leaf hash checks", who)
	}
	if len(leaf.Proof) > 0 {
		bad = *leaf
		bad.Proof = append(bad.Proof[:0:0], leaf.Proof...)
		bad.Proof[0][0] ^= 1
		if bad.Check(head) == nil {
			t.Errorf("%s: an edited path checks", who)
		}
	}
	return full
}

// TestCaseProofWithheld: the proof download of an entry made by a JP user
// carries the entry's line, with the user id, to a JP user, and checks
// offline; a U.S. observer's download of the same entry names no JP user
// anywhere, only JP's organisation, and still checks offline by the leaf
// hash against the same signed head; an entry by the node is the same
// download for both. On SQLite, and on PostgreSQL when
// ARTICLE5_TEST_POSTGRES is set.
func TestCaseProofWithheld(t *testing.T) {
	onEachStore(t, testCaseProofWithheld)
}

func testCaseProofWithheld(t *testing.T, e *env) {
	ctx := context.Background()
	id := mustConcludedWithObserver(t, e)
	var jpIDs []string
	for _, name := range []string{"jp-analyst", "jp-legal", "jp-approver"} {
		u, err := e.db.FindUserByName(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		jpIDs = append(jpIDs, u.ID)
	}
	analyst := jpIDs[0]

	jp := e.client(t, "en")
	jp.MustLogin(t, "jp-observer")
	us := e.client(t, "en")
	us.MustLogin(t, "us-observer")
	var opened, byNode string // the entry of the opened consultation (by the JP analyst), one by the node
	for _, r := range trailRows(t, jp.get(t, "/cases/"+id).body) {
		switch {
		case opened == "" && r.ref == "consultations/"+id && r.by == audit.ByOf(analyst, jpOrg):
			opened = r.index
		case byNode == "" && r.by == article5.PrincipalNode:
			byNode = r.index
		}
	}
	if opened == "" || byNode == "" {
		t.Fatalf("no entry by the JP analyst (%q) or by the node (%q) in the trail", opened, byNode)
	}
	download := func(c *client, who, index string) (downloadedProof, string) {
		t.Helper()
		r := c.get(t, "/cases/"+id+"/proofs/"+index+".json")
		if r.status != http.StatusOK {
			t.Fatalf("%s: proof %s: %d %.300s", who, index, r.status, r.body)
		}
		var p downloadedProof
		if err := json.Unmarshal([]byte(r.body), &p); err != nil {
			t.Fatal(err)
		}
		return p, r.body
	}

	// JP's own: the line, the user id in it and in entry.by, and it checks.
	mine, mineBody := download(jp, "jp-observer", opened)
	full := mustCheckOffline(t, "jp-observer", mine)
	if full == nil || mine.Withheld || mine.Leaf != string(full.Entry.Data()) || full.Entry.By != audit.ByOf(analyst, jpOrg) ||
		mine.Entry.By != full.Entry.By || !strings.Contains(mineBody, analyst) || strings.Contains(mineBody, `"withheld"`) {
		t.Errorf("JP's own proof is not the full one:\n%s", mineBody)
	}

	// The U.S. observer's: no JP user id, JP's organisation alone, the
	// line left out, and it checks by the leaf hash.
	theirs, theirsBody := download(us, "us-observer", opened)
	if full := mustCheckOffline(t, "us-observer", theirs); full != nil {
		t.Errorf("the U.S. observer's proof carries the entry's line: %s", full.Entry.Data())
	}
	if !theirs.Withheld || theirs.Leaf != "" || theirs.Entry.By != jpOrg || theirs.LeafHash != mine.LeafHash ||
		theirs.SignedTreeHead != mine.SignedTreeHead || strings.Join(theirs.Hashes, " ") != strings.Join(mine.Hashes, " ") {
		t.Errorf("the U.S. observer's proof:\n%s", theirsBody)
	}
	for _, uid := range jpIDs {
		if strings.Contains(theirsBody, uid) {
			t.Errorf("the U.S. observer's proof names JP's user %s:\n%s", uid, theirsBody)
		}
	}

	// An entry by the node: the same download for both.
	a, aBody := download(jp, "jp-observer", byNode)
	_, bBody := download(us, "us-observer", byNode)
	if mustCheckOffline(t, "node entry", a) == nil || aBody != bBody || strings.Contains(aBody, `"withheld"`) {
		t.Errorf("the node's entry differs between organisations:\n%s\n%s", aBody, bBody)
	}
}
