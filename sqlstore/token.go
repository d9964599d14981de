package sqlstore

import (
	"context"
	"encoding/json"

	"article5"
	"article5/audit"

	"github.com/google/uuid"
)

// CreateToken stores a token (only the sha256 of its secret) with its
// audit entry. An empty ID is filled with "token--<uuid>" and a zero
// Created with Now(). ECONFLICT if the id or the hash is already held;
// EINVALID without a hash.
func (db *DB) CreateToken(ctx context.Context, t *article5.Token) error {
	op := db.op("create token")
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
	tx, err := db.begin(ctx, op)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	n, err := tx.Exec(ctx, `INSERT INTO tokens (id, name, party, org, communities, hash, created)
		VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		t.ID, t.Name, string(t.Party), t.Org, string(comm), t.Hash, t.Created.UnixNano())
	if err != nil {
		return article5.Internal(op, err)
	}
	if n == 0 {
		return article5.Errorf(article5.ECONFLICT, "token %s: a token with this id or secret already exists", t.ID)
	}
	if err := db.auditToken(ctx, tx, t.ID); err != nil {
		return err
	}
	return commit(ctx, op, tx)
}

// FindTokenByHash returns the token whose secret hashes to hash; ENOTFOUND
// if there is none or it is revoked.
func (db *DB) FindTokenByHash(ctx context.Context, hash string) (*article5.Token, error) {
	return db.findToken(ctx, `hash = ?`, hash)
}

// FindTokenByID returns the unrevoked token id (never its secret, which
// the store does not hold); ENOTFOUND.
func (db *DB) FindTokenByID(ctx context.Context, id string) (*article5.Token, error) {
	return db.findToken(ctx, `id = ?`, id)
}

// FindTokens returns the unrevoked tokens of party ("" for every
// party), oldest first.
func (db *DB) FindTokens(ctx context.Context, party article5.Party) ([]*article5.Token, error) {
	op := db.op("find tokens")
	q := `SELECT id, name, party, org, communities, hash, created FROM tokens WHERE revoked = ` + db.d.Bool(false)
	var args []any
	if party != "" {
		q += ` AND party = ?`
		args = append(args, string(party))
	}
	rows, err := db.drv.Read().Query(ctx, q+` ORDER BY created, id`, args...)
	if err != nil {
		return nil, article5.Internal(op, err)
	}
	defer rows.Close()
	out := []*article5.Token{}
	for rows.Next() {
		var t article5.Token
		var p, comm string
		var created int64
		if err := rows.Scan(&t.ID, &t.Name, &p, &t.Org, &comm, &t.Hash, &created); err != nil {
			return nil, article5.Internal(op, err)
		}
		t.Party, t.Created = article5.Party(p), fromNano(created)
		if err := json.Unmarshal([]byte(comm), &t.Communities); err != nil {
			return nil, article5.Internal(op, err)
		}
		out = append(out, &t)
	}
	if err := rows.Err(); err != nil {
		return nil, article5.Internal(op, err)
	}
	return out, nil
}

func (db *DB) findToken(ctx context.Context, where string, arg string) (*article5.Token, error) {
	op := db.op("find token")
	var t article5.Token
	var party, comm string
	var created int64
	err := db.drv.Read().QueryRow(ctx, `SELECT id, name, party, org, communities, hash, created
		FROM tokens WHERE `+where+` AND revoked = `+db.d.Bool(false), arg).Scan(&t.ID, &t.Name, &party, &t.Org, &comm, &t.Hash, &created)
	if isNoRows(err) {
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

// RevokeToken revokes a token, with its audit entry: FindTokenByHash no
// longer finds it. ENOTFOUND if there is no such token (or it is revoked).
func (db *DB) RevokeToken(ctx context.Context, id string) error {
	op := db.op("revoke token")
	tx, err := db.begin(ctx, op)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	if err := execOne(ctx, tx, op, "token "+id, `UPDATE tokens SET revoked = ? WHERE id = ? AND revoked = `+db.d.Bool(false), true, id); err != nil {
		return err
	}
	if err := db.auditToken(ctx, tx, id); err != nil {
		return err
	}
	return commit(ctx, op, tx)
}

const auditTokenColumns = `id, name, party, org, communities, hash, created, revoked`

// auditedToken is a tokens row as the audit digest covers it.
type auditedToken struct {
	article5.Token
	revoked bool
}

// scanAuditToken reads a row of auditTokenColumns. Communities that do not
// decode (a row edited by hand) digest as unreadable.
func scanAuditToken(row Row) (*auditedToken, error) {
	var t auditedToken
	var party, comm string
	var created int64
	if err := row.Scan(&t.ID, &t.Name, &party, &t.Org, &comm, &t.Hash, &created, &t.revoked); err != nil {
		return nil, err
	}
	t.Party, t.Created = article5.Party(party), fromNano(created)
	unmarshalOr(comm, &t.Communities, []string{"(unreadable) " + comm})
	return &t, nil
}

// coverTokens adds the ref and digest of every tokens row to out.
func coverTokens(ctx context.Context, q Querier, out map[string]string) error {
	return cover(ctx, q, out, `SELECT `+auditTokenColumns+` FROM tokens`, scanAuditToken,
		func(t *auditedToken) string { return audit.TokenRef(t.ID) },
		func(t *auditedToken) string { return audit.TokenDigest(&t.Token, t.revoked) })
}
