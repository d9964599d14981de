package sqlstore

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"article5"
	"article5/audit"
	"article5/cursor"
)

// sealedPrefix marks a partner secret (token, client key) kept sealed
// with the node's newest cursor secret (package cursor, AES-256-GCM); a
// value without it was stored in plaintext before sealing existed and is
// sealed at the next rotation.
const sealedPrefix = "sealed1:"

// partnerSecretPrincipal binds a sealed secret to its partner and column:
// a sealed value copied to another row or column does not open.
func partnerSecretPrincipal(name, column string) string {
	return "partner-secret\x00" + name + "\x00" + column
}

// sealerTx returns a sealer of the node's secrets as q reads them (nil
// when there is none); with create, a first secret is made in q's
// transaction when there is none.
func (db *DB) sealerTx(ctx context.Context, q Querier, create bool) (*cursor.Sealer, error) {
	ss, err := db.readSecrets(ctx, q)
	if err != nil {
		return nil, err
	}
	if len(ss) == 0 && create {
		s, err := db.insertSecret(ctx, q)
		if err != nil {
			return nil, err
		}
		ss = []article5.NodeSecret{*s}
	}
	if len(ss) == 0 {
		return nil, nil
	}
	keys := make([]cursor.Key, len(ss))
	for i, s := range ss {
		keys[i] = cursor.Key{ID: s.ID, Secret: s.Secret, Created: s.Created}
	}
	return cursor.New(keys, nil)
}

// insertSecret makes a new node secret in q (32 bytes from crypto/rand;
// its id the first 4 bytes of its sha256, hex, as cursor.KeyID).
func (db *DB) insertSecret(ctx context.Context, q Querier) (*article5.NodeSecret, error) {
	now := db.now()
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	sum := sha256.Sum256(b)
	s := &article5.NodeSecret{ID: hex.EncodeToString(sum[:4]), Secret: b, Created: now}
	if _, err := q.Exec(ctx, `INSERT INTO node_secrets (id, secret, created) VALUES (?, ?, ?)`, s.ID, s.Secret, now.UnixNano()); err != nil {
		return nil, err
	}
	return s, nil
}

// sealPartner returns p's token and client key as stored: sealed with s's
// newest secret (empty values stay empty).
func sealPartner(s *cursor.Sealer, p *article5.Partner) (token string, key []byte) {
	token = p.Token
	if token != "" {
		token = sealedPrefix + s.Seal(partnerSecretPrincipal(p.Name, "token"), token)
	}
	if len(p.ClientKey) > 0 {
		key = []byte(sealedPrefix + s.Seal(partnerSecretPrincipal(p.Name, "client_key"), string(p.ClientKey)))
	}
	return token, nonNilBytes(key)
}

// unsealPartner opens p's token and client key in place (a plaintext
// value, stored before sealing existed, is kept as it is). EINTERNAL when
// a value is sealed with a secret the node no longer holds.
func unsealPartner(s *cursor.Sealer, p *article5.Partner) error {
	open := func(column, v string) (string, error) {
		rest, ok := strings.CutPrefix(v, sealedPrefix)
		if !ok {
			return v, nil
		}
		if s == nil {
			return "", fmt.Errorf("partner %s: its %s is sealed and the node holds no secret", p.Name, column)
		}
		plain, err := s.Open(partnerSecretPrincipal(p.Name, column), rest)
		if err != nil {
			return "", fmt.Errorf("partner %s: its %s does not open with the node's secrets", p.Name, column)
		}
		return plain, nil
	}
	var err error
	if p.Token, err = open("token", p.Token); err != nil {
		return err
	}
	key, err := open("client_key", string(p.ClientKey))
	if err != nil {
		return err
	}
	if len(key) > 0 {
		p.ClientKey = []byte(key)
	}
	return nil
}

// resealPartners seals every partner's token and client key with the
// newest of the secrets q reads (a rotation, in its transaction, before
// older secrets are deleted). The transparency log covers the plaintext
// (audit.PartnerDigest of the opened row), which does not change.
func (db *DB) resealPartners(ctx context.Context, q Querier) error {
	s, err := db.sealerTx(ctx, q, false)
	if err != nil || s == nil {
		return err
	}
	ps, err := collect(ctx, q, scanPartner, `SELECT `+partnerColumns+` FROM partners`)
	if err != nil {
		return err
	}
	for _, p := range ps {
		if err := unsealPartner(s, p); err != nil {
			continue // a row tampered with stays as it is: audit verify reports it
		}
		token, key := sealPartner(s, p)
		if _, err := q.Exec(ctx, `UPDATE partners SET token = ?, client_key = ? WHERE name = ?`, token, key, p.Name); err != nil {
			return err
		}
	}
	return nil
}

// openedPartners reads the partners rows of q (where: a condition,
// with args), opened (for FindPartners and the transparency log's
// digests). With lenient, a row that does not open (a sealed value moved
// to another row, or its secret deleted behind the node's back) is kept
// as stored, so that its digest differs from the one recorded.
func (db *DB) openedPartners(ctx context.Context, q Querier, lenient bool, where string, args ...any) ([]*article5.Partner, error) {
	ps, err := collect(ctx, q, scanPartner, `SELECT `+partnerColumns+` FROM partners`+where+` ORDER BY name`, args...)
	if err != nil {
		return nil, err
	}
	var s *cursor.Sealer
	for _, p := range ps {
		if strings.HasPrefix(p.Token, sealedPrefix) || strings.HasPrefix(string(p.ClientKey), sealedPrefix) {
			if s == nil {
				if s, err = db.sealerTx(ctx, q, false); err != nil {
					return nil, err
				}
			}
		}
		opened := *p
		if err := unsealPartner(s, &opened); err != nil {
			if lenient {
				continue
			}
			return nil, err
		}
		*p = opened
	}
	return ps, nil
}

// partnerDigests is coverPartners over opened rows.
func (db *DB) partnerDigests(ctx context.Context, q Querier, out map[string]string) error {
	ps, err := db.openedPartners(ctx, q, true, "")
	if err != nil {
		return err
	}
	for _, p := range ps {
		out[audit.PartnerRef(p.Name)] = audit.PartnerDigest(p)
	}
	return nil
}
