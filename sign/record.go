package sign

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"article5"
)

// MaxClockSkew is how far in the future of the verification time a
// position's signed_at may lie (clocks of the two nodes differ).
const MaxClockSkew = 5 * time.Minute

// Record is an exported case record (`article5 case export ID`): the
// assessment both parties signed, their signed positions, the
// determination, and the revocations a verifier needs. It verifies offline
// with VerifyRecord against the parties' public root keys.
type Record struct {
	Case          string           `json:"case"`                    // the case id (grouping id)
	Assessment    json.RawMessage  `json:"assessment"`              // the article5-assessment STIX object
	Positions     []SignedPosition `json:"positions"`               // at most one per party
	Determination *Determination   `json:"determination,omitempty"` // nil until both parties have signed
	Revocations   []Revocation     `json:"revocations,omitempty"`   // of any key that signed in this record
}

// SignedPosition is one party's signed position: the payload exactly as
// signed, the reasons text whose sha256 the payload carries, the detached
// signature and the signer's certificate.
type SignedPosition struct {
	ID          string                   `json:"id,omitempty"` // STIX opinion id (opinion--UUID)
	Payload     article5.PositionPayload `json:"payload"`
	Reasons     string                   `json:"reasons"`
	Signature   []byte                   `json:"signature"` // base64 Ed25519 over CanonicalPayload(Payload)
	Certificate *Certificate             `json:"certificate"`
	// CreatedBy is the created_by_ref of the position's STIX opinion: the
	// signer's organisation (a STIX identity id). Not part of the record
	// JSON, nor of what is signed.
	CreatedBy string `json:"-"`
}

// Determination is the outcome of consultations on a case (SDO type
// article5-determination): concurred when both parties' signed positions
// name the same tier for the same assessment hash, diverged when they
// name different tiers (DESIGN.md §2).
type Determination struct {
	ID             string           `json:"id,omitempty"` // article5-determination--UUID
	Case           string           `json:"case_ref"`
	AssessmentRef  string           `json:"assessment_ref,omitempty"` // article5-assessment id
	AssessmentHash string           `json:"assessment_hash"`
	Outcome        article5.Outcome `json:"outcome"`
	PositionRefs   []string         `json:"position_refs,omitempty"` // opinion ids, in position order
	PositionKeyIDs []string         `json:"position_key_ids"`        // the signing keys, in position order
}

// OutcomeOf returns the determination's outcome for two tiers: Concurred
// iff they are equal, else Diverged.
func OutcomeOf(a, b article5.Tier) article5.Outcome {
	if a == b {
		return article5.Concurred
	}
	return article5.Diverged
}

// NewDetermination builds the determination of two signed positions, one
// JP and one US, on the same case and assessment hash (EINVALID otherwise).
// It does not verify signatures: VerifyRecord does.
func NewDetermination(assessmentRef string, positions []SignedPosition) (*Determination, error) {
	if len(positions) != 2 || positions[0].Payload.Party == positions[1].Payload.Party {
		return nil, article5.Invalid("a determination needs two signed positions, one per party")
	}
	a, b := positions[0].Payload, positions[1].Payload
	if a.Case != b.Case || a.AssessmentHash != b.AssessmentHash {
		return nil, article5.Invalid(fmt.Sprintf("the positions are not on the same case and assessment: %s on %s/%s, %s on %s/%s",
			a.Party, a.Case, a.AssessmentHash, b.Party, b.Case, b.AssessmentHash))
	}
	d := &Determination{Case: a.Case, AssessmentRef: assessmentRef, AssessmentHash: a.AssessmentHash,
		Outcome: OutcomeOf(a.Tier, b.Tier), PositionKeyIDs: []string{a.KeyID, b.KeyID}}
	if positions[0].ID != "" && positions[1].ID != "" {
		d.PositionRefs = []string{positions[0].ID, positions[1].ID}
	}
	return d, nil
}

// Verdict is what VerifyRecord established: the case, the assessment hash,
// the outcome (empty without a determination), each verified position and
// the list of checks passed, in order.
type Verdict struct {
	Case           string
	AssessmentHash string
	Outcome        article5.Outcome
	Positions      []PositionVerdict
	Checks         []string
}

// PositionVerdict is one verified position.
type PositionVerdict struct {
	Party    article5.Party
	Tier     article5.Tier
	Opinion  string
	KeyID    string
	Signer   string // the certificate's subject name
	SignedAt string
}

// assessmentObject is the part of an article5-assessment STIX object the
// record's checks read.
type assessmentObject struct {
	Type           string                 `json:"type"`
	ID             string                 `json:"id"`
	CaseRef        string                 `json:"case_ref"`
	EvidenceDigest string                 `json:"evidence_digest"`
	AssessmentHash string                 `json:"assessment_hash"`
	Doctrines      []article5.DoctrineRef `json:"doctrines"`
}

// inContext prefixes err's message with where it happened, keeping its
// code and details.
func inContext(where string, err error) error {
	var e *article5.Error
	if !errors.As(err, &e) || e.Code == article5.EINTERNAL {
		return err
	}
	return &article5.Error{Code: e.Code, Message: where + ": " + e.Message, Details: e.Details, Err: err}
}

func forbidden(format string, args ...any) error {
	return article5.Errorf(article5.EFORBIDDEN, format, args...)
}

// VerifyRecord verifies a case record offline against the trusted root
// keys, at time at. It checks, in order: the assessment object is an
// article5-assessment of the record's case; every revocation is signed by a
// trusted root of its party; every position verifies (VerifyPosition: a
// certified approver of its party under a trusted root of that party, not
// revoked before signing), its reasons match the signed reasons_sha256, it
// is on the record's case, it was not signed after at+MaxClockSkew, and no
// party has two positions; all positions are on the same assessment hash,
// which is the assessment object's, with its evidence digest and
// doctrines; and, for a determination, both parties are present, it names
// the same case, assessment and signing keys, and its outcome is concurred
// iff the two tiers are equal, else diverged. A malformed record is
// EINVALID; every other refusal is EFORBIDDEN, its message naming the
// position and the problem.
func VerifyRecord(r *Record, roots []PublicRoot, at time.Time) (*Verdict, error) {
	if r == nil {
		return nil, article5.Invalid("no record")
	}
	if len(roots) == 0 {
		return nil, article5.Invalid("no trusted root keys: give the parties' public root keys (--trust)")
	}
	v := &Verdict{Case: r.Case}
	pass := func(format string, args ...any) { v.Checks = append(v.Checks, fmt.Sprintf(format, args...)) }

	var a assessmentObject
	if err := json.Unmarshal(r.Assessment, &a); err != nil {
		return nil, &article5.Error{Code: article5.EINVALID, Message: "the record's assessment is not a JSON object", Err: err}
	}
	if a.Type != "article5-assessment" || !sha256Pattern.MatchString(a.AssessmentHash) || !sha256Pattern.MatchString(a.EvidenceDigest) {
		return nil, article5.Invalid("the record's assessment is not an article5-assessment object",
			article5.Detail{Object: a.ID, Message: "expected type article5-assessment with assessment_hash and evidence_digest of 64 hex digits"})
	}
	if a.CaseRef != r.Case {
		return nil, forbidden("the record is for case %s but its assessment %s is for case %s", r.Case, a.ID, a.CaseRef)
	}
	v.AssessmentHash = a.AssessmentHash
	pass("assessment %s is for case %s (assessment hash %s)", a.ID, r.Case, a.AssessmentHash)

	for i := range r.Revocations {
		if _, err := r.Revocations[i].Verify(roots); err != nil {
			return nil, inContext(fmt.Sprintf("revocation %d", i), err)
		}
		pass("revocation of key %s (%s) from %s is signed by a trusted %s root", r.Revocations[i].KeyID, r.Revocations[i].Reason, r.Revocations[i].RevokedAt, r.Revocations[i].Party)
	}

	seen := map[article5.Party]int{}
	for i := range r.Positions {
		sp := &r.Positions[i]
		p := sp.Payload
		where := fmt.Sprintf("position %d (%s)", i, p.Party)
		if err := VerifyPosition(p, sp.Signature, sp.Certificate, roots, r.Revocations); err != nil {
			return nil, inContext(where, err)
		}
		if ReasonsSHA256(sp.Reasons) != p.ReasonsSHA256 {
			return nil, forbidden("%s: its reasons do not match the signed reasons_sha256 %s (altered after signing)", where, p.ReasonsSHA256)
		}
		if p.Case != r.Case {
			return nil, forbidden("%s: signed for case %s, but the record is case %s (replayed from another case)", where, p.Case, r.Case)
		}
		signedAt, _ := ParseTime("signed_at", p.SignedAt) // valid: VerifyPosition checked it
		if signedAt.After(at.Add(MaxClockSkew)) {
			return nil, forbidden("%s: signed at %s, after the verification time %s", where, p.SignedAt, FormatTime(at))
		}
		if j, dup := seen[p.Party]; dup {
			return nil, forbidden("%s: party %s already has position %d; a record holds one position per party", where, p.Party, j)
		}
		seen[p.Party] = i
		v.Positions = append(v.Positions, PositionVerdict{Party: p.Party, Tier: p.Tier, Opinion: p.Opinion,
			KeyID: p.KeyID, Signer: sp.Certificate.SubjectName, SignedAt: p.SignedAt})
		pass("%s: signature by key %s (%s) verifies, certified as %s approver by trusted root %s, not revoked at %s; reasons match",
			where, p.KeyID, sp.Certificate.SubjectName, p.Party, sp.Certificate.IssuerKeyID, p.SignedAt)
	}

	for i := 1; i < len(r.Positions); i++ {
		a0, ai := r.Positions[0].Payload, r.Positions[i].Payload
		if ai.AssessmentHash != a0.AssessmentHash {
			return nil, forbidden("the positions are on different assessment hashes: %s on %s, %s on %s",
				a0.Party, a0.AssessmentHash, ai.Party, ai.AssessmentHash)
		}
	}
	for i := range r.Positions {
		p := r.Positions[i].Payload
		where := fmt.Sprintf("position %d (%s)", i, p.Party)
		if p.AssessmentHash != a.AssessmentHash {
			return nil, forbidden("%s: signed on assessment hash %s, but the record's assessment is %s (stale assessment)", where, p.AssessmentHash, a.AssessmentHash)
		}
		if p.EvidenceDigest != a.EvidenceDigest {
			return nil, forbidden("%s: signed on evidence digest %s, but the assessment's is %s", where, p.EvidenceDigest, a.EvidenceDigest)
		}
		if !slices.Equal(p.Doctrines, a.Doctrines) {
			return nil, forbidden("%s: the signed doctrines differ from the assessment's", where)
		}
	}
	if len(r.Positions) > 0 {
		pass("every position is on assessment hash %s, evidence digest %s and the assessment's doctrines", a.AssessmentHash, a.EvidenceDigest)
	}

	d := r.Determination
	if d == nil {
		pass("no determination")
		return v, nil
	}
	jp, hasJP := seen[article5.PartyJP]
	us, hasUS := seen[article5.PartyUS]
	if !hasJP || !hasUS {
		return nil, forbidden("the determination needs signed positions of both parties; the record has %d position(s) and lacks %s", len(r.Positions), missing(hasJP, hasUS))
	}
	pass("both parties signed: JP position %d, US position %d", jp, us)
	if d.Case != r.Case || d.AssessmentHash != a.AssessmentHash || (d.AssessmentRef != "" && d.AssessmentRef != a.ID) {
		return nil, forbidden("the determination is for case %s, assessment %s (%s), but the record is case %s, assessment %s (%s)",
			d.Case, d.AssessmentRef, d.AssessmentHash, r.Case, a.ID, a.AssessmentHash)
	}
	var keys, refs []string
	for _, sp := range r.Positions {
		keys = append(keys, sp.Payload.KeyID)
		refs = append(refs, sp.ID)
	}
	if !sameSet(d.PositionKeyIDs, keys) {
		return nil, forbidden("the determination names signing keys %v, but the positions are signed by %v", d.PositionKeyIDs, keys)
	}
	if len(d.PositionRefs) > 0 && !sameSet(d.PositionRefs, refs) {
		return nil, forbidden("the determination references positions %v, but the record holds %v", d.PositionRefs, refs)
	}
	jt, ut := r.Positions[jp].Payload.Tier, r.Positions[us].Payload.Tier
	want := OutcomeOf(jt, ut)
	if d.Outcome != want {
		return nil, forbidden("the determination claims %q, but JP signed tier %s and US signed tier %s: the outcome is %q", d.Outcome, jt, ut, want)
	}
	v.Outcome = d.Outcome
	pass("determination %s: JP tier %s, US tier %s, outcome %s", d.ID, jt, ut, d.Outcome)
	return v, nil
}

func missing(hasJP, hasUS bool) string {
	switch {
	case !hasJP && !hasUS:
		return "JP and US"
	case !hasJP:
		return "JP"
	}
	return "US"
}

// sameSet reports whether a and b hold the same strings, each once.
func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	x, y := slices.Clone(a), slices.Clone(b)
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(x, y) && len(slices.Compact(x)) == len(a)
}
