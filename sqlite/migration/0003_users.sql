-- 0003_users: users (password login) and their server-side sessions.
-- Shipped once released: never edit this file; add a new numbered file instead.

-- users is covered by the transparency log (ref "users/<id>"); the digest
-- includes password_hash, so a replaced hash is detected.
CREATE TABLE users (
	id            TEXT    NOT NULL PRIMARY KEY,
	name          TEXT    NOT NULL UNIQUE, -- login name
	party         TEXT    NOT NULL,
	roles         TEXT    NOT NULL DEFAULT '[]', -- JSON array of roles
	org           TEXT    NOT NULL,
	communities   TEXT    NOT NULL DEFAULT '[]', -- JSON array
	password_hash TEXT    NOT NULL, -- PHC argon2id string
	created       INTEGER NOT NULL, -- unix ns
	disabled      INTEGER NOT NULL DEFAULT 0
);

-- sessions is operational state (like jobs): not covered by the log. Only
-- the sha256 of a session secret is kept.
CREATE TABLE sessions (
	id      TEXT    NOT NULL PRIMARY KEY,
	hash    TEXT    NOT NULL UNIQUE, -- hex sha256 of the session secret
	user_id TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	created INTEGER NOT NULL, -- unix ns
	expires INTEGER NOT NULL  -- unix ns
);
CREATE INDEX sessions_user ON sessions (user_id);
