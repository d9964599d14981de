package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"article5"
	"article5/audit"
)

// FindConsultation returns the consultation of a case; ENOTFOUND if none
// was opened.
func (db *DB) FindConsultation(ctx context.Context, caseID string) (*article5.Consultation, error) {
	c, err := scanConsultation(db.pool.QueryRow(ctx,
		`SELECT case_id, state, version, data, updated FROM consultations WHERE case_id = $1`, caseID))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, notFound("no consultation on case %s: an analyst opens one (article5 case open --case ID)", caseID)
	}
	if err != nil {
		return nil, article5.Internal("postgres: find consultation", err)
	}
	return c, nil
}

func scanConsultation(row interface{ Scan(...any) error }) (*article5.Consultation, error) {
	var c article5.Consultation
	var state, data string
	var updated int64
	if err := row.Scan(&c.Case, &state, &c.Version, &data, &updated); err != nil {
		return nil, err
	}
	c.State, c.Data, c.Updated = article5.CaseState(state), []byte(data), fromNano(updated)
	return &c, nil
}

// SaveConsultation stores c with the objects and events it produced, in one
// transaction with their audit entries; ECONFLICT unless c.Version is the
// stored version + 1 (1 for a new consultation), or if an object is refused.
func (db *DB) SaveConsultation(ctx context.Context, c *article5.Consultation, kind string, objs []*article5.StoredObject, events []article5.Event) ([]article5.Event, error) {
	const op = "postgres: save consultation"
	if c == nil || c.Case == "" || c.State == "" || len(c.Data) == 0 || c.Version < 1 {
		return nil, article5.Errorf(article5.EINVALID, "a consultation needs a case, a state, data and a version ≥ 1")
	}
	tx, err := db.pool.Begin(ctx)
	if err != nil {
		return nil, article5.Internal(op, err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	// One consultation write at a time: the version check then holds.
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, lockConsultations); err != nil {
		return nil, article5.Internal(op, err)
	}
	now := db.now()
	if c.Updated.IsZero() {
		c.Updated = now
	}
	var stored int64
	err = tx.QueryRow(ctx, `SELECT version FROM consultations WHERE case_id = $1`, c.Case).Scan(&stored)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return nil, article5.Internal(op, err)
	}
	if c.Version != stored+1 {
		return nil, article5.Errorf(article5.ECONFLICT, "the consultation on case %s was changed by another request (version %d, expected %d): retry", c.Case, stored, c.Version-1)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO consultations (case_id, state, version, data, updated) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (case_id) DO UPDATE SET state = excluded.state, version = excluded.version, data = excluded.data, updated = excluded.updated`,
		c.Case, string(c.State), c.Version, string(c.Data), c.Updated.UnixNano()); err != nil {
		return nil, article5.Internal(op, err)
	}
	entries := []audit.Entry{{Kind: kind, Ref: audit.ConsultationRef(c.Case), Digest: audit.ConsultationDigest(c), Time: now}}
	if len(objs) > 0 {
		if _, err := db.ingestTx(ctx, tx, op, objs, nil, true, now, false); err != nil {
			return nil, err
		}
	}
	if len(events) > 0 {
		// Events take their seq in commit order (see SaveAssessment).
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, lockEvents); err != nil {
			return nil, article5.Internal(op, err)
		}
	}
	out := make([]article5.Event, len(events))
	copy(out, events)
	for i := range out {
		e := &out[i]
		if e.Time.IsZero() {
			e.Time = now
		}
		if err := tx.QueryRow(ctx, `INSERT INTO events (type, case_id, doctrine, from_tier, to_tier, hash, party, outcome, time)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING seq`,
			e.Type, e.Case, e.Doctrine, string(e.From), string(e.To), e.Hash, string(e.Party), string(e.Outcome), e.Time.UnixNano()).Scan(&e.Seq); err != nil {
			return nil, article5.Internal(op, err)
		}
		entries = append(entries, audit.Entry{Kind: audit.KindEvent, Ref: audit.EventRef(e.Seq), Digest: audit.EventDigest(e), Time: now})
	}
	if err := db.appendAudit(ctx, tx, entries); err != nil {
		return nil, err
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, article5.Internal(op, err)
	}
	return out, nil
}

const keyColumns = `key_id, user_id, party, sealed, certificate, revocation, created`

func scanKey(row interface{ Scan(...any) error }) (*article5.ApproverKey, error) {
	var k article5.ApproverKey
	var party, cert, rev string
	var created int64
	if err := row.Scan(&k.KeyID, &k.UserID, &party, &k.Sealed, &cert, &rev, &created); err != nil {
		return nil, err
	}
	k.Party, k.Certificate, k.Created = article5.Party(party), []byte(cert), fromNano(created)
	if rev != "" {
		k.Revocation = []byte(rev)
	}
	return &k, nil
}

// CreateApproverKey stores an approver key with its audit entry;
// ECONFLICT if the key id is held, ENOTFOUND if the user does not exist.
func (db *DB) CreateApproverKey(ctx context.Context, k *article5.ApproverKey) error {
	const op = "postgres: create approver key"
	if k.KeyID == "" || k.UserID == "" || len(k.Sealed) == 0 || len(k.Certificate) == 0 {
		return article5.Errorf(article5.EINVALID, "an approver key needs a key id, a user, the sealed key and its certificate")
	}
	if k.Created.IsZero() {
		k.Created = db.now()
	}
	tx, err := db.pool.Begin(ctx)
	if err != nil {
		return article5.Internal(op, err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	var n int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM users WHERE id = $1`, k.UserID).Scan(&n); err != nil {
		return article5.Internal(op, err)
	}
	if n == 0 {
		return notFound("user %s not found", k.UserID)
	}
	tag, err := tx.Exec(ctx, `INSERT INTO approver_keys (`+keyColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
		k.KeyID, k.UserID, string(k.Party), k.Sealed, string(k.Certificate), string(k.Revocation), k.Created.UnixNano())
	if err != nil {
		return article5.Internal(op, err)
	}
	if tag.RowsAffected() == 0 {
		return article5.Errorf(article5.ECONFLICT, "approver key %s is already held", k.KeyID)
	}
	if err := db.appendAudit(ctx, tx, []audit.Entry{{Kind: audit.KindKey, Ref: audit.ApproverKeyRef(k.KeyID), Digest: audit.ApproverKeyDigest(k), Time: db.now()}}); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return article5.Internal(op, err)
	}
	return nil
}

// FindApproverKeys returns a user's keys, newest first.
func (db *DB) FindApproverKeys(ctx context.Context, userID string) ([]*article5.ApproverKey, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+keyColumns+` FROM approver_keys WHERE user_id = $1 ORDER BY created DESC, key_id`, userID)
	if err != nil {
		return nil, article5.Internal("postgres: find approver keys", err)
	}
	defer rows.Close()
	out := []*article5.ApproverKey{}
	for rows.Next() {
		k, err := scanKey(rows)
		if err != nil {
			return nil, article5.Internal("postgres: find approver keys", err)
		}
		out = append(out, k)
	}
	if err := rows.Err(); err != nil {
		return nil, article5.Internal("postgres: find approver keys", err)
	}
	return out, nil
}

// FindApproverKey returns one key; ENOTFOUND.
func (db *DB) FindApproverKey(ctx context.Context, keyID string) (*article5.ApproverKey, error) {
	k, err := scanKey(db.pool.QueryRow(ctx, `SELECT `+keyColumns+` FROM approver_keys WHERE key_id = $1`, keyID))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, notFound("approver key %s not found", keyID)
	}
	if err != nil {
		return nil, article5.Internal("postgres: find approver key", err)
	}
	return k, nil
}

// RevokeApproverKey records a key's revocation with its audit entry;
// ENOTFOUND for an unknown key, ECONFLICT if already revoked.
func (db *DB) RevokeApproverKey(ctx context.Context, keyID string, revocation []byte) error {
	const op = "postgres: revoke approver key"
	if len(revocation) == 0 {
		return article5.Errorf(article5.EINVALID, "a revocation is required")
	}
	tx, err := db.pool.Begin(ctx)
	if err != nil {
		return article5.Internal(op, err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	k, err := scanKey(tx.QueryRow(ctx, `SELECT `+keyColumns+` FROM approver_keys WHERE key_id = $1`, keyID))
	if errors.Is(err, pgx.ErrNoRows) {
		return notFound("approver key %s not found", keyID)
	}
	if err != nil {
		return article5.Internal(op, err)
	}
	if k.Revocation != nil {
		return article5.Errorf(article5.ECONFLICT, "approver key %s is already revoked", keyID)
	}
	if _, err := tx.Exec(ctx, `UPDATE approver_keys SET revocation = $1 WHERE key_id = $2`, string(revocation), keyID); err != nil {
		return article5.Internal(op, err)
	}
	k.Revocation = revocation
	if err := db.appendAudit(ctx, tx, []audit.Entry{{Kind: audit.KindKey, Ref: audit.ApproverKeyRef(k.KeyID), Digest: audit.ApproverKeyDigest(k), Time: db.now()}}); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return article5.Internal(op, err)
	}
	return nil
}

// coverConsultations adds the ref and digest of every consultations and
// approver_keys row to out.
func coverConsultations(ctx context.Context, q querier, out map[string]string) error {
	rows, err := q.Query(ctx, `SELECT case_id, state, version, data, updated FROM consultations`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		c, err := scanConsultation(rows)
		if err != nil {
			return err
		}
		out[audit.ConsultationRef(c.Case)] = audit.ConsultationDigest(c)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	rows.Close()
	krows, err := q.Query(ctx, `SELECT `+keyColumns+` FROM approver_keys`)
	if err != nil {
		return err
	}
	defer krows.Close()
	for krows.Next() {
		k, err := scanKey(krows)
		if err != nil {
			return err
		}
		out[audit.ApproverKeyRef(k.KeyID)] = audit.ApproverKeyDigest(k)
	}
	return krows.Err()
}
