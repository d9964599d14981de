package api_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"article5"
	"article5/audit"
	"article5/node"
)

// TestAuditRoutes: the partner can fetch the node's key and signed head,
// check inclusion proofs of entries against the head and consistency
// between two heads; an entry naming a withheld object is 404.
// assessmentOf returns the id of the article5-assessment object of a
// case's current assessment.
func assessmentOf(tb testing.TB, e *env, caseID string) string {
	tb.Helper()
	c, err := e.db.FindCaseByID(context.Background(), caseID)
	if err != nil {
		tb.Fatal(err)
	}
	return node.AssessmentObjectID(caseID, c.Hash)
}

func TestAuditRoutes(t *testing.T) {
	e := MustEnv(t, 0)
	key := e.get(t, "/api/v1/audit/key")
	if key.status != http.StatusOK || !strings.HasPrefix(key.header.Get("Content-Type"), "text/plain") {
		t.Fatalf("key: %d %s", key.status, key.body)
	}
	vs, err := audit.NewVerifiers(strings.TrimSpace(string(key.body)))
	if err != nil {
		t.Fatal(err)
	}
	oldSigned := e.get(t, "/api/v1/audit/head").body
	oldHead, err := audit.VerifyTreeHead(oldSigned, vs)
	if err != nil {
		t.Fatalf("head %q: %v", oldSigned, err)
	}

	red := Edit(t, MustExample(t, "dam-control"), damIncident, func(o map[string]any) {
		o["object_marking_refs"] = []any{tlpRed}
		ext := o["extensions"].(map[string]any)
		ext[article5.ExtensionID].(map[string]any)["red_recipients"] = []any{namedToken}
	})
	ingestResult(t, e.ingest(t, red, ""))
	e.MustRunJobs(t)

	newSigned := e.get(t, "/api/v1/audit/head").body
	newHead, err := audit.VerifyTreeHead(newSigned, vs)
	if err != nil || newHead.N <= oldHead.N {
		t.Fatalf("new head %+v, %v (old %d)", newHead, err, oldHead.N)
	}
	if r := e.get(t, "/api/v1/audit/head?size="+strconv.FormatInt(oldHead.N, 10)); string(r.body) != string(oldSigned) {
		t.Errorf("head at size %d: %d %s", oldHead.N, r.status, r.body)
	}

	r := e.get(t, "/api/v1/audit/consistency?old="+strconv.FormatInt(oldHead.N, 10)+"&new="+strconv.FormatInt(newHead.N, 10))
	var cp audit.ConsistencyProof
	if err := cp.UnmarshalText(r.body); err != nil {
		t.Fatalf("consistency: %d %s: %v", r.status, r.body, err)
	}
	if _, _, err := audit.CheckSignedConsistency(oldSigned, newSigned, vs, &cp); err != nil {
		t.Fatal(err)
	}

	// The analyst is barred from the RED incident and from what the node
	// derives from it (its case, assessment, evidence index); objects that
	// reference it are judged on their own markings, like any object. The
	// named recipient sees all but other tokens' entries.
	var withheld, shown int
	for i := range newHead.N {
		path := "/api/v1/audit/proof/" + strconv.FormatInt(i, 10)
		ent, err := e.db.AuditEntry(context.Background(), i)
		if err != nil {
			t.Fatal(err)
		}
		r := e.get(t, path)
		barred := strings.Contains(ent.Ref, damIncident) || strings.Contains(ent.Ref, assessmentOf(t, e, damCase)) ||
			(strings.Contains(ent.Ref, damCase) && !strings.HasPrefix(ent.Ref, "objects/grouping--"))
		if r.status == http.StatusNotFound {
			withheld++
			if barred {
				MustError(t, r, http.StatusNotFound, article5.ENOTFOUND)
			}
			r = e.do(t, "GET", path, e.named, "", nil)
		} else if barred {
			t.Errorf("proof %d (%s) shown to a barred recipient", i, ent.Ref)
		}
		if strings.HasPrefix(ent.Ref, "tokens/") {
			// A token's entry is shown only to that token.
			mine := e.get(t, path).status == http.StatusOK
			named := e.do(t, "GET", path, e.named, "", nil).status == http.StatusOK
			if isNamed := strings.Contains(ent.Ref, namedToken); mine == isNamed || named != isNamed {
				t.Errorf("token entry %d (%s): shown to the analyst %v, to the named token %v", i, ent.Ref, mine, named)
			}
			continue
		}
		if r.status != http.StatusOK {
			t.Errorf("proof %d (%s): %d %s", i, ent.Ref, r.status, r.body)
			continue
		}
		// An entry made by another organisation's principal is proved
		// by its leaf hash alone, without its line.
		p, full, err := audit.ParseProof(r.body)
		if err != nil {
			t.Fatalf("proof %d: %v\n%s", i, err, r.body)
		}
		if err := p.Check(newHead); err != nil {
			t.Errorf("proof %d: %v", i, err)
		}
		if principal, _, _ := strings.Cut(ent.By, "@"); (full == nil) == ent.DisclosedTo(holderOrg) || full == nil && strings.Contains(string(r.body), principal) {
			t.Errorf("proof %d by %q to %s:\n%s", i, ent.By, holderOrg, r.body)
		}
		shown++
	}
	if withheld == 0 || shown == 0 {
		t.Errorf("%d proofs withheld, %d shown", withheld, shown)
	}

	MustError(t, e.get(t, "/api/v1/audit/proof/x"), http.StatusBadRequest, article5.EINVALID)
	MustError(t, e.get(t, "/api/v1/audit/proof/"+strconv.FormatInt(newHead.N, 10)), http.StatusNotFound, article5.ENOTFOUND)
	MustError(t, e.get(t, "/api/v1/audit/consistency"), http.StatusBadRequest, article5.EINVALID)
	MustError(t, e.do(t, "GET", "/api/v1/audit/head", "", "", nil), http.StatusUnauthorized, article5.EUNAUTHORIZED)

	rep, err := e.db.AuditVerify(context.Background())
	if err != nil || !rep.Intact() {
		t.Fatalf("log after the API's ingest and the worker: %v %v", err, rep.Err())
	}
}
