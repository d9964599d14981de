package sqlstore

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"

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
	tx, err := db.begin(ctx, op)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	if err := partnerHeld(ctx, tx, op, p.Partner); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO partner_pushes (partner, collection, position, last_push, last_attempt, last_error, pushed, refused, errors)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (partner) DO UPDATE SET collection = excluded.collection, position = excluded.position, last_push = excluded.last_push,
		last_attempt = excluded.last_attempt, last_error = excluded.last_error, pushed = excluded.pushed, refused = excluded.refused, errors = excluded.errors`,
		p.Partner, p.Collection, p.Position, zeroOrNano(p.LastPush), zeroOrNano(p.LastAttempt), p.LastError, p.Pushed, p.Refused, p.Errors); err != nil {
		return article5.Internal(op, err)
	}
	return commit(ctx, op, tx)
}

// FindQuarantinedFor returns a page of the versions held in organisation
// org's quarantine, in the order received (date added, then id, version
// and content hash), with f's IDs, Types, AddedAfter (exclusive), Cursor
// and Limit (default 100, at most 1000); its other fields are ignored:
// every quarantined version is listed. A malformed Cursor is EINVALID.
func (db *DB) FindQuarantinedFor(ctx context.Context, org string, f article5.ObjectFilter) (*article5.ObjectPage, error) {
	op := db.op("find quarantined for")
	limit := pageLimit(f.Limit)
	where, args := []string{`submitter_org = ?`}, []any{org}
	if !f.AddedAfter.IsZero() {
		where = append(where, `(added_sec, added_nsec) > (?, ?)`)
		args = append(args, f.AddedAfter.Unix(), int64(f.AddedAfter.Nanosecond()))
	}
	if f.Cursor != "" {
		var c struct {
			Sec, Nsec        int64
			ID, Version, Sum string
		}
		b, err := base64.RawURLEncoding.DecodeString(f.Cursor)
		if err != nil || json.Unmarshal(b, &c) != nil || c.ID == "" {
			return nil, article5.Errorf(article5.EINVALID, "malformed page cursor %q", f.Cursor)
		}
		where = append(where, `(added_sec, added_nsec, id, version, sha256) > (?, ?, ?, ?, ?)`)
		args = append(args, c.Sec, c.Nsec, c.ID, c.Version, c.Sum)
	}
	for _, in := range []struct {
		col  string
		list []string
	}{{"id", f.IDs}, {"type", f.Types}} {
		if len(in.list) > 0 {
			cond, arg := db.d.In(in.col, in.list)
			where = append(where, cond)
			args = append(args, arg)
		}
	}
	out, err := collect(ctx, db.drv.Read(), scanQuarantined,
		`SELECT `+strings.Join(quarantineColumns, ", ")+` FROM quarantine WHERE `+strings.Join(where, ` AND `)+
			` ORDER BY added_sec, added_nsec, id, version, sha256 LIMIT ?`, append(args, limit+1)...)
	if err != nil {
		return nil, article5.Internal(op, err)
	}
	page := &article5.ObjectPage{Objects: out}
	if len(out) > limit {
		page.Objects = out[:limit]
	}
	if k := len(page.Objects); k > 0 {
		last := page.Objects[k-1]
		b, err := json.Marshal(map[string]any{"Sec": last.Added.Unix(), "Nsec": int64(last.Added.Nanosecond()), "ID": last.ID, "Version": last.Version, "Sum": last.SHA256})
		if err != nil {
			return nil, article5.Internal(op, err)
		}
		page.End = base64.RawURLEncoding.EncodeToString(b)
		if len(out) > limit {
			page.Next = page.End
		}
	}
	return page, nil
}
