package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"article5"
)

// ClaimJob hands out the oldest job that is not done and whose lease has
// expired (or that was never leased), leasing it until Now()+lease and
// counting the attempt; ENOTFOUND when there is none. The single writer
// serialises claimers, so no two get the same job; a job whose worker died
// is handed out again once its lease expires.
func (db *DB) ClaimJob(ctx context.Context, lease time.Duration) (*article5.Job, error) {
	const op = "sqlite: claim job"
	now := db.now()
	var j article5.Job
	var cases string
	var created int64
	err := db.write.QueryRowContext(ctx, `UPDATE jobs SET leased_until = ?, attempts = attempts + 1
		WHERE seq = (SELECT seq FROM jobs WHERE done = 0 AND leased_until <= ? ORDER BY seq LIMIT 1)
		RETURNING id, cases, created, attempts`, now.Add(lease).UnixNano(), now.UnixNano()).Scan(&j.ID, &cases, &created, &j.Attempts)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("no job is waiting")
	}
	if err != nil {
		return nil, article5.Internal(op, err)
	}
	if err := json.Unmarshal([]byte(cases), &j.Cases); err != nil {
		return nil, article5.Internal(op, err)
	}
	j.Created = fromNano(created)
	return &j, nil
}

// CompleteJob marks a job done; ENOTFOUND if there is no such job.
func (db *DB) CompleteJob(ctx context.Context, id string) error {
	res, err := db.write.ExecContext(ctx, `UPDATE jobs SET done = 1 WHERE id = ?`, id)
	if err != nil {
		return article5.Internal("sqlite: complete job", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound("job %s not found", id)
	}
	return nil
}
