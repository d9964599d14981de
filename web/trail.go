package web

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"article5"
	"article5/audit"
	"article5/authz"
	"article5/workflow"
)

// caseTrailStore is what the case's audit trail needs of the node's store:
// its transparency log (audit.Store) and the entries of one case
// (sqlstore.DB.AuditCaseTrail). A store without them shows no trail.
type caseTrailStore interface {
	audit.Store
	AuditCaseTrail(ctx context.Context, caseID string) ([]audit.Entry, bool, error)
	AuditProofs(ctx context.Context, entries []audit.Entry, size int64) ([]*audit.InclusionProof, error)
}

// trailData is the case page's audit trail: the entries of the log that
// record the case's rows, each with its inclusion proof against the
// newest signed tree head, checked on the server.
type trailData struct {
	Head     audit.TreeHead
	HeadOK   bool // the head's signature verifies with the node's key
	Entries  []trailEntry
	More     bool // older entries were left out
	Verified int  // entries whose proof checks against the head
}

// trailEntry is one entry of a case's trail with its inclusion proof.
type trailEntry struct {
	Index  int64
	Kind   string
	Ref    string
	Digest string
	Time   time.Time
	By     string   // who made the change: the principal only within its organisation, else the organisation
	Leaf   string   // the leaf's hash (base64)
	Path   []string // the proof's hashes (base64), leaf to root
	OK     bool     // the proof checks against the signed head
}

// proofJSON is the downloadable inclusion proof of one entry
// (GET /cases/{id}/proofs/{index}.json): everything needed to check it
// offline (`article5 audit check` and any RFC 6962 verifier). To a user
// of another organisation than the one in the entry's By (the line names
// the principal: audit.Entry.DisclosedTo) the line is withheld: Leaf is
// left out, Entry.By is the organisation alone, Proof is the
// audit.LeafProof text form and Withheld is true; the proof then checks
// by LeafHash alone and Entry is what the node says, not what it proves.
type proofJSON struct {
	Case  string `json:"case"`
	Entry struct {
		Index  int64  `json:"index"`
		Kind   string `json:"kind"`
		Ref    string `json:"ref"`
		Digest string `json:"digest"`
		Time   string `json:"time"`
		By     string `json:"by,omitempty"`
	} `json:"entry"`
	Leaf           string   `json:"leaf,omitempty"`     // the leaf data line the tree hashes; absent when withheld
	Withheld       bool     `json:"withheld,omitempty"` // the line is withheld: the proof checks by leaf_hash alone
	LeafHash       string   `json:"leaf_hash"`          // RFC 6962 record hash, base64
	TreeSize       int64    `json:"tree_size"`
	Hashes         []string `json:"hashes"` // the audit path, base64
	Proof          string   `json:"proof"`  // audit.InclusionProof's text form, or audit.LeafProof's when withheld
	SignedTreeHead string   `json:"signed_tree_head"`
	VerifierKey    string   `json:"verifier_key"`
	Verified       bool     `json:"verified"` // the node checked the proof against the signed head
}

// signedHead reads and verifies the newest signed tree head of a.
func signedHead(ctx context.Context, a audit.Store) (head audit.TreeHead, signed []byte, key string, err error) {
	if signed, err = a.AuditHead(ctx); err != nil {
		return head, nil, "", err
	}
	if key, err = a.AuditKey(ctx); err != nil {
		return head, nil, "", err
	}
	vs, err := audit.NewVerifiers(key)
	if err != nil {
		return head, nil, "", err
	}
	head, err = audit.VerifyTreeHead(signed, vs)
	return head, signed, key, err
}

// loadTrail reads the audit trail of case id, which the caller has found
// visible to me: each entry's inclusion proof against the newest signed
// tree head, checked here. nil when the store keeps no log.
func (h *handler) loadTrail(ctx context.Context, me *who, id string) (*trailData, error) {
	a, ok := h.n.Store.(caseTrailStore)
	if !ok {
		return nil, nil
	}
	es, more, err := a.AuditCaseTrail(ctx, id)
	if err != nil {
		return nil, err
	}
	t := &trailData{More: more}
	head, _, _, err := signedHead(ctx, a)
	if err != nil {
		if article5.ErrorCode(err) == article5.EINTERNAL {
			return nil, err
		}
		return t, nil // a head that does not verify: every proof shows as unchecked
	}
	t.Head, t.HeadOK = head, true
	// The entries the head covers are proved in one read of the log's
	// tiles; an entry appended after the head shows as unchecked.
	var covered []audit.Entry
	for _, e := range es {
		if e.Index < head.N {
			covered = append(covered, e)
		}
	}
	proofs := map[int64]*audit.InclusionProof{}
	if len(covered) > 0 {
		ps, err := a.AuditProofs(ctx, covered, head.N)
		if err != nil {
			return nil, err
		}
		for _, p := range ps {
			proofs[p.Entry.Index] = p
		}
	}
	for _, e := range es {
		te := trailEntry{Index: e.Index, Kind: e.Kind, Ref: e.Ref, Digest: e.Digest, Time: e.Time, By: byFor(e.By, me.user.Org)}
		te.Leaf = e.RecordHash().String()
		if p := proofs[e.Index]; p != nil {
			for _, hh := range p.Proof {
				te.Path = append(te.Path, hh.String())
			}
			// The entry as listed is in the tree the signed head names.
			te.OK = p.Check(head) == nil
		}
		if te.OK {
			t.Verified++
		}
		t.Entries = append(t.Entries, te)
	}
	return t, nil
}

// byFor is what a user of organisation org is shown of an entry's By: the
// whole "<principal>@<org>" within that organisation, else the
// organisation alone (as the API's provenance does).
func byFor(by, org string) string {
	id, o, ok := strings.Cut(by, "@")
	switch {
	case !ok && by != "":
		return id
	case ok && o == org:
		return by
	case ok:
		return o
	}
	return ""
}

// caseProof serves GET /cases/{id}/proofs/{index}.json: the inclusion
// proof of one entry of the case's trail against the newest signed tree
// head, checked, as JSON to keep. A case the user may not see, and an
// entry that is not of this case's trail, answer "not found".
func (h *handler) caseProof(w http.ResponseWriter, r *http.Request, me *who) {
	ctx := r.Context()
	id := r.PathValue("id")
	if err := authz.Check(authz.Request{User: me.authz, Action: article5.ActionReadCase}); err != nil {
		h.fail(w, r, err)
		return
	}
	if _, err := me.gate.CaseByID(ctx, id); err != nil {
		h.fail(w, r, notFound(err))
		return
	}
	file, ok := strings.CutSuffix(r.PathValue("file"), ".json")
	index, err := strconv.ParseInt(file, 10, 64)
	a, isLog := h.n.Store.(caseTrailStore)
	if !ok || err != nil || index < 0 || !isLog {
		h.fail(w, r, article5.Errorf(article5.ENOTFOUND, "not found"))
		return
	}
	e, err := a.AuditEntry(ctx, index)
	if err != nil {
		h.fail(w, r, notFound(err))
		return
	}
	if !trailRef(e.Ref, id) {
		h.fail(w, r, article5.Errorf(article5.ENOTFOUND, "not found"))
		return
	}
	head, signed, key, err := signedHead(ctx, a)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if index >= head.N {
		h.fail(w, r, article5.Errorf(article5.ENOTFOUND, "not found"))
		return
	}
	p, err := a.AuditInclusion(ctx, index, head.N)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	out := proofJSON{Case: id, LeafHash: p.Entry.RecordHash().String(), TreeSize: p.TreeSize,
		Hashes: []string{}, SignedTreeHead: string(signed), VerifierKey: key, Verified: p.Check(head) == nil}
	var text []byte
	by := e.By
	if e.DisclosedTo(me.user.Org) {
		out.Leaf = string(p.Entry.Data())
		text, err = p.MarshalText()
	} else {
		// The line names a principal of another organisation: prove
		// the leaf by its hash alone, and name the organisation alone.
		out.Withheld, by = true, byFor(e.By, me.user.Org)
		text, err = p.Leaf().MarshalText()
	}
	if err != nil {
		h.fail(w, r, article5.Internal("web: marshal inclusion proof", err))
		return
	}
	out.Proof = string(text)
	out.Entry.Index, out.Entry.Kind, out.Entry.Ref, out.Entry.Digest = e.Index, e.Kind, e.Ref, e.Digest
	out.Entry.Time, out.Entry.By = e.Time.UTC().Format(time.RFC3339Nano), by
	for _, hh := range p.Proof {
		out.Hashes = append(out.Hashes, hh.String())
	}
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		h.fail(w, r, article5.Internal("web: encode proof", err))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Disposition", `attachment; filename="`+strings.TrimPrefix(id, "grouping--")+`.proof-`+strconv.FormatInt(index, 10)+`.json"`)
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(append(b, '\n'))
}

// trailRef reports whether ref is a row of case id's trail: its cases,
// case_index or consultations row, or one of its assessments.
func trailRef(ref, id string) bool {
	table, parts := audit.SplitRef(ref)
	switch table {
	case "cases", "case_index", "consultations":
		return len(parts) == 1 && parts[0] == id
	case "assessments":
		return len(parts) == 2 && parts[0] == id
	}
	return false
}

// determinationRow is one determination of a case: on an earlier
// assessment (Past) or on the current one.
type determinationRow struct {
	Hash    string
	Outcome article5.Outcome
	At      time.Time
	Tiers   []positionTier
	Current bool
}

type positionTier struct {
	Party article5.Party
	Tier  article5.Tier
}

// determinations lists a consultation's determinations, newest first:
// the current one, then those on earlier assessments.
func determinations(c *workflow.Case) []determinationRow {
	if c == nil {
		return nil
	}
	row := func(d workflow.Determination, cur bool) determinationRow {
		out := determinationRow{Hash: d.AssessmentHash, Outcome: d.Outcome, At: d.At, Current: cur}
		for _, p := range workflow.Parties {
			if pos, ok := d.Positions[p]; ok {
				out.Tiers = append(out.Tiers, positionTier{Party: p, Tier: pos.Payload.Tier})
			}
		}
		return out
	}
	var out []determinationRow
	if c.Determination != nil {
		out = append(out, row(*c.Determination, true))
	}
	for i := len(c.Past) - 1; i >= 0; i-- {
		out = append(out, row(c.Past[i], false))
	}
	return out
}
