-- 0001_init: the first schema of the SQLite store.
-- Shipped: never edit this file; add a new numbered file instead.

-- objects holds every stored version of every STIX object. Instants are
-- kept as integer seconds and nanoseconds (STIX timestamps may carry more
-- digits than a microsecond); seq is assigned by the single writer in
-- commit order and breaks ties in date added for paging.
CREATE TABLE objects (
	id           TEXT    NOT NULL,
	version      TEXT    NOT NULL,
	version_sec  INTEGER NOT NULL,
	version_nsec INTEGER NOT NULL,
	unversioned  INTEGER NOT NULL DEFAULT 0,
	latest       INTEGER NOT NULL DEFAULT 1, -- the greatest version of its id
	added_sec    INTEGER NOT NULL,
	added_nsec   INTEGER NOT NULL,
	seq          INTEGER NOT NULL,
	type         TEXT    NOT NULL,
	spec_version TEXT    NOT NULL DEFAULT '',
	created_by   TEXT    NOT NULL DEFAULT '',
	revoked      INTEGER NOT NULL DEFAULT 0,
	markings     TEXT    NOT NULL DEFAULT '[]', -- JSON array of marking ids, sorted
	source_ref   TEXT    NOT NULL DEFAULT '',
	target_ref   TEXT    NOT NULL DEFAULT '',
	sha256       TEXT    NOT NULL,
	raw          BLOB    NOT NULL,
	PRIMARY KEY (id, version)
);
CREATE UNIQUE INDEX objects_seq ON objects (seq);
CREATE INDEX objects_type ON objects (type);
CREATE INDEX objects_source_ref ON objects (source_ref) WHERE source_ref <> '';
CREATE INDEX objects_added ON objects (added_sec, added_nsec, seq);
CREATE INDEX objects_latest_added ON objects (added_sec, added_nsec, seq) WHERE latest = 1;

-- jobs are durable re-assessment jobs; leased_until 0 means never leased.
CREATE TABLE jobs (
	seq          INTEGER PRIMARY KEY AUTOINCREMENT,
	id           TEXT    NOT NULL UNIQUE,
	cases        TEXT    NOT NULL, -- JSON array of case ids, ["*"] for all
	created      INTEGER NOT NULL, -- unix ns
	leased_until INTEGER NOT NULL DEFAULT 0, -- unix ns
	attempts     INTEGER NOT NULL DEFAULT 0,
	done         INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX jobs_pending ON jobs (seq) WHERE done = 0;

-- cases is the index of cases with their latest assessment.
CREATE TABLE cases (
	num       INTEGER PRIMARY KEY, -- stable rowid, the key of cases_search
	id        TEXT    NOT NULL UNIQUE,
	name      TEXT    NOT NULL,
	search    TEXT    NOT NULL, -- lower(name + " " + id), for substring search
	incidents INTEGER NOT NULL DEFAULT 0,
	updated   INTEGER NOT NULL, -- unix ns
	hash      TEXT    NOT NULL DEFAULT '',
	tiers     TEXT    NOT NULL DEFAULT '{}', -- JSON object doctrine -> tier
	scope     TEXT    NOT NULL DEFAULT '',
	evidence  TEXT    NOT NULL DEFAULT '[]'  -- JSON, reserved: CaseSummary carries no evidence yet
);
CREATE INDEX cases_updated ON cases (updated DESC, id);

-- cases_search indexes cases.search by trigrams, so a name substring of
-- three or more characters is found without reading every case. Triggers
-- keep it in step with cases (FTS5 external content).
CREATE VIRTUAL TABLE cases_search USING fts5(search, content = 'cases', content_rowid = 'num', tokenize = 'trigram');
CREATE TRIGGER cases_search_insert AFTER INSERT ON cases BEGIN
	INSERT INTO cases_search (rowid, search) VALUES (new.num, new.search);
END;
CREATE TRIGGER cases_search_delete AFTER DELETE ON cases BEGIN
	INSERT INTO cases_search (cases_search, rowid, search) VALUES ('delete', old.num, old.search);
END;
CREATE TRIGGER cases_search_update AFTER UPDATE OF search ON cases BEGIN
	INSERT INTO cases_search (cases_search, rowid, search) VALUES ('delete', old.num, old.search);
	INSERT INTO cases_search (rowid, search) VALUES (new.num, new.search);
END;

CREATE TABLE assessments (
	seq     INTEGER PRIMARY KEY AUTOINCREMENT,
	case_id TEXT    NOT NULL REFERENCES cases (id),
	hash    TEXT    NOT NULL,
	report  TEXT    NOT NULL, -- JSON
	saved   INTEGER NOT NULL  -- unix ns
);
CREATE INDEX assessments_case ON assessments (case_id, seq);

CREATE TABLE events (
	seq       INTEGER PRIMARY KEY AUTOINCREMENT,
	type      TEXT    NOT NULL,
	case_id   TEXT    NOT NULL,
	doctrine  TEXT    NOT NULL DEFAULT '',
	from_tier TEXT    NOT NULL DEFAULT '',
	to_tier   TEXT    NOT NULL DEFAULT '',
	hash      TEXT    NOT NULL DEFAULT '',
	time      INTEGER NOT NULL -- unix ns
);

CREATE TABLE tokens (
	id          TEXT    NOT NULL PRIMARY KEY,
	name        TEXT    NOT NULL,
	party       TEXT    NOT NULL,
	org         TEXT    NOT NULL,
	communities TEXT    NOT NULL DEFAULT '[]', -- JSON array
	hash        TEXT    NOT NULL UNIQUE,
	created     INTEGER NOT NULL, -- unix ns
	revoked     INTEGER NOT NULL DEFAULT 0
);
