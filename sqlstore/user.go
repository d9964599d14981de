package sqlstore

import (
	"context"
	"encoding/json"

	"article5"
	"article5/audit"

	"github.com/google/uuid"
)

func nonNilRoles(r []article5.Role) []article5.Role {
	if r == nil {
		return []article5.Role{}
	}
	return r
}

const userColumns = `id, name, party, roles, org, communities, password_hash, created, disabled`

// scanUser reads a row of userColumns. Roles or communities that do not
// decode (a row edited by hand) are kept as one unreadable value, which
// cannot match the row's logged digest.
func scanUser(row Row) (*article5.User, error) {
	var u article5.User
	var party, roles, comm string
	var created int64
	if err := row.Scan(&u.ID, &u.Name, &party, &roles, &u.Org, &comm, &u.PasswordHash, &created, &u.Disabled); err != nil {
		return nil, err
	}
	u.Party, u.Created = article5.Party(party), fromNano(created)
	unmarshalOr(roles, &u.Roles, []article5.Role{article5.Role("(unreadable) " + roles)})
	unmarshalOr(comm, &u.Communities, []string{"(unreadable) " + comm})
	return &u, nil
}

// CreateUser stores a user and records it in the audit log in the same
// transaction. An empty ID is filled with "user--<uuid>" and a zero
// Created with Now(). ECONFLICT if the id or name is taken; EINVALID
// without a name or password hash.
func (db *DB) CreateUser(ctx context.Context, u *article5.User) error {
	op := db.op("create user")
	if u.Name == "" || u.PasswordHash == "" {
		return article5.Errorf(article5.EINVALID, "a user needs a name and a password hash")
	}
	if u.ID == "" {
		u.ID = "user--" + uuid.NewString()
	}
	if u.Created.IsZero() {
		u.Created = db.now()
	}
	roles, err := json.Marshal(nonNilRoles(u.Roles))
	if err != nil {
		return article5.Internal(op, err)
	}
	comm, err := json.Marshal(nonNil(u.Communities))
	if err != nil {
		return article5.Internal(op, err)
	}
	tx, err := db.begin(ctx, op)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	n, err := tx.Exec(ctx, `INSERT INTO users (`+userColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		u.ID, u.Name, string(u.Party), string(roles), u.Org, string(comm), u.PasswordHash, u.Created.UnixNano(), u.Disabled)
	if err != nil {
		return article5.Internal(op, err)
	}
	if n == 0 {
		return article5.Errorf(article5.ECONFLICT, "user %s: a user with this id or name already exists", u.Name)
	}
	if err := db.auditUser(ctx, tx, u.ID, audit.KindUser); err != nil {
		return err
	}
	return commit(ctx, op, tx)
}

// FindUserByID returns a user; ENOTFOUND.
func (db *DB) FindUserByID(ctx context.Context, id string) (*article5.User, error) {
	return db.findUser(ctx, `id = ?`, id)
}

// FindUserByName returns the user with login name; ENOTFOUND.
func (db *DB) FindUserByName(ctx context.Context, name string) (*article5.User, error) {
	return db.findUser(ctx, `name = ?`, name)
}

func (db *DB) findUser(ctx context.Context, where, arg string) (*article5.User, error) {
	u, err := scanUser(db.drv.Read().QueryRow(ctx, `SELECT `+userColumns+` FROM users WHERE `+where, arg))
	if isNoRows(err) {
		return nil, notFound("user not found")
	}
	if err != nil {
		return nil, article5.Internal(db.op("find user"), err)
	}
	return u, nil
}

// SetUserRoles replaces a user's roles, recorded in the audit log in the
// same transaction; ENOTFOUND if there is no such user.
func (db *DB) SetUserRoles(ctx context.Context, id string, roles []article5.Role) error {
	op := db.op("set user roles")
	js, err := json.Marshal(nonNilRoles(roles))
	if err != nil {
		return article5.Internal(op, err)
	}
	tx, err := db.begin(ctx, op)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	if err := execOne(ctx, tx, op, "user "+id, `UPDATE users SET roles = ? WHERE id = ?`, string(js), id); err != nil {
		return err
	}
	if err := db.auditUser(ctx, tx, id, audit.KindRole); err != nil {
		return err
	}
	return commit(ctx, op, tx)
}

// auditUser records the users row id, as it now is, inside tx, as an
// entry of kind (audit.KindUser; audit.KindRole for a change of roles).
func (db *DB) auditUser(ctx context.Context, tx Tx, id, kind string) error {
	u, err := scanUser(tx.QueryRow(ctx, `SELECT `+userColumns+` FROM users WHERE id = ?`, id))
	if err != nil {
		return article5.Internal(db.op("audit user"), err)
	}
	return db.appendAudit(ctx, tx, []audit.Entry{{Kind: kind, Ref: audit.UserRef(u.ID), Digest: audit.UserDigest(u), Time: db.now()}})
}

// coverUsers adds the ref and digest of every users row to out.
func coverUsers(ctx context.Context, q Querier, out map[string]string) error {
	return cover(ctx, q, out, `SELECT `+userColumns+` FROM users`, scanUser,
		func(u *article5.User) string { return audit.UserRef(u.ID) }, audit.UserDigest)
}

// CreateSession stores a session found by tokenHash, recorded in the audit
// log in the same transaction (a session row the log does not record is
// an inserted login: AuditVerify reports it). ENOTFOUND if the user does
// not exist, ECONFLICT if the hash is taken.
func (db *DB) CreateSession(ctx context.Context, s *article5.Session, tokenHash string) error {
	op := db.op("create session")
	if tokenHash == "" {
		return article5.Errorf(article5.EINVALID, "a session needs the sha256 of its secret")
	}
	if s.ID == "" {
		s.ID = "session--" + uuid.NewString()
	}
	if s.Created.IsZero() {
		s.Created = db.now()
	}
	tx, err := db.begin(ctx, op)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	var n int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM users WHERE id = ?`, s.UserID).Scan(&n); err != nil {
		return article5.Internal(op, err)
	}
	if n == 0 {
		return notFound("user %s not found", s.UserID)
	}
	added, err := tx.Exec(ctx, `INSERT INTO sessions (id, hash, user_id, created, expires)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`, s.ID, tokenHash, s.UserID, s.Created.UnixNano(), s.Expires.UnixNano())
	if err != nil {
		return article5.Internal(op, err)
	}
	if added == 0 {
		return article5.Errorf(article5.ECONFLICT, "session %s: a session with this id or secret already exists", s.ID)
	}
	if err := db.appendAudit(ctx, tx, []audit.Entry{{Kind: audit.KindSession, Ref: audit.SessionRef(s.ID),
		Digest: audit.SessionDigest(s, tokenHash), Time: db.now(), By: s.UserID}}); err != nil {
		return err
	}
	return commit(ctx, op, tx)
}

// FindSessionByHash returns the unexpired session whose secret hashes to
// tokenHash; ENOTFOUND.
func (db *DB) FindSessionByHash(ctx context.Context, tokenHash string) (*article5.Session, error) {
	var s article5.Session
	var created, expires int64
	err := db.drv.Read().QueryRow(ctx, `SELECT id, user_id, created, expires FROM sessions WHERE hash = ? AND expires > ?`,
		tokenHash, db.now().UnixNano()).Scan(&s.ID, &s.UserID, &created, &expires)
	if isNoRows(err) {
		return nil, notFound("session not found")
	}
	if err != nil {
		return nil, article5.Internal(db.op("find session"), err)
	}
	s.Created, s.Expires = fromNano(created), fromNano(expires)
	return &s, nil
}

// DeleteSession deletes a session, recording the deletion in the audit
// log; a missing one is not an error.
func (db *DB) DeleteSession(ctx context.Context, id string) error {
	op := db.op("delete session")
	tx, err := db.begin(ctx, op)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	if err := db.deleteSessions(ctx, tx, `id = ?`, id); err != nil {
		return err
	}
	return commit(ctx, op, tx)
}

// deleteSessions deletes the sessions where cond holds inside tx, one
// deletion entry each in the audit log.
func (db *DB) deleteSessions(ctx context.Context, tx Tx, cond string, args ...any) error {
	op := db.op("delete sessions")
	ids, err := collect(ctx, tx, func(r Row) (string, error) {
		var id string
		return id, r.Scan(&id)
	}, `SELECT id FROM sessions WHERE `+cond, args...)
	if err != nil {
		return article5.Internal(op, err)
	}
	if len(ids) == 0 {
		return nil
	}
	if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE `+cond, args...); err != nil {
		return article5.Internal(op, err)
	}
	now := db.now()
	entries := make([]audit.Entry, len(ids))
	for i, id := range ids {
		entries[i] = audit.Entry{Kind: audit.KindSession, Ref: audit.SessionRef(id), Digest: audit.DigestDeleted, Time: now}
	}
	return db.appendAudit(ctx, tx, entries)
}

// coverSessions adds the ref and digest of every sessions row to out.
func coverSessions(ctx context.Context, q Querier, out map[string]string) error {
	type row struct {
		s    article5.Session
		hash string
	}
	return cover(ctx, q, out, `SELECT id, hash, user_id, created, expires FROM sessions`,
		func(r Row) (x row, err error) {
			var created, expires int64
			err = r.Scan(&x.s.ID, &x.hash, &x.s.UserID, &created, &expires)
			x.s.Created, x.s.Expires = fromNano(created), fromNano(expires)
			return x, err
		},
		func(x row) string { return audit.SessionRef(x.s.ID) },
		func(x row) string { return audit.SessionDigest(&x.s, x.hash) })
}
