package sqlstore

import (
	"context"
	"encoding/json"
	"time"

	"article5"
	"article5/audit"

	"github.com/google/uuid"
)

const webhookColumns = `id, url, secret, party, org, communities, events, created, disabled, cursor, attempts, next_attempt, last_error`

// scanWebhook reads a row of webhookColumns. Communities or events that
// do not decode (a row edited by hand) are kept as one unreadable value.
func scanWebhook(row Row) (*article5.Webhook, error) {
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
	unmarshalOr(comm, &w.Communities, []string{"(unreadable) " + comm})
	unmarshalOr(events, &w.Events, []string{"(unreadable) " + events})
	return &w, nil
}

// CreateWebhook stores a webhook, its cursor at the newest event, and
// records it in the audit log in the same transaction. See
// article5.WebhookService.
func (db *DB) CreateWebhook(ctx context.Context, w *article5.Webhook) error {
	op := db.op("create webhook")
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
	// Under the events lock, no event commits between reading the newest
	// seq and this transaction's commit.
	tx, err := db.begin(ctx, op, LockEvents)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	if err := tx.QueryRow(ctx, `SELECT coalesce(max(seq), 0) FROM events`).Scan(&w.Cursor); err != nil {
		return article5.Internal(op, err)
	}
	w.Attempts, w.NextAttempt, w.LastError = 0, time.Time{}, ""
	n, err := tx.Exec(ctx, `INSERT INTO webhooks (id, url, secret, party, org, communities, events, created, disabled, cursor)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		w.ID, w.URL, w.Secret, string(w.Party), w.Org, string(comm), string(events), w.Created.UnixNano(), w.Disabled, w.Cursor)
	if err != nil {
		return article5.Internal(op, err)
	}
	if n == 0 {
		return article5.Errorf(article5.ECONFLICT, "webhook %s already exists", w.ID)
	}
	if err := db.auditWebhook(ctx, tx, w.ID); err != nil {
		return err
	}
	return commit(ctx, op, tx)
}

// FindWebhookByID returns a webhook; ENOTFOUND.
func (db *DB) FindWebhookByID(ctx context.Context, id string) (*article5.Webhook, error) {
	w, err := scanWebhook(db.drv.Read().QueryRow(ctx, `SELECT `+webhookColumns+` FROM webhooks WHERE id = ?`, id))
	if isNoRows(err) {
		return nil, notFound("webhook %s not found", id)
	}
	if err != nil {
		return nil, article5.Internal(db.op("find webhook"), err)
	}
	return w, nil
}

// FindWebhooks returns the webhooks f selects, oldest first, and their number.
func (db *DB) FindWebhooks(ctx context.Context, f article5.WebhookFilter) ([]*article5.Webhook, int, error) {
	op := db.op("find webhooks")
	q := `SELECT ` + webhookColumns + ` FROM webhooks WHERE 1 = 1`
	var args []any
	if f.Party != "" {
		q += ` AND party = ?`
		args = append(args, string(f.Party))
	}
	if f.Active {
		q += ` AND disabled = ` + db.d.Bool(false)
	}
	if !f.DueBy.IsZero() {
		q += ` AND next_attempt <= ?`
		args = append(args, f.DueBy.UnixNano())
	}
	out, err := collect(ctx, db.drv.Read(), scanWebhook, q+` ORDER BY created, id`, args...)
	if err != nil {
		return nil, 0, article5.Internal(op, err)
	}
	return out, len(out), nil
}

// DisableWebhook disables a webhook, recorded in the audit log in the same
// transaction when it changes; ENOTFOUND.
func (db *DB) DisableWebhook(ctx context.Context, id string) error {
	op := db.op("disable webhook")
	tx, err := db.begin(ctx, op)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	var disabled bool
	err = tx.QueryRow(ctx, `SELECT disabled FROM webhooks WHERE id = ?`, id).Scan(&disabled)
	if isNoRows(err) {
		return notFound("webhook %s not found", id)
	}
	if err != nil {
		return article5.Internal(op, err)
	}
	if disabled {
		return nil
	}
	if _, err := tx.Exec(ctx, `UPDATE webhooks SET disabled = ? WHERE id = ?`, true, id); err != nil {
		return article5.Internal(op, err)
	}
	if err := db.auditWebhook(ctx, tx, id); err != nil {
		return err
	}
	return commit(ctx, op, tx)
}

// RecordDelivery moves the cursor forward to seq (never back) and clears
// the failure state (operational: not audited); ENOTFOUND.
func (db *DB) RecordDelivery(ctx context.Context, id string, seq int64) error {
	return execOne(ctx, db.drv.Write(), db.op("record delivery"), "webhook "+id,
		`UPDATE webhooks SET cursor = CASE WHEN cursor > ? THEN cursor ELSE ? END, attempts = 0, next_attempt = 0, last_error = ''
		WHERE id = ?`, seq, seq, id)
}

// RecordFailure records a failed attempt (operational: not audited); ENOTFOUND.
func (db *DB) RecordFailure(ctx context.Context, id string, attempts int, next time.Time, errText string) error {
	return execOne(ctx, db.drv.Write(), db.op("record failure"), "webhook "+id,
		`UPDATE webhooks SET attempts = ?, next_attempt = ?, last_error = ? WHERE id = ?`, attempts, toNano(next), errText, id)
}

// auditWebhook records the webhooks row id, as it now is, inside tx.
func (db *DB) auditWebhook(ctx context.Context, tx Tx, id string) error {
	w, err := scanWebhook(tx.QueryRow(ctx, `SELECT `+webhookColumns+` FROM webhooks WHERE id = ?`, id))
	if err != nil {
		return article5.Internal(db.op("audit webhook"), err)
	}
	return db.appendAudit(ctx, tx, []audit.Entry{{Kind: audit.KindWebhook, Ref: audit.WebhookRef(w.ID), Digest: audit.WebhookDigest(w), Time: db.now()}})
}

// coverWebhooks adds the ref and digest of every webhooks row to out.
func coverWebhooks(ctx context.Context, q Querier, out map[string]string) error {
	return cover(ctx, q, out, `SELECT `+webhookColumns+` FROM webhooks`, scanWebhook,
		func(w *article5.Webhook) string { return audit.WebhookRef(w.ID) }, audit.WebhookDigest)
}
