package sqlstore

import (
	"context"
	"time"

	"article5"
)

// CreateTAXIIStatus stores a TAXII status resource and deletes those
// created before expireBefore, in one transaction.
func (db *DB) CreateTAXIIStatus(ctx context.Context, s *article5.TAXIIStatus, expireBefore time.Time) error {
	op := db.op("create taxii status")
	tx, err := db.begin(ctx, op)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `DELETE FROM taxii_statuses WHERE created < ?`, expireBefore.UnixNano()); err != nil {
		return article5.Internal(op, err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO taxii_statuses (id, owner, created, body) VALUES (?, ?, ?, ?)`,
		s.ID, s.Owner, s.Created.UnixNano(), s.Body); err != nil {
		return article5.Internal(op, err)
	}
	return commit(ctx, op, tx)
}

// FindTAXIIStatus returns status id if owner made it and it was created
// at or after notBefore; ENOTFOUND otherwise (the same for another owner's).
func (db *DB) FindTAXIIStatus(ctx context.Context, id, owner string, notBefore time.Time) (*article5.TAXIIStatus, error) {
	s := &article5.TAXIIStatus{}
	var created int64
	err := db.drv.Read().QueryRow(ctx, `SELECT id, owner, created, body FROM taxii_statuses WHERE id = ? AND owner = ? AND created >= ?`,
		id, owner, notBefore.UnixNano()).Scan(&s.ID, &s.Owner, &created, &s.Body)
	if isNoRows(err) {
		return nil, notFound("no such status")
	}
	if err != nil {
		return nil, article5.Internal(db.op("find taxii status"), err)
	}
	s.Created = fromNano(created)
	return s, nil
}
