-- 0003_users: users (password login) and their server-side sessions.
-- Shipped once released: never edit this file; add a new numbered file instead.

-- users is covered by the transparency log (ref "users/<id>"); the digest
-- includes password_hash, so a replaced hash is detected.
CREATE TABLE users (
	id            {{.Text}}  NOT NULL PRIMARY KEY,
	name          {{.Text}}  NOT NULL UNIQUE, -- login name
	party         {{.Text}}  NOT NULL,
	roles         {{.JSON}}  NOT NULL DEFAULT '[]', -- JSON array of roles
	org           {{.Text}}  NOT NULL,
	communities   {{.JSON}}  NOT NULL DEFAULT '[]', -- JSON array
	password_hash {{.Text}}  NOT NULL, -- PHC argon2id string
	created       {{.Int64}} NOT NULL, -- unix ns
	disabled      {{.Bool}}  NOT NULL DEFAULT {{.False}}
);

-- sessions is operational state (like jobs): not covered by the log. Only
-- the sha256 of a session secret is kept.
CREATE TABLE sessions (
	id      {{.Text}}  NOT NULL PRIMARY KEY,
	hash    {{.Text}}  NOT NULL UNIQUE, -- hex sha256 of the session secret
	user_id {{.Text}}  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	created {{.Int64}} NOT NULL, -- unix ns
	expires {{.Int64}} NOT NULL  -- unix ns
);
CREATE INDEX sessions_user ON sessions (user_id);
