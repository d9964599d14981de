-- 0005_webhooks: outbound webhook subscriptions and their delivery cursors.
-- Shipped once released: never edit this file; add a new numbered file instead.

-- The subscription columns (id through disabled) are covered by the
-- transparency log (ref "webhooks/<id>"; the digest holds the sha256 of the
-- secret, not the secret). The delivery columns (cursor through last_error)
-- change on every delivery and are operational state, like jobs: not
-- covered. The events table is the outbox: cursor is the seq of the last
-- event delivered (or passed over) to this webhook.
CREATE TABLE webhooks (
	id           {{.Text}}  NOT NULL PRIMARY KEY,
	url          {{.Text}}  NOT NULL,
	secret       {{.Text}}  NOT NULL, -- the HMAC key, kept to sign
	party        {{.Text}}  NOT NULL,
	org          {{.Text}}  NOT NULL,
	communities  {{.JSON}}  NOT NULL DEFAULT '[]', -- JSON array
	events       {{.JSON}}  NOT NULL DEFAULT '[]', -- JSON array of event types
	created      {{.Int64}} NOT NULL, -- unix ns
	disabled     {{.Bool}}  NOT NULL DEFAULT {{.False}},
	cursor       {{.Int64}} NOT NULL DEFAULT 0, -- events.seq
	attempts     {{.Int32}} NOT NULL DEFAULT 0,
	next_attempt {{.Int64}} NOT NULL DEFAULT 0, -- unix ns; 0: due now
	last_error   {{.Text}}  NOT NULL DEFAULT ''
);
CREATE INDEX webhooks_due ON webhooks (disabled, next_attempt);
