package audit

import (
	"crypto/ed25519"
	"encoding/base64"
	"strings"

	"golang.org/x/mod/sumdb/note"

	"article5"
)

// VerifierPublicKey returns the name and the Ed25519 public key of a note
// verifier key made by NewNodeKey ("<name>+<hash>+<base64 of 0x01 and
// the 32-byte key>"), so that a Party's root can certify the key
// (sign.RootKey.Certify with role "node" and the name as subject). It
// returns EINVALID for a malformed key or another algorithm.
func VerifierPublicKey(verifierKey string) (string, ed25519.PublicKey, error) {
	verifierKey = strings.TrimSpace(verifierKey)
	bad := article5.Invalid("malformed verifier key", article5.Detail{Object: verifierKey, Message: "want <name>+<hash>+<base64 Ed25519 key>"})
	if _, err := note.NewVerifier(verifierKey); err != nil {
		return "", nil, bad
	}
	parts := strings.SplitN(verifierKey, "+", 3) // the base64 key may hold "+"
	if len(parts) != 3 {
		return "", nil, bad
	}
	raw, err := base64.StdEncoding.DecodeString(parts[2])
	if err != nil || len(raw) != 1+ed25519.PublicKeySize || raw[0] != 1 {
		return "", nil, bad
	}
	return parts[0], ed25519.PublicKey(raw[1:]), nil
}

// NodeVerifierKey returns the note verifier key of the Ed25519 key pub
// under name: the inverse of VerifierPublicKey, so that a certified node
// key verifies tree heads. EINVALID for a bad name or key.
func NodeVerifierKey(name string, pub ed25519.PublicKey) (string, error) {
	k, err := note.NewEd25519VerifierKey(name, pub)
	if err != nil {
		return "", article5.Invalid("invalid node key", article5.Detail{Object: name, Message: err.Error()})
	}
	return k, nil
}
