package postgres

import (
	"context"
	"encoding/json"
	"errors"

	"article5"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// CreateToken stores a token (only the sha256 of its secret). An empty ID
// is filled with "token--<uuid>" and a zero Created with Now(). ECONFLICT
// if the id or the hash is already held; EINVALID without a hash.
func (db *DB) CreateToken(ctx context.Context, t *article5.Token) error {
	const op = "postgres: create token"
	if t.Hash == "" {
		return article5.Errorf(article5.EINVALID, "a token needs the sha256 of its secret")
	}
	if t.ID == "" {
		t.ID = "token--" + uuid.NewString()
	}
	if t.Created.IsZero() {
		t.Created = db.now()
	}
	comm, err := json.Marshal(nonNil(t.Communities))
	if err != nil {
		return article5.Internal(op, err)
	}
	tx, err := db.pool.Begin(ctx)
	if err != nil {
		return article5.Internal(op, err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	tag, err := tx.Exec(ctx, `INSERT INTO tokens (id, name, party, org, communities, hash, created)
		VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7) ON CONFLICT DO NOTHING`,
		t.ID, t.Name, string(t.Party), t.Org, string(comm), t.Hash, t.Created.UnixNano())
	if err != nil {
		return article5.Internal(op, err)
	}
	if tag.RowsAffected() == 0 {
		return article5.Errorf(article5.ECONFLICT, "token %s: a token with this id or secret already exists", t.ID)
	}
	if err := db.auditToken(ctx, tx, t.ID); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return article5.Internal(op, err)
	}
	return nil
}

// FindTokenByHash returns the token whose secret hashes to hash; ENOTFOUND
// if there is none or it is revoked.
func (db *DB) FindTokenByHash(ctx context.Context, hash string) (*article5.Token, error) {
	const op = "postgres: find token"
	var t article5.Token
	var party, comm string
	var created int64
	err := db.pool.QueryRow(ctx, `SELECT id, name, party, org, communities::text, hash, created
		FROM tokens WHERE hash = $1 AND NOT revoked`, hash).Scan(&t.ID, &t.Name, &party, &t.Org, &comm, &t.Hash, &created)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, notFound("token not found")
	}
	if err != nil {
		return nil, article5.Internal(op, err)
	}
	t.Party = article5.Party(party)
	t.Created = fromNano(created)
	if err := json.Unmarshal([]byte(comm), &t.Communities); err != nil {
		return nil, article5.Internal(op, err)
	}
	return &t, nil
}

// RevokeToken revokes a token: FindTokenByHash no longer finds it.
// ENOTFOUND if there is no such token.
func (db *DB) RevokeToken(ctx context.Context, id string) error {
	const op = "postgres: revoke token"
	tx, err := db.pool.Begin(ctx)
	if err != nil {
		return article5.Internal(op, err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	tag, err := tx.Exec(ctx, `UPDATE tokens SET revoked = true WHERE id = $1`, id)
	if err != nil {
		return article5.Internal(op, err)
	}
	if tag.RowsAffected() == 0 {
		return notFound("token %s not found", id)
	}
	if err := db.auditToken(ctx, tx, id); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return article5.Internal(op, err)
	}
	return nil
}
