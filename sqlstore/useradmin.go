package sqlstore

import (
	"context"
	"math"

	"article5"
	"article5/audit"
)

// FindUsers returns the users f selects, ordered by name, and how many it
// selects in all (before Limit and Offset).
func (db *DB) FindUsers(ctx context.Context, f article5.UserFilter) ([]*article5.User, int, error) {
	op := db.op("find users")
	where, args := ` WHERE 1 = 1`, []any{}
	if f.Party != "" {
		where += ` AND party = ?`
		args = append(args, string(f.Party))
	}
	r := db.drv.Read()
	var total int
	if err := r.QueryRow(ctx, `SELECT count(*) FROM users`+where, args...).Scan(&total); err != nil {
		return nil, 0, article5.Internal(op, err)
	}
	limit := int64(math.MaxInt64) // no limit: both accept the largest bigint
	if f.Limit > 0 {
		limit = int64(f.Limit)
	}
	out, err := collect(ctx, r, scanUser, `SELECT `+userColumns+` FROM users`+where+` ORDER BY name LIMIT ? OFFSET ?`,
		append(args, limit, int64(max(f.Offset, 0)))...)
	if err != nil {
		return nil, 0, article5.Internal(op, err)
	}
	return out, total, nil
}

// SetUserDisabled disables or enables a user, recorded in the audit log;
// disabling deletes the user's sessions in the same transaction.
// ENOTFOUND if there is no such user.
func (db *DB) SetUserDisabled(ctx context.Context, id string, disabled bool) error {
	op := db.op("set user disabled")
	tx, err := db.begin(ctx, op)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	if err := execOne(ctx, tx, op, "user "+id, `UPDATE users SET disabled = ? WHERE id = ?`, disabled, id); err != nil {
		return err
	}
	if disabled {
		if err := db.deleteSessions(ctx, tx, `user_id = ?`, id); err != nil {
			return err
		}
	}
	if err := db.auditUser(ctx, tx, id, audit.KindUser); err != nil {
		return err
	}
	return commit(ctx, op, tx)
}

// DeleteExpiredSessions deletes the sessions expired by Now(), each
// recorded in the audit log, and returns how many.
func (db *DB) DeleteExpiredSessions(ctx context.Context) (int, error) {
	op := db.op("delete expired sessions")
	tx, err := db.begin(ctx, op)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback(ctx)
	var n int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM sessions WHERE expires <= ?`, db.now().UnixNano()).Scan(&n); err != nil {
		return 0, article5.Internal(op, err)
	}
	if n == 0 {
		return 0, nil
	}
	if err := db.deleteSessions(ctx, tx, `expires <= ?`, db.now().UnixNano()); err != nil {
		return 0, err
	}
	return n, commit(ctx, op, tx)
}
