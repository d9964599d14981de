package workflow_test

import (
	"fmt"
	"reflect"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"pgregory.net/rapid"

	"article5"
	"article5/authz"
	"article5/workflow"
)

func equalCases(a, b *workflow.Case) bool { return reflect.DeepEqual(a, b) }

var (
	parties = []article5.Party{"JP", "US"}
	tiers   = []article5.Tier{article5.TierBelowThreshold, article5.TierUseOfForcePossible, article5.TierArmedAttackPossible, article5.TierIndeterminate, "catastrophic"}
	hashes  = []string{"h1", "h2", "h3", "h4"}
)

// genUser draws a user: usually one party and one role (so that the
// consultation makes progress), sometimes a random set of roles.
var genUser = rapid.Custom(func(t *rapid.T) authz.User {
	party := rapid.SampledFrom(parties).Draw(t, "party")
	roles := []article5.Role{rapid.SampledFrom(article5.Roles).Draw(t, "role")}
	if rapid.IntRange(0, 4).Draw(t, "multi") == 0 {
		roles = rapid.SliceOfDistinct(rapid.SampledFrom(article5.Roles), func(r article5.Role) article5.Role { return r }).Draw(t, "roles")
	}
	return user(party, roles...)
})

// opWeights lists the operations, the common ones several times; close,
// which ends a run's interesting life, rarely.
var opWeights = []string{
	"record", "sign", "request", "record", "sign", "send-rfi", "answer-rfi", "record", "sign",
	"new-evidence", "record", "sign", "new-evidence", "open", "record", "sign", "close",
}

// usualRole is the role whose job each operation is.
var usualRole = map[string]article5.Role{
	"open": "analyst", "request": "analyst", "record": "legal", "send-rfi": "legal", "answer-rfi": "legal",
	"sign": "approver", "new-evidence": "analyst", "close": "approver",
}

// Coverage across all runs: the property test must reach the states it
// claims to check.
var concluded, reopened atomic.Int64

// TestProperties drives random sequences of random operations by random
// users and checks the invariants of issue 5 after every step.
func TestProperties(t *testing.T) {
	concluded.Store(0)
	reopened.Store(0)
	rapid.Check(t, func(t *rapid.T) {
		k := newFakeKeys()
		at := t0
		c := &workflow.Case{ID: "case-p"}
		mustOK(t, c.Open(user("JP", "analyst"), at, assessment(rapid.SampledFrom(hashes).Draw(t, "first hash"))))
		prev := c.Clone()
		steps := rapid.IntRange(20, 200).Draw(t, "steps")
		for range steps {
			at = at.Add(time.Minute)
			party := rapid.SampledFrom(parties).Draw(t, "for party")
			op := rapid.SampledFrom(opWeights).Draw(t, "op")
			// Usually the user whose job the operation is (but possibly of
			// the other party), otherwise anyone: both must be tried for
			// the consultation to make progress and for refusals to be
			// exercised.
			var u authz.User
			// rapid leans to small draws, so 0 is the common case.
			switch rapid.IntRange(0, 3).Draw(t, "user kind") {
			case 0, 1:
				u = user(party, usualRole[op])
			case 2:
				u = user(otherParty(party), usualRole[op])
			default:
				u = genUser.Draw(t, "user")
			}
			before := c.Clone()
			var err error
			switch op {
			case "open":
				err = c.Open(u, at, assessment("h0"))
			case "request":
				err = c.RequestConsultation(u, at)
			case "record":
				tier := rapid.SampledFrom(tiers).Draw(t, "tier")
				opinion := rapid.SampledFrom(append(slices.Clone(workflow.Opinions), "maybe")).Draw(t, "opinion")
				err = c.RecordPosition(u, at, party, tier, opinion, rapid.SampledFrom([]string{"r1", "r2", ""}).Draw(t, "reasons"))
			case "send-rfi":
				_, err = c.SendRFI(u, at, party, "q")
			case "answer-rfi":
				id := fmt.Sprintf("rfi-%d", rapid.IntRange(0, len(c.RFIs)+1).Draw(t, "rfi"))
				err = c.AnswerRFI(u, at, party, id, "a")
			case "sign":
				p, sig := signAttempt(t, c, k, party, at)
				err = c.Sign(u, at, party, p, sig, k.verify)
			case "new-evidence":
				err = c.NewEvidence(u, at, assessment(rapid.SampledFrom(hashes).Draw(t, "new hash")))
			case "close":
				err = c.Close(u, at)
			}
			if err != nil {
				if code := article5.ErrorCode(err); code == article5.EINTERNAL || code == "" {
					t.Fatalf("%s: unexpected error %v", op, err)
				}
				if !equalCases(before, c) {
					t.Fatalf("%s failed (%v) but changed the case", op, err)
				}
			} else {
				checkAuthorised(t, op, u, party)
				if op == "sign" && c.Determination != nil {
					concluded.Add(1)
				}
				if op == "new-evidence" && len(c.Past) > len(before.Past) {
					reopened.Add(1)
				}
			}
			checkInvariants(t, c, prev, k)
			prev = c.Clone()
		}
	})
	t.Logf("concluded %d times, re-opened a concluded case %d times", concluded.Load(), reopened.Load())
	if concluded.Load() == 0 || reopened.Load() == 0 {
		t.Errorf("the property test never concluded (%d) or re-opened a concluded case (%d)", concluded.Load(), reopened.Load())
	}
}

// signAttempt draws what a caller submits to Sign for party: mostly the
// party's draft signed by a key of a random party (usually its own), or a
// tampered payload, a stale signed payload, or garbage.
func signAttempt(t *rapid.T, c *workflow.Case, k *fakeKeys, party article5.Party, at time.Time) (article5.PositionPayload, []byte) {
	var draft article5.PositionPayload
	if d := c.Positions[party]; d != nil {
		draft = d.Payload
	}
	switch rapid.IntRange(0, 9).Draw(t, "attempt") {
	case 9: // the other party's key
		return k.sign(otherParty(party), draft, at)
	case 8: // a tampered payload
		draft.Tier = rapid.SampledFrom(tiers[:4]).Draw(t, "tampered tier")
		draft.AssessmentHash = rapid.SampledFrom(hashes).Draw(t, "tampered hash")
		return k.sign(party, draft, at)
	case 7: // replay of something signed before
		if len(c.Signed) > 0 {
			s := c.Signed[rapid.IntRange(0, len(c.Signed)-1).Draw(t, "replay")].Position
			return s.Payload, s.Signature
		}
		return draft, []byte("garbage")
	case 6: // a forgery
		p, _ := k.sign(party, draft, at)
		return p, []byte("garbage")
	}
	return k.sign(party, draft, at)
}

func otherParty(p article5.Party) article5.Party {
	if p == "JP" {
		return "US"
	}
	return "JP"
}

// checkAuthorised checks, independently of package authz, that a
// successful operation was done by a user entitled to it.
func checkAuthorised(t *rapid.T, op string, u authz.User, party article5.Party) {
	has := func(r article5.Role) bool { return slices.Contains(u.Roles, r) }
	ok := true
	switch op {
	case "open", "request", "new-evidence":
		ok = has("analyst")
	case "record", "send-rfi", "answer-rfi":
		ok = has("legal") && u.Party == party
	case "sign":
		ok = has("approver") && u.Party == party
	case "close":
		ok = has("approver") || has("admin")
	}
	if !ok {
		t.Fatalf("%s by %+v for %s succeeded", op, u, party)
	}
}

var states = []article5.CaseState{article5.StateOpen, article5.StateInConsultation, article5.StateConcurred, article5.StateDiverged, article5.StateClosed}

// checkInvariants checks the invariants of issue 5 on c, given the case
// as it was after the previous step.
func checkInvariants(t *rapid.T, c, prev *workflow.Case, k *fakeKeys) {
	// (f) the state is one of the five.
	if !slices.Contains(states, c.State) {
		t.Fatalf("(f) state %q", c.State)
	}
	// (b) every signature was made by an approver of the position's party,
	// and verifies.
	for i, s := range c.Signed {
		p := s.Position.Payload
		if s.Signer.Party != p.Party || !slices.Contains(s.Signer.Roles, article5.RoleApprover) || s.Position.SignedBy != s.Signer.ID {
			t.Fatalf("(b) signed[%d] for %s by %+v", i, p.Party, s.Signer)
		}
		if err := k.verify(p, s.Position.Signature); err != nil {
			t.Fatalf("(b) signed[%d] does not verify: %v", i, err)
		}
	}
	// (c) no signed position is ever lost: the previous list is a prefix.
	if len(c.Signed) < len(prev.Signed) || !prefix(prev.Signed, c.Signed) {
		t.Fatalf("(c) signed positions lost or changed: %d → %d", len(prev.Signed), len(c.Signed))
	}
	// Past determinations only grow, unchanged.
	if len(c.Past) < len(prev.Past) || !prefix(prev.Past, c.Past) {
		t.Fatal("past determinations lost or changed")
	}
	// Drafts and signed positions in Positions are on the current hash and
	// for their own party; a signed one is in Signed.
	for party, p := range c.Positions {
		if p.Payload.AssessmentHash != c.AssessmentHash || p.Payload.Party != party {
			t.Fatalf("position for %s on %s in a case on %s", p.Payload.Party, p.Payload.AssessmentHash, c.AssessmentHash)
		}
		if p.Signature != nil && !inSigned(c, *p) {
			t.Fatalf("(c) %s's signed position is not in Signed", party)
		}
	}
	// (a), (d), (e): every determination, current and past, rests on both
	// parties' valid signatures on its hash, still in Signed unchanged, and
	// its outcome is concurred iff the tiers are equal.
	dets := slices.Clone(c.Past)
	if c.Determination != nil {
		if c.Determination.AssessmentHash != c.AssessmentHash {
			t.Fatalf("(a) determination on %s, case on %s", c.Determination.AssessmentHash, c.AssessmentHash)
		}
		dets = append(dets, *c.Determination)
	}
	for i, d := range dets {
		for _, party := range parties {
			p, ok := d.Positions[party]
			if !ok || p.Payload.Party != party || p.Payload.AssessmentHash != d.AssessmentHash || p.Signature == nil {
				t.Fatalf("(a) determination %d lacks %s's signed position on %s", i, party, d.AssessmentHash)
			}
			if err := k.verify(p.Payload, p.Signature); err != nil {
				t.Fatalf("(e) determination %d: %s's signature does not verify: %v", i, party, err)
			}
			if !inSigned(c, p) {
				t.Fatalf("(e) determination %d: %s's position is not in Signed", i, party)
			}
		}
		same := d.Positions["JP"].Payload.Tier == d.Positions["US"].Payload.Tier
		if (d.Outcome == article5.Concurred) != same || (d.Outcome != article5.Concurred && d.Outcome != article5.Diverged) {
			t.Fatalf("(d) outcome %s with tiers %s, %s", d.Outcome, d.Positions["JP"].Payload.Tier, d.Positions["US"].Payload.Tier)
		}
	}
	// (a) a concluded or closed case has a determination, matching its
	// state; an open or consulting case has none, and is not left
	// unconcluded with both signatures on its hash.
	switch c.State {
	case article5.StateConcurred, article5.StateDiverged, article5.StateClosed:
		if c.Determination == nil {
			t.Fatalf("(a) %s without a determination", c.State)
		}
		if c.State != article5.StateClosed && string(c.State) != "concluded-"+string(c.Determination.Outcome) {
			t.Fatalf("(d) state %s, outcome %s", c.State, c.Determination.Outcome)
		}
	default:
		if c.Determination != nil {
			t.Fatalf("(a) %s with a determination", c.State)
		}
		jp, us := c.Positions["JP"], c.Positions["US"]
		if jp != nil && us != nil && jp.Signature != nil && us.Signature != nil {
			t.Fatalf("both parties signed %s but the case is %s", c.AssessmentHash, c.State)
		}
	}
	// (g) the log only grows, each transition is allowed by the table, and
	// the log chains to the current state.
	if len(c.Log) < len(prev.Log) || !prefix(prev.Log, c.Log) {
		t.Fatal("(g) log lost or changed")
	}
	from := article5.CaseState("")
	for i, tr := range c.Log {
		if tr.From != from || !workflow.Allowed(tr.From, tr.Action, tr.To) || tr.User == "" {
			t.Fatalf("(g) log[%d] %+v (previous state %q)", i, tr, from)
		}
		from = tr.To
	}
	if from != c.State {
		t.Fatalf("(g) log ends in %s, case is %s", from, c.State)
	}
}

func inSigned(c *workflow.Case, p article5.Position) bool {
	return slices.ContainsFunc(c.Signed, func(s workflow.SignedPosition) bool { return reflect.DeepEqual(s.Position, p) })
}

// prefix reports whether a is a prefix of b, element by element.
func prefix[E any](a, b []E) bool {
	if len(a) > len(b) {
		return false
	}
	for i := range a {
		if !reflect.DeepEqual(a[i], b[i]) {
			return false
		}
	}
	return true
}
