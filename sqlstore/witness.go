package sqlstore

import (
	"context"
	"strings"
	"time"

	"article5"
)

// partnerHeadColumns are the columns scanPartnerHead reads.
const partnerHeadColumns = `partner, signed, size, hash, head_time, key_id, party, certificate, witnessed, last_attempt,
	last_error, checks, inconsistencies, conflict, conflict_reason, conflict_at, conflict_open`

func scanPartnerHead(r Row) (*article5.PartnerHead, error) {
	h := &article5.PartnerHead{}
	var party string
	var headTime, witnessed, attempt, conflictAt, open int64
	if err := r.Scan(&h.Partner, &h.Signed, &h.Size, &h.Hash, &headTime, &h.KeyID, &party, &h.Certificate, &witnessed, &attempt,
		&h.LastError, &h.Checks, &h.Inconsistencies, &h.Conflict, &h.ConflictReason, &conflictAt, &open); err != nil {
		return nil, err
	}
	h.ConflictOpen = open != 0
	h.Party = article5.Party(party)
	h.Time, h.Witnessed, h.LastAttempt, h.ConflictAt = nanoOrZero(headTime), nanoOrZero(witnessed), nanoOrZero(attempt), nanoOrZero(conflictAt)
	return h, nil
}

func nanoOrZero(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return fromNano(n)
}

func zeroOrNano(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// FindPartnerHeads returns the heads witnessed of partner name ("": of
// every partner), by partner.
func (db *DB) FindPartnerHeads(ctx context.Context, name string) ([]*article5.PartnerHead, error) {
	q := `SELECT ` + partnerHeadColumns + ` FROM partner_heads`
	var args []any
	if name != "" {
		q += ` WHERE partner = ?`
		args = append(args, name)
	}
	hs, err := collect(ctx, db.drv.Read(), scanPartnerHead, q+` ORDER BY partner`, args...)
	if err != nil {
		return nil, article5.Internal(db.op("find partner heads"), err)
	}
	return hs, nil
}

// SavePartnerHead stores h, replacing the partner's row, and, when e is
// not nil, records e (filed for org) in the same transaction with its
// audit entry.
func (db *DB) SavePartnerHead(ctx context.Context, h *article5.PartnerHead, e *article5.Event, org string) error {
	op := db.op("save partner head")
	if h == nil || h.Partner == "" {
		return article5.Errorf(article5.EINVALID, "a partner head needs a partner")
	}
	var locks []Lock
	if e != nil {
		locks = append(locks, LockEvents)
	}
	tx, err := db.begin(ctx, op, locks...)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `INSERT INTO partner_heads (`+partnerHeadColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (partner) DO UPDATE SET signed = excluded.signed, size = excluded.size, hash = excluded.hash,
		head_time = excluded.head_time, key_id = excluded.key_id, party = excluded.party, certificate = excluded.certificate,
		witnessed = excluded.witnessed, last_attempt = excluded.last_attempt, last_error = excluded.last_error,
		checks = excluded.checks, inconsistencies = excluded.inconsistencies, conflict = excluded.conflict,
		conflict_reason = excluded.conflict_reason, conflict_at = excluded.conflict_at, conflict_open = excluded.conflict_open`,
		h.Partner, nonNilBytes(h.Signed), h.Size, h.Hash, zeroOrNano(h.Time), h.KeyID, string(h.Party), nonNilBytes(h.Certificate),
		zeroOrNano(h.Witnessed), zeroOrNano(h.LastAttempt), h.LastError, h.Checks, h.Inconsistencies, nonNilBytes(h.Conflict),
		h.ConflictReason, zeroOrNano(h.ConflictAt), boolInt(h.ConflictOpen)); err != nil {
		return article5.Internal(op, err)
	}
	if e != nil {
		now := db.now()
		if e.Time.IsZero() {
			e.Time = now
		}
		e.Case, e.Org = "", org
		evs := []article5.Event{*e}
		entries, err := db.insertEvents(ctx, tx, evs, now)
		if err != nil {
			return article5.Internal(op, err)
		}
		if err := db.appendAudit(ctx, tx, entries); err != nil {
			return err
		}
		*e = evs[0]
	}
	return commit(ctx, op, tx)
}

// fileForOrg files event seq under every key of organisation org
// (article5.OrgGrants).
func fileForOrg(ctx context.Context, tx Tx, seq int64, org string) error {
	for _, k := range article5.OrgGrants(org) {
		if _, err := tx.Exec(ctx, `INSERT INTO event_audience (grant_key, seq) VALUES (?, ?)`, k, seq); err != nil {
			return err
		}
	}
	return nil
}

// SetNodeCertificate stores the certificate of this node's tree-head key.
func (db *DB) SetNodeCertificate(ctx context.Context, keyID string, cert []byte) error {
	op := db.op("set node certificate")
	tx, err := db.begin(ctx, op)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `INSERT INTO node_certificate (id, key_id, certificate, created) VALUES (1, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET key_id = excluded.key_id, certificate = excluded.certificate, created = excluded.created`,
		keyID, cert, db.now().UnixNano()); err != nil {
		return article5.Internal(op, err)
	}
	return commit(ctx, op, tx)
}

// NodeCertificate returns the stored certificate of this node's key;
// ENOTFOUND if none.
func (db *DB) NodeCertificate(ctx context.Context) (string, []byte, error) {
	var keyID string
	var cert []byte
	err := db.drv.Read().QueryRow(ctx, `SELECT key_id, certificate FROM node_certificate WHERE id = 1`).Scan(&keyID, &cert)
	if isNoRows(err) {
		return "", nil, notFound("this node's key has no certificate: install one with article5 audit certificate install")
	}
	if err != nil {
		return "", nil, article5.Internal(db.op("node certificate"), err)
	}
	return keyID, cert, nil
}

// heldEventKeys is heldKeys for events: the audience's keys under which
// a case is filed, or an event about no case (OrgGrants). One EXISTS over
// both tables, so that each key is looked up by index (an OR of two
// EXISTS is planned as a read of both tables on PostgreSQL).
func (db *DB) heldEventKeys(ctx context.Context, a article5.Audience) ([]string, error) {
	keys := a.Grants()
	arms := make([]string, len(keys))
	args := make([]any, len(keys))
	for i, k := range keys {
		arms[i] = `SELECT CAST(? AS TEXT) AS k`
		args[i] = k
	}
	return collect(ctx, db.drv.Read(), func(r Row) (string, error) {
		var k string
		return k, r.Scan(&k)
	}, `SELECT k FROM (`+strings.Join(arms, ` UNION ALL `)+`) q WHERE EXISTS (
		SELECT 1 FROM case_audience a WHERE a.grant_key = q.k UNION ALL SELECT 1 FROM event_audience e WHERE e.grant_key = q.k)`, args...)
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}
