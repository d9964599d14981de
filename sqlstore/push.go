package sqlstore

import (
	"context"
	"strings"
	"time"

	"article5"
)

func scanPartnerPush(r Row) (*article5.PartnerPush, error) {
	p := &article5.PartnerPush{}
	var last, attempt int64
	if err := r.Scan(&p.Partner, &p.Collection, &p.Position, &last, &attempt, &p.LastError, &p.Pushed, &p.Refused, &p.Errors); err != nil {
		return nil, err
	}
	if last != 0 {
		p.LastPush = fromNano(last)
	}
	if attempt != 0 {
		p.LastAttempt = fromNano(attempt)
	}
	return p, nil
}

// FindPartnerPushes returns the push records of partner name ("": of
// every partner), by partner.
func (db *DB) FindPartnerPushes(ctx context.Context, name string) ([]*article5.PartnerPush, error) {
	q := `SELECT partner, collection, position, last_push, last_attempt, last_error, pushed, refused, errors FROM partner_pushes`
	var args []any
	if name != "" {
		q += ` WHERE partner = ?`
		args = append(args, name)
	}
	ps, err := collect(ctx, db.drv.Read(), scanPartnerPush, q+` ORDER BY partner`, args...)
	if err != nil {
		return nil, article5.Internal(db.op("find partner pushes"), err)
	}
	return ps, nil
}

// SavePartnerPush stores p, replacing the record of its partner; ENOTFOUND
// if the partner is not held (it was removed).
func (db *DB) SavePartnerPush(ctx context.Context, p *article5.PartnerPush) error {
	op := db.op("save partner push")
	nano := func(t time.Time) int64 {
		if t.IsZero() {
			return 0
		}
		return t.UnixNano()
	}
	tx, err := db.begin(ctx, op)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	var held int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM partners WHERE name = ?`, p.Partner).Scan(&held); err != nil {
		return article5.Internal(op, err)
	}
	if held == 0 {
		return notFound("no partner %s", p.Partner)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO partner_pushes (partner, collection, position, last_push, last_attempt, last_error, pushed, refused, errors)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (partner) DO UPDATE SET collection = excluded.collection, position = excluded.position, last_push = excluded.last_push,
		last_attempt = excluded.last_attempt, last_error = excluded.last_error, pushed = excluded.pushed, refused = excluded.refused, errors = excluded.errors`,
		p.Partner, p.Collection, p.Position, nano(p.LastPush), nano(p.LastAttempt), p.LastError, p.Pushed, p.Refused, p.Errors); err != nil {
		return article5.Internal(op, err)
	}
	return commit(ctx, op, tx)
}

// FindQuarantinedFor returns up to limit (default 100, at most 1000)
// versions held in organisation org's quarantine, oldest first.
func (db *DB) FindQuarantinedFor(ctx context.Context, org string, limit int) ([]*article5.StoredObject, error) {
	out, err := collect(ctx, db.drv.Read(), scanQuarantined,
		`SELECT `+strings.Join(quarantineColumns, ", ")+` FROM quarantine WHERE submitter_org = ? ORDER BY added_sec, added_nsec, id, version LIMIT ?`,
		org, pageLimit(limit))
	if err != nil {
		return nil, article5.Internal(db.op("find quarantined for"), err)
	}
	return out, nil
}
