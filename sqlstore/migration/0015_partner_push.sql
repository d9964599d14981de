-- 0014_partner_push: pushing to partner nodes, and the client certificate
-- presented to them (docs/federation.md).
-- Shipped once released: never edit this file; add a new numbered file instead.

-- The client certificate and key (PEM) this node presents to the partner
-- for mutual TLS; empty: none. client_key is a secret, never listed.
ALTER TABLE partners ADD COLUMN client_cert {{.Blob}} NOT NULL DEFAULT {{if .SQLite}}X''{{else}}''::bytea{{end}};
ALTER TABLE partners ADD COLUMN client_key  {{.Blob}} NOT NULL DEFAULT {{if .SQLite}}X''{{else}}''::bytea{{end}};

-- partner_pushes are, per partner, the position in this node's objects (in
-- the order added) up to which every version was judged and, if
-- releasable to the partner, accepted by it (saved after every batch the
-- partner answered), when a push last reached the end, the last attempt
-- and its error, and running totals. Operational: not covered by the log.
CREATE TABLE partner_pushes (
	partner      {{.Text}}  NOT NULL PRIMARY KEY REFERENCES partners (name) ON DELETE CASCADE,
	collection   {{.Text}}  NOT NULL,
	position     {{.Text}}  NOT NULL, -- an opaque page cursor of the store; '': the start
	last_push    {{.Int64}} NOT NULL, -- unix ns; 0: never completed
	last_attempt {{.Int64}} NOT NULL, -- unix ns
	last_error   {{.Text}}  NOT NULL,
	pushed       {{.Int64}} NOT NULL,
	refused      {{.Int64}} NOT NULL,
	errors       {{.Int64}} NOT NULL
);

-- An organisation's quarantine is listed in the order it was received.
CREATE INDEX quarantine_org_added ON quarantine (submitter_org, added_sec, added_nsec);
