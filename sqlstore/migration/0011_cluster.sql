-- 0011_cluster: what the serve processes of one node share through the
-- database, so that several may run on one PostgreSQL (docs/scaling-out.md).
-- SQLite has the same tables, so that the store is written once.
-- Shipped once released: never edit this file; add a new numbered file instead.

-- leases name background work that runs in one process at a time (the
-- webhook dispatcher): the holder (a process id, serve logs it) holds
-- the lease until "until" (unix ns), renewing it as it works; once it
-- has passed, any process may take it over. Operational, not covered by
-- the transparency log.
CREATE TABLE leases (
	name        {{.Text}}  NOT NULL PRIMARY KEY,
	holder      {{.Text}}  NOT NULL,
	lease_until {{.Int64}} NOT NULL -- unix ns
);

-- login_limits is the state of login throttling (api.LoginFreeFailures):
-- per key (a name and client, a name, an address) a failure count (fails), the
-- earliest next attempt and a token bucket's theoretical arrival time,
-- all unix ns; a row is deleted once "expires" has passed.
CREATE TABLE login_limits (
	limit_key {{.Text}}  NOT NULL PRIMARY KEY,
	fails     {{.Int64}} NOT NULL DEFAULT 0,
	next_at   {{.Int64}} NOT NULL DEFAULT 0,
	tat       {{.Int64}} NOT NULL DEFAULT 0,
	expires   {{.Int64}} NOT NULL
);
CREATE INDEX login_limits_expires ON login_limits (expires);

-- shared_keys are secrets every serve process of the node uses by name
-- (the login device cookie key): 32 random bytes, made on first use.
CREATE TABLE shared_keys (
	name    {{.Text}}  NOT NULL PRIMARY KEY,
	secret  {{.Blob}}  NOT NULL,
	created {{.Int64}} NOT NULL -- unix ns
);
