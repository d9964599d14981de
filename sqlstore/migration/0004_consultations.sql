-- 0004_consultations: the consultation of each case, approver keys, and the
-- Party and outcome of consultation events.
-- Shipped once released: never edit this file; add a new numbered file instead.

-- Consultation events name the Party acting and, for "concluded", the
-- outcome. Old rows keep '' (their audit digests do not include these).
ALTER TABLE events ADD COLUMN party   {{.Text}} NOT NULL DEFAULT '';
ALTER TABLE events ADD COLUMN outcome {{.Text}} NOT NULL DEFAULT '';

-- consultations is covered by the transparency log (ref
-- "consultations/<case>"): data is the JSON of workflow.Case (positions,
-- signatures, RFIs, determinations, the transition log).
CREATE TABLE consultations (
	case_id {{.Text}}  NOT NULL PRIMARY KEY,
	state   {{.Text}}  NOT NULL,
	version {{.Int64}} NOT NULL,
	data    {{.Text}}  NOT NULL,
	updated {{.Int64}} NOT NULL -- unix ns
);
CREATE INDEX consultations_state ON consultations (state);

-- approver_keys is covered by the log (ref "approver_keys/<key id>"):
-- sealed is the private key encrypted with the approver's password;
-- certificate and revocation are JSON signed by the Party's root key.
CREATE TABLE approver_keys (
	key_id      {{.Text}}  NOT NULL PRIMARY KEY,
	user_id     {{.Text}}  NOT NULL REFERENCES users (id),
	party       {{.Text}}  NOT NULL,
	sealed      {{.Blob}}  NOT NULL,
	certificate {{.Text}}  NOT NULL,
	revocation  {{.Text}}  NOT NULL DEFAULT '',
	created     {{.Int64}} NOT NULL -- unix ns
);
CREATE INDEX approver_keys_user ON approver_keys (user_id, created);
