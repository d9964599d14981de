package node

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"crypto/sha256"
	"encoding/hex"

	"article5"
	"article5/audit"
	"article5/authz"
	"article5/doctrine"
	"article5/release"
	"article5/sign"
	"article5/stix"
	"article5/workflow"
)

// A consultation across two nodes (docs/federation.md, "Consulting across
// two nodes"). Each Party's node runs the same workflow on what it holds.
// What one Party's users do on their node travels to the other as STIX
// objects that the partner pulls (package taxii): an
// article5-consultation object for opening the consultation, requesting
// it, a request for information and its answer, and the signed opinion
// for a position. The node applies what a partner sent
// (ReconcileConsultation) to its own consultation of the case. The
// assessment and the determination never travel: each node derives them,
// with ids and times taken from what was signed, so both hold the same.

// ConsultationActionType is the STIX type of a consultation action: article5's
// new SDO (extension/schema.json $defs/consultation).
const ConsultationActionType = "article5-consultation"

// Consultation actions (the step property of an article5-consultation).
const (
	ConsultActionOpen    = "open"    // the Party opened the consultation on the assessment named
	ConsultActionRequest = "request" // the Party requested consultation on it
	ConsultActionRFI     = "rfi"     // a request for information: text is the question
	ConsultActionAnswer  = "answer"  // the answer (text) to rfi_ref
)

// consultAction is an article5-consultation object as the node reads it.
type consultAction struct {
	ID             string                 `json:"id"`
	Created        string                 `json:"created"`
	CaseRef        string                 `json:"case_ref"`
	Action         string                 `json:"step"`
	Party          article5.Party         `json:"party"`
	AssessmentHash string                 `json:"assessment_hash"`
	EvidenceDigest string                 `json:"evidence_digest"`
	Doctrines      []article5.DoctrineRef `json:"doctrines"`
	Text           string                 `json:"text,omitempty"`
	RFIRef         string                 `json:"rfi_ref,omitempty"`
	by             string                 // the submitter: the partner's principal
	byOrg          string                 // and its organisation
}

// actionOrder is the order a node applies a partner's actions in, whatever
// the order they arrived in.
var actionOrder = map[string]int{ConsultActionOpen: 0, ConsultActionRequest: 1, ConsultActionRFI: 2, ConsultActionAnswer: 3}

// ConsultationActionID returns the id of the article5-consultation object
// of an action: "article5-consultation--" and the UUIDv5
// (article5.Namespace) of the case, action, Party, assessment hash, RFI
// reference, time and text, each followed by a newline.
func ConsultationActionID(caseID, action string, party article5.Party, hash, rfiRef, created, text string) string {
	in := strings.Join([]string{"consultation", caseID, action, string(party), hash, rfiRef, created, text}, "\n") + "\n"
	return ConsultationActionType + "--" + uuid.NewSHA1(uuid.MustParse(article5.Namespace), []byte(in)).String()
}

// federated reports whether the node has a partner: only then do its
// users' consultation actions become STIX objects a partner can pull.
func (n *Node) federated(ctx context.Context) (bool, error) {
	ps, err := n.Store.FindPartners(ctx)
	if err != nil {
		return false, err
	}
	return len(ps) > 0, nil
}

// orgOf returns the organisation of a user (or token) id, else the node's
// holder: the created_by_ref of what it does.
func (n *Node) orgOf(ctx context.Context, id string) string {
	if u, err := n.Store.FindUserByID(ctx, id); err == nil && u.Org != "" {
		return u.Org
	}
	if t, err := n.Store.FindTokenByID(ctx, id); err == nil && t.Org != "" {
		return t.Org
	}
	return n.Policy.Holder
}

// actionObject makes the article5-consultation object of an action by u on
// the consultation c (at its current assessment), marked as the case's
// assessment object is, for the node to store with the change.
func (n *Node) actionObject(ctx context.Context, u authz.User, c *workflow.Case, at time.Time, action string, party article5.Party, text, rfiRef string) (*article5.StoredObject, string, error) {
	ts := sign.FormatTime(at)
	id := ConsultationActionID(c.ID, action, party, c.AssessmentHash, rfiRef, ts, text)
	org := n.orgOf(ctx, u.ID)
	obj := map[string]any{
		"type": ConsultationActionType, "spec_version": "2.1", "id": id, "created": ts, "modified": ts,
		"created_by_ref": org, "case_ref": c.ID, "step": action, "party": party,
		"assessment_hash": c.AssessmentHash, "evidence_digest": c.EvidenceDigest, "doctrines": c.Doctrines,
		"extensions": map[string]any{article5.ExtensionID: map[string]any{"extension_type": "new-sdo"}},
	}
	if text != "" {
		obj["text"] = text
	}
	if rfiRef != "" {
		obj["rfi_ref"] = rfiRef
	}
	marking, red, err := n.derivedAudience(ctx, AssessmentObjectID(c.ID, c.AssessmentHash))
	if err != nil {
		return nil, "", err
	}
	markMap(obj, marking, red)
	raw, err := json.Marshal(obj)
	if err != nil {
		return nil, "", article5.Internal("encode consultation action", err)
	}
	so, err := n.ownObject(raw, article5.Principal{ID: u.ID, Org: org})
	if err != nil {
		return nil, "", err
	}
	return so, id, nil
}

// emit adds the action object of u's action to ch when the node has a
// partner, and returns its id ("" when none was made). Opening and
// requesting also add the doctrines the consultation pins, as
// article5-doctrine objects, unless the node already made them.
func (n *Node) emit(ctx context.Context, ch *change, u authz.User, c *workflow.Case, at time.Time, action string, party article5.Party, text, rfiRef string) (string, error) {
	fed, err := n.federated(ctx)
	if err != nil || !fed {
		return "", err
	}
	so, id, err := n.actionObject(ctx, u, c, at, action, party, text, rfiRef)
	if err != nil {
		return "", err
	}
	ch.objs = append(ch.objs, so)
	if action == ConsultActionOpen || action == ConsultActionRequest {
		org := n.orgOf(ctx, u.ID)
		docs, err := n.ResolveDoctrines(ctx, c.Doctrines)
		if err != nil {
			return "", err
		}
		for _, d := range docs {
			did := DoctrineObjectID(d.SHA256, org)
			if _, err := n.Store.FindObjectVersions(ctx, did); err == nil || slices.ContainsFunc(ch.objs, func(o *article5.StoredObject) bool { return o.ID == did }) {
				continue
			} else if article5.ErrorCode(err) != article5.ENOTFOUND {
				return "", err
			}
			ts := sign.FormatTime(at)
			obj := map[string]any{
				"type": DoctrineObjectType, "spec_version": "2.1", "id": did, "created": ts, "modified": ts, "created_by_ref": org,
				"doctrine_id": d.ID, "doctrine_version": d.Version, "doctrine_party": d.Party, "doctrine_sha256": d.SHA256, "doctrine_source": string(d.Source),
				"extensions": map[string]any{article5.ExtensionID: map[string]any{"extension_type": "new-sdo"}},
			}
			raw, err := json.Marshal(obj)
			if err != nil {
				return "", article5.Internal("encode doctrine object", err)
			}
			dso, err := n.ownObject(raw, article5.Principal{ID: u.ID, Org: org})
			if err != nil {
				return "", err
			}
			ch.objs = append(ch.objs, dso)
		}
	}
	return id, nil
}

// DoctrineObjectType is the STIX type of a doctrine version as it travels
// between nodes: article5's new SDO, carrying the doctrine's id, version,
// Party, the sha256 of its source and the source itself.
const DoctrineObjectType = "article5-doctrine"

// DoctrineObjectID returns the id of the article5-doctrine object an
// organisation makes of the doctrine source with sha256 sum:
// "article5-doctrine--" and the UUIDv5 (article5.Namespace) of
// "doctrine", sum and org, each followed by a newline.
func DoctrineObjectID(sum, org string) string {
	return DoctrineObjectType + "--" + uuid.NewSHA1(uuid.MustParse(article5.Namespace), []byte("doctrine\n"+sum+"\n"+org+"\n")).String()
}

// ResolveDoctrines returns the doctrines refs names, each exactly (its
// source's sha256): the one in force, else a version stored on this node,
// else the built-in one, else one a partner sent as an article5-doctrine
// object (whose source is checked against the sha256). ENOTFOUND names the
// first the node does not hold.
func (n *Node) ResolveDoctrines(ctx context.Context, refs []article5.DoctrineRef) ([]*doctrine.Doctrine, error) {
	out := make([]*doctrine.Doctrine, 0, len(refs))
	var sent map[string][]byte // sha256 → source, read once
	for _, ref := range refs {
		if d, err := n.Doctrine(ref.ID); err == nil && d.SHA256 == ref.SHA256 {
			out = append(out, d)
			continue
		}
		var src []byte
		if vs, err := n.Store.FindDoctrineVersions(ctx, ref.ID); err == nil {
			for _, v := range vs {
				if v.SHA256 == ref.SHA256 {
					src = v.Source
				}
			}
		} else if article5.ErrorCode(err) != article5.ENOTFOUND {
			return nil, err
		}
		if src == nil {
			if b, err := doctrine.DefaultSource(ref.ID); err == nil && sha256Hex(b) == ref.SHA256 {
				src = b
			}
		}
		if src == nil {
			if sent == nil {
				var err error
				if sent, err = n.sentDoctrines(ctx); err != nil {
					return nil, err
				}
			}
			src = sent[ref.SHA256]
		}
		if src == nil {
			return nil, article5.Errorf(article5.ENOTFOUND, "this node holds no doctrine %s version %s with sha256 %s", ref.ID, ref.Version, ref.SHA256)
		}
		d, err := parseHeldDoctrine(ref.ID, src)
		if err != nil {
			return nil, fmt.Errorf("doctrine %s version %s: %w", ref.ID, ref.Version, err)
		}
		out = append(out, d)
	}
	return out, nil
}

// sentDoctrines returns the sources of the article5-doctrine objects the
// node holds whose source hashes to the sha256 they claim, by sha256.
func (n *Node) sentDoctrines(ctx context.Context) (map[string][]byte, error) {
	out := map[string][]byte{}
	cursor := ""
	for range maxConsultationObjects / 1000 {
		page, err := n.Store.FindObjects(ctx, article5.ObjectFilter{Types: []string{DoctrineObjectType}, Limit: 1000, Cursor: cursor})
		if err != nil {
			return nil, err
		}
		for _, o := range page.Objects {
			var d struct {
				SHA256 string `json:"doctrine_sha256"`
				Source string `json:"doctrine_source"`
			}
			if json.Unmarshal(o.Raw, &d) == nil && sha256Hex([]byte(d.Source)) == d.SHA256 {
				out[d.SHA256] = []byte(d.Source)
			}
		}
		if cursor = page.Next; cursor == "" {
			break
		}
	}
	return out, nil
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// pinnedDoctrines returns, on a node with partners, whether a case has a
// consultation that is not closed (consulted) and the doctrines it pins
// (nil: those in force will do). A pinned doctrine the node does not hold
// is logged and the doctrines in force are used.
func (n *Node) pinnedDoctrines(ctx context.Context, caseID string) (docs []*doctrine.Doctrine, consulted bool, err error) {
	c, _, err := n.Consultation(ctx, caseID)
	if article5.ErrorCode(err) == article5.ENOTFOUND {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	if c.State == article5.StateClosed {
		return nil, false, nil
	}
	if sameDoctrines(c.Doctrines, n.InForce()) {
		return nil, true, nil
	}
	docs, err = n.ResolveDoctrines(ctx, c.Doctrines)
	if article5.ErrorCode(err) == article5.ENOTFOUND {
		n.log().WarnContext(ctx, "pinned doctrine not held: assessing with the doctrines in force", "case", caseID, "reason", article5.ErrorMessage(err))
		return nil, true, nil
	}
	return docs, true, err
}

// sameDoctrines reports whether refs names exactly docs, in order.
func sameDoctrines(refs []article5.DoctrineRef, docs []*doctrine.Doctrine) bool {
	if len(refs) != len(docs) {
		return false
	}
	for i, d := range docs {
		if refs[i] != d.Ref() {
			return false
		}
	}
	return true
}

// remoteUser is the workflow user a partner's action is applied as: the
// partner's principal, acting for party in role.
func remoteUser(submitter string, party article5.Party, role article5.Role) authz.User {
	return authz.User{ID: submitter, Party: party, Roles: []article5.Role{role}}
}

// fromPartner reports whether a stored version was received from a
// partner node (its submitter is a partner principal).
func fromPartner(o *article5.StoredObject) bool {
	return strings.HasPrefix(o.Submitter, article5.PartnerPrincipalPrefix)
}

// remoteOpinion is a signed position received from a partner.
type remoteOpinion struct {
	id       string
	position article5.Position
	cert     *sign.Certificate
	by       string // submitter
	byOrg    string // its organisation
}

// opinionPosition decodes the signed position an opinion carries in
// article5's extension; ok is false for an opinion that carries none.
func opinionPosition(raw []byte) (p article5.Position, cert *sign.Certificate, ok bool) {
	var o struct {
		Explanation string                     `json:"explanation"`
		Extensions  map[string]json.RawMessage `json:"extensions"`
	}
	if json.Unmarshal(raw, &o) != nil {
		return p, nil, false
	}
	ext, has := o.Extensions[article5.ExtensionID]
	if !has {
		return p, nil, false
	}
	var e struct {
		Position    *article5.PositionPayload `json:"position"`
		Signature   string                    `json:"signature"`
		Certificate *sign.Certificate         `json:"certificate"`
	}
	if json.Unmarshal(ext, &e) != nil || e.Position == nil {
		return p, nil, false
	}
	sig, err := base64.StdEncoding.DecodeString(e.Signature)
	if err != nil {
		return p, nil, false
	}
	return article5.Position{Payload: *e.Position, Reasons: o.Explanation, Signature: sig}, e.Certificate, true
}

// maxConsultationObjects bounds the consultation objects one
// reconciliation reads.
const maxConsultationObjects = 100_000

// partnerObjects returns what partners sent for caseID: its consultation
// actions, in the order they are applied (actionOrder, then time, then
// id), and the signed positions on it (by signed_at, then Party).
func (n *Node) partnerObjects(ctx context.Context, caseID string) ([]consultAction, []remoteOpinion, error) {
	var actions []consultAction
	var opinions []remoteOpinion
	cursor, read := "", 0
	for {
		page, err := n.Store.FindObjects(ctx, article5.ObjectFilter{Types: []string{ConsultationActionType, "opinion"}, Limit: 1000, Cursor: cursor})
		if err != nil {
			return nil, nil, err
		}
		for _, o := range page.Objects {
			if !fromPartner(o) {
				continue
			}
			switch o.Type {
			case ConsultationActionType:
				var a consultAction
				if json.Unmarshal(o.Raw, &a) != nil || a.CaseRef != caseID {
					continue
				}
				a.by, a.byOrg = o.Submitter, o.SubmitterOrg
				actions = append(actions, a)
			case "opinion":
				p, cert, ok := opinionPosition(o.Raw)
				if !ok || p.Payload.Case != caseID {
					continue
				}
				opinions = append(opinions, remoteOpinion{id: o.ID, position: p, cert: cert, by: o.Submitter, byOrg: o.SubmitterOrg})
			}
		}
		read += len(page.Objects)
		if page.Next == "" || read >= maxConsultationObjects {
			break
		}
		cursor = page.Next
	}
	slices.SortFunc(actions, func(a, b consultAction) int {
		if d := actionOrder[a.Action] - actionOrder[b.Action]; d != 0 {
			return d
		}
		return strings.Compare(a.Created+a.ID, b.Created+b.ID)
	})
	slices.SortFunc(opinions, func(a, b remoteOpinion) int {
		return strings.Compare(a.position.Payload.SignedAt+string(a.position.Payload.Party), b.position.Payload.SignedAt+string(b.position.Payload.Party))
	})
	return actions, opinions, nil
}

// ReconcileConsultation applies to the node's consultation of caseID what
// its partners sent for it, in a fixed order whatever order it arrived in:
// the other Party opening and requesting the consultation (applied once
// this node's own assessment of the case has the hash the action pins:
// the same evidence digest and doctrines; until then it waits), its
// requests for information and answers, and its signed positions
// (accepted only when the signature verifies under the node's trusted
// roots, Node.Roots, for the Party it claims). A partner acts only for a
// Party other than the node's own (Node.Party). When both Parties' signed
// positions are held on the current assessment the node stores the
// determination, with the same id and content as the partner's.
//
// What cannot be applied yet (an answer to a request not yet held, a
// position on an assessment this node has not reached) is left held and
// applied by a later call; what is refused (a bad signature, a Party the
// partner may not act for) is logged and never applied. The error is the
// store's.
func (n *Node) ReconcileConsultation(ctx context.Context, caseID string) error {
	all, opinions, err := n.partnerObjects(ctx, caseID)
	if err != nil || (len(all) == 0 && len(opinions) == 0) {
		return err
	}
	own := n.Party
	if own == "" {
		own = article5.PartyJP
	}
	actions := all[:0]
	for _, act := range all {
		if act.Party == own || (act.Party != article5.PartyJP && act.Party != article5.PartyUS) {
			n.log().WarnContext(ctx, "consultation action refused", "case", caseID, "object", act.ID, "party", act.Party, "reason", "a partner acts only for the other Party")
			continue
		}
		actions = append(actions, act)
	}
	// Bounded: each pass applies at least one object or stops.
	for pass := 0; pass <= len(actions)+len(opinions); pass++ {
		a, err := n.currentAssessment(ctx, caseID)
		if article5.ErrorCode(err) == article5.ENOTFOUND {
			return nil // not assessed yet: the worker calls again
		}
		if err != nil {
			return err
		}
		changed := false
		for _, act := range actions {
			ok, err := n.applyAction(ctx, a, act)
			if err != nil {
				return err
			}
			changed = changed || ok
		}
		for _, op := range opinions {
			ok, err := n.applyOpinion(ctx, caseID, op)
			if err != nil {
				return err
			}
			changed = changed || ok
		}
		if !changed {
			return nil
		}
	}
	return nil
}

// settled turns the workflow's refusals of a partner's object (not
// applicable now, or never) into "not applied"; other errors stay.
func settled(ctx context.Context, n *Node, caseID, object string, err error) (bool, error) {
	switch article5.ErrorCode(err) {
	case "":
		return true, nil
	case article5.ECONFLICT, article5.EINVALID, article5.ENOTFOUND, article5.EFORBIDDEN:
		n.log().DebugContext(ctx, "consultation object not applied", "case", caseID, "object", object, "reason", article5.ErrorMessage(err))
		return false, nil
	}
	return false, err
}

// applyAction applies one action of the other Party; it reports whether
// the consultation changed.
func (n *Node) applyAction(ctx context.Context, a workflow.Assessment, act consultAction) (bool, error) {
	submitter := act.by
	at, err := time.Parse(time.RFC3339, act.Created)
	if err != nil {
		return false, nil
	}
	c, _, err := n.Consultation(ctx, act.CaseRef)
	if err != nil && article5.ErrorCode(err) != article5.ENOTFOUND {
		return false, err
	}
	switch act.Action {
	case ConsultActionOpen, ConsultActionRequest:
		if act.AssessmentHash != a.Hash && c == nil {
			// Assess the case as the consultation will be: on the evidence
			// both nodes may hold, with the doctrine versions the other
			// Party opened on (if held; nil: those in force are the same).
			var docs []*doctrine.Doctrine
			if !slices.Equal(act.Doctrines, a.Doctrines) {
				var err error
				docs, err = n.ResolveDoctrines(ctx, act.Doctrines)
				if article5.ErrorCode(err) == article5.ENOTFOUND {
					return false, nil // the doctrine object has not arrived yet
				}
				if err != nil {
					return false, err
				}
			}
			if _, err := n.assessCase(ctx, act.CaseRef, assessOpts{docs: docs, shared: true}); err != nil {
				return settled(ctx, n, act.CaseRef, act.ID, err)
			}
			if a, err = n.currentAssessment(ctx, act.CaseRef); err != nil {
				return false, err
			}
		}
		if act.AssessmentHash != a.Hash {
			if c == nil {
				n.log().InfoContext(ctx, "consultation waits for the evidence", "case", act.CaseRef, "party", act.Party,
					"partner_assessment", act.AssessmentHash, "partner_evidence_digest", act.EvidenceDigest,
					"assessment", a.Hash, "evidence_digest", a.EvidenceDigest)
			}
			return false, nil // this node's assessment differs: wait for the evidence
		}
		if c == nil {
			_, err := n.mutate(ctx, act.CaseRef, audit.ByOf(submitter, act.byOrg), true, func(c *workflow.Case) (*change, error) {
				if err := c.Open(remoteUser(submitter, act.Party, article5.RoleAnalyst), at, a); err != nil {
					return nil, err
				}
				return &change{kinds: []string{audit.KindCase}, events: []article5.Event{{Type: article5.EventConsultationOpened, Party: act.Party, Hash: a.Hash}}}, nil
			})
			return settled(ctx, n, act.CaseRef, act.ID, err)
		}
		if act.Action != ConsultActionRequest || c.State != article5.StateOpen || c.AssessmentHash != act.AssessmentHash {
			return false, nil
		}
		_, err := n.mutate(ctx, act.CaseRef, audit.ByOf(submitter, act.byOrg), false, func(c *workflow.Case) (*change, error) {
			if c.State != article5.StateOpen {
				return nil, article5.Errorf(article5.ECONFLICT, "already requested")
			}
			if err := c.RequestConsultation(remoteUser(submitter, act.Party, article5.RoleAnalyst), at); err != nil {
				return nil, err
			}
			return &change{kinds: []string{audit.KindCase}, events: []article5.Event{{Type: article5.EventConsultationRequested, Party: act.Party, Hash: c.AssessmentHash}}}, nil
		})
		return settled(ctx, n, act.CaseRef, act.ID, err)
	case ConsultActionRFI:
		if c == nil || slices.ContainsFunc(c.RFIs, func(r workflow.RFI) bool { return r.Ref == act.ID }) {
			return false, nil
		}
		_, err := n.mutate(ctx, act.CaseRef, audit.ByOf(submitter, act.byOrg), false, func(c *workflow.Case) (*change, error) {
			if err := c.AcceptRFI(remoteUser(submitter, act.Party, article5.RoleLegal), at, act.Party, act.ID, act.Text); err != nil {
				return nil, err
			}
			return &change{kinds: []string{audit.KindCase}, events: []article5.Event{{Type: article5.EventRFISent, Party: act.Party}}}, nil
		})
		return settled(ctx, n, act.CaseRef, act.ID, err)
	case ConsultActionAnswer:
		if c == nil {
			return false, nil
		}
		i := slices.IndexFunc(c.RFIs, func(r workflow.RFI) bool { return r.Ref == act.RFIRef })
		if i < 0 || c.RFIs[i].Answer != "" {
			return false, nil
		}
		_, err := n.mutate(ctx, act.CaseRef, audit.ByOf(submitter, act.byOrg), false, func(c *workflow.Case) (*change, error) {
			if err := c.AcceptAnswer(remoteUser(submitter, act.Party, article5.RoleLegal), at, act.Party, act.RFIRef, act.Text); err != nil {
				return nil, err
			}
			return &change{kinds: []string{audit.KindCase}, events: []article5.Event{{Type: article5.EventRFIAnswered, Party: act.Party}}}, nil
		})
		return settled(ctx, n, act.CaseRef, act.ID, err)
	}
	return false, nil
}

// applyOpinion applies one signed position received from a partner; it
// reports whether the consultation changed.
func (n *Node) applyOpinion(ctx context.Context, caseID string, op remoteOpinion) (bool, error) {
	c, _, err := n.Consultation(ctx, caseID)
	if article5.ErrorCode(err) == article5.ENOTFOUND {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	p := op.position.Payload
	roots, cert := n.Roots, op.cert
	verify := func(pl article5.PositionPayload, sig []byte) error {
		return sign.VerifyPosition(pl, sig, cert, roots, nil)
	}
	at, _ := time.Parse(time.RFC3339, p.SignedAt)
	if c.AssessmentHash != p.AssessmentHash {
		// Signed on an assessment this node has left (or not reached):
		// kept, never lost, if this node was on it.
		if slices.ContainsFunc(c.Signed, func(s workflow.SignedPosition) bool { return slices.Equal(s.Position.Signature, op.position.Signature) }) {
			return false, nil
		}
		if _, err := n.Store.FindObjectVersions(ctx, AssessmentObjectID(caseID, p.AssessmentHash)); err != nil {
			if article5.ErrorCode(err) == article5.ENOTFOUND {
				return false, nil
			}
			return false, err
		}
		_, err := n.mutate(ctx, caseID, audit.ByOf(op.by, op.byOrg), false, func(c *workflow.Case) (*change, error) {
			d, err := c.AcceptLateSigned(remoteUser(op.by, p.Party, article5.RoleApprover), at, p.Party, op.position, verify)
			if err != nil {
				return nil, err
			}
			ch := &change{kinds: []string{audit.KindSignature}, events: []article5.Event{{Type: article5.EventPositionSigned, Party: p.Party, Hash: p.AssessmentHash}}}
			if d != nil {
				if err := n.addDeterminationOf(ctx, c, d, ch); err != nil {
					return nil, err
				}
			}
			return ch, nil
		})
		return settled(ctx, n, caseID, op.id, err)
	}
	if cur := c.Positions[p.Party]; cur != nil && cur.Signature != nil {
		return false, nil
	}
	_, err = n.mutate(ctx, caseID, audit.ByOf(op.by, op.byOrg), false, func(c *workflow.Case) (*change, error) {
		if err := c.AcceptSigned(remoteUser(op.by, p.Party, article5.RoleApprover), at, p.Party, op.position, verify); err != nil {
			if article5.ErrorCode(err) == article5.EINVALID {
				n.log().WarnContext(ctx, "signed position refused", "case", caseID, "object", op.id, "party", p.Party, "reason", article5.ErrorMessage(err))
			}
			return nil, err
		}
		ch := &change{kinds: []string{audit.KindSignature}, events: []article5.Event{{Type: article5.EventPositionSigned, Party: p.Party, Hash: c.AssessmentHash}}}
		if err := n.addDetermination(ctx, c, ch); err != nil {
			return nil, err
		}
		return ch, nil
	})
	return settled(ctx, n, caseID, op.id, err)
}

// addDetermination adds to ch the determination object of c once both
// Parties have signed its current assessment: id from the case and
// assessment hash, time the later signed_at, marked as the assessment.
func (n *Node) addDetermination(ctx context.Context, c *workflow.Case, ch *change) error {
	d := c.Determination
	if d == nil || d.AssessmentHash != c.AssessmentHash {
		return nil
	}
	return n.addDeterminationOf(ctx, c, d, ch)
}

// addDeterminationOf adds to ch the determination object of d, a
// determination of c on d.AssessmentHash (current or past).
func (n *Node) addDeterminationOf(ctx context.Context, c *workflow.Case, d *workflow.Determination, ch *change) error {
	rec, err := n.recordFor(ctx, c, d.Positions)
	if err != nil {
		return err
	}
	obj, err := rec.Determination.Object(sign.FormatTime(d.At))
	if err != nil {
		return err
	}
	marking, red, err := n.derivedAudience(ctx, AssessmentObjectID(c.ID, d.AssessmentHash))
	if err != nil {
		return err
	}
	if obj, err = markDerived(obj, marking, red); err != nil {
		return err
	}
	so, err := n.ownObject(obj, NodePrincipal)
	if err != nil {
		return err
	}
	ch.kinds = append(ch.kinds, audit.KindDetermination) // after the signature that made it: a row each
	ch.objs = append(ch.objs, so)
	if d.AssessmentHash == c.AssessmentHash { // a past one concludes nothing now
		ch.events = append(ch.events, article5.Event{Type: article5.EventConcluded, Hash: d.AssessmentHash, Outcome: d.Outcome})
	}
	return nil
}

// reconcileIngested reconciles the cases named by the consultation objects
// (article5-consultation, signed opinions) among refs, which a partner's
// ingest stored or found unchanged.
func (n *Node) reconcileIngested(ctx context.Context, refs []article5.ObjectRef) error {
	cases := map[string]bool{}
	for _, r := range refs {
		if !strings.HasPrefix(r.ID, ConsultationActionType+"--") && !strings.HasPrefix(r.ID, "opinion--") {
			continue
		}
		o, err := n.latest(ctx, r.ID)
		if err != nil {
			continue
		}
		if o.Type == ConsultationActionType {
			var a consultAction
			if json.Unmarshal(o.Raw, &a) == nil {
				cases[a.CaseRef] = true
			}
		} else if p, _, ok := opinionPosition(o.Raw); ok {
			cases[p.Payload.Case] = true
		}
	}
	for _, id := range slices.Sorted(func(yield func(string) bool) {
		for k := range cases {
			if !yield(k) {
				return
			}
		}
	}) {
		if err := n.ReconcileConsultation(ctx, id); err != nil {
			return fmt.Errorf("reconcile consultation of %s: %w", id, err)
		}
	}
	return nil
}

// WithheldObject is an object of a case's evidence that a consultation
// across nodes does not cover, because a partner node may not receive it
// (release control, docs/security.md): its id, the partner and the rule
// that withholds it.
type WithheldObject struct {
	ID      string `json:"id"`
	Partner string `json:"partner"`
	Reason  string `json:"reason"`
}

// partnerRecipient is a partner node as a recipient of this node's
// objects: its name and the organisation it pulls as.
type partnerRecipient struct {
	name string
	r    release.Recipient
}

// partnerRecipients returns the node's partners as recipients (none on a
// node without partners).
func (n *Node) partnerRecipients(ctx context.Context) ([]partnerRecipient, error) {
	ps, err := n.Store.FindPartners(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]partnerRecipient, 0, len(ps))
	for _, p := range ps {
		out = append(out, partnerRecipient{name: p.Name, r: n.Policy.OrgRecipient(p.Org())})
	}
	return out, nil
}

// withheld returns the ids of latest (the latest admitted version of each
// evidence object) that some partner in prs may not receive, each with the
// first partner and rule that withholds it.
func (n *Node) withheld(prs []partnerRecipient, latest []*article5.StoredObject) map[string]WithheldObject {
	out := map[string]WithheldObject{}
	for _, o := range latest {
		for _, pr := range prs {
			if d := n.Policy.Releasable(release.ObjectOfStored(o), pr.r); !d.Allowed {
				if _, seen := out[o.ID]; !seen {
					out[o.ID] = WithheldObject{ID: o.ID, Partner: pr.name, Reason: d.Reason}
				}
			}
		}
	}
	return out
}

// shareWith narrows the evidence to what every partner in prs may receive
// (all of it when prs is empty). The re-assessment index is kept whole: a
// new version of a withheld object still re-assesses the case.
func (ev *evidence) shareWith(n *Node, prs []partnerRecipient) {
	if len(prs) == 0 {
		return
	}
	held := n.withheld(prs, ev.latest)
	if len(held) == 0 {
		return
	}
	var objs []*stix.Object
	var sums []string
	for i, o := range ev.objs {
		if _, out := held[o.ID]; !out {
			objs, sums = append(objs, o), append(sums, ev.sums[i])
		}
	}
	var latest []*article5.StoredObject
	for _, o := range ev.latest {
		if _, out := held[o.ID]; !out {
			latest = append(latest, o)
		}
	}
	ev.objs, ev.sums, ev.latest = objs, sums, latest
}

// Withheld returns the objects of caseID's evidence that its consultation
// leaves out on this node because a partner node may not receive them
// (none on a node without partners, or for a case without a consultation
// or with a closed one), sorted by id. Show them only to a caller who may
// read them. ENOTFOUND if the node holds no such case.
func (n *Node) Withheld(ctx context.Context, caseID string) ([]WithheldObject, error) {
	prs, err := n.partnerRecipients(ctx)
	if err != nil || len(prs) == 0 {
		return nil, err
	}
	if _, consulted, err := n.pinnedDoctrines(ctx, caseID); err != nil || !consulted {
		return nil, err
	}
	ev, err := n.caseEvidence(ctx, caseID, &relIndex{})
	if err != nil {
		return nil, err
	}
	held := n.withheld(prs, ev.latest)
	out := make([]WithheldObject, 0, len(held))
	for _, w := range held {
		out = append(out, w)
	}
	slices.SortFunc(out, func(a, b WithheldObject) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}
