package postgres

import (
	"context"
	"strconv"

	"article5"
	"article5/audit"
)

// FindUsers returns the users f selects, ordered by name, and how many it
// selects in all.
func (db *DB) FindUsers(ctx context.Context, f article5.UserFilter) ([]*article5.User, int, error) {
	const op = "postgres: find users"
	where, args := ` WHERE true`, []any{}
	if f.Party != "" {
		args = append(args, string(f.Party))
		where += ` AND party = $` + strconv.Itoa(len(args))
	}
	var total int
	if err := db.pool.QueryRow(ctx, `SELECT count(*) FROM users`+where, args...).Scan(&total); err != nil {
		return nil, 0, article5.Internal(op, err)
	}
	var limit any // NULL: no limit
	if f.Limit > 0 {
		limit = f.Limit
	}
	args = append(args, limit, max(f.Offset, 0))
	rows, err := db.pool.Query(ctx, `SELECT `+userColumns+` FROM users`+where+` ORDER BY name LIMIT $`+
		strconv.Itoa(len(args)-1)+`::bigint OFFSET $`+strconv.Itoa(len(args))+`::bigint`, args...)
	if err != nil {
		return nil, 0, article5.Internal(op, err)
	}
	defer rows.Close()
	out := []*article5.User{}
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, 0, article5.Internal(op, err)
		}
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, article5.Internal(op, err)
	}
	return out, total, nil
}

// SetUserDisabled disables or enables a user, recorded in the audit log;
// disabling deletes the user's sessions in the same transaction.
// ENOTFOUND if there is no such user.
func (db *DB) SetUserDisabled(ctx context.Context, id string, disabled bool) error {
	const op = "postgres: set user disabled"
	tx, err := db.pool.Begin(ctx)
	if err != nil {
		return article5.Internal(op, err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	tag, err := tx.Exec(ctx, `UPDATE users SET disabled = $1 WHERE id = $2`, disabled, id)
	if err != nil {
		return article5.Internal(op, err)
	}
	if tag.RowsAffected() == 0 {
		return notFound("user %s not found", id)
	}
	if disabled {
		if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = $1`, id); err != nil {
			return article5.Internal(op, err)
		}
	}
	if err := db.auditUser(ctx, tx, id, audit.KindUser); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return article5.Internal(op, err)
	}
	return nil
}

// DeleteExpiredSessions deletes the sessions expired by Now() and returns
// how many.
func (db *DB) DeleteExpiredSessions(ctx context.Context) (int, error) {
	tag, err := db.pool.Exec(ctx, `DELETE FROM sessions WHERE expires <= $1`, db.now().UnixNano())
	if err != nil {
		return 0, article5.Internal("postgres: delete expired sessions", err)
	}
	return int(tag.RowsAffected()), nil
}
