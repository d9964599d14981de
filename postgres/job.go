package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"article5"

	"github.com/jackc/pgx/v5"
)

// ClaimJob hands out the oldest job that is not done and whose lease has
// expired (or that was never leased), leasing it until Now()+lease and
// counting the attempt; ENOTFOUND when there is none. A claimer locks the
// row it takes (FOR UPDATE SKIP LOCKED) and the lease is re-checked on the
// locked row, so no two claimers get the same job; a job whose worker died
// is handed out again once its lease expires.
func (db *DB) ClaimJob(ctx context.Context, lease time.Duration) (*article5.Job, error) {
	const op = "postgres: claim job"
	now := db.now()
	var j article5.Job
	var cases string
	var created int64
	err := db.pool.QueryRow(ctx, `UPDATE jobs SET leased_until = $1, attempts = attempts + 1
		WHERE seq = (SELECT seq FROM jobs WHERE NOT done AND leased_until <= $2 ORDER BY seq LIMIT 1 FOR UPDATE SKIP LOCKED)
		RETURNING id, cases::text, created, attempts`, now.Add(lease).UnixNano(), now.UnixNano()).Scan(&j.ID, &cases, &created, &j.Attempts)
	if errors.Is(err, pgx.ErrNoRows) {
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
	tag, err := db.pool.Exec(ctx, `UPDATE jobs SET done = true WHERE id = $1`, id)
	if err != nil {
		return article5.Internal("postgres: complete job", err)
	}
	if tag.RowsAffected() == 0 {
		return notFound("job %s not found", id)
	}
	return nil
}
