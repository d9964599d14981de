package sign

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"article5"

	"github.com/google/uuid"
)

// Opinions is the STIX 2.1 opinion-enum (STIX 2.1 §10.8), the values a
// position's opinion may take.
var Opinions = []string{"strongly-disagree", "disagree", "neutral", "agree", "strongly-agree"}

var sha256Pattern = regexp.MustCompile(`^[0-9a-f]{64}$`)

// ReasonsSHA256 returns the hex sha256 of the reasons text, as carried in
// PositionPayload.ReasonsSHA256.
func ReasonsSHA256(reasons string) string {
	sum := sha256.Sum256([]byte(reasons))
	return hex.EncodeToString(sum[:])
}

// ValidatePayload checks a position payload before signing or verifying:
// purpose is article5.PositionPurpose, case is a grouping id, party is JP
// or US, tier is valid, opinion is in the STIX opinion-enum, every hash is
// 64 lowercase hex digits, doctrines are given, key id is an ed25519 key
// id and signed_at is RFC 3339 UTC with milliseconds. It returns EINVALID
// with one detail (a JSON pointer) per faulty field.
func ValidatePayload(p article5.PositionPayload) error {
	var details []article5.Detail
	bad := func(ptr, format string, args ...any) {
		details = append(details, article5.Detail{Pointer: ptr, Message: fmt.Sprintf(format, args...)})
	}
	if p.Purpose != article5.PositionPurpose {
		bad("/purpose", "%q, expected %q", p.Purpose, article5.PositionPurpose)
	}
	if id, ok := strings.CutPrefix(p.Case, "grouping--"); !ok || uuid.Validate(id) != nil {
		bad("/case", "%q is not a case id (grouping--UUID)", p.Case)
	}
	if !sha256Pattern.MatchString(p.AssessmentHash) {
		bad("/assessment_hash", "expected 64 lowercase hex digits")
	}
	if !sha256Pattern.MatchString(p.EvidenceDigest) {
		bad("/evidence_digest", "expected 64 lowercase hex digits")
	}
	if len(p.Doctrines) == 0 {
		bad("/doctrines", "at least one doctrine is required")
	}
	for i, d := range p.Doctrines {
		ptr := "/doctrines/" + strconv.Itoa(i)
		if d.ID == "" {
			bad(ptr+"/id", "required")
		}
		if d.Version == "" {
			bad(ptr+"/version", "required")
		}
		if !sha256Pattern.MatchString(d.SHA256) {
			bad(ptr+"/sha256", "expected 64 lowercase hex digits")
		}
	}
	if !validParty(p.Party) {
		bad("/party", "%q is not JP or US", p.Party)
	}
	if !p.Tier.Valid() {
		bad("/tier", "%q is not a tier (below-threshold, use-of-force-possible, armed-attack-possible, indeterminate)", p.Tier)
	}
	if !validOpinion(p.Opinion) {
		bad("/opinion", "%q is not in the STIX opinion-enum (%s)", p.Opinion, strings.Join(Opinions, ", "))
	}
	if !sha256Pattern.MatchString(p.ReasonsSHA256) {
		bad("/reasons_sha256", "expected 64 lowercase hex digits")
	}
	if !keyIDPattern.MatchString(p.KeyID) {
		bad("/key_id", "%q is not an ed25519 key id (ed25519: and 32 hex digits)", p.KeyID)
	}
	if _, err := ParseTime("signed_at", p.SignedAt); err != nil {
		bad("/signed_at", "%q is not an RFC 3339 UTC time with milliseconds (2006-01-02T15:04:05.000Z)", p.SignedAt)
	}
	if len(details) > 0 {
		return article5.Invalid("invalid position payload", details...)
	}
	return nil
}

func validOpinion(s string) bool {
	for _, o := range Opinions {
		if s == o {
			return true
		}
	}
	return false
}

// CanonicalPayload returns the signed message of a position: the RFC 8785
// canonical JSON of the payload (github.com/gowebpki/jcs over
// encoding/json's rendering of article5.PositionPayload).
func CanonicalPayload(p article5.PositionPayload) ([]byte, error) {
	return canonicalJSON(p)
}

// SignPosition validates p (ValidatePayload, EINVALID naming the field),
// checks that p.KeyID is priv's key id (EINVALID otherwise) and returns
// the detached Ed25519 signature over the canonical payload with the
// canonical payload itself.
func SignPosition(p article5.PositionPayload, priv ed25519.PrivateKey) (sig []byte, canonical []byte, err error) {
	if err := ValidatePayload(p); err != nil {
		return nil, nil, err
	}
	if len(priv) != ed25519.PrivateKeySize {
		return nil, nil, article5.Invalid("invalid private key", article5.Detail{Message: fmt.Sprintf("an Ed25519 private key has %d bytes, got %d", ed25519.PrivateKeySize, len(priv))})
	}
	if id := KeyID(priv.Public().(ed25519.PublicKey)); id != p.KeyID {
		return nil, nil, article5.Invalid("invalid position payload", article5.Detail{Pointer: "/key_id", Message: fmt.Sprintf("%q is not the signing key's id %q", p.KeyID, id)})
	}
	canonical, err = CanonicalPayload(p)
	if err != nil {
		return nil, nil, err
	}
	return ed25519.Sign(priv, canonical), canonical, nil
}

// VerifyPosition verifies a signed position: the payload is well formed
// (EINVALID otherwise); cert certifies the payload's key (same key id) as
// an approver of the payload's party, issued by a trusted root of that
// party and valid at signed_at; sig is the key's Ed25519 signature over the
// canonical payload; and no revocation of the key in revocations took
// effect at or before signed_at. Every refusal is EFORBIDDEN. Revocations
// of the key that do not verify against roots are refused too; revocations
// of other keys are ignored.
func VerifyPosition(p article5.PositionPayload, sig []byte, cert *Certificate, roots []PublicRoot, revocations []Revocation) error {
	if err := ValidatePayload(p); err != nil {
		return err
	}
	signedAt, err := ParseTime("signed_at", p.SignedAt)
	if err != nil {
		return err
	}
	if cert == nil {
		return article5.Errorf(article5.EFORBIDDEN, "the %s position is signed by key %s, which is not certified (no certificate)", p.Party, p.KeyID)
	}
	if cert.SubjectKeyID != p.KeyID {
		return article5.Errorf(article5.EFORBIDDEN, "the %s position names key %s but its certificate is for key %s", p.Party, p.KeyID, cert.SubjectKeyID)
	}
	if err := cert.VerifyFor(roots, signedAt, p.Party, RoleApprover); err != nil {
		return err
	}
	msg, err := CanonicalPayload(p)
	if err != nil {
		return err
	}
	if !ed25519.Verify(cert.SubjectPublicKey, msg, sig) {
		return article5.Errorf(article5.EFORBIDDEN, "the signature of the %s position by key %s does not verify over its payload (forged, altered, or replayed from another case, assessment or purpose)", p.Party, p.KeyID)
	}
	return checkRevocations(p.KeyID, cert.Party, signedAt, roots, revocations)
}

// checkRevocations refuses a signature by keyID made at or after a verified
// revocation of that key.
func checkRevocations(keyID string, party article5.Party, signedAt time.Time, roots []PublicRoot, revocations []Revocation) error {
	for i := range revocations {
		v := &revocations[i]
		if v.KeyID != keyID {
			continue
		}
		if v.Party != party {
			return article5.Errorf(article5.EFORBIDDEN, "revocation of key %s claims party %s, but the key is certified for %s", keyID, v.Party, party)
		}
		at, err := v.Verify(roots)
		if err != nil {
			return err
		}
		if !signedAt.Before(at) {
			return article5.Errorf(article5.EFORBIDDEN, "key %s was revoked at %s (%s); a signature made at %s is refused", keyID, v.RevokedAt, v.Reason, FormatTime(signedAt))
		}
	}
	return nil
}
