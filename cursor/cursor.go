// Package cursor seals the page cursors and event ids an article5 node
// hands to clients, so that they are opaque and confidential: a cursor is
// the store's position (which may name a case id or an event sequence
// number the caller may not see) encrypted with AES-256-GCM under a node
// secret, bound to the principal it was issued to. A cursor cannot be read
// as ids, cannot be made by a client, and a cursor issued to one principal
// is refused for another (the principal is the AEAD's additional data).
//
// Sealing is deterministic (the nonce is an HMAC of the principal and the
// position under a key derived from the secret, as in SIV constructions,
// RFC 5297 §2.6 in spirit): the same position sealed for the same
// principal gives the same string, which lets an event id serve as an
// idempotency key, and different positions never share a nonce.
//
// Secrets rotate: a Sealer holds several keys, seals with the newest and
// opens with any it holds; the key id travels in the cursor. Every `serve`
// process of one node reads the same keys from the node's store, so a
// cursor issued by one opens on all.
package cursor

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"slices"
	"sync"
	"time"

	"article5"
)

// SecretSize is the size of a node secret in bytes.
const SecretSize = 32

// Key is one node secret: its id (8 lowercase hex digits, unique on the
// node), SecretSize random bytes, and when it was made.
type Key struct {
	ID      string
	Secret  []byte
	Created time.Time
}

// KeyID returns the id of a secret: the first 4 bytes of its SHA-256, hex.
func KeyID(secret []byte) string {
	sum := sha256.Sum256(secret)
	return hex.EncodeToString(sum[:4])
}

type sealKey struct {
	id    [4]byte
	aead  cipher.AEAD
	nonce []byte // HMAC key of the synthetic nonce
}

// Sealer seals and opens cursors. It is safe for concurrent use.
type Sealer struct {
	mu     sync.RWMutex
	keys   []sealKey // newest first
	reload func() ([]Key, error)
}

// New returns a Sealer over keys (at least one; the newest by Created
// seals). reload, if not nil, is called once when a cursor names a key the
// Sealer does not hold (another process rotated the secret), to fetch the
// node's keys again. EINVALID when a key is malformed or none is given.
func New(keys []Key, reload func() ([]Key, error)) (*Sealer, error) {
	s := &Sealer{reload: reload}
	if err := s.set(keys); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Sealer) set(keys []Key) error {
	if len(keys) == 0 {
		return article5.Errorf(article5.EINVALID, "cursor: no node secret")
	}
	keys = slices.Clone(keys)
	slices.SortStableFunc(keys, func(a, b Key) int { return b.Created.Compare(a.Created) })
	out := make([]sealKey, 0, len(keys))
	for _, k := range keys {
		if len(k.Secret) != SecretSize {
			return article5.Errorf(article5.EINVALID, "cursor: node secret %s has %d bytes, want %d", k.ID, len(k.Secret), SecretSize)
		}
		enc, err := hkdf.Key(sha256.New, k.Secret, nil, "article5 cursor encryption", 32)
		if err != nil {
			return article5.Internal("cursor: derive key", err)
		}
		nk, err := hkdf.Key(sha256.New, k.Secret, nil, "article5 cursor nonce", 32)
		if err != nil {
			return article5.Internal("cursor: derive key", err)
		}
		block, err := aes.NewCipher(enc)
		if err != nil {
			return article5.Internal("cursor: cipher", err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return article5.Internal("cursor: gcm", err)
		}
		var sk sealKey
		id, err := hex.DecodeString(KeyID(k.Secret))
		if err != nil {
			return article5.Internal("cursor: key id", err)
		}
		copy(sk.id[:], id)
		sk.aead, sk.nonce = aead, nk
		out = append(out, sk)
	}
	s.mu.Lock()
	s.keys = out
	s.mu.Unlock()
	return nil
}

// additional data: the purpose and the principal, so that a cursor opens
// only for the principal it was sealed for.
func aad(principal string) []byte { return append([]byte("article5-cursor\x00"), principal...) }

// Seal returns the opaque form of position plain for principal: base64url
// (no padding) of the key id, the 12-byte nonce and the AES-GCM sealed
// position. The same (principal, plain) under the same key gives the same
// string.
func (s *Sealer) Seal(principal, plain string) string {
	s.mu.RLock()
	k := s.keys[0]
	s.mu.RUnlock()
	m := hmac.New(sha256.New, k.nonce)
	m.Write([]byte(principal))
	m.Write([]byte{0})
	m.Write([]byte(plain))
	nonce := m.Sum(nil)[:k.aead.NonceSize()]
	out := make([]byte, 0, 4+len(nonce)+len(plain)+k.aead.Overhead())
	out = append(out, k.id[:]...)
	out = append(out, nonce...)
	out = k.aead.Seal(out, nonce, []byte(plain), aad(principal))
	return base64.RawURLEncoding.EncodeToString(out)
}

// ErrMalformed is the error of Open for anything it cannot open: not
// base64, too short, an unknown key, tampered, or sealed for another
// principal. The message is the same in every case, so that it tells a
// caller nothing. EINVALID.
var ErrMalformed = &article5.Error{Code: article5.EINVALID, Message: "malformed or expired page cursor"}

// Open returns the position sealed in token for principal, or
// ErrMalformed.
func (s *Sealer) Open(principal, token string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(b) < 4+12+16 {
		return "", ErrMalformed
	}
	k, ok := s.find(b[:4])
	if !ok && s.reload != nil {
		if keys, err := s.reload(); err == nil && s.set(keys) == nil {
			k, ok = s.find(b[:4])
		}
	}
	if !ok {
		return "", ErrMalformed
	}
	n := k.aead.NonceSize()
	plain, err := k.aead.Open(nil, b[4:4+n], b[4+n:], aad(principal))
	if err != nil {
		return "", ErrMalformed
	}
	return string(plain), nil
}

func (s *Sealer) find(id []byte) (sealKey, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, k := range s.keys {
		if string(k.id[:]) == string(id) {
			return k, true
		}
	}
	return sealKey{}, false
}
