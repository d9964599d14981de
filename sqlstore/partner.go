package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"

	"article5"
	"article5/audit"
)

// CreatePartner stores p; ECONFLICT if its name is taken. A zero Created
// is filled with Now().
func (db *DB) CreatePartner(ctx context.Context, p *article5.Partner) error {
	op := db.op("create partner")
	if p.Created.IsZero() {
		p.Created = db.now()
	}
	speaks, err := json.Marshal(nonNil(p.SpeaksFor))
	if err != nil {
		return article5.Internal(op, err)
	}
	cols, err := json.Marshal(nonNil(p.Collections))
	if err != nil {
		return article5.Internal(op, err)
	}
	ca := p.CA
	if ca == nil {
		ca = []byte{}
	}
	tx, err := db.begin(ctx, op)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	// The token and client key are kept sealed (partnerseal.go).
	sealer, err := db.sealerTx(ctx, tx, true)
	if err != nil {
		return article5.Internal(op, err)
	}
	token, key := sealPartner(sealer, p)
	n, err := tx.Exec(ctx, `INSERT INTO partners (name, api_root, ca, token, speaks_for, collections, created, client_cert, client_key)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		p.Name, p.APIRoot, ca, token, string(speaks), string(cols), p.Created.UnixNano(), nonNilBytes(p.ClientCert), key)
	if err != nil {
		return article5.Internal(op, err)
	}
	if n == 0 {
		return article5.Errorf(article5.ECONFLICT, "partner %s already exists", p.Name)
	}
	// Whom a partner speaks for decides what a sync may store in their
	// custody: the row is covered by the transparency log.
	stored, err := db.openedPartners(ctx, tx, false, ` WHERE name = ?`, p.Name)
	if err != nil || len(stored) != 1 {
		return article5.Internal(op, fmt.Errorf("read back partner %s: %v", p.Name, err))
	}
	if err := db.appendAudit(ctx, tx, []audit.Entry{{Kind: audit.KindPartner, Ref: audit.PartnerRef(p.Name), Digest: audit.PartnerDigest(stored[0]), Time: db.now()}}); err != nil {
		return err
	}
	return commit(ctx, op, tx)
}

// partnerColumns are the columns scanPartner reads.
const partnerColumns = `name, api_root, ca, token, speaks_for, collections, created, client_cert, client_key`

func scanPartner(r Row) (*article5.Partner, error) {
	p := &article5.Partner{}
	var speaks, cols string
	var created int64
	if err := r.Scan(&p.Name, &p.APIRoot, &p.CA, &p.Token, &speaks, &cols, &created, &p.ClientCert, &p.ClientKey); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(speaks), &p.SpeaksFor); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(cols), &p.Collections); err != nil {
		return nil, err
	}
	p.Created = fromNano(created)
	return p, nil
}

// FindPartners returns every partner, by name.
func (db *DB) FindPartners(ctx context.Context) ([]*article5.Partner, error) {
	ps, err := db.openedPartners(ctx, db.drv.Read(), false, "")
	if err != nil {
		return nil, article5.Internal(db.op("find partners"), err)
	}
	return ps, nil
}

// DeletePartner deletes partner name and its cursors; ENOTFOUND.
func (db *DB) DeletePartner(ctx context.Context, name string) error {
	op := db.op("delete partner")
	tx, err := db.begin(ctx, op)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `DELETE FROM partner_cursors WHERE partner = ?`, name); err != nil {
		return article5.Internal(op, err)
	}
	if _, err := tx.Exec(ctx, `DELETE FROM partner_pushes WHERE partner = ?`, name); err != nil {
		return article5.Internal(op, err)
	}
	n, err := tx.Exec(ctx, `DELETE FROM partners WHERE name = ?`, name)
	if err != nil {
		return article5.Internal(op, err)
	}
	if n == 0 {
		return notFound("no partner %s", name)
	}
	if err := db.appendAudit(ctx, tx, []audit.Entry{{Kind: audit.KindPartner, Ref: audit.PartnerRef(name), Digest: audit.DigestDeleted, Time: db.now()}}); err != nil {
		return err
	}
	return commit(ctx, op, tx)
}

func scanPartnerCursor(r Row) (*article5.PartnerCursor, error) {
	c := &article5.PartnerCursor{}
	var last, attempt int64
	if err := r.Scan(&c.Partner, &c.Collection, &c.AddedAfter, &last, &attempt, &c.LastError, &c.Pulled, &c.Errors); err != nil {
		return nil, err
	}
	if last != 0 {
		c.LastSync = fromNano(last)
	}
	if attempt != 0 {
		c.LastAttempt = fromNano(attempt)
	}
	return c, nil
}

// FindPartnerCursors returns the cursors of partner name ("": of every
// partner), by partner and collection.
func (db *DB) FindPartnerCursors(ctx context.Context, name string) ([]*article5.PartnerCursor, error) {
	q := `SELECT partner, collection, added_after, last_sync, last_attempt, last_error, pulled, errors FROM partner_cursors`
	var args []any
	if name != "" {
		q += ` WHERE partner = ?`
		args = append(args, name)
	}
	cs, err := collect(ctx, db.drv.Read(), scanPartnerCursor, q+` ORDER BY partner, collection`, args...)
	if err != nil {
		return nil, article5.Internal(db.op("find partner cursors"), err)
	}
	return cs, nil
}

// SavePartnerCursor stores c, replacing the cursor of its partner and
// collection; ENOTFOUND if the partner is not held (it was removed).
func (db *DB) SavePartnerCursor(ctx context.Context, c *article5.PartnerCursor) error {
	op := db.op("save partner cursor")
	tx, err := db.begin(ctx, op)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	if err := partnerHeld(ctx, tx, op, c.Partner); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO partner_cursors (partner, collection, added_after, last_sync, last_attempt, last_error, pulled, errors)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (partner, collection) DO UPDATE SET added_after = excluded.added_after, last_sync = excluded.last_sync,
		last_attempt = excluded.last_attempt, last_error = excluded.last_error, pulled = excluded.pulled, errors = excluded.errors`,
		c.Partner, c.Collection, c.AddedAfter, zeroOrNano(c.LastSync), zeroOrNano(c.LastAttempt), c.LastError, c.Pulled, c.Errors); err != nil {
		return article5.Internal(op, err)
	}
	return commit(ctx, op, tx)
}

// partnerHeld is nil when partner name is held in tx, else ENOTFOUND (it
// was removed): what a partner's cursor, push position or head needs.
func partnerHeld(ctx context.Context, tx Tx, op, name string) error {
	var held int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM partners WHERE name = ?`, name).Scan(&held); err != nil {
		return article5.Internal(op, err)
	}
	if held == 0 {
		return notFound("no partner %s", name)
	}
	return nil
}

// nonNilBytes is b, or an empty slice: a NOT NULL blob column.
func nonNilBytes(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}
