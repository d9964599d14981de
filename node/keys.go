package node

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"article5"
	"article5/sign"
)

// RegisterApproverKey stores an approver's signing key on the node: sealed
// is the key file `article5 key new` wrote (encrypted with the approver's
// password; the node never sees the private key unsealed except to sign),
// cert is the certificate `article5 party certify` issued for it (JSON).
// The caller has already decided that the actor may manage the user's keys.
//
// Checks: the user holds the approver role; cert is valid now under one of
// the node's trusted roots (Node.Roots) for the user's Party and the
// approver role; cert certifies exactly the sealed key. A second key for a
// user is a rotation: the newest unrevoked key signs. EINVALID with a
// pointer (/sealed_key, /certificate) for a malformed or mismatched input;
// EFORBIDDEN for a certificate the trusted roots do not vouch for;
// ECONFLICT if the key is already registered.
func (n *Node) RegisterApproverKey(ctx context.Context, user *article5.User, sealed, cert []byte) (*article5.ApproverKey, error) {
	if len(n.Roots) == 0 {
		return nil, article5.Errorf(article5.EINVALID, "the node trusts no Party root keys: start it with --trust jp-root.pub --trust us-root.pub")
	}
	if !slices.Contains(user.Roles, article5.RoleApprover) {
		return nil, article5.Errorf(article5.EINVALID, "user %s is not an approver: give them the approver role first", user.Name)
	}
	keyID, use, err := sign.SealedKeyID(sealed)
	if err != nil {
		return nil, pointerAt("/sealed_key", err)
	}
	if use != "" && use != "approver" {
		return nil, article5.Invalid("not an approver key", article5.Detail{Pointer: "/sealed_key/use", Message: fmt.Sprintf("the key is sealed for %q: make an approver key with article5 key new", use)})
	}
	var c sign.Certificate
	dec := json.NewDecoder(bytes.NewReader(cert))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return nil, article5.Invalid("invalid certificate", article5.Detail{Pointer: "/certificate", Message: err.Error()})
	}
	if c.SubjectKeyID != keyID {
		return nil, article5.Invalid("the certificate is for another key", article5.Detail{Pointer: "/certificate/subject_key_id",
			Message: fmt.Sprintf("certifies %s, but the sealed key is %s", c.SubjectKeyID, keyID)})
	}
	if sign.KeyID(c.SubjectPublicKey) != keyID {
		return nil, article5.Invalid("the certificate's public key is not its subject key id", article5.Detail{Pointer: "/certificate/subject_public_key"})
	}
	if err := c.VerifyFor(n.Roots, n.now(), user.Party, sign.RoleApprover); err != nil {
		return nil, err
	}
	k := &article5.ApproverKey{KeyID: keyID, UserID: user.ID, Party: user.Party, Sealed: sealed, Certificate: cert, Created: n.now()}
	if err := n.Store.CreateApproverKey(ctx, k); err != nil {
		return nil, err
	}
	n.log().InfoContext(ctx, "approver key registered", "key", keyID, "user", user.ID, "party", user.Party)
	return k, nil
}

// RevokeApproverKey records a revocation (JSON of sign.Revocation, made by
// `article5 party revoke` with the Party's root key) against the key it
// names. It must verify under a trusted root of the key's Party
// (EFORBIDDEN otherwise). Signatures the key made before revoked_at keep
// verifying; it signs nothing more. ENOTFOUND for a key the node does not
// hold; ECONFLICT if already revoked. It returns the revocation.
func (n *Node) RevokeApproverKey(ctx context.Context, revocation []byte) (*sign.Revocation, error) {
	var v sign.Revocation
	dec := json.NewDecoder(bytes.NewReader(revocation))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		return nil, article5.Invalid("invalid revocation", article5.Detail{Pointer: "/revocation", Message: err.Error()})
	}
	k, err := n.Store.FindApproverKey(ctx, v.KeyID)
	if err != nil {
		return nil, err
	}
	if k.Party != v.Party {
		return nil, article5.Errorf(article5.EFORBIDDEN, "the revocation is by the %s root, but key %s belongs to %s", v.Party, v.KeyID, k.Party)
	}
	if _, err := v.Verify(n.Roots); err != nil {
		return nil, err
	}
	if err := n.Store.RevokeApproverKey(ctx, v.KeyID, revocation); err != nil {
		return nil, err
	}
	n.log().InfoContext(ctx, "approver key revoked", "key", v.KeyID, "party", v.Party, "revoked_at", v.RevokedAt)
	return &v, nil
}

// pointerAt prefixes the pointers of an EINVALID error's details with at.
func pointerAt(at string, err error) error {
	e, ok := err.(*article5.Error)
	if !ok || e.Code != article5.EINVALID {
		return err
	}
	c := *e
	c.Details = slices.Clone(e.Details)
	for i := range c.Details {
		c.Details[i].Pointer = at + c.Details[i].Pointer
	}
	if len(c.Details) == 0 {
		c.Details = []article5.Detail{{Pointer: at, Message: e.Message}}
	}
	return &c
}

// MinPassphrase is the shortest signing passphrase SetSigningPassphrase
// takes, in bytes.
const MinPassphrase = 12

// SetSigningPassphrase seals every unrevoked signing key of user u that
// current opens (the secret it is sealed with now: the login password it
// was made with, or an earlier signing passphrase) again with next, the
// user's signing passphrase: what they enter to sign from then on (a user
// who logs in through an identity provider has no password). It returns
// how many keys it sealed again. EINVALID for a next shorter than
// MinPassphrase; EFORBIDDEN when current opens none of the user's keys
// (nothing is changed); ENOTFOUND when the user has no unrevoked key.
func (n *Node) SetSigningPassphrase(ctx context.Context, u *article5.User, current, next []byte) (int, error) {
	if len(next) < MinPassphrase {
		return 0, article5.Invalid("the signing passphrase is too short", article5.Detail{Pointer: "/passphrase", Message: fmt.Sprintf("at least %d characters", MinPassphrase)})
	}
	keys, err := n.Store.FindApproverKeys(ctx, u.ID)
	if err != nil {
		return 0, err
	}
	type resealed struct {
		id     string
		sealed []byte
	}
	var out []resealed
	live := 0
	for _, k := range keys {
		if k.Revocation != nil {
			continue
		}
		live++
		s, err := sign.Reseal(k.Sealed, current, next)
		if article5.ErrorCode(err) == article5.EFORBIDDEN {
			continue
		}
		if err != nil {
			return 0, err
		}
		out = append(out, resealed{k.KeyID, s})
	}
	if live == 0 {
		return 0, article5.Errorf(article5.ENOTFOUND, "you have no signing key: ask your administrator to register one (article5 key add)")
	}
	if len(out) == 0 {
		return 0, article5.Errorf(article5.EFORBIDDEN, "the current secret opens none of your signing keys")
	}
	for _, r := range out {
		if err := n.Store.ResealApproverKey(ctx, r.id, r.sealed); err != nil {
			return 0, err
		}
	}
	n.log().InfoContext(ctx, "signing passphrase set", "user", u.ID, "keys", len(out))
	return len(out), nil
}

// OpensSigningKey reports whether secret opens an unrevoked signing key
// of user u: a signing passphrase (or the password the key was sealed
// with).
func (n *Node) OpensSigningKey(ctx context.Context, u *article5.User, secret []byte) (bool, error) {
	keys, err := n.Store.FindApproverKeys(ctx, u.ID)
	if err != nil {
		return false, err
	}
	for _, k := range keys {
		if k.Revocation == nil {
			if _, err := sign.Unseal(k.Sealed, secret); err == nil {
				return true, nil
			}
		}
	}
	return false, nil
}
