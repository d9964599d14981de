package workflow_test

import (
	"errors"
	"testing"

	"article5"
	"article5/workflow"
)

var (
	jpAnalyst  = user("JP", "analyst")
	usAnalyst  = user("US", "analyst")
	jpLegal    = user("JP", "legal")
	usLegal    = user("US", "legal")
	jpApprover = user("JP", "approver")
	usApprover = user("US", "approver")
)

// consult takes a new case to in-consultation on hash h1.
func consult(t *testing.T) *workflow.Case {
	t.Helper()
	c := &workflow.Case{ID: "case-1"}
	mustOK(t, c.Open(jpAnalyst, t0, assessment("h1")))
	mustOK(t, c.RequestConsultation(usAnalyst, t0))
	return c
}

// signDraft signs party's current draft with party's own key.
func signDraft(t *testing.T, c *workflow.Case, k *fakeKeys, party article5.Party) error {
	t.Helper()
	p, sig := k.sign(party, c.Positions[party].Payload, t0)
	u := jpApprover
	if party == "US" {
		u = usApprover
	}
	return c.Sign(u, t0, party, p, sig, k.verify)
}

func TestConsultationConcurs(t *testing.T) {
	k := newFakeKeys()
	c := consult(t)
	mustOK(t, c.RecordPosition(jpLegal, t0, "JP", article5.TierArmedAttackPossible, "agree", "scale and effects"))
	id, err := c.SendRFI(usLegal, t0, "US", "which systems failed?")
	mustOK(t, err)
	mustOK(t, c.AnswerRFI(jpLegal, t0, "JP", id, "the grid control"))
	mustOK(t, c.RecordPosition(usLegal, t0, "US", article5.TierArmedAttackPossible, "agree", "same"))
	mustOK(t, signDraft(t, c, k, "JP"))
	if c.State != article5.StateInConsultation || c.Determination != nil {
		t.Fatalf("one signature concluded the case: %s", c.State)
	}
	mustOK(t, signDraft(t, c, k, "US"))
	if c.State != article5.StateConcurred || c.Determination == nil || c.Determination.Outcome != article5.Concurred {
		t.Fatalf("state %s, determination %+v; want concurred", c.State, c.Determination)
	}
	mustOK(t, c.Close(usApprover, t0))
	if c.State != article5.StateClosed || len(c.Log) != 9 {
		t.Errorf("state %s, %d log entries; want closed, 9", c.State, len(c.Log))
	}
}

func TestDivergedThenReopened(t *testing.T) {
	k := newFakeKeys()
	c := consult(t)
	mustOK(t, c.RecordPosition(jpLegal, t0, "JP", article5.TierArmedAttackPossible, "agree", "r"))
	mustOK(t, c.RecordPosition(usLegal, t0, "US", article5.TierUseOfForcePossible, "disagree", "r"))
	mustOK(t, signDraft(t, c, k, "JP"))
	old := c.Positions["JP"].Payload
	oldSig := c.Positions["JP"].Signature
	mustOK(t, signDraft(t, c, k, "US"))
	if c.State != article5.StateDiverged || c.Determination.Outcome != article5.Diverged {
		t.Fatalf("state %s; want diverged", c.State)
	}
	mustOK(t, c.NewEvidence(jpAnalyst, t0, assessment("h2")))
	if c.State != article5.StateInConsultation || c.Determination != nil || len(c.Past) != 1 || len(c.Positions) != 0 {
		t.Fatalf("after new evidence: state %s, determination %v, %d past, %d drafts", c.State, c.Determination, len(c.Past), len(c.Positions))
	}
	if len(c.Signed) != 2 {
		t.Fatalf("%d signed positions kept, want 2", len(c.Signed))
	}
	// The old signed record still verifies.
	if err := k.verify(old, oldSig); err != nil {
		t.Errorf("old JP signature no longer verifies: %v", err)
	}
	// A signature over the old hash cannot be used on the new assessment.
	mustOK(t, c.RecordPosition(jpLegal, t0, "JP", article5.TierArmedAttackPossible, "agree", "r"))
	err := c.Sign(jpApprover, t0, "JP", old, oldSig, k.verify)
	if article5.ErrorCode(err) != article5.ECONFLICT {
		t.Errorf("signing with the old hash: %v, want ECONFLICT", err)
	}
}

func TestSignRefusals(t *testing.T) {
	k := newFakeKeys()
	c := consult(t)
	mustOK(t, c.RecordPosition(jpLegal, t0, "JP", article5.TierBelowThreshold, "neutral", "r"))
	draft := c.Positions["JP"].Payload
	good, goodSig := k.sign("JP", draft, t0)
	tests := []struct {
		name string
		run  func() error
		code string
	}{
		{"a JP approver cannot sign for US", func() error { return c.Sign(jpApprover, t0, "US", good, goodSig, k.verify) }, article5.EFORBIDDEN},
		{"a US approver cannot sign JP's position", func() error { return c.Sign(usApprover, t0, "JP", good, goodSig, k.verify) }, article5.EFORBIDDEN},
		{"a JP legal adviser cannot sign", func() error { return c.Sign(jpLegal, t0, "JP", good, goodSig, k.verify) }, article5.EFORBIDDEN},
		{"US has no position to sign", func() error { return c.Sign(usApprover, t0, "US", good, goodSig, k.verify) }, article5.ECONFLICT},
		{"a signature by the US key", func() error {
			p, sig := k.sign("US", draft, t0)
			return c.Sign(jpApprover, t0, "JP", p, sig, k.verify)
		}, article5.EINVALID},
		{"a payload other than the draft", func() error {
			d := draft
			d.Tier = article5.TierArmedAttackPossible
			p, sig := k.sign("JP", d, t0)
			return c.Sign(jpApprover, t0, "JP", p, sig, k.verify)
		}, article5.EINVALID},
		{"a forged signature", func() error { return c.Sign(jpApprover, t0, "JP", good, []byte("forged"), k.verify) }, article5.EINVALID},
		{"no signature", func() error { return c.Sign(jpApprover, t0, "JP", good, nil, k.verify) }, article5.EINVALID},
		{"a US legal adviser cannot record JP's position", func() error {
			return c.RecordPosition(usLegal, t0, "JP", article5.TierBelowThreshold, "agree", "r")
		}, article5.EFORBIDDEN},
		{"a bad tier", func() error { return c.RecordPosition(jpLegal, t0, "JP", "catastrophic", "agree", "r") }, article5.EINVALID},
		{"a bad opinion", func() error { return c.RecordPosition(jpLegal, t0, "JP", article5.TierBelowThreshold, "maybe", "r") }, article5.EINVALID},
		{"an unknown RFI", func() error { return c.AnswerRFI(jpLegal, t0, "JP", "rfi-9", "a") }, article5.ENOTFOUND},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := c.Clone()
			err := tt.run()
			if got := article5.ErrorCode(err); got != tt.code {
				t.Fatalf("err = %v (%s), want %s", err, got, tt.code)
			}
			if !equalCases(before, c) {
				t.Error("a refused operation changed the case")
			}
		})
	}
	mustOK(t, c.Sign(jpApprover, t0, "JP", good, goodSig, k.verify))
	if err := c.RecordPosition(jpLegal, t0, "JP", article5.TierArmedAttackPossible, "agree", "r"); article5.ErrorCode(err) != article5.ECONFLICT {
		t.Errorf("re-recording a signed position: %v, want ECONFLICT", err)
	}
	if err := c.Sign(jpApprover, t0, "JP", good, goodSig, k.verify); article5.ErrorCode(err) != article5.ECONFLICT {
		t.Errorf("signing twice: %v, want ECONFLICT", err)
	}
	var e *article5.Error
	if err := c.Close(usApprover, t0); !errors.As(err, &e) || e.Code != article5.ECONFLICT {
		t.Errorf("closing in consultation: %v, want ECONFLICT", err)
	}
}

// Operations of the transition table, in the order of each row below.
var ops = []string{"open", "request", "record", "send-rfi", "answer-rfi", "sign", "new-evidence", "close"}

// transitionTable is the expected result of every operation in every
// state, written by hand: the state the case moves to, or "-" for ECONFLICT.
var transitionTable = []struct {
	state article5.CaseState
	want  [8]string
}{
	{"", [8]string{"open", "-", "-", "-", "-", "-", "-", "-"}},
	{"open", [8]string{"-", "in-consultation", "-", "-", "-", "-", "open", "-"}},
	{"in-consultation", [8]string{"-", "-", "in-consultation", "in-consultation", "in-consultation", "in-consultation", "in-consultation", "-"}},
	{"concluded-concurred", [8]string{"-", "-", "-", "-", "-", "-", "in-consultation", "closed"}},
	{"concluded-diverged", [8]string{"-", "-", "-", "-", "-", "-", "in-consultation", "closed"}},
	{"closed", [8]string{"-", "-", "-", "-", "-", "-", "-", "-"}},
}

// caseIn builds a case in state s by legitimate operations. A case in
// consultation has a JP draft and an RFI from US to JP; a concluded or
// closed case has an RFI from US to JP too (unanswered).
func caseIn(t *testing.T, k *fakeKeys, s article5.CaseState) *workflow.Case {
	t.Helper()
	c := &workflow.Case{ID: "case-1"}
	if s == "" {
		return c
	}
	mustOK(t, c.Open(jpAnalyst, t0, assessment("h1")))
	if s == article5.StateOpen {
		return c
	}
	mustOK(t, c.RequestConsultation(usAnalyst, t0))
	_, err := c.SendRFI(usLegal, t0, "US", "q")
	mustOK(t, err)
	mustOK(t, c.RecordPosition(jpLegal, t0, "JP", article5.TierArmedAttackPossible, "agree", "r"))
	if s == article5.StateInConsultation {
		return c
	}
	usTier := article5.TierArmedAttackPossible
	if s == article5.StateDiverged {
		usTier = article5.TierBelowThreshold
	}
	mustOK(t, c.RecordPosition(usLegal, t0, "US", usTier, "agree", "r"))
	mustOK(t, signDraft(t, c, k, "JP"))
	mustOK(t, signDraft(t, c, k, "US"))
	if s == article5.StateClosed {
		mustOK(t, c.Close(jpApprover, t0))
	}
	if c.State != s {
		t.Fatalf("built a case in %s, want %s", c.State, s)
	}
	return c
}

func TestTransitionTable(t *testing.T) {
	for _, row := range transitionTable {
		for i, op := range ops {
			t.Run(string(row.state)+"/"+op, func(t *testing.T) {
				k := newFakeKeys()
				c := caseIn(t, k, row.state)
				var err error
				switch op {
				case "open":
					err = c.Open(jpAnalyst, t0, assessment("h0"))
				case "request":
					err = c.RequestConsultation(jpAnalyst, t0)
				case "record":
					err = c.RecordPosition(jpLegal, t0, "JP", article5.TierBelowThreshold, "disagree", "r2")
				case "send-rfi":
					_, err = c.SendRFI(jpLegal, t0, "JP", "q2")
				case "answer-rfi":
					err = c.AnswerRFI(jpLegal, t0, "JP", "rfi-1", "a")
				case "sign":
					var p article5.PositionPayload
					if d := c.Positions["JP"]; d != nil {
						p = d.Payload
					}
					p, sig := k.sign("JP", p, t0)
					err = c.Sign(jpApprover, t0, "JP", p, sig, k.verify)
				case "new-evidence":
					err = c.NewEvidence(jpAnalyst, t0, assessment("h9"))
				case "close":
					err = c.Close(jpApprover, t0)
				}
				want := row.want[i]
				if want == "-" {
					if article5.ErrorCode(err) != article5.ECONFLICT {
						t.Fatalf("err = %v, want ECONFLICT", err)
					}
					if workflow.Accepts(row.state, actionOf[op]) {
						t.Errorf("Accepts(%q, %s) = true", row.state, actionOf[op])
					}
					return
				}
				mustOK(t, err)
				if string(c.State) != want {
					t.Fatalf("state %s, want %s", c.State, want)
				}
				last := c.Log[len(c.Log)-1]
				if last.From != row.state || string(last.To) != want || last.Action != actionOf[op] || last.User == "" {
					t.Errorf("logged %+v", last)
				}
				if !workflow.Allowed(row.state, actionOf[op], c.State) {
					t.Errorf("Allowed(%q, %s, %s) = false", row.state, actionOf[op], c.State)
				}
			})
		}
	}
}

var actionOf = map[string]article5.Action{
	"open": article5.ActionOpenCase, "request": article5.ActionRequestConsult, "record": article5.ActionRecordPosition,
	"send-rfi": article5.ActionSendRFI, "answer-rfi": article5.ActionAnswerRFI, "sign": article5.ActionSignPosition,
	"new-evidence": article5.ActionIngest, "close": article5.ActionCloseCase,
}
