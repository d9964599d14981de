-- 0003_users: users (password login) and their server-side sessions.
-- Shipped once released: never edit this file; add a new numbered file instead.

-- users is covered by the transparency log (ref "users/<id>"); the digest
-- includes password_hash, so a replaced hash is detected.
CREATE TABLE users (
	id            text    NOT NULL PRIMARY KEY,
	name          text    NOT NULL UNIQUE, -- login name
	party         text    NOT NULL,
	roles         jsonb   NOT NULL DEFAULT '[]',
	org           text    NOT NULL,
	communities   jsonb   NOT NULL DEFAULT '[]',
	password_hash text    NOT NULL, -- PHC argon2id string
	created       bigint  NOT NULL, -- unix ns
	disabled      boolean NOT NULL DEFAULT false
);

-- sessions is operational state (like jobs): not covered by the log. Only
-- the sha256 of a session secret is kept.
CREATE TABLE sessions (
	id      text   NOT NULL PRIMARY KEY,
	hash    text   NOT NULL UNIQUE, -- hex sha256 of the session secret
	user_id text   NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	created bigint NOT NULL, -- unix ns
	expires bigint NOT NULL  -- unix ns
);
CREATE INDEX sessions_user ON sessions (user_id);
