package sqlstore

import (
	"context"
	"encoding/json"
	"time"

	"article5"
)

// insertJob records j inside tx.
func insertJob(ctx context.Context, tx Tx, j *article5.Job) error {
	cases, err := json.Marshal(j.Cases)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `INSERT INTO jobs (id, cases, created) VALUES (?, ?, ?)`, j.ID, string(cases), j.Created.UnixNano())
	return err
}

// ClaimJob hands out the oldest job that is not done and whose lease has
// expired (or that was never leased), leasing it until Now()+lease and
// counting the attempt; ENOTFOUND when there is none. No two claimers get
// the same job (SQLite: the single writer serialises them; PostgreSQL: a
// claimer locks the row it takes, FOR UPDATE SKIP LOCKED); a job whose
// worker died is handed out again once its lease expires.
func (db *DB) ClaimJob(ctx context.Context, lease time.Duration) (*article5.Job, error) {
	op := db.op("claim job")
	now := db.now()
	var j article5.Job
	var cases string
	var created int64
	err := db.drv.Write().QueryRow(ctx, `UPDATE jobs SET leased_until = ?, attempts = attempts + 1
		WHERE seq = (SELECT seq FROM jobs WHERE done = `+db.d.Bool(false)+` AND leased_until <= ? ORDER BY seq LIMIT 1`+db.d.SkipLocked()+`)
		RETURNING id, cases, created, attempts`, now.Add(lease).UnixNano(), now.UnixNano()).Scan(&j.ID, &cases, &created, &j.Attempts)
	if isNoRows(err) {
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
	return execOne(ctx, db.drv.Write(), db.op("complete job"), "job "+id, `UPDATE jobs SET done = ? WHERE id = ?`, true, id)
}
