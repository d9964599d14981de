package sqlite

import (
	"context"

	"article5"
	"article5/audit"
)

// FindUsers returns the users f selects, ordered by name, and how many it
// selects in all.
func (db *DB) FindUsers(ctx context.Context, f article5.UserFilter) ([]*article5.User, int, error) {
	const op = "sqlite: find users"
	where, args := ` WHERE 1 = 1`, []any{}
	if f.Party != "" {
		where += ` AND party = ?`
		args = append(args, string(f.Party))
	}
	var total int
	if err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM users`+where, args...).Scan(&total); err != nil {
		return nil, 0, article5.Internal(op, err)
	}
	limit := -1 // SQLite: no limit
	if f.Limit > 0 {
		limit = f.Limit
	}
	rows, err := db.read.QueryContext(ctx, `SELECT `+userColumns+` FROM users`+where+` ORDER BY name LIMIT ? OFFSET ?`,
		append(args, limit, max(f.Offset, 0))...)
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
	const op = "sqlite: set user disabled"
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return article5.Internal(op, err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `UPDATE users SET disabled = ? WHERE id = ?`, disabled, id)
	if err != nil {
		return article5.Internal(op, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound("user %s not found", id)
	}
	if disabled {
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ?`, id); err != nil {
			return article5.Internal(op, err)
		}
	}
	if err := db.auditUser(ctx, tx, id, audit.KindUser); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return article5.Internal(op, err)
	}
	return nil
}

// DeleteExpiredSessions deletes the sessions expired by Now() and returns
// how many.
func (db *DB) DeleteExpiredSessions(ctx context.Context) (int, error) {
	res, err := db.write.ExecContext(ctx, `DELETE FROM sessions WHERE expires <= ?`, db.now().UnixNano())
	if err != nil {
		return 0, article5.Internal("sqlite: delete expired sessions", err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}
