-- 0005_webhooks: outbound webhook subscriptions and their delivery cursors.
-- Shipped once released: never edit this file; add a new numbered file instead.

-- The subscription columns (id through disabled) are covered by the
-- transparency log (ref "webhooks/<id>"; the digest holds the sha256 of the
-- secret, not the secret). The delivery columns (cursor through last_error)
-- change on every delivery and are operational state, like jobs: not
-- covered. The events table is the outbox: cursor is the seq of the last
-- event delivered (or passed over) to this webhook.
CREATE TABLE webhooks (
	id           text    NOT NULL PRIMARY KEY,
	url          text    NOT NULL,
	secret       text    NOT NULL, -- the HMAC key, kept to sign
	party        text    NOT NULL,
	org          text    NOT NULL,
	communities  jsonb   NOT NULL DEFAULT '[]',
	events       jsonb   NOT NULL DEFAULT '[]', -- event types
	created      bigint  NOT NULL, -- unix ns
	disabled     boolean NOT NULL DEFAULT false,
	cursor       bigint  NOT NULL DEFAULT 0, -- events.seq
	attempts     integer NOT NULL DEFAULT 0,
	next_attempt bigint  NOT NULL DEFAULT 0, -- unix ns; 0: due now
	last_error   text    NOT NULL DEFAULT ''
);
CREATE INDEX webhooks_due ON webhooks (disabled, next_attempt);
