package node

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"golang.org/x/mod/sumdb/tlog"

	"article5"
	"article5/audit"
	"article5/sign"
)

// PublishedHead is what a node publishes for its partners to witness
// (GET <TAXII API root>audit/head/, package taxii): its newest signed tree
// head, the certificate of the key that signed it, and, when asked with
// the size of a head the partner witnessed before, the proof that the
// newest tree extends that one.
type PublishedHead struct {
	// SignedHead is the newest signed tree head (sumdb note,
	// audit.SignTreeHead).
	SignedHead string `json:"signed_head"`
	// Certificate is the node key's certificate by its Party's root (JSON
	// of sign.Certificate, role "node"); absent when none is installed.
	Certificate json.RawMessage `json:"certificate,omitempty"`
	// Consistency is audit.ConsistencyProof's text form from the asked
	// size to SignedHead's size; absent when no size was asked or the
	// asked size is larger than the log.
	Consistency string `json:"consistency,omitempty"`
}

// auditStore returns the node's log, or ENOTFOUND.
func (n *Node) auditStore() (audit.Store, error) {
	a, ok := n.Store.(audit.Store)
	if !ok {
		return nil, article5.Errorf(article5.ENOTFOUND, "this node's store keeps no transparency log")
	}
	return a, nil
}

// PublishHead returns what the node publishes for its partners: the
// newest signed head, the installed node certificate, and, for old ≥ 0
// and at most the head's size, the consistency proof from old to it.
func (n *Node) PublishHead(ctx context.Context, old int64) (*PublishedHead, error) {
	a, err := n.auditStore()
	if err != nil {
		return nil, err
	}
	signed, err := a.AuditHead(ctx)
	if err != nil {
		return nil, err
	}
	key, err := a.AuditKey(ctx)
	if err != nil {
		return nil, err
	}
	vs, err := audit.NewVerifiers(key)
	if err != nil {
		return nil, err
	}
	head, err := audit.VerifyTreeHead(signed, vs)
	if err != nil {
		return nil, article5.Internal("publish head", err)
	}
	out := &PublishedHead{SignedHead: string(signed)}
	if _, cert, err := n.Store.NodeCertificate(ctx); err == nil {
		out.Certificate = cert
	} else if article5.ErrorCode(err) != article5.ENOTFOUND {
		return nil, err
	}
	if old >= 0 && old <= head.N {
		p, err := a.AuditConsistency(ctx, old, head.N)
		if err != nil {
			return nil, err
		}
		text, err := p.MarshalText()
		if err != nil {
			return nil, article5.Internal("publish head", err)
		}
		out.Consistency = string(text)
	}
	return out, nil
}

// InstallNodeCertificate checks cert (JSON of sign.Certificate, made by
// `article5 party certify --role node`) and stores it as the certificate
// of the node's tree-head key: it must certify exactly that key, under the
// key's name (audit.VerifierPublicKey), with role "node", for the node's
// Party when it has one, and verify now under a trusted root (Node.Roots).
// EINVALID with a pointer for a malformed or mismatched certificate,
// EFORBIDDEN for one the trusted roots do not vouch for.
func (n *Node) InstallNodeCertificate(ctx context.Context, cert []byte) (*sign.Certificate, error) {
	if len(n.Roots) == 0 {
		return nil, article5.Errorf(article5.EINVALID, "the node trusts no Party root keys: give --trust jp-root.pub --trust us-root.pub")
	}
	a, err := n.auditStore()
	if err != nil {
		return nil, err
	}
	key, err := a.AuditKey(ctx)
	if err != nil {
		return nil, err
	}
	name, pub, err := audit.VerifierPublicKey(key)
	if err != nil {
		return nil, err
	}
	c, err := parseCertificate(cert)
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(c.SubjectPublicKey, pub) {
		return nil, article5.Invalid("the certificate is for another key", article5.Detail{Pointer: "/subject_key_id",
			Message: fmt.Sprintf("certifies %s, but this node's tree-head key is %s", c.SubjectKeyID, sign.KeyID(pub))})
	}
	if c.SubjectName != name {
		return nil, article5.Invalid("the certificate names the key otherwise", article5.Detail{Pointer: "/subject_name",
			Message: fmt.Sprintf("%q, but the node's key is named %q (certify with --name %s)", c.SubjectName, name, name)})
	}
	party := c.Party
	if n.Party != "" {
		party = n.Party
	}
	if err := c.VerifyFor(n.Roots, n.now(), party, sign.RoleNode); err != nil {
		return nil, err
	}
	if err := n.Store.SetNodeCertificate(ctx, c.SubjectKeyID, cert); err != nil {
		return nil, err
	}
	n.log().InfoContext(ctx, "node certificate installed", "key", c.SubjectKeyID, "party", c.Party, "not_after", c.NotAfter)
	return c, nil
}

func parseCertificate(cert []byte) (*sign.Certificate, error) {
	var c sign.Certificate
	dec := json.NewDecoder(bytes.NewReader(cert))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return nil, article5.Invalid("invalid certificate", article5.Detail{Pointer: "/certificate", Message: err.Error()})
	}
	return &c, nil
}

// HeadFetcher fetches what a partner publishes (PublishHead), asking for
// the consistency proof from old (-1: none).
type HeadFetcher func(ctx context.Context, old int64) (*PublishedHead, error)

// WitnessReport is what one witnessing of a partner's log found.
type WitnessReport struct {
	// Size and Hash are of the partner's head now witnessed (or refused);
	// Previous is the size witnessed before (-1: none).
	Size     int64          `json:"size"`
	Hash     string         `json:"hash,omitempty"`
	Previous int64          `json:"previous_size"`
	KeyID    string         `json:"key_id,omitempty"`
	Party    article5.Party `json:"party,omitempty"`
	// Inconsistent is set when the partner's log contradicts what was
	// witnessed (Reason says how); an EventPartnerLogInconsistent was
	// recorded when it opened an incident (PartnerHead.ConflictOpen).
	Inconsistent bool   `json:"inconsistent,omitempty"`
	Reason       string `json:"reason,omitempty"`
	// Error is why the head could not be witnessed at all (the partner
	// unreachable, no certificate, an untrusted root); Skipped why it was
	// not asked for (no trusted roots).
	Error   string `json:"error,omitempty"`
	Skipped string `json:"skipped,omitempty"`
}

// WitnessPartner fetches partner p's signed tree head with fetch (one
// request) and witnesses it (docs/federation.md, "Witnessing"): the
// head's key must be certified as a node key by a trusted root (Node.Roots)
// of the same Party as before, its signature must verify with that key,
// and its tree must extend the head witnessed before (same size: same
// hash; larger: a consistency proof the partner sends with it). A head
// that passes replaces the stored one. One that contradicts it (a bad
// signature, a smaller tree, a fork) is an inconsistency: kept as evidence
// beside the stored head, logged, and recorded as an event
// EventPartnerLogInconsistent for the node's organisation when it opens an
// incident (none was open: the heads before it verified, or the operator
// accepted the last conflict). A fault that proves nothing (the partner
// unreachable, a malformed answer, no or an untrusted certificate) is
// recorded as the last error. Without trusted roots nothing is fetched.
// The error returned is a fault of this node's store.
func (n *Node) WitnessPartner(ctx context.Context, p *article5.Partner, fetch HeadFetcher) (*WitnessReport, error) {
	rep := &WitnessReport{Previous: -1}
	if len(n.Roots) == 0 {
		rep.Skipped = "this node trusts no Party root keys (--trust): partner logs are not witnessed"
		return rep, nil
	}
	h := &article5.PartnerHead{Partner: p.Name}
	held, err := n.Store.FindPartnerHeads(ctx, p.Name)
	if err != nil {
		return nil, err
	}
	if len(held) == 1 {
		h = held[0]
	}
	old := int64(-1)
	if len(h.Signed) > 0 {
		old = h.Size
	}
	rep.Previous = old
	h.LastAttempt = n.now()
	pub, err := fetch(ctx, old)
	if err != nil {
		return rep, n.witnessFault(ctx, h, rep, "fetch the partner's signed tree head: "+faultText(err))
	}
	var c *sign.Certificate
	if len(pub.Certificate) == 0 {
		return rep, n.witnessFault(ctx, h, rep, "the partner publishes no node certificate: its operator installs one with article5 audit certificate install")
	}
	if c, err = parseCertificate(pub.Certificate); err != nil {
		return rep, n.witnessFault(ctx, h, rep, "the partner's node certificate: "+faultText(err))
	}
	rep.KeyID, rep.Party = c.SubjectKeyID, c.Party
	if err := c.VerifyFor(n.Roots, n.now(), c.Party, sign.RoleNode); err != nil {
		return rep, n.witnessFault(ctx, h, rep, "the partner's node certificate: "+faultText(err))
	}
	if own, err := n.ownKeyID(ctx); err != nil {
		return nil, err
	} else if own == c.SubjectKeyID {
		return rep, n.witnessFault(ctx, h, rep, "the partner presents this node's own key "+own+": its head is this node's own (a reflected answer, or the partner's URL names this node)")
	}
	signed := []byte(pub.SignedHead)
	if h.Party != "" && c.Party != h.Party {
		return rep, n.inconsistent(ctx, p, h, rep, signed, fmt.Sprintf("the head is signed by a key of %s, the partner's earlier heads by a key of %s", c.Party, h.Party))
	}
	vkey, err := audit.NodeVerifierKey(c.SubjectName, c.SubjectPublicKey)
	if err != nil {
		return rep, n.witnessFault(ctx, h, rep, "the partner's node certificate: "+faultText(err))
	}
	vs, err := audit.NewVerifiers(vkey)
	if err != nil {
		return rep, n.witnessFault(ctx, h, rep, "the partner's node certificate: "+faultText(err))
	}
	head, err := audit.VerifyTreeHead(signed, vs)
	switch article5.ErrorCode(err) {
	case "":
	case article5.EFORBIDDEN:
		return rep, n.inconsistent(ctx, p, h, rep, signed, "the signed tree head does not verify with the partner's certified node key "+c.SubjectKeyID)
	default:
		return rep, n.witnessFault(ctx, h, rep, "the partner's signed tree head: "+faultText(err))
	}
	rep.Size, rep.Hash = head.N, head.Hash.String()
	if old >= 0 {
		prev := audit.TreeHead{N: h.Size, Time: h.Time}
		if prev.Hash, err = parseHash(h.Hash); err != nil {
			return nil, article5.Internal("witness: stored head of "+p.Name, err)
		}
		switch {
		case head.N < prev.N:
			return rep, n.inconsistent(ctx, p, h, rep, signed, fmt.Sprintf("the log went back: %d entries, %d witnessed before", head.N, prev.N))
		case head.N == prev.N && head.Hash != prev.Hash:
			return rep, n.inconsistent(ctx, p, h, rep, signed, fmt.Sprintf("a forked log: a tree of %d entries with another hash than the one witnessed", head.N))
		case head.N > prev.N:
			var proof audit.ConsistencyProof
			if pub.Consistency == "" {
				return rep, n.inconsistent(ctx, p, h, rep, signed, fmt.Sprintf("no proof that the tree of %d entries extends the %d witnessed", head.N, prev.N))
			}
			if err := proof.UnmarshalText([]byte(pub.Consistency)); err != nil {
				return rep, n.inconsistent(ctx, p, h, rep, signed, "a malformed consistency proof: "+faultText(err))
			}
			if err := audit.CheckConsistency(prev, head, &proof); err != nil {
				return rep, n.inconsistent(ctx, p, h, rep, signed, fmt.Sprintf("the tree of %d entries does not extend the %d witnessed (rewritten or forked): %s", head.N, prev.N, faultText(err)))
			}
		}
	}
	h.Signed, h.Size, h.Hash, h.Time = signed, head.N, head.Hash.String(), head.Time
	h.KeyID, h.Party, h.Certificate = c.SubjectKeyID, c.Party, []byte(pub.Certificate)
	h.Witnessed, h.LastError, h.ConflictOpen = n.now(), "", false
	h.Checks++
	return rep, n.Store.SavePartnerHead(ctx, h, nil, "")
}

// witnessFault records a fault that proves nothing about the partner's
// log.
func (n *Node) witnessFault(ctx context.Context, h *article5.PartnerHead, rep *WitnessReport, msg string) error {
	rep.Error = msg
	h.LastError = msg
	n.log().WarnContext(ctx, "partner head not witnessed", "partner", h.Partner, "err", msg)
	return n.Store.SavePartnerHead(ctx, h, nil, "")
}

// inconsistent records a head that contradicts what was witnessed, and an
// event when it is a new one.
func (n *Node) inconsistent(ctx context.Context, p *article5.Partner, h *article5.PartnerHead, rep *WitnessReport, signed []byte, reason string) error {
	rep.Inconsistent, rep.Reason = true, reason
	h.LastError = "inconsistent: " + reason
	n.log().ErrorContext(ctx, "partner log inconsistent", "partner", p.Name, "reason", reason)
	open := h.ConflictOpen
	if !bytes.Equal(h.Conflict, signed) {
		h.Conflict, h.ConflictReason, h.ConflictAt = signed, reason, n.now()
	}
	h.ConflictOpen = true
	if open {
		// The incident already recorded goes on: no new event.
		return n.Store.SavePartnerHead(ctx, h, nil, "")
	}
	h.Inconsistencies++
	party := rep.Party
	if party == "" {
		party = h.Party
	}
	e := &article5.Event{Type: article5.EventPartnerLogInconsistent, Partner: p.Name, Party: party, Hash: rep.Hash, Time: n.now()}
	return n.Store.SavePartnerHead(ctx, h, e, n.Policy.Holder)
}

// faultText is an error's message for the operator, with an internal
// fault's cause.
func faultText(err error) string {
	var e *article5.Error
	if errors.As(err, &e) && e.Code == article5.EINTERNAL && e.Err != nil {
		return e.Message + ": " + e.Err.Error()
	}
	return article5.ErrorMessage(err)
}

func parseHash(s string) (tlog.Hash, error) { return tlog.ParseHash(s) }

// AcceptPartnerHead makes the last head of partner name that contradicted
// the witnessed one (PartnerHead.Conflict) the witnessed head, once the
// Parties have agreed on why (the partner restored a backup and recorded
// the rollback: `article5 audit reconcile --accept-rollback`): later heads
// must extend it. The head must verify with the key of the certificate
// kept. It returns the new witnessed head; ENOTFOUND when no conflict is
// held, EFORBIDDEN when the head does not verify (nothing to accept: the
// partner's key did not sign it).
func (n *Node) AcceptPartnerHead(ctx context.Context, name string) (*article5.PartnerHead, error) {
	held, err := n.Store.FindPartnerHeads(ctx, name)
	if err != nil {
		return nil, err
	}
	if len(held) != 1 || len(held[0].Conflict) == 0 {
		return nil, article5.Errorf(article5.ENOTFOUND, "no head of partner %s contradicted what was witnessed", name)
	}
	h := held[0]
	c, err := parseCertificate(h.Certificate)
	if err != nil {
		return nil, err
	}
	vkey, err := audit.NodeVerifierKey(c.SubjectName, c.SubjectPublicKey)
	if err != nil {
		return nil, err
	}
	vs, err := audit.NewVerifiers(vkey)
	if err != nil {
		return nil, err
	}
	head, err := audit.VerifyTreeHead(h.Conflict, vs)
	if err != nil {
		return nil, fmt.Errorf("the contradicting head of partner %s: %w", name, err)
	}
	abandoned := h.Size
	h.Signed, h.Size, h.Hash, h.Time = h.Conflict, head.N, head.Hash.String(), head.Time
	h.ConflictOpen, h.LastError = false, ""
	h.ConflictReason = fmt.Sprintf("accepted at %s in place of the head of %d entries: %s", n.now().Format("2006-01-02T15:04:05Z"), abandoned, h.ConflictReason)
	if err := n.Store.SavePartnerHead(ctx, h, nil, ""); err != nil {
		return nil, err
	}
	n.log().WarnContext(ctx, "partner head accepted", "partner", name, "size", head.N, "abandoned", abandoned)
	return h, nil
}

// ownKeyID is the key id (sign.KeyID) of this node's tree-head key; ""
// when the store keeps no log.
func (n *Node) ownKeyID(ctx context.Context) (string, error) {
	a, err := n.auditStore()
	if err != nil {
		return "", nil
	}
	key, err := a.AuditKey(ctx)
	if err != nil {
		return "", err
	}
	_, pub, err := audit.VerifierPublicKey(key)
	if err != nil {
		return "", err
	}
	return sign.KeyID(pub), nil
}
