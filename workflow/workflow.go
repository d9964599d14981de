// Package workflow is the consultation of one case as an explicit state
// machine: open → in-consultation → concluded (concurred |
// diverged) → closed, re-opened by new evidence. Every operation takes the
// acting user, is decided by package authz first, then by the transition
// table, then by its input; each one that succeeds appends a Transition to
// the case's log. An operation that fails leaves the case unchanged.
//
// The package is pure: no I/O, no clock (each operation takes the time it
// happens at) and no cryptography. Sign takes a Verifier, which package
// sign provides over Ed25519 and RFC 8785 canonical JSON.
//
// What is signed is never lost: every signed position is kept in
// Case.Signed, and a determination that new evidence supersedes moves to
// Case.Past. A new assessment clears only the unsigned drafts.
package workflow

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	"article5"
	"article5/authz"
)

// Verifier checks a detached signature over a position payload (the RFC
// 8785 canonical JSON of p) against the key p.KeyID names, and that the key
// belongs to p.Party. It returns nil when the signature is valid.
type Verifier func(p article5.PositionPayload, sig []byte) error

// Assessment names the assessment a case is consulted on: its hash (what
// both parties sign), the evidence digest it was made at and the doctrines
// applied (DESIGN.md §2, assessment).
type Assessment struct {
	Hash           string
	EvidenceDigest string
	Doctrines      []article5.DoctrineRef
}

// SignedPosition is a position as its party's approver signed it, with the
// signer as authorised at the time.
type SignedPosition struct {
	Position article5.Position // Payload, Reasons, Signature, SignedBy
	Signer   authz.User
	At       time.Time
}

// RFI is a request for information from one party's legal adviser to the
// other party, and its answer once given.
type RFI struct {
	ID string // "rfi-1", "rfi-2", … in the order this node learnt of them
	// Ref is the id of the article5-consultation STIX object that carried
	// the request between nodes ("" on a node without partners): the same
	// on both nodes, whatever the local numbering.
	Ref        string `json:",omitempty"`
	From, To   article5.Party
	Question   string
	AskedBy    string // user id
	Asked      time.Time
	Answer     string // "" until answered
	AnsweredBy string
	Answered   time.Time
}

// Determination is the outcome of the consultation on one assessment hash
// (DESIGN.md §2): concurred when both parties' signed positions name the
// same tier, diverged otherwise. Positions holds the two signed positions
// it rests on, by party; both are also in Case.Signed.
type Determination struct {
	Case           string
	AssessmentHash string
	Outcome        article5.Outcome
	Positions      map[article5.Party]article5.Position
	At             time.Time
}

// Transition is one entry of a case's log: an operation by a user that
// took the case From one state To another (possibly the same).
type Transition struct {
	From   article5.CaseState // "" for the operation that opened the case
	To     article5.CaseState
	Action article5.Action
	User   string // user id
	Party  article5.Party
	At     time.Time
	Note   string
}

// Case is the consultation state of one case. Create it as &Case{ID: id}
// and call Open. Fields are exported for storage and display; change them
// only through the operations.
type Case struct {
	ID             string
	State          article5.CaseState
	AssessmentHash string // the current assessment's hash
	EvidenceDigest string
	Doctrines      []article5.DoctrineRef
	// Positions holds each party's position on the current assessment: an
	// unsigned draft (Signature nil) or, once signed, the signed position.
	Positions map[article5.Party]*article5.Position
	// Signed holds every position ever signed, in order; never shortened.
	Signed []SignedPosition
	RFIs   []RFI
	// Determination is the outcome on the current assessment; nil until
	// both parties have signed it.
	Determination *Determination
	// Past holds determinations superseded by new evidence, oldest first.
	Past []Determination
	Log  []Transition
}

// Parties are the two parties whose signed positions conclude a
// consultation.
var Parties = []article5.Party{article5.PartyJP, article5.PartyUS}

// Opinions is STIX 2.1's opinion-enum, strongest disagreement first: a
// position's agreement with the assessment.
var Opinions = []string{"strongly-disagree", "disagree", "neutral", "agree", "strongly-agree"}

// transitions is the state machine: for each state, the actions it accepts
// and the states each may lead to. A state not listed for an action refuses
// it with ECONFLICT. The state "" is a case not yet opened.
//
// New evidence (action ingest) on an open case only replaces its
// assessment; on a case in consultation or concluded it re-opens the
// consultation on the new assessment. A closed case is final.
var transitions = map[article5.CaseState]map[article5.Action][]article5.CaseState{
	"": {
		article5.ActionOpenCase: {article5.StateOpen},
	},
	article5.StateOpen: {
		article5.ActionRequestConsult: {article5.StateInConsultation},
		article5.ActionIngest:         {article5.StateOpen},
	},
	article5.StateInConsultation: {
		article5.ActionRecordPosition: {article5.StateInConsultation},
		article5.ActionSendRFI:        {article5.StateInConsultation},
		article5.ActionAnswerRFI:      {article5.StateInConsultation},
		article5.ActionSignPosition:   {article5.StateInConsultation, article5.StateConcurred, article5.StateDiverged},
		article5.ActionIngest:         {article5.StateInConsultation},
	},
	article5.StateConcurred: {
		article5.ActionIngest:    {article5.StateInConsultation},
		article5.ActionCloseCase: {article5.StateClosed},
	},
	article5.StateDiverged: {
		article5.ActionIngest:    {article5.StateInConsultation},
		article5.ActionCloseCase: {article5.StateClosed},
	},
	article5.StateClosed: {},
}

// Allowed reports whether the transition table lets action a take a case
// from state from to state to.
func Allowed(from article5.CaseState, a article5.Action, to article5.CaseState) bool {
	return slices.Contains(transitions[from][a], to)
}

// Accepts reports whether a case in state from accepts action a at all.
func Accepts(from article5.CaseState, a article5.Action) bool {
	_, ok := transitions[from][a]
	return ok
}

// begin runs the checks every operation starts with: authorisation, then
// the state. party is the party the action is for ("" if none).
func (c *Case) begin(u authz.User, a article5.Action, party article5.Party) error {
	if err := authz.Check(authz.Request{User: u, Action: a, Party: party}); err != nil {
		return err
	}
	if !Accepts(c.State, a) {
		state := c.State
		if state == "" {
			state = "not opened"
		}
		var now []string
		for _, x := range article5.Actions {
			if Accepts(c.State, x) {
				now = append(now, x.Words())
			}
		}
		allowed := "nothing: a closed case is final"
		if len(now) > 0 {
			allowed = strings.Join(now, ", ")
		}
		return article5.Errorf(article5.ECONFLICT, "case %s is %s: %s is not allowed now (allowed now: %s)", c.ID, state, a.Words(), allowed)
	}
	return nil
}

func (c *Case) log(u authz.User, at time.Time, a article5.Action, to article5.CaseState, note string) {
	c.Log = append(c.Log, Transition{From: c.State, To: to, Action: a, User: u.ID, Party: u.Party, At: at, Note: note})
	c.State = to
}

func validParty(p article5.Party) bool { return p == article5.PartyJP || p == article5.PartyUS }

func other(p article5.Party) article5.Party {
	if p == article5.PartyJP {
		return article5.PartyUS
	}
	return article5.PartyJP
}

// Open opens the case on assessment a (action open-case, analyst): "" →
// open. c.ID and a.Hash must be set (EINVALID).
func (c *Case) Open(u authz.User, at time.Time, a Assessment) error {
	if err := c.begin(u, article5.ActionOpenCase, ""); err != nil {
		return err
	}
	if c.ID == "" {
		return article5.Invalid("a case needs an id")
	}
	if a.Hash == "" {
		return article5.Invalid("a case needs an assessment hash")
	}
	c.setAssessment(a)
	c.Positions = map[article5.Party]*article5.Position{}
	c.log(u, at, article5.ActionOpenCase, article5.StateOpen, "opened on assessment "+a.Hash)
	return nil
}

func (c *Case) setAssessment(a Assessment) {
	c.AssessmentHash = a.Hash
	c.EvidenceDigest = a.EvidenceDigest
	c.Doctrines = slices.Clone(a.Doctrines)
}

// RequestConsultation asks the other party to consult (action
// request-consultation, analyst): open → in-consultation.
func (c *Case) RequestConsultation(u authz.User, at time.Time) error {
	if err := c.begin(u, article5.ActionRequestConsult, ""); err != nil {
		return err
	}
	c.log(u, at, article5.ActionRequestConsult, article5.StateInConsultation, "consultation requested")
	return nil
}

// RecordPosition records party's position on the current assessment
// (action record-position, legal of that party; in-consultation): its own
// tier, its opinion of the assessment (one of Opinions) and its reasons. It
// replaces the party's unsigned draft. Once the party's position on the
// current assessment is signed it is final: ECONFLICT until new evidence
// re-opens the case. Bad tier, opinion or empty reasons: EINVALID.
//
// The draft's payload is complete but for KeyID and SignedAt, which the
// approver sets when signing; Position.ID is left for the store to assign.
func (c *Case) RecordPosition(u authz.User, at time.Time, party article5.Party, tier article5.Tier, opinion, reasons string) error {
	if err := c.begin(u, article5.ActionRecordPosition, party); err != nil {
		return err
	}
	if p := c.Positions[party]; p != nil && p.Signature != nil {
		return article5.Errorf(article5.ECONFLICT, "%s's position on assessment %s is signed; new evidence re-opens it", party, c.AssessmentHash)
	}
	var details []article5.Detail
	if !tier.Valid() {
		details = append(details, article5.Detail{Pointer: "/tier", Message: fmt.Sprintf("%q is not a tier", tier)})
	}
	if !slices.Contains(Opinions, opinion) {
		details = append(details, article5.Detail{Pointer: "/opinion", Message: fmt.Sprintf("%q is not a STIX opinion-enum value", opinion)})
	}
	if reasons == "" {
		details = append(details, article5.Detail{Pointer: "/reasons", Message: "a position needs reasons"})
	}
	if details != nil {
		return article5.Invalid("invalid position", details...)
	}
	sum := sha256.Sum256([]byte(reasons))
	c.Positions[party] = &article5.Position{
		Payload: article5.PositionPayload{
			Purpose:        article5.PositionPurpose,
			Case:           c.ID,
			AssessmentHash: c.AssessmentHash,
			EvidenceDigest: c.EvidenceDigest,
			Doctrines:      slices.Clone(c.Doctrines),
			Party:          party,
			Tier:           tier,
			Opinion:        opinion,
			ReasonsSHA256:  hex.EncodeToString(sum[:]),
		},
		Reasons:  reasons,
		Recorded: at,
	}
	c.log(u, at, article5.ActionRecordPosition, c.State, fmt.Sprintf("%s position recorded: %s, %s", party, tier, opinion))
	return nil
}

// SendRFI sends a request for information from party to the other party
// (action send-rfi, legal of party; in-consultation) and returns its id.
// An empty question is EINVALID.
func (c *Case) SendRFI(u authz.User, at time.Time, party article5.Party, question string) (string, error) {
	return c.SendRFIRef(u, at, party, "", question)
}

// SendRFIRef is SendRFI for a request that also has a node-independent
// reference ref (RFI.Ref): a request whose ref the case already holds is
// ECONFLICT.
func (c *Case) SendRFIRef(u authz.User, at time.Time, party article5.Party, ref, question string) (string, error) {
	if err := c.begin(u, article5.ActionSendRFI, party); err != nil {
		return "", err
	}
	if question == "" {
		return "", article5.Invalid("a request for information needs a question")
	}
	if ref != "" && slices.ContainsFunc(c.RFIs, func(r RFI) bool { return r.Ref == ref }) {
		return "", article5.Errorf(article5.ECONFLICT, "request for information %s is already held", ref)
	}
	id := fmt.Sprintf("rfi-%d", len(c.RFIs)+1)
	c.RFIs = append(c.RFIs, RFI{ID: id, Ref: ref, From: party, To: other(party), Question: question, AskedBy: u.ID, Asked: at})
	c.log(u, at, article5.ActionSendRFI, c.State, fmt.Sprintf("%s from %s to %s", id, party, other(party)))
	return id, nil
}

// AnswerRFI answers request id (its local ID or its Ref) on behalf of party, the party it was sent
// to (action answer-rfi, legal of party; in-consultation). Unknown id:
// ENOTFOUND; id not sent to party: EINVALID; already answered: ECONFLICT;
// empty answer: EINVALID.
func (c *Case) AnswerRFI(u authz.User, at time.Time, party article5.Party, id, answer string) error {
	if err := c.begin(u, article5.ActionAnswerRFI, party); err != nil {
		return err
	}
	i := slices.IndexFunc(c.RFIs, func(r RFI) bool { return r.ID == id || (r.Ref != "" && r.Ref == id) })
	if i < 0 {
		return article5.Errorf(article5.ENOTFOUND, "no request for information %q in case %s", id, c.ID)
	}
	r := &c.RFIs[i]
	if r.To != party {
		return article5.Errorf(article5.EINVALID, "%s was sent to %s, not %s", id, r.To, party)
	}
	if r.Answer != "" {
		return article5.Errorf(article5.ECONFLICT, "%s is already answered", id)
	}
	if answer == "" {
		return article5.Invalid("an answer must not be empty")
	}
	r.Answer, r.AnsweredBy, r.Answered = answer, u.ID, at
	c.log(u, at, article5.ActionAnswerRFI, c.State, fmt.Sprintf("%s answered by %s", id, party))
	return nil
}

// AcceptRFI records a request for information that party's legal adviser
// sent on the other Party's node (ref: its node-independent reference). It
// is taken in any state after consultation was requested, concluded and
// closed included: it was sent while the sender's node was in
// consultation, and belongs to the record whatever this node did
// meanwhile. Before that, or for a ref already held: ECONFLICT; an empty
// question: EINVALID. The request is numbered as SendRFI numbers.
func (c *Case) AcceptRFI(u authz.User, at time.Time, party article5.Party, ref, question string) error {
	if err := c.acceptLate(u, article5.ActionSendRFI, party); err != nil {
		return err
	}
	if question == "" || ref == "" {
		return article5.Invalid("a request for information needs a question and a reference")
	}
	if slices.ContainsFunc(c.RFIs, func(r RFI) bool { return r.Ref == ref }) {
		return article5.Errorf(article5.ECONFLICT, "request for information %s is already held", ref)
	}
	id := fmt.Sprintf("rfi-%d", len(c.RFIs)+1)
	c.RFIs = append(c.RFIs, RFI{ID: id, Ref: ref, From: party, To: other(party), Question: question, AskedBy: u.ID, Asked: at})
	c.log(u, at, article5.ActionSendRFI, c.State, fmt.Sprintf("%s from %s to %s (received)", id, party, other(party)))
	return nil
}

// AcceptAnswer records the answer party gave on the other Party's node to
// the request with reference ref, in the states AcceptRFI takes it in.
// Unknown ref: ENOTFOUND; not sent to party: EINVALID; already answered:
// ECONFLICT.
func (c *Case) AcceptAnswer(u authz.User, at time.Time, party article5.Party, ref, answer string) error {
	if err := c.acceptLate(u, article5.ActionAnswerRFI, party); err != nil {
		return err
	}
	i := slices.IndexFunc(c.RFIs, func(r RFI) bool { return r.Ref != "" && r.Ref == ref })
	if i < 0 {
		return article5.Errorf(article5.ENOTFOUND, "no request for information %q in case %s", ref, c.ID)
	}
	r := &c.RFIs[i]
	if r.To != party {
		return article5.Errorf(article5.EINVALID, "%s was sent to %s, not %s", r.ID, r.To, party)
	}
	if r.Answer != "" {
		return article5.Errorf(article5.ECONFLICT, "%s is already answered", r.ID)
	}
	if answer == "" {
		return article5.Invalid("an answer must not be empty")
	}
	r.Answer, r.AnsweredBy, r.Answered = answer, u.ID, at
	c.log(u, at, article5.ActionAnswerRFI, c.State, fmt.Sprintf("%s answered by %s (received)", r.ID, party))
	return nil
}

// acceptLate is begin for what the other Party's node did while it was in
// consultation: authorisation, and a consultation requested (any state
// from in-consultation on).
func (c *Case) acceptLate(u authz.User, a article5.Action, party article5.Party) error {
	if err := authz.Check(authz.Request{User: u, Action: a, Party: party}); err != nil {
		return err
	}
	if c.State == "" || c.State == article5.StateOpen {
		return article5.Errorf(article5.ECONFLICT, "case %s is not in consultation: %s is not allowed now", c.ID, a.Words())
	}
	return nil
}

// Sign records the signature of party's approver over party's recorded
// position (action sign-position, approver of party; in-consultation).
// payload is exactly what was signed: the recorded draft's payload with
// KeyID and SignedAt (RFC 3339) set. verify checks sig over payload.
//
// Errors: no draft, or the party's position on the current assessment
// already signed: ECONFLICT; payload over another assessment hash than the
// current one: ECONFLICT; payload differing otherwise from the draft,
// missing KeyID or SignedAt, or a signature verify refuses: EINVALID.
//
// When both parties have signed positions on the current assessment hash
// the consultation concludes: concluded-concurred if they name the same
// tier, concluded-diverged otherwise, with a Determination.
func (c *Case) Sign(u authz.User, at time.Time, party article5.Party, payload article5.PositionPayload, sig []byte, verify Verifier) error {
	if err := c.begin(u, article5.ActionSignPosition, party); err != nil {
		return err
	}
	draft := c.Positions[party]
	if draft == nil {
		return article5.Errorf(article5.ECONFLICT, "%s has recorded no position on assessment %s", party, c.AssessmentHash)
	}
	if draft.Signature != nil {
		return article5.Errorf(article5.ECONFLICT, "%s's position on assessment %s is already signed", party, c.AssessmentHash)
	}
	if payload.AssessmentHash != c.AssessmentHash {
		return article5.Errorf(article5.ECONFLICT, "the signature is over assessment %s; the case is on %s", payload.AssessmentHash, c.AssessmentHash)
	}
	if !sameUnsigned(payload, draft.Payload) {
		return article5.Invalid("the signed payload is not the recorded position")
	}
	if payload.KeyID == "" || payload.SignedAt == "" {
		return article5.Invalid("the signed payload needs key_id and signed_at")
	}
	if _, err := time.Parse(time.RFC3339, payload.SignedAt); err != nil {
		return article5.Invalid("signed_at is not RFC 3339", article5.Detail{Pointer: "/signed_at", Message: err.Error()})
	}
	if len(sig) == 0 {
		return article5.Invalid("no signature")
	}
	if err := verify(payload, sig); err != nil {
		e := article5.Invalid("the signature does not verify")
		e.Err = err
		return e
	}
	signed := *draft
	signed.Payload = clonePayload(payload)
	signed.Signature = slices.Clone(sig)
	signed.SignedBy = u.ID
	c.signed(u, at, party, signed)
	return nil
}

// AcceptSigned records party's position as signed on another node, where
// its draft was recorded and signed (action sign-position, approver of
// party, as the other node's approver; in-consultation): p carries the
// payload, reasons and signature. It needs no local draft. Errors: the
// party's position on the current assessment already signed: ECONFLICT
// (the same signature again is not an error: nothing changes); a payload
// on another assessment: ECONFLICT; a payload not on this case's evidence
// digest and doctrines, reasons not matching reasons_sha256, or a
// signature verify refuses: EINVALID.
func (c *Case) AcceptSigned(u authz.User, at time.Time, party article5.Party, p article5.Position, verify Verifier) error {
	if err := c.begin(u, article5.ActionSignPosition, party); err != nil {
		return err
	}
	if cur := c.Positions[party]; cur != nil && cur.Signature != nil {
		if slices.Equal(cur.Signature, p.Signature) {
			return nil
		}
		return article5.Errorf(article5.ECONFLICT, "%s's position on assessment %s is already signed", party, c.AssessmentHash)
	}
	pl := p.Payload
	if pl.AssessmentHash != c.AssessmentHash {
		return article5.Errorf(article5.ECONFLICT, "the signature is over assessment %s; the case is on %s", pl.AssessmentHash, c.AssessmentHash)
	}
	if pl.Party != party || pl.Case != c.ID || pl.EvidenceDigest != c.EvidenceDigest || !slices.Equal(pl.Doctrines, c.Doctrines) || pl.Purpose != article5.PositionPurpose {
		return article5.Invalid("the signed position is not on this case's assessment, evidence and doctrines")
	}
	sum := sha256.Sum256([]byte(p.Reasons))
	if hex.EncodeToString(sum[:]) != pl.ReasonsSHA256 {
		return article5.Invalid("the reasons do not match the signed reasons_sha256")
	}
	if err := verify(pl, p.Signature); err != nil {
		e := article5.Invalid("the signature does not verify")
		e.Err = err
		return e
	}
	signed := clonePosition(p)
	signed.SignedBy = u.ID
	if signed.Recorded.IsZero() {
		signed.Recorded = at
	}
	c.signed(u, at, party, signed)
	return nil
}

// AcceptLateSigned records party's position signed on another node on an
// earlier assessment of the case than the current one (new evidence
// reached this node first), so that no signed position is lost: it is kept
// in Signed and changes nothing else, except that once both Parties'
// positions on that assessment are held, their determination is kept in
// Past (ordered by time) as if new evidence had superseded it here. It
// returns that determination, or nil. Errors: taken in the states
// AcceptRFI takes a request in, else ECONFLICT; a position on the current
// assessment (use AcceptSigned), or one already held: ECONFLICT; on
// another case, for another Party, with reasons not matching, or a
// signature verify refuses: EINVALID.
func (c *Case) AcceptLateSigned(u authz.User, at time.Time, party article5.Party, p article5.Position, verify Verifier) (*Determination, error) {
	if err := c.acceptLate(u, article5.ActionSignPosition, party); err != nil {
		return nil, err
	}
	pl := p.Payload
	if pl.AssessmentHash == c.AssessmentHash {
		return nil, article5.Errorf(article5.ECONFLICT, "the position is on the current assessment")
	}
	if slices.ContainsFunc(c.Signed, func(s SignedPosition) bool { return slices.Equal(s.Position.Signature, p.Signature) }) {
		return nil, article5.Errorf(article5.ECONFLICT, "the position is already held")
	}
	if pl.Party != party || pl.Case != c.ID || pl.Purpose != article5.PositionPurpose {
		return nil, article5.Invalid("the signed position is not this case's or this Party's")
	}
	sum := sha256.Sum256([]byte(p.Reasons))
	if hex.EncodeToString(sum[:]) != pl.ReasonsSHA256 {
		return nil, article5.Invalid("the reasons do not match the signed reasons_sha256")
	}
	if err := verify(pl, p.Signature); err != nil {
		e := article5.Invalid("the signature does not verify")
		e.Err = err
		return nil, e
	}
	signed := clonePosition(p)
	signed.SignedBy = u.ID
	if signed.Recorded.IsZero() {
		signed.Recorded = at
	}
	c.Signed = append(c.Signed, SignedPosition{Position: clonePosition(signed), Signer: authz.User{ID: u.ID, Party: u.Party, Roles: slices.Clone(u.Roles)}, At: at})
	note := fmt.Sprintf("%s position signed on earlier assessment %s by key %s (received)", party, pl.AssessmentHash, pl.KeyID)
	var formed *Determination
	if !slices.ContainsFunc(c.Past, func(d Determination) bool { return d.AssessmentHash == pl.AssessmentHash }) {
		both := map[article5.Party]article5.Position{}
		for _, s := range c.Signed {
			if s.Position.Payload.AssessmentHash == pl.AssessmentHash {
				both[s.Position.Payload.Party] = clonePosition(s.Position)
			}
		}
		jp, hasJP := both[article5.PartyJP]
		us, hasUS := both[article5.PartyUS]
		if hasJP && hasUS {
			d := Determination{Case: c.ID, AssessmentHash: pl.AssessmentHash, Outcome: article5.Diverged, Positions: both, At: LaterSignedAt(jp.Payload, us.Payload)}
			if jp.Payload.Tier == us.Payload.Tier {
				d.Outcome = article5.Concurred
			}
			c.Past = append(c.Past, d)
			slices.SortStableFunc(c.Past, func(a, b Determination) int { return a.At.Compare(b.At) })
			formed = &d
			note += fmt.Sprintf("; earlier consultation %s", d.Outcome)
		}
	}
	c.log(u, at, article5.ActionSignPosition, c.State, note)
	return formed, nil
}

// signed keeps party's signed position and concludes the consultation when
// both Parties have signed the current assessment. The determination's
// time is the later of the two signed_at: the same on every node that
// holds both signatures.
func (c *Case) signed(u authz.User, at time.Time, party article5.Party, signed article5.Position) {
	payload := signed.Payload
	c.Positions[party] = &signed
	c.Signed = append(c.Signed, SignedPosition{
		Position: clonePosition(signed),
		Signer:   authz.User{ID: u.ID, Party: u.Party, Roles: slices.Clone(u.Roles)},
		At:       at,
	})
	note := fmt.Sprintf("%s position signed on %s by key %s", party, c.AssessmentHash, payload.KeyID)

	to := c.State
	jp, us := c.Positions[article5.PartyJP], c.Positions[article5.PartyUS]
	if jp != nil && us != nil && jp.Signature != nil && us.Signature != nil &&
		jp.Payload.AssessmentHash == c.AssessmentHash && us.Payload.AssessmentHash == c.AssessmentHash {
		d := &Determination{
			Case:           c.ID,
			AssessmentHash: c.AssessmentHash,
			Outcome:        article5.Diverged,
			Positions: map[article5.Party]article5.Position{
				article5.PartyJP: clonePosition(*jp),
				article5.PartyUS: clonePosition(*us),
			},
			At: LaterSignedAt(jp.Payload, us.Payload),
		}
		to = article5.StateDiverged
		if jp.Payload.Tier == us.Payload.Tier {
			d.Outcome, to = article5.Concurred, article5.StateConcurred
		}
		c.Determination = d
		note += fmt.Sprintf("; consultation %s (JP %s, US %s)", d.Outcome, jp.Payload.Tier, us.Payload.Tier)
	}
	c.log(u, at, article5.ActionSignPosition, to, note)
}

// LaterSignedAt returns the later signed_at of two payloads as a time (the
// zero time for one that does not parse): a determination's time.
func LaterSignedAt(a, b article5.PositionPayload) time.Time {
	ta, _ := time.Parse(time.RFC3339, a.SignedAt)
	tb, _ := time.Parse(time.RFC3339, b.SignedAt)
	if tb.After(ta) {
		return tb.UTC()
	}
	return ta.UTC()
}

// NewEvidence puts the case on a new assessment (action ingest, analyst).
// On an open case it replaces the assessment; on a case in consultation or
// concluded it re-opens the consultation (→ in-consultation). Unsigned
// drafts are cleared; signed positions stay in Signed and a determination
// moves to Past: nothing signed is invalidated. A closed case: ECONFLICT.
// An empty hash, or the current one: EINVALID.
func (c *Case) NewEvidence(u authz.User, at time.Time, a Assessment) error {
	if err := c.begin(u, article5.ActionIngest, ""); err != nil {
		return err
	}
	if a.Hash == "" || a.Hash == c.AssessmentHash {
		return article5.Invalid("new evidence needs a new assessment hash")
	}
	old := c.AssessmentHash
	c.setAssessment(a)
	clear(c.Positions)
	if c.Determination != nil {
		c.Past = append(c.Past, *c.Determination)
		c.Determination = nil
	}
	to := article5.StateInConsultation
	if c.State == article5.StateOpen {
		to = article5.StateOpen
	}
	c.log(u, at, article5.ActionIngest, to, fmt.Sprintf("new assessment %s (was %s)", a.Hash, old))
	return nil
}

// Close closes a concluded case (action close-case, approver or admin):
// concluded-* → closed. The determination and record stay.
func (c *Case) Close(u authz.User, at time.Time) error {
	if err := c.begin(u, article5.ActionCloseCase, ""); err != nil {
		return err
	}
	c.log(u, at, article5.ActionCloseCase, article5.StateClosed, "closed")
	return nil
}

// sameUnsigned reports whether a and b are equal in every field but KeyID
// and SignedAt, which the signer sets.
func sameUnsigned(a, b article5.PositionPayload) bool {
	return a.Purpose == b.Purpose && a.Case == b.Case && a.AssessmentHash == b.AssessmentHash &&
		a.EvidenceDigest == b.EvidenceDigest && slices.Equal(a.Doctrines, b.Doctrines) &&
		a.Party == b.Party && a.Tier == b.Tier && a.Opinion == b.Opinion && a.ReasonsSHA256 == b.ReasonsSHA256
}

func clonePayload(p article5.PositionPayload) article5.PositionPayload {
	p.Doctrines = slices.Clone(p.Doctrines)
	return p
}

func clonePosition(p article5.Position) article5.Position {
	p.Payload = clonePayload(p.Payload)
	p.Signature = slices.Clone(p.Signature)
	return p
}

// Clone returns a deep copy of c, sharing nothing with it.
func (c *Case) Clone() *Case {
	n := *c
	n.Doctrines = slices.Clone(c.Doctrines)
	if c.Positions != nil {
		n.Positions = make(map[article5.Party]*article5.Position, len(c.Positions))
		for k, p := range c.Positions {
			cp := clonePosition(*p)
			n.Positions[k] = &cp
		}
	}
	n.Signed = slices.Clone(c.Signed)
	for i := range n.Signed {
		n.Signed[i].Position = clonePosition(n.Signed[i].Position)
		n.Signed[i].Signer.Roles = slices.Clone(n.Signed[i].Signer.Roles)
	}
	n.RFIs = slices.Clone(c.RFIs)
	if c.Determination != nil {
		d := cloneDetermination(*c.Determination)
		n.Determination = &d
	}
	n.Past = slices.Clone(c.Past)
	for i := range n.Past {
		n.Past[i] = cloneDetermination(n.Past[i])
	}
	n.Log = slices.Clone(c.Log)
	return &n
}

func cloneDetermination(d Determination) Determination {
	ps := make(map[article5.Party]article5.Position, len(d.Positions))
	for k, p := range d.Positions {
		ps[k] = clonePosition(p)
	}
	d.Positions = ps
	return d
}
