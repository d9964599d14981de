package sign

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"article5"

	"github.com/gowebpki/jcs"
)

// Certificate roles: what a certified key may sign.
const (
	RoleApprover = "approver" // signs its party's positions
	RoleNode     = "node"     // signs its node's transparency-log tree heads
)

// Purposes of the documents a root key signs, so that a root signature
// over one kind cannot be passed off as another.
const (
	CertificatePurpose = "article5/certificate/v1"
	RevocationPurpose  = "article5/revocation/v1"
)

// canonicalJSON returns the RFC 8785 canonical JSON of v
// (github.com/gowebpki/jcs).
func canonicalJSON(v any) ([]byte, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, article5.Internal("encode for signing", err)
	}
	c, err := jcs.Transform(raw)
	if err != nil {
		return nil, article5.Internal("canonicalise", err)
	}
	return c, nil
}

// Certificate binds an Ed25519 key to a party, a role and a name, for a
// validity period, under the signature of that party's root key. The
// signature is over the RFC 8785 canonical JSON of every field but
// Signature.
type Certificate struct {
	Purpose          string            `json:"purpose"` // CertificatePurpose
	Serial           string            `json:"serial"`  // 32 random hex digits
	SubjectKeyID     string            `json:"subject_key_id"`
	SubjectPublicKey ed25519.PublicKey `json:"subject_public_key"` // base64
	Party            article5.Party    `json:"party"`
	Role             string            `json:"role"`         // RoleApprover or RoleNode
	SubjectName      string            `json:"subject_name"` // the approver's user id or the node's name
	NotBefore        string            `json:"not_before"`   // TimeLayout
	NotAfter         string            `json:"not_after"`    // TimeLayout
	IssuerKeyID      string            `json:"issuer_key_id"`
	Signature        []byte            `json:"signature"` // base64 Ed25519 by the issuer
}

// signedBytes returns the canonical JSON the issuer signs.
func (c Certificate) signedBytes() ([]byte, error) {
	c.Signature = nil
	return canonicalJSON(struct {
		Certificate
		Signature []byte `json:"signature,omitempty"`
	}{Certificate: c})
}

// Certify issues a certificate for pub with role (RoleApprover or
// RoleNode) and name, valid from notBefore to notAfter (milliseconds, UTC),
// for the root key's party. Rotation is certifying a new key and revoking
// the old one (Revoke). Bad arguments are EINVALID.
func (r *RootKey) Certify(pub ed25519.PublicKey, role, name string, notBefore, notAfter time.Time) (*Certificate, error) {
	var details []article5.Detail
	if len(pub) != ed25519.PublicKeySize {
		details = append(details, article5.Detail{Pointer: "/subject_public_key", Message: fmt.Sprintf("an Ed25519 public key has %d bytes, got %d", ed25519.PublicKeySize, len(pub))})
	}
	if role != RoleApprover && role != RoleNode {
		details = append(details, article5.Detail{Pointer: "/role", Message: fmt.Sprintf("%q, expected %q or %q", role, RoleApprover, RoleNode)})
	}
	if name == "" {
		details = append(details, article5.Detail{Pointer: "/subject_name", Message: "required"})
	}
	if !notAfter.After(notBefore) {
		details = append(details, article5.Detail{Pointer: "/not_after", Message: "must be after not_before"})
	}
	if len(details) > 0 {
		return nil, article5.Invalid("invalid certificate request", details...)
	}
	serial := make([]byte, 16)
	if _, err := rand.Read(serial); err != nil {
		return nil, article5.Internal("serial", err)
	}
	c := &Certificate{Purpose: CertificatePurpose, Serial: hex.EncodeToString(serial), SubjectKeyID: KeyID(pub),
		SubjectPublicKey: append(ed25519.PublicKey(nil), pub...), Party: r.party, Role: role, SubjectName: name,
		NotBefore: FormatTime(notBefore), NotAfter: FormatTime(notAfter), IssuerKeyID: r.KeyID()}
	msg, err := c.signedBytes()
	if err != nil {
		return nil, err
	}
	c.Signature = ed25519.Sign(r.priv, msg)
	return c, nil
}

// findRoot returns the trusted root whose key hashes to keyID (computed
// from the key, not taken from PublicRoot.KeyID).
func findRoot(roots []PublicRoot, keyID string) (PublicRoot, bool) {
	for _, r := range roots {
		if len(r.PublicKey) == ed25519.PublicKeySize && KeyID(r.PublicKey) == keyID {
			return r, true
		}
	}
	return PublicRoot{}, false
}

// Verify checks that c is signed by one of roots of the SAME party as c,
// that its subject key id matches its key, and that it is valid at at
// (not_before ≤ at ≤ not_after). Failures are EFORBIDDEN; a malformed
// certificate is EINVALID.
func (c *Certificate) Verify(roots []PublicRoot, at time.Time) error {
	if c == nil {
		return article5.Errorf(article5.EFORBIDDEN, "no certificate: the key is not certified")
	}
	nb, err := ParseTime("not_before", c.NotBefore)
	if err != nil {
		return err
	}
	na, err := ParseTime("not_after", c.NotAfter)
	if err != nil {
		return err
	}
	if c.Purpose != CertificatePurpose {
		return article5.Errorf(article5.EFORBIDDEN, "certificate %s has purpose %q, not %q", c.Serial, c.Purpose, CertificatePurpose)
	}
	root, ok := findRoot(roots, c.IssuerKeyID)
	if !ok {
		return article5.Errorf(article5.EFORBIDDEN, "certificate %s for key %s is issued by root key %s, which is not a trusted root", c.Serial, c.SubjectKeyID, c.IssuerKeyID)
	}
	if root.Party != c.Party {
		return article5.Errorf(article5.EFORBIDDEN, "certificate %s claims party %s but is issued by the %s root key %s", c.Serial, c.Party, root.Party, c.IssuerKeyID)
	}
	msg, err := c.signedBytes()
	if err != nil {
		return err
	}
	if !ed25519.Verify(root.PublicKey, msg, c.Signature) {
		return article5.Errorf(article5.EFORBIDDEN, "certificate %s for key %s: the %s root's signature does not verify", c.Serial, c.SubjectKeyID, root.Party)
	}
	if len(c.SubjectPublicKey) != ed25519.PublicKeySize || KeyID(c.SubjectPublicKey) != c.SubjectKeyID {
		return article5.Errorf(article5.EFORBIDDEN, "certificate %s: subject key id %s does not match its public key", c.Serial, c.SubjectKeyID)
	}
	if at.Before(nb) {
		return article5.Errorf(article5.EFORBIDDEN, "certificate %s for key %s is not yet valid at %s (valid from %s)", c.Serial, c.SubjectKeyID, FormatTime(at), c.NotBefore)
	}
	if at.After(na) {
		return article5.Errorf(article5.EFORBIDDEN, "certificate %s for key %s has expired: valid until %s, used at %s", c.Serial, c.SubjectKeyID, c.NotAfter, FormatTime(at))
	}
	return nil
}

// VerifyFor is Verify plus the caller's expectations: the certificate is
// for party and role (EFORBIDDEN otherwise, e.g. a JP approver's key used
// for a US position, or a node key used to sign a position).
func (c *Certificate) VerifyFor(roots []PublicRoot, at time.Time, party article5.Party, role string) error {
	if c == nil {
		return article5.Errorf(article5.EFORBIDDEN, "no certificate: the key is not certified")
	}
	if c.Party != party {
		return article5.Errorf(article5.EFORBIDDEN, "key %s is certified for party %s, not %s", c.SubjectKeyID, c.Party, party)
	}
	if c.Role != role {
		return article5.Errorf(article5.EFORBIDDEN, "key %s is certified as %q, not %q", c.SubjectKeyID, c.Role, role)
	}
	return c.Verify(roots, at)
}

// Revocation withdraws a key from the moment RevokedAt, under the
// signature of a root key of the key's party (over the RFC 8785 canonical
// JSON of every field but Signature). Signatures the key made before
// RevokedAt keep verifying; later ones are refused.
type Revocation struct {
	Purpose     string         `json:"purpose"` // RevocationPurpose
	KeyID       string         `json:"key_id"`
	Party       article5.Party `json:"party"`
	Reason      string         `json:"reason"`
	RevokedAt   string         `json:"revoked_at"` // TimeLayout
	IssuerKeyID string         `json:"issuer_key_id"`
	Signature   []byte         `json:"signature"` // base64 Ed25519 by the issuer
}

func (v Revocation) signedBytes() ([]byte, error) {
	v.Signature = nil
	return canonicalJSON(struct {
		Revocation
		Signature []byte `json:"signature,omitempty"`
	}{Revocation: v})
}

// Revoke revokes the key keyID of the root's party from at, for reason
// (EINVALID if keyID is not a key id or reason is empty).
func (r *RootKey) Revoke(keyID, reason string, at time.Time) (*Revocation, error) {
	var details []article5.Detail
	if !keyIDPattern.MatchString(keyID) {
		details = append(details, article5.Detail{Pointer: "/key_id", Message: fmt.Sprintf("%q is not an ed25519 key id", keyID)})
	}
	if reason == "" {
		details = append(details, article5.Detail{Pointer: "/reason", Message: "required"})
	}
	if len(details) > 0 {
		return nil, article5.Invalid("invalid revocation", details...)
	}
	v := &Revocation{Purpose: RevocationPurpose, KeyID: keyID, Party: r.party, Reason: reason, RevokedAt: FormatTime(at), IssuerKeyID: r.KeyID()}
	msg, err := v.signedBytes()
	if err != nil {
		return nil, err
	}
	v.Signature = ed25519.Sign(r.priv, msg)
	return v, nil
}

// Verify checks that v is signed by a trusted root of v's party
// (EFORBIDDEN otherwise; EINVALID if RevokedAt is malformed) and returns
// the revocation time.
func (v *Revocation) Verify(roots []PublicRoot) (time.Time, error) {
	at, err := ParseTime("revoked_at", v.RevokedAt)
	if err != nil {
		return time.Time{}, err
	}
	if v.Purpose != RevocationPurpose {
		return time.Time{}, article5.Errorf(article5.EFORBIDDEN, "revocation of key %s has purpose %q, not %q", v.KeyID, v.Purpose, RevocationPurpose)
	}
	root, ok := findRoot(roots, v.IssuerKeyID)
	if !ok {
		return time.Time{}, article5.Errorf(article5.EFORBIDDEN, "revocation of key %s is issued by root key %s, which is not a trusted root", v.KeyID, v.IssuerKeyID)
	}
	if root.Party != v.Party {
		return time.Time{}, article5.Errorf(article5.EFORBIDDEN, "revocation of key %s claims party %s but is issued by the %s root", v.KeyID, v.Party, root.Party)
	}
	msg, err := v.signedBytes()
	if err != nil {
		return time.Time{}, err
	}
	if !ed25519.Verify(root.PublicKey, msg, v.Signature) {
		return time.Time{}, article5.Errorf(article5.EFORBIDDEN, "revocation of key %s: the %s root's signature does not verify", v.KeyID, root.Party)
	}
	return at, nil
}
