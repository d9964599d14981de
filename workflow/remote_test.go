package workflow_test

import (
	"testing"

	"article5"
	"article5/workflow"
)

// signedOn returns party's position signed on a copy of c (another node
// holding the same consultation), as it would travel.
func signedOn(t *testing.T, c *workflow.Case, k *fakeKeys, party article5.Party, tier article5.Tier) article5.Position {
	t.Helper()
	other := c.Clone()
	legal := jpLegal
	if party == "US" {
		legal = usLegal
	}
	mustOK(t, other.RecordPosition(legal, t0, party, tier, "agree", "reasons of "+string(party)))
	mustOK(t, signDraft(t, other, k, party))
	return *other.Positions[party]
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := article5.ErrorCode(err); got != code {
		t.Fatalf("error %v (%s), want %s", err, got, code)
	}
}

// TestAcceptFromTheOtherNode: a position signed on the other Party's node
// is taken without a local draft, once; a second copy changes nothing;
// one whose reasons were altered, whose signature fails, on another
// assessment, or offered as another role or Party, is refused and changes
// nothing. Both Parties' positions conclude the case as if signed here.
func TestAcceptFromTheOtherNode(t *testing.T) {
	k := newFakeKeys()
	c := consult(t)
	us := signedOn(t, c, k, "US", article5.TierUseOfForcePossible)

	t.Run("Refusals", func(t *testing.T) {
		before := c.Clone()
		altered := us
		altered.Reasons = "changed after signing"
		wantCode(t, c.AcceptSigned(usApprover, t0, "US", altered, k.verify), article5.EINVALID)
		forged := us
		forged.Signature = []byte("fake:nothing")
		wantCode(t, c.AcceptSigned(usApprover, t0, "US", forged, k.verify), article5.EINVALID)
		wantCode(t, c.AcceptSigned(jpApprover, t0, "US", us, k.verify), article5.EFORBIDDEN)
		wantCode(t, c.AcceptSigned(usLegal, t0, "US", us, k.verify), article5.EFORBIDDEN)
		wantCode(t, c.AcceptSigned(jpApprover, t0, "JP", us, k.verify), article5.EINVALID)
		stale := us
		stale.Payload.AssessmentHash = "h0"
		wantCode(t, c.AcceptSigned(usApprover, t0, "US", stale, k.verify), article5.ECONFLICT)
		if !equalCases(before, c) {
			t.Fatal("a refused position changed the case")
		}
	})
	mustOK(t, c.AcceptSigned(usApprover, t0, "US", us, k.verify))
	mustOK(t, c.AcceptSigned(usApprover, t0, "US", us, k.verify)) // the same again: nothing changes
	if len(c.Signed) != 1 || c.Positions["US"].Signature == nil {
		t.Fatalf("signed %d, US position %+v", len(c.Signed), c.Positions["US"])
	}
	mustOK(t, c.RecordPosition(jpLegal, t0, "JP", article5.TierUseOfForcePossible, "agree", "r"))
	mustOK(t, signDraft(t, c, k, "JP"))
	if c.State != article5.StateConcurred || c.Determination == nil {
		t.Fatalf("state %s", c.State)
	}
}

// TestRequestsFromTheOtherNode: a request for information sent on the
// other node is taken in consultation and after it concluded (it was sent
// before), once per reference, never before consultation was requested;
// its answer, from the Party it was sent to, is taken by reference.
func TestRequestsFromTheOtherNode(t *testing.T) {
	open := &workflow.Case{ID: "case-1"}
	mustOK(t, open.Open(jpAnalyst, t0, assessment("h1")))
	wantCode(t, open.AcceptRFI(usLegal, t0, "US", "ref-1", "?"), article5.ECONFLICT)

	k := newFakeKeys()
	c := consult(t)
	mustOK(t, c.AcceptSigned(usApprover, t0, "US", signedOn(t, c, k, "US", article5.TierUseOfForcePossible), k.verify))
	mustOK(t, c.RecordPosition(jpLegal, t0, "JP", article5.TierUseOfForcePossible, "agree", "r"))
	mustOK(t, signDraft(t, c, k, "JP"))
	mustOK(t, c.AcceptRFI(usLegal, t0, "US", "ref-1", "sent before you concluded?"))
	wantCode(t, c.AcceptRFI(usLegal, t0, "US", "ref-1", "again"), article5.ECONFLICT)
	wantCode(t, c.AcceptRFI(usAnalyst, t0, "US", "ref-2", "?"), article5.EFORBIDDEN)
	wantCode(t, c.AcceptAnswer(usLegal, t0, "US", "ref-1", "answered by the asker"), article5.EINVALID)
	wantCode(t, c.AcceptAnswer(jpLegal, t0, "JP", "ref-9", "no such request"), article5.ENOTFOUND)
	mustOK(t, c.AcceptAnswer(jpLegal, t0, "JP", "ref-1", "yes"))
	wantCode(t, c.AcceptAnswer(jpLegal, t0, "JP", "ref-1", "twice"), article5.ECONFLICT)
	if len(c.RFIs) != 1 || c.RFIs[0].ID != "rfi-1" || c.RFIs[0].Answer != "yes" || c.State != article5.StateConcurred {
		t.Fatalf("RFIs %+v, state %s", c.RFIs, c.State)
	}
}

// TestLatePositionIsKept: new evidence moved this node to h2 before the
// other Party's position on h1 arrived. It is kept among the signed
// positions, with this Party's own on h1 their determination joins the
// past ones, and the current consultation is untouched.
func TestLatePositionIsKept(t *testing.T) {
	k := newFakeKeys()
	c := consult(t)
	us := signedOn(t, c, k, "US", article5.TierArmedAttackPossible)
	mustOK(t, c.RecordPosition(jpLegal, t0, "JP", article5.TierUseOfForcePossible, "agree", "r"))
	mustOK(t, signDraft(t, c, k, "JP"))
	mustOK(t, c.NewEvidence(jpAnalyst, t0, assessment("h2")))
	wantCode(t, c.AcceptSigned(usApprover, t0, "US", us, k.verify), article5.ECONFLICT)
	d, err := c.AcceptLateSigned(usApprover, t0, "US", us, k.verify)
	mustOK(t, err)
	if d == nil || d.AssessmentHash != "h1" || d.Outcome != article5.Diverged || len(c.Past) != 1 {
		t.Fatalf("determination %+v, past %+v", d, c.Past)
	}
	if c.State != article5.StateInConsultation || c.AssessmentHash != "h2" || len(c.Signed) != 2 || c.Positions["US"] != nil {
		t.Fatalf("state %s on %s, %d signed, US %+v", c.State, c.AssessmentHash, len(c.Signed), c.Positions["US"])
	}
	_, err = c.AcceptLateSigned(usApprover, t0, "US", us, k.verify)
	wantCode(t, err, article5.ECONFLICT)
}
