package sqlstore

import (
	"context"

	"article5"
	"article5/audit"
)

const consultationColumns = `case_id, state, version, data, updated`

// FindConsultation returns the consultation of a case; ENOTFOUND if none
// was opened.
func (db *DB) FindConsultation(ctx context.Context, caseID string) (*article5.Consultation, error) {
	c, err := scanConsultation(db.drv.Read().QueryRow(ctx,
		`SELECT `+consultationColumns+` FROM consultations WHERE case_id = ?`, caseID))
	if isNoRows(err) {
		return nil, notFound("no consultation on case %s: an analyst opens one (article5 case open --case ID)", caseID)
	}
	if err != nil {
		return nil, article5.Internal(db.op("find consultation"), err)
	}
	return c, nil
}

func scanConsultation(row Row) (*article5.Consultation, error) {
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
// transaction with their audit entries (one of the consultations row per
// kind of s.Kinds, one per event, each by s.By); ECONFLICT unless
// c.Version is the stored version + 1 (1 for a new consultation), or if an
// object is refused. See article5.ConsultationService.
func (db *DB) SaveConsultation(ctx context.Context, c *article5.Consultation, s article5.ConsultationSave) ([]article5.Event, error) {
	op := db.op("save consultation")
	if c == nil || c.Case == "" || c.State == "" || len(c.Data) == 0 || c.Version < 1 {
		return nil, article5.Errorf(article5.EINVALID, "a consultation needs a case, a state, data and a version ≥ 1")
	}
	if len(s.Kinds) == 0 {
		return nil, article5.Invalid("cannot save the consultation on case "+c.Case,
			article5.Detail{Object: c.Case, Pointer: "/kinds", Message: "a consultation save records at least one kind of change (audit.KindCase, …)"})
	}
	objs, events := s.Objects, s.Events
	// One consultation write at a time: the version check then holds. The
	// ingest's and the events' locks are taken now, in the order of Lock:
	// ingesting appends to the log (LockAudit), after which no other lock
	// may be taken.
	locks := []Lock{LockConsultations}
	if len(objs) > 0 {
		locks = append(locks, LockObjects)
	}
	if len(events) > 0 {
		locks = append(locks, LockEvents) // events take their seq in commit order (see SaveAssessment)
	}
	tx, err := db.begin(ctx, op, locks...)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback(ctx)
	now := db.now()
	if c.Updated.IsZero() {
		c.Updated = now
	}
	var stored int64
	err = tx.QueryRow(ctx, `SELECT version FROM consultations WHERE case_id = ?`, c.Case).Scan(&stored)
	if err != nil && !isNoRows(err) {
		return nil, article5.Internal(op, err)
	}
	if c.Version != stored+1 {
		return nil, article5.Errorf(article5.ECONFLICT, "the consultation on case %s was changed by another request (version %d, expected %d): retry", c.Case, stored, c.Version-1)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO consultations (`+consultationColumns+`) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (case_id) DO UPDATE SET state = excluded.state, version = excluded.version, data = excluded.data, updated = excluded.updated`,
		c.Case, string(c.State), c.Version, string(c.Data), c.Updated.UnixNano()); err != nil {
		return nil, article5.Internal(op, err)
	}
	entries := make([]audit.Entry, 0, len(s.Kinds)+len(events))
	digest := audit.ConsultationDigest(c)
	for _, k := range s.Kinds {
		entries = append(entries, audit.Entry{Kind: k, Ref: audit.ConsultationRef(c.Case), Digest: digest, Time: now, By: s.By})
	}
	if len(objs) > 0 {
		if _, err := db.ingestTx(ctx, tx, op, article5.IngestRequest{Objects: objs, Atomic: true}, now, false); err != nil {
			return nil, err
		}
	}
	out := make([]article5.Event, len(events))
	copy(out, events)
	for i := range out {
		if out[i].Time.IsZero() {
			out[i].Time = now
		}
	}
	evEntries, err := db.insertEvents(ctx, tx, out, now)
	if err != nil {
		return nil, article5.Internal(op, err)
	}
	for i := range evEntries {
		evEntries[i].By = s.By
	}
	entries = append(entries, evEntries...)
	if err := db.appendAudit(ctx, tx, entries); err != nil {
		return nil, err
	}
	if err := commit(ctx, op, tx); err != nil {
		return nil, err
	}
	if len(out) > 0 {
		db.signals.fire(article5.TopicEvents)
	}
	return out, nil
}

const keyColumns = `key_id, user_id, party, sealed, certificate, revocation, created`

func scanKey(row Row) (*article5.ApproverKey, error) {
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
// ECONFLICT if the key id is held, ENOTFOUND if the user does not exist,
// EINVALID without a key id, a user, the sealed key or its certificate.
func (db *DB) CreateApproverKey(ctx context.Context, k *article5.ApproverKey) error {
	op := db.op("create approver key")
	if k.KeyID == "" || k.UserID == "" || len(k.Sealed) == 0 || len(k.Certificate) == 0 {
		return article5.Errorf(article5.EINVALID, "an approver key needs a key id, a user, the sealed key and its certificate")
	}
	if k.Created.IsZero() {
		k.Created = db.now()
	}
	tx, err := db.begin(ctx, op)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	var n int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM users WHERE id = ?`, k.UserID).Scan(&n); err != nil {
		return article5.Internal(op, err)
	}
	if n == 0 {
		return notFound("user %s not found", k.UserID)
	}
	added, err := tx.Exec(ctx, `INSERT INTO approver_keys (`+keyColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		k.KeyID, k.UserID, string(k.Party), k.Sealed, string(k.Certificate), string(k.Revocation), k.Created.UnixNano())
	if err != nil {
		return article5.Internal(op, err)
	}
	if added == 0 {
		return article5.Errorf(article5.ECONFLICT, "approver key %s is already held", k.KeyID)
	}
	if err := db.appendAudit(ctx, tx, []audit.Entry{{Kind: audit.KindKey, Ref: audit.ApproverKeyRef(k.KeyID), Digest: audit.ApproverKeyDigest(k), Time: db.now()}}); err != nil {
		return err
	}
	return commit(ctx, op, tx)
}

// FindApproverKeys returns a user's keys, newest first.
func (db *DB) FindApproverKeys(ctx context.Context, userID string) ([]*article5.ApproverKey, error) {
	out, err := collect(ctx, db.drv.Read(), scanKey,
		`SELECT `+keyColumns+` FROM approver_keys WHERE user_id = ? ORDER BY created DESC, key_id`, userID)
	if err != nil {
		return nil, article5.Internal(db.op("find approver keys"), err)
	}
	return out, nil
}

// FindApproverKey returns one key; ENOTFOUND.
func (db *DB) FindApproverKey(ctx context.Context, keyID string) (*article5.ApproverKey, error) {
	k, err := scanKey(db.drv.Read().QueryRow(ctx, `SELECT `+keyColumns+` FROM approver_keys WHERE key_id = ?`, keyID))
	if isNoRows(err) {
		return nil, notFound("approver key %s not found", keyID)
	}
	if err != nil {
		return nil, article5.Internal(db.op("find approver key"), err)
	}
	return k, nil
}

// RevokeApproverKey records a key's revocation with its audit entry;
// ENOTFOUND for an unknown key, ECONFLICT if already revoked, EINVALID
// without a revocation.
func (db *DB) RevokeApproverKey(ctx context.Context, keyID string, revocation []byte) error {
	if len(revocation) == 0 {
		return article5.Errorf(article5.EINVALID, "a revocation is required")
	}
	return db.changeLiveKey(ctx, db.op("revoke approver key"), keyID, "approver key %s is already revoked",
		`UPDATE approver_keys SET revocation = ? WHERE key_id = ?`, string(revocation),
		func(k *article5.ApproverKey) { k.Revocation = revocation })
}

// ResealApproverKey replaces the sealed private key of key keyID
// (logged); ENOTFOUND, ECONFLICT if revoked.
func (db *DB) ResealApproverKey(ctx context.Context, keyID string, sealed []byte) error {
	if len(sealed) == 0 {
		return article5.Errorf(article5.EINVALID, "a sealed key is required")
	}
	return db.changeLiveKey(ctx, db.op("reseal approver key"), keyID, "approver key %s is revoked",
		`UPDATE approver_keys SET sealed = ? WHERE key_id = ?`, sealed,
		func(k *article5.ApproverKey) { k.Sealed = sealed })
}

// changeLiveKey sets one column of an unrevoked approver key with update
// (its arguments: value, then the key id), applies the same change to the
// row read (apply) and logs the row as changed, in one transaction;
// ENOTFOUND for an unknown key, ECONFLICT (revoked, a message with the id)
// for a revoked one.
func (db *DB) changeLiveKey(ctx context.Context, op, keyID, revoked, update string, value any, apply func(*article5.ApproverKey)) error {
	tx, err := db.begin(ctx, op)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	k, err := scanKey(tx.QueryRow(ctx, `SELECT `+keyColumns+` FROM approver_keys WHERE key_id = ?`, keyID))
	if isNoRows(err) {
		return notFound("approver key %s not found", keyID)
	}
	if err != nil {
		return article5.Internal(op, err)
	}
	if k.Revocation != nil {
		return article5.Errorf(article5.ECONFLICT, revoked, keyID)
	}
	if _, err := tx.Exec(ctx, update, value, keyID); err != nil {
		return article5.Internal(op, err)
	}
	apply(k)
	if err := db.appendAudit(ctx, tx, []audit.Entry{{Kind: audit.KindKey, Ref: audit.ApproverKeyRef(k.KeyID), Digest: audit.ApproverKeyDigest(k), Time: db.now()}}); err != nil {
		return err
	}
	return commit(ctx, op, tx)
}

// coverConsultations adds the ref and digest of every consultations and
// approver_keys row to out.
func coverConsultations(ctx context.Context, q Querier, out map[string]string) error {
	err := cover(ctx, q, out, `SELECT `+consultationColumns+` FROM consultations`, scanConsultation,
		func(c *article5.Consultation) string { return audit.ConsultationRef(c.Case) }, audit.ConsultationDigest)
	if err != nil {
		return err
	}
	return cover(ctx, q, out, `SELECT `+keyColumns+` FROM approver_keys`, scanKey,
		func(k *article5.ApproverKey) string { return audit.ApproverKeyRef(k.KeyID) }, audit.ApproverKeyDigest)
}
