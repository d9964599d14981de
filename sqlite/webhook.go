package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"article5"
	"article5/audit"

	"github.com/google/uuid"
)

var _ article5.WebhookService = (*DB)(nil)

const webhookColumns = `id, url, secret, party, org, communities, events, created, disabled, cursor, attempts, next_attempt, last_error`

func scanWebhook(row interface{ Scan(...any) error }) (*article5.Webhook, error) {
	var w article5.Webhook
	var party, comm, events string
	var created, next int64
	if err := row.Scan(&w.ID, &w.URL, &w.Secret, &party, &w.Org, &comm, &events, &created, &w.Disabled,
		&w.Cursor, &w.Attempts, &next, &w.LastError); err != nil {
		return nil, err
	}
	w.Party, w.Created = article5.Party(party), fromNano(created)
	if next != 0 {
		w.NextAttempt = fromNano(next)
	}
	if err := json.Unmarshal([]byte(comm), &w.Communities); err != nil {
		w.Communities = []string{"(unreadable) " + comm}
	}
	if err := json.Unmarshal([]byte(events), &w.Events); err != nil {
		w.Events = []string{"(unreadable) " + events}
	}
	return &w, nil
}

// CreateWebhook stores a webhook, its cursor at the newest event, and
// records it in the audit log in the same transaction. See
// article5.WebhookService.
func (db *DB) CreateWebhook(ctx context.Context, w *article5.Webhook) error {
	const op = "sqlite: create webhook"
	if w.URL == "" || w.Secret == "" || w.Party == "" {
		return article5.Errorf(article5.EINVALID, "a webhook needs a URL, a secret and a party")
	}
	if w.ID == "" {
		w.ID = "webhook--" + uuid.NewString()
	}
	if w.Created.IsZero() {
		w.Created = db.now()
	}
	if len(w.Events) == 0 {
		w.Events = append([]string(nil), article5.DefaultWebhookEvents...)
	}
	comm, err := json.Marshal(nonNil(w.Communities))
	if err != nil {
		return article5.Internal(op, err)
	}
	events, err := json.Marshal(w.Events)
	if err != nil {
		return article5.Internal(op, err)
	}
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return article5.Internal(op, err)
	}
	defer tx.Rollback()
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(seq), 0) FROM events`).Scan(&w.Cursor); err != nil {
		return article5.Internal(op, err)
	}
	w.Attempts, w.NextAttempt, w.LastError = 0, time.Time{}, ""
	res, err := tx.ExecContext(ctx, `INSERT INTO webhooks (`+webhookColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, '') ON CONFLICT DO NOTHING`,
		w.ID, w.URL, w.Secret, string(w.Party), w.Org, string(comm), string(events), w.Created.UnixNano(), w.Disabled, w.Cursor)
	if err != nil {
		return article5.Internal(op, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return article5.Errorf(article5.ECONFLICT, "webhook %s already exists", w.ID)
	}
	if err := db.auditWebhook(ctx, tx, w.ID); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return article5.Internal(op, err)
	}
	return nil
}

// FindWebhookByID returns a webhook; ENOTFOUND.
func (db *DB) FindWebhookByID(ctx context.Context, id string) (*article5.Webhook, error) {
	w, err := scanWebhook(db.read.QueryRowContext(ctx, `SELECT `+webhookColumns+` FROM webhooks WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("webhook %s not found", id)
	}
	if err != nil {
		return nil, article5.Internal("sqlite: find webhook", err)
	}
	return w, nil
}

// FindWebhooks returns the webhooks f selects, oldest first, and their number.
func (db *DB) FindWebhooks(ctx context.Context, f article5.WebhookFilter) ([]*article5.Webhook, int, error) {
	const op = "sqlite: find webhooks"
	q := `SELECT ` + webhookColumns + ` FROM webhooks WHERE 1 = 1`
	var args []any
	if f.Party != "" {
		q += ` AND party = ?`
		args = append(args, string(f.Party))
	}
	if f.Active {
		q += ` AND disabled = 0`
	}
	if !f.DueBy.IsZero() {
		q += ` AND next_attempt <= ?`
		args = append(args, f.DueBy.UnixNano())
	}
	rows, err := db.read.QueryContext(ctx, q+` ORDER BY created, id`, args...)
	if err != nil {
		return nil, 0, article5.Internal(op, err)
	}
	defer rows.Close()
	out := []*article5.Webhook{}
	for rows.Next() {
		w, err := scanWebhook(rows)
		if err != nil {
			return nil, 0, article5.Internal(op, err)
		}
		out = append(out, w)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, article5.Internal(op, err)
	}
	return out, len(out), nil
}

// DisableWebhook disables a webhook, recorded in the audit log in the same
// transaction when it changes; ENOTFOUND.
func (db *DB) DisableWebhook(ctx context.Context, id string) error {
	const op = "sqlite: disable webhook"
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return article5.Internal(op, err)
	}
	defer tx.Rollback()
	var disabled bool
	err = tx.QueryRowContext(ctx, `SELECT disabled FROM webhooks WHERE id = ?`, id).Scan(&disabled)
	if errors.Is(err, sql.ErrNoRows) {
		return notFound("webhook %s not found", id)
	}
	if err != nil {
		return article5.Internal(op, err)
	}
	if disabled {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `UPDATE webhooks SET disabled = 1 WHERE id = ?`, id); err != nil {
		return article5.Internal(op, err)
	}
	if err := db.auditWebhook(ctx, tx, id); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return article5.Internal(op, err)
	}
	return nil
}

// RecordDelivery moves the cursor forward to seq and clears the failure
// state (operational: not audited); ENOTFOUND.
func (db *DB) RecordDelivery(ctx context.Context, id string, seq int64) error {
	res, err := db.write.ExecContext(ctx, `UPDATE webhooks SET cursor = max(cursor, ?), attempts = 0, next_attempt = 0, last_error = ''
		WHERE id = ?`, seq, id)
	if err != nil {
		return article5.Internal("sqlite: record delivery", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound("webhook %s not found", id)
	}
	return nil
}

// RecordFailure records a failed attempt (operational: not audited); ENOTFOUND.
func (db *DB) RecordFailure(ctx context.Context, id string, attempts int, next time.Time, errText string) error {
	res, err := db.write.ExecContext(ctx, `UPDATE webhooks SET attempts = ?, next_attempt = ?, last_error = ? WHERE id = ?`,
		attempts, toNano(next), errText, id)
	if err != nil {
		return article5.Internal("sqlite: record failure", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound("webhook %s not found", id)
	}
	return nil
}

// auditWebhook records the webhooks row id, as it now is, inside tx.
func (db *DB) auditWebhook(ctx context.Context, tx *sql.Tx, id string) error {
	w, err := scanWebhook(tx.QueryRowContext(ctx, `SELECT `+webhookColumns+` FROM webhooks WHERE id = ?`, id))
	if err != nil {
		return article5.Internal("sqlite: audit webhook", err)
	}
	return db.appendAudit(ctx, tx, []audit.Entry{{Kind: audit.KindWebhook, Ref: audit.WebhookRef(w.ID), Digest: audit.WebhookDigest(w), Time: db.now()}})
}

// coverWebhooks adds the ref and digest of every webhooks row to out.
func coverWebhooks(ctx context.Context, q querier, out map[string]string) error {
	rows, err := q.QueryContext(ctx, `SELECT `+webhookColumns+` FROM webhooks`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		w, err := scanWebhook(rows)
		if err != nil {
			return err
		}
		out[audit.WebhookRef(w.ID)] = audit.WebhookDigest(w)
	}
	return rows.Err()
}
