package node

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"article5"
	"article5/audit"
	"article5/authz"
	"article5/release"
	"article5/sign"
	"article5/stix"
	"article5/workflow"
)

// The consultation service: each operation loads a case's consultation,
// applies one workflow operation for the acting user (package workflow
// decides, through package authz), and saves the new state with the STIX
// objects and events it produced in one transaction
// (Store.SaveConsultation). Operations on a node are serialised, so the
// version check in the store only trips when two nodes share one database.

// WorkerUser is the identity the re-assessment worker acts as when new
// evidence re-opens a consultation: an analyst of the node's Party
// (Node.Party, JP when unset). It appears in the case's transition log.
const WorkerUser = "article5-worker"

// AssessmentObjectID returns the id of the article5-assessment STIX object
// of a case's assessment with hash: "article5-assessment--" and the UUIDv5
// (article5.Namespace) of case, newline, hash.
func AssessmentObjectID(caseID, hash string) string {
	return "article5-assessment--" + uuid.NewSHA1(uuid.MustParse(article5.Namespace), []byte(caseID+"\n"+hash)).String()
}

// Consultation returns the consultation of a case and its stored version;
// ENOTFOUND if none was opened.
func (n *Node) Consultation(ctx context.Context, caseID string) (*workflow.Case, int64, error) {
	sc, err := n.Store.FindConsultation(ctx, caseID)
	if err != nil {
		return nil, 0, err
	}
	var c workflow.Case
	if err := json.Unmarshal(sc.Data, &c); err != nil {
		return nil, 0, article5.Internal("decode consultation of "+caseID, err)
	}
	if c.Positions == nil {
		c.Positions = map[article5.Party]*article5.Position{}
	}
	return &c, sc.Version, nil
}

// change is what one operation produced besides the new state.
type change struct {
	kinds  []string // audit kinds of the consultations entries (article5.ConsultationSave.Kinds)
	objs   []*article5.StoredObject
	events []article5.Event
}

// byOf is who u is in the audit log: "<id>@<org>" (audit.ByOf).
func byOf(u authz.User) string { return audit.ByOf(u.ID, u.Org) }

// mutate applies op to the consultation of caseID (a new one when create)
// and saves the result, its log entries made by by (audit.Entry.By: the
// acting user, a partner node, or the node). op returns the change; an
// error leaves the stored consultation as it was.
func (n *Node) mutate(ctx context.Context, caseID, by string, create bool, op func(c *workflow.Case) (*change, error)) (*workflow.Case, error) {
	n.consultMu.Lock()
	defer n.consultMu.Unlock()
	c, version, err := n.Consultation(ctx, caseID)
	switch {
	case create && article5.ErrorCode(err) == article5.ENOTFOUND:
		c, version = &workflow.Case{ID: caseID}, 0
	case create && err == nil:
		return nil, article5.Errorf(article5.ECONFLICT, "case %s already has a consultation (%s)", caseID, c.State)
	case err != nil:
		return nil, err
	}
	ch, err := op(c)
	if err != nil {
		return nil, err
	}
	data, err := json.Marshal(c)
	if err != nil {
		return nil, article5.Internal("encode consultation", err)
	}
	sc := &article5.Consultation{Case: caseID, State: c.State, Version: version + 1, Data: data, Updated: n.now()}
	for i := range ch.events {
		ch.events[i].Case = caseID
		ch.events[i].Time = sc.Updated
	}
	evs, err := n.Store.SaveConsultation(ctx, sc, article5.ConsultationSave{Kinds: ch.kinds, By: by, Objects: ch.objs, Events: ch.events})
	if err != nil {
		return nil, fmt.Errorf("save consultation of %s: %w", caseID, err)
	}
	for _, e := range evs {
		n.log().InfoContext(ctx, "consultation", "case", caseID, "event", e.Type, "party", e.Party, "outcome", e.Outcome, "state", c.State)
	}
	return c, nil
}

// currentAssessment returns what a case is assessed on now: the latest
// saved assessment's hash, evidence digest and doctrines. ENOTFOUND if the
// case has not been assessed.
func (n *Node) currentAssessment(ctx context.Context, caseID string) (workflow.Assessment, error) {
	raw, err := n.Store.FindAssessment(ctx, caseID)
	if err != nil {
		return workflow.Assessment{}, err
	}
	var rep struct {
		Hash           string                 `json:"hash"`
		EvidenceDigest string                 `json:"evidence_digest"`
		Doctrines      []article5.DoctrineRef `json:"doctrines"`
	}
	if err := json.Unmarshal(raw, &rep); err != nil {
		return workflow.Assessment{}, article5.Internal("decode assessment of "+caseID, err)
	}
	return workflow.Assessment{Hash: rep.Hash, EvidenceDigest: rep.EvidenceDigest, Doctrines: rep.Doctrines}, nil
}

// CaseRequest is what an analyst gives to open a case from incidents.
type CaseRequest struct {
	Name      string   // the case's name, as a grouping name
	Incidents []string // incident ids the node holds and the analyst may read, at least one
	Markings  []string // object_marking_refs of the grouping (e.g. a TLP 2.0 marking); it also carries the audience of its incidents
	// Principal is the analyst (or token): the grouping is created by its
	// organisation (created_by_ref) and submitted by it.
	Principal article5.Principal
	// Recipient is what the analyst may read: an incident it may not read
	// is answered exactly as one the node does not hold.
	Recipient release.Recipient
}

// CreateCase makes a case from incidents the node holds: a STIX grouping
// (context "suspicious-activity") with the incidents as object_refs,
// created by the analyst's organisation, ingested like any object and
// assessed at once. It needs the ingest and open-case actions (analyst).
// It returns the case (grouping) id. A missing name or incident list, or
// an incident the node does not hold or that is not an incident, is
// EINVALID naming the field (/name, /incidents/N).
func (n *Node) CreateCase(ctx context.Context, u authz.User, req CaseRequest) (string, error) {
	if err := authz.Check(authz.Request{User: u, Action: article5.ActionOpenCase}); err != nil {
		return "", err
	}
	gate := n.Gate(req.Recipient)
	var evidence []release.Object
	var details []article5.Detail
	if strings.TrimSpace(req.Name) == "" {
		details = append(details, article5.Detail{Pointer: "/name", Message: "a case needs a name"})
	}
	if len(req.Incidents) == 0 {
		details = append(details, article5.Detail{Pointer: "/incidents", Message: "a case needs at least one incident id"})
	}
	for i, id := range req.Incidents {
		ptr := "/incidents/" + strconv.Itoa(i)
		if !strings.HasPrefix(id, "incident--") {
			details = append(details, article5.Detail{Pointer: ptr, Message: fmt.Sprintf("%q is not an incident id (incident--UUID)", id)})
			continue
		}
		ok, err := gate.Visible(ctx, id)
		if err != nil {
			return "", err
		}
		if !ok {
			details = append(details, article5.Detail{Pointer: ptr, Object: id, Message: "the node holds no such incident: ingest it first (POST /api/v1/bundles)"})
			continue
		}
		o, err := n.latest(ctx, id)
		if err != nil {
			return "", err
		}
		evidence = append(evidence, release.ObjectOfStored(o))
	}
	if !strings.HasPrefix(req.Principal.Org, "identity--") {
		details = append(details, article5.Detail{Pointer: "/created_by_ref", Message: "the analyst's organisation must be a STIX identity id"})
	}
	if details != nil {
		return "", article5.Invalid("cannot open the case", details...)
	}
	id := "grouping--" + uuid.NewString()
	ts := sign.FormatTime(n.now())
	g := map[string]any{
		"type": "grouping", "spec_version": "2.1", "id": id, "created": ts, "modified": ts,
		"created_by_ref": req.Principal.Org, "name": req.Name, "context": "suspicious-activity",
		"object_refs": slices.Compact(slices.Sorted(slices.Values(req.Incidents))),
	}
	// The grouping names its incidents: it carries at least their audience.
	marking, red := n.Policy.Audience(evidence, n.recipientOf(ctx))
	markings := slices.Clone(req.Markings)
	if release.MarkingRank(markings) < release.MarkingRank([]string{marking}) {
		markings = append(markings, marking)
	}
	g["object_marking_refs"] = markings
	if len(red) > 0 {
		g["extensions"] = map[string]any{article5.ExtensionID: map[string]any{"extension_type": "property-extension", "red_recipients": red}}
	}
	bundle, err := json.Marshal(map[string]any{"type": "bundle", "id": "bundle--" + uuid.NewString(), "objects": []any{g}})
	if err != nil {
		return "", article5.Internal("encode grouping", err)
	}
	if _, err := n.Ingest(ctx, IngestRequest{Principal: req.Principal, Recipient: req.Recipient, Data: bundle, Atomic: true}); err != nil {
		return "", fmt.Errorf("store the case grouping: %w", err)
	}
	if _, err := n.AssessCase(ctx, id); err != nil {
		return "", fmt.Errorf("assess case %s: %w", id, err)
	}
	return id, nil
}

// OpenConsultation opens the consultation of an assessed case on its
// current assessment (open-case, analyst): → open. ENOTFOUND if the case
// has no assessment yet; ECONFLICT if it already has a consultation.
func (n *Node) OpenConsultation(ctx context.Context, u authz.User, caseID string) (*workflow.Case, error) {
	if err := authz.Check(authz.Request{User: u, Action: article5.ActionOpenCase}); err != nil {
		return nil, err
	}
	if fed, err := n.federated(ctx); err != nil {
		return nil, err
	} else if fed {
		// Across nodes the consultation is on the evidence every partner
		// may receive (federation.go): assess the case so first.
		if _, err := n.assessCase(ctx, caseID, assessOpts{shared: true}); err != nil {
			return nil, err
		}
	}
	a, err := n.currentAssessment(ctx, caseID)
	if err != nil {
		return nil, err
	}
	return n.mutate(ctx, caseID, byOf(u), true, func(c *workflow.Case) (*change, error) {
		now := n.now()
		if err := c.Open(u, now, a); err != nil {
			return nil, err
		}
		ch := &change{kinds: []string{audit.KindCase}, events: []article5.Event{{Type: article5.EventConsultationOpened, Party: u.Party, Hash: a.Hash}}}
		if _, err := n.emit(ctx, ch, u, c, now, ConsultActionOpen, u.Party, "", ""); err != nil {
			return nil, err
		}
		return ch, nil
	})
}

// RequestConsultation asks the other Party to consult (request-consultation,
// analyst): open → in-consultation.
func (n *Node) RequestConsultation(ctx context.Context, u authz.User, caseID string) (*workflow.Case, error) {
	return n.mutate(ctx, caseID, byOf(u), false, func(c *workflow.Case) (*change, error) {
		now := n.now()
		if err := c.RequestConsultation(u, now); err != nil {
			return nil, err
		}
		ch := &change{kinds: []string{audit.KindCase}, events: []article5.Event{{Type: article5.EventConsultationRequested, Party: u.Party, Hash: c.AssessmentHash}}}
		if _, err := n.emit(ctx, ch, u, c, now, ConsultActionRequest, u.Party, "", ""); err != nil {
			return nil, err
		}
		return ch, nil
	})
}

// RecordPosition records party's position (record-position, legal of that
// party): its tier, its STIX opinion of the assessment and its reasons.
// Errors as workflow.Case.RecordPosition.
func (n *Node) RecordPosition(ctx context.Context, u authz.User, caseID string, party article5.Party, tier article5.Tier, opinion, reasons string) (*workflow.Case, error) {
	return n.mutate(ctx, caseID, byOf(u), false, func(c *workflow.Case) (*change, error) {
		if err := c.RecordPosition(u, n.now(), party, tier, opinion, reasons); err != nil {
			return nil, err
		}
		return &change{kinds: []string{audit.KindPosition}, events: []article5.Event{{Type: article5.EventPositionRecorded, Party: party, Hash: c.AssessmentHash}}}, nil
	})
}

// SendRFI sends a request for information from the user's Party to the
// other (send-rfi, legal) and returns the case and the RFI's id.
func (n *Node) SendRFI(ctx context.Context, u authz.User, caseID, question string) (*workflow.Case, string, error) {
	var id string
	c, err := n.mutate(ctx, caseID, byOf(u), false, func(c *workflow.Case) (*change, error) {
		now := n.now()
		ch := &change{kinds: []string{audit.KindCase}, events: []article5.Event{{Type: article5.EventRFISent, Party: u.Party}}}
		// The action object is made first (on the state before the request)
		// so that the request keeps its id as its reference.
		ref, err := n.emit(ctx, ch, u, c, now, ConsultActionRFI, u.Party, question, "")
		if err != nil {
			return nil, err
		}
		if id, err = c.SendRFIRef(u, now, u.Party, ref, question); err != nil {
			return nil, err
		}
		return ch, nil
	})
	return c, id, err
}

// AnswerRFI answers a request for information sent to the user's Party
// (answer-rfi, legal).
func (n *Node) AnswerRFI(ctx context.Context, u authz.User, caseID, rfiID, answer string) (*workflow.Case, error) {
	return n.mutate(ctx, caseID, byOf(u), false, func(c *workflow.Case) (*change, error) {
		now := n.now()
		if err := c.AnswerRFI(u, now, u.Party, rfiID, answer); err != nil {
			return nil, err
		}
		ch := &change{kinds: []string{audit.KindCase}, events: []article5.Event{{Type: article5.EventRFIAnswered, Party: u.Party}}}
		i := slices.IndexFunc(c.RFIs, func(r workflow.RFI) bool { return r.ID == rfiID || r.Ref == rfiID })
		if i >= 0 && c.RFIs[i].Ref != "" {
			if _, err := n.emit(ctx, ch, u, c, now, ConsultActionAnswer, u.Party, answer, c.RFIs[i].Ref); err != nil {
				return nil, err
			}
		}
		return ch, nil
	})
}

// CloseCase closes a concluded case (close-case, approver or admin).
func (n *Node) CloseCase(ctx context.Context, u authz.User, caseID string) (*workflow.Case, error) {
	return n.mutate(ctx, caseID, byOf(u), false, func(c *workflow.Case) (*change, error) {
		if err := c.Close(u, n.now()); err != nil {
			return nil, err
		}
		return &change{kinds: []string{audit.KindCase}, events: []article5.Event{{Type: article5.EventClosed, Party: u.Party}}}, nil
	})
}

// signingKey returns the user's newest unrevoked approver key and its
// certificate; EFORBIDDEN if the user has none.
func (n *Node) signingKey(ctx context.Context, userID string) (*article5.ApproverKey, *sign.Certificate, error) {
	keys, err := n.Store.FindApproverKeys(ctx, userID)
	if err != nil {
		return nil, nil, err
	}
	for _, k := range keys {
		if k.Revocation != nil {
			continue
		}
		var cert sign.Certificate
		if err := json.Unmarshal(k.Certificate, &cert); err != nil {
			return nil, nil, article5.Internal("decode certificate of "+k.KeyID, err)
		}
		return k, &cert, nil
	}
	return nil, nil, article5.Errorf(article5.EFORBIDDEN, "you have no signing key on this node: an admin of your Party registers one (article5 key add)")
}

// SignPosition signs party's recorded position on the case's current
// assessment with the approver's newest unrevoked key, unsealed with
// password for this one signature (sign-position, approver of party). The
// node checks the signature as any verifier would: the key certified as an
// approver of party by one of the node's trusted root keys (Node.Roots),
// valid and unrevoked at signing. The signed position is kept as a STIX
// opinion (package sign: Opinion) referencing the assessment object; when
// both Parties have signed on one assessment hash the determination
// (article5-determination) is stored too and the case concludes.
//
// Errors: no key, or a password that does not open it: EFORBIDDEN; a key
// the trusted roots do not certify for party: EFORBIDDEN; the workflow's
// errors (no recorded position, already signed: ECONFLICT).
func (n *Node) SignPosition(ctx context.Context, u authz.User, caseID string, party article5.Party, password []byte) (*workflow.Case, error) {
	if err := authz.Check(authz.Request{User: u, Action: article5.ActionSignPosition, Party: party}); err != nil {
		return nil, err
	}
	key, cert, err := n.signingKey(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	priv, err := sign.Unseal(key.Sealed, password)
	if err != nil {
		if article5.ErrorCode(err) == article5.EFORBIDDEN {
			return nil, article5.Errorf(article5.EFORBIDDEN, "the password does not open your signing key %s", key.KeyID)
		}
		return nil, err
	}
	defer clear(priv)
	roots := n.Roots
	org := "" // the signer's organisation: the opinion's created_by_ref
	if usr, err := n.Store.FindUserByID(ctx, u.ID); err == nil {
		org = usr.Org
	}
	signerOrg := org // the log's: the stored user's, else the caller's
	if signerOrg == "" {
		signerOrg = u.Org
	}
	return n.mutate(ctx, caseID, audit.ByOf(u.ID, signerOrg), false, func(c *workflow.Case) (*change, error) {
		draft := c.Positions[party]
		if draft == nil {
			return nil, article5.Errorf(article5.ECONFLICT, "%s has recorded no position on assessment %s: the legal adviser records it first", party, c.AssessmentHash)
		}
		now := n.now()
		p := draft.Payload
		p.KeyID, p.SignedAt = key.KeyID, sign.FormatTime(now)
		sig, _, err := sign.SignPosition(p, priv)
		if err != nil {
			return nil, err
		}
		verify := func(p article5.PositionPayload, sig []byte) error {
			return sign.VerifyPosition(p, sig, cert, roots, nil)
		}
		if err := c.Sign(u, now, party, p, sig, verify); err != nil {
			return nil, err
		}
		assessmentRef := AssessmentObjectID(caseID, c.AssessmentHash)
		sp := sign.SignedPosition{Payload: p, Reasons: draft.Reasons, Signature: sig, Certificate: cert, CreatedBy: org}
		if sp.ID, err = sign.PositionID(p); err != nil {
			return nil, err
		}
		ch := &change{kinds: []string{audit.KindSignature}, events: []article5.Event{{Type: article5.EventPositionSigned, Party: party, Hash: c.AssessmentHash}}}
		op, err := sp.Opinion(assessmentRef)
		if err != nil {
			return nil, err
		}
		marking, red, err := n.derivedAudience(ctx, assessmentRef)
		if err != nil {
			return nil, err
		}
		if op, err = markDerived(op, marking, red); err != nil {
			return nil, err
		}
		so, err := n.ownObject(op, article5.Principal{ID: u.ID, Org: org})
		if err != nil {
			return nil, err
		}
		ch.objs = append(ch.objs, so)
		if err := n.addDetermination(ctx, c, ch); err != nil {
			return nil, err
		}
		return ch, nil
	})
}

// ownObject parses and stores-prepares a STIX object the node made for
// submitter p (the signer of an opinion, the node for a determination).
func (n *Node) ownObject(raw []byte, p article5.Principal) (*article5.StoredObject, error) {
	o, err := stix.ParseObject(raw)
	if err != nil {
		return nil, article5.Internal("parse own object", err)
	}
	so, err := storedObject(o, n.now())
	if err != nil {
		return nil, err
	}
	so.Submitter, so.SubmitterOrg = p.ID, p.Org
	return so, nil
}

// derivedAudience returns the marking and red recipients of the stored
// assessment object assessmentRef: what an opinion on it, or a
// determination of it, must carry too.
func (n *Node) derivedAudience(ctx context.Context, assessmentRef string) (string, []string, error) {
	o, err := n.latest(ctx, assessmentRef)
	if err != nil {
		return "", nil, fmt.Errorf("the assessment object %s: %w", assessmentRef, err)
	}
	if len(o.Markings) == 0 {
		return release.LevelOfRankMarking(n.Policy.DefaultRank()), nil, nil
	}
	return release.LevelOfRankMarking(release.MarkingRank(o.Markings)), o.RedRecipients, nil
}

// reopen puts a consultation on a new assessment when new evidence changed
// it (called by the worker after saving an assessment). A case with no
// consultation, a closed one, or one already on hash is left alone.
func (n *Node) reopen(ctx context.Context, caseID string) error {
	// Most cases have no consultation: look for one before reading the
	// assessment back (the whole report).
	c, _, err := n.Consultation(ctx, caseID)
	if article5.ErrorCode(err) == article5.ENOTFOUND {
		return nil
	}
	if err != nil {
		return err
	}
	a, err := n.currentAssessment(ctx, caseID)
	if err != nil {
		return err
	}
	if c.State == article5.StateClosed || c.AssessmentHash == a.Hash {
		return nil
	}
	party := n.Party
	if party == "" {
		party = article5.PartyJP
	}
	worker := authz.User{ID: WorkerUser, Party: party, Roles: []article5.Role{article5.RoleAnalyst}}
	_, err = n.mutate(ctx, caseID, article5.PrincipalNode, false, func(c *workflow.Case) (*change, error) {
		if c.State == article5.StateClosed || c.AssessmentHash == a.Hash {
			return nil, article5.Errorf(article5.ECONFLICT, "nothing to re-open")
		}
		if err := c.NewEvidence(worker, n.now(), a); err != nil {
			return nil, err
		}
		return &change{kinds: []string{audit.KindCase}, events: []article5.Event{{Type: article5.EventReopened, Hash: a.Hash}}}, nil
	})
	if article5.ErrorCode(err) == article5.ECONFLICT {
		return nil
	}
	return err
}

// Record returns the exportable record of a case (`article5 case export`):
// the assessment both Parties signed, their signed positions with
// certificates (and the revocation of any key since revoked), and the
// determination. hash picks the assessment; "" is the current one (its
// determination, else the positions signed on it so far). ENOTFOUND if the
// case has no consultation or nothing was signed on that assessment; when
// new evidence superseded a determination, the message names the hash to
// export it with.
func (n *Node) Record(ctx context.Context, caseID, hash string) (*sign.Record, error) {
	c, _, err := n.Consultation(ctx, caseID)
	if err != nil {
		return nil, err
	}
	want := hash
	if want == "" {
		want = c.AssessmentHash
	}
	if d := c.Determination; d != nil && d.AssessmentHash == want {
		return n.recordFor(ctx, c, d.Positions)
	}
	for i := len(c.Past) - 1; i >= 0; i-- {
		if c.Past[i].AssessmentHash == want {
			return n.recordFor(ctx, c, c.Past[i].Positions)
		}
	}
	positions := map[article5.Party]article5.Position{}
	for _, sp := range c.Signed {
		if sp.Position.Payload.AssessmentHash == want {
			positions[sp.Position.Payload.Party] = sp.Position
		}
	}
	if len(positions) > 0 {
		return n.recordFor(ctx, c, positions)
	}
	msg := fmt.Sprintf("case %s has no signed position on assessment %s", caseID, want)
	if hash == "" && len(c.Past) > 0 {
		p := c.Past[len(c.Past)-1]
		msg += fmt.Sprintf(" (its current one, after new evidence); the earlier determination (%s) is on assessment %s: export it with --assessment %s", p.Outcome, p.AssessmentHash, p.AssessmentHash)
	}
	return nil, article5.Errorf(article5.ENOTFOUND, "%s", msg)
}

// recordFor builds the record of the given signed positions (one per
// Party, on one assessment hash), with the determination when both Parties
// are present.
func (n *Node) recordFor(ctx context.Context, c *workflow.Case, positions map[article5.Party]article5.Position) (*sign.Record, error) {
	var hash string
	rec := &sign.Record{Case: c.ID}
	for _, party := range workflow.Parties {
		p, ok := positions[party]
		if !ok {
			continue
		}
		hash = p.Payload.AssessmentHash
		id, err := sign.PositionID(p.Payload)
		if err != nil {
			return nil, err
		}
		k, err := n.Store.FindApproverKey(ctx, p.Payload.KeyID)
		if article5.ErrorCode(err) == article5.ENOTFOUND {
			// Signed on the partner's node: the certificate is the one its
			// opinion carries (verified when it was accepted).
			cert, cerr := n.opinionCertificate(ctx, id)
			if cerr != nil {
				return nil, fmt.Errorf("the key of the %s position: %w", party, err)
			}
			rec.Positions = append(rec.Positions, sign.SignedPosition{ID: id, Payload: p.Payload, Reasons: p.Reasons, Signature: p.Signature, Certificate: cert})
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("the key of the %s position: %w", party, err)
		}
		var cert sign.Certificate
		if err := json.Unmarshal(k.Certificate, &cert); err != nil {
			return nil, article5.Internal("decode certificate of "+k.KeyID, err)
		}
		if k.Revocation != nil {
			var v sign.Revocation
			if err := json.Unmarshal(k.Revocation, &v); err != nil {
				return nil, article5.Internal("decode revocation of "+k.KeyID, err)
			}
			rec.Revocations = append(rec.Revocations, v)
		}
		rec.Positions = append(rec.Positions, sign.SignedPosition{ID: id, Payload: p.Payload, Reasons: p.Reasons, Signature: p.Signature, Certificate: &cert})
	}
	aid := AssessmentObjectID(c.ID, hash)
	vs, err := n.Store.FindObjectVersions(ctx, aid)
	if err != nil {
		return nil, fmt.Errorf("the assessment object %s: %w", aid, err)
	}
	rec.Assessment = json.RawMessage(vs[len(vs)-1].Raw)
	if len(rec.Positions) == 2 {
		d, err := sign.NewDetermination(aid, rec.Positions)
		if err != nil {
			return nil, err
		}
		d.ID = sign.DeterminationID(c.ID, hash)
		rec.Determination = d
	}
	return rec, nil
}

// opinionCertificate returns the certificate the stored opinion id carries
// in article5's extension; ENOTFOUND if it holds none.
func (n *Node) opinionCertificate(ctx context.Context, id string) (*sign.Certificate, error) {
	o, err := n.latest(ctx, id)
	if err != nil {
		return nil, err
	}
	_, cert, ok := opinionPosition(o.Raw)
	if !ok || cert == nil {
		return nil, article5.Errorf(article5.ENOTFOUND, "opinion %s carries no certificate", id)
	}
	return cert, nil
}

// RecordBundle returns the record of Record as a STIX 2.1 bundle of the
// objects the node keeps for it, each exactly as stored: the case's
// grouping, the article5-assessment, the Parties' signed opinions (their
// article5 extension carries the signed payload, signature and
// certificate), once concluded the article5-determination, and the
// identity and extension-definition of article5 that those objects name.
// `article5 verify` accepts this form too. Errors as Record.
func (n *Node) RecordBundle(ctx context.Context, caseID, hash string) ([]byte, error) {
	rec, err := n.Record(ctx, caseID, hash)
	if err != nil {
		return nil, err
	}
	objs := []json.RawMessage{}
	add := func(id string) error {
		vs, err := n.Store.FindObjectVersions(ctx, id)
		if err != nil {
			return fmt.Errorf("record object %s: %w", id, err)
		}
		objs = append(objs, vs[len(vs)-1].Raw)
		return nil
	}
	if err := add(caseID); err != nil {
		return nil, err
	}
	objs = append(objs, rec.Assessment)
	for _, sp := range rec.Positions {
		if err := add(sp.ID); err != nil {
			return nil, err
		}
	}
	if rec.Determination != nil {
		if err := add(rec.Determination.ID); err != nil {
			return nil, err
		}
	}
	// The identity that creates the node's assessments and determinations
	// (their created_by_ref) and the extension-definition their extension
	// names, so that every reference the record makes to article5 resolves
	// inside the bundle.
	objs = append(objs, article5.ExtensionCreator(), article5.ExtensionDefinition())
	b, err := json.MarshalIndent(map[string]any{"type": "bundle", "id": "bundle--" + uuid.NewString(), "objects": objs}, "", "  ")
	if err != nil {
		return nil, article5.Internal("encode record bundle", err)
	}
	return append(b, '\n'), nil
}

// StoreExtension stores article5's extension-definition and the identity
// that created it (article5.ExtensionDefinition, ExtensionCreator), so
// that the created_by_ref of the node's own objects (assessments,
// determinations) and the extension their objects name resolve on the
// node. Storing them again is a no-op.
func (n *Node) StoreExtension(ctx context.Context) error {
	var objs []json.RawMessage
	for _, raw := range [][]byte{article5.ExtensionCreator(), article5.ExtensionDefinition()} {
		objs = append(objs, raw)
	}
	b, err := json.Marshal(map[string]any{"type": "bundle", "id": "bundle--" + uuid.NewString(), "objects": objs})
	if err != nil {
		return article5.Internal("encode extension bundle", err)
	}
	if _, err := n.Ingest(ctx, IngestRequest{Principal: NodePrincipal, Data: b, Atomic: true}); err != nil {
		return fmt.Errorf("store article5's extension-definition: %w", err)
	}
	return nil
}
