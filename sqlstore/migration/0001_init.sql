-- 0001_init: the first schema of the store.
-- Shipped: never edit this file; add a new numbered file instead.

-- objects holds every stored version of every STIX object. Instants are
-- kept as integer seconds and nanoseconds: STIX timestamps may carry more
-- digits than a microsecond (where PostgreSQL's timestamptz stops). seq
-- follows commit order (SQLite: assigned by the single writer; PostgreSQL:
-- an identity column, ingest holding an advisory lock) and breaks ties in
-- date added for paging.
CREATE TABLE objects (
	id           {{.Text}}  NOT NULL,
	version      {{.Text}}  NOT NULL,
	version_sec  {{.Int64}} NOT NULL,
	version_nsec {{.Int64}} NOT NULL,
	unversioned  {{.Bool}}  NOT NULL DEFAULT {{.False}},
	latest       {{.Bool}}  NOT NULL DEFAULT {{.True}}, -- the greatest version of its id
	added_sec    {{.Int64}} NOT NULL,
	added_nsec   {{.Int64}} NOT NULL,
{{- if .SQLite}}
	seq          INTEGER NOT NULL,
{{- else}}
	seq          bigint  GENERATED ALWAYS AS IDENTITY,
{{- end}}
	type         {{.Text}}  NOT NULL,
	spec_version {{.Text}}  NOT NULL DEFAULT '',
	created_by   {{.Text}}  NOT NULL DEFAULT '',
	revoked      {{.Bool}}  NOT NULL DEFAULT {{.False}},
	markings     {{.Text}}  NOT NULL DEFAULT '[]', -- JSON array of marking ids, sorted
	source_ref   {{.Text}}  NOT NULL DEFAULT '',
	target_ref   {{.Text}}  NOT NULL DEFAULT '',
	sha256       {{.Text}}  NOT NULL,
	raw          {{.Blob}}  NOT NULL,
	PRIMARY KEY (id, version)
);
{{- if .SQLite}}
CREATE UNIQUE INDEX objects_seq ON objects (seq);
{{- end}}
CREATE INDEX objects_type ON objects (type);
CREATE INDEX objects_source_ref ON objects (source_ref) WHERE source_ref <> '';
CREATE INDEX objects_added ON objects (added_sec, added_nsec, seq);
CREATE INDEX objects_latest_added ON objects (added_sec, added_nsec, seq) WHERE {{.Is "latest"}};

-- jobs are durable re-assessment jobs; leased_until 0 means never leased.
CREATE TABLE jobs (
	seq          {{.Serial}},
	id           {{.Text}}  NOT NULL UNIQUE,
	cases        {{.JSON}}  NOT NULL, -- JSON array of case ids, ["*"] for all
	created      {{.Int64}} NOT NULL, -- unix ns
	leased_until {{.Int64}} NOT NULL DEFAULT 0, -- unix ns
	attempts     {{.Int32}} NOT NULL DEFAULT 0,
	done         {{.Bool}}  NOT NULL DEFAULT {{.False}}
);
CREATE INDEX jobs_pending ON jobs (seq) WHERE {{.IsNot "done"}};

-- cases is the index of cases with their latest assessment.
CREATE TABLE cases (
{{- if .SQLite}}
	num       INTEGER PRIMARY KEY, -- stable rowid, the key of cases_search
	id        TEXT    NOT NULL UNIQUE,
{{- else}}
	id        text    NOT NULL PRIMARY KEY,
{{- end}}
	name      {{.Text}}  NOT NULL,
	search    {{.Text}}  NOT NULL, -- lower(name + " " + id), for substring search
	incidents {{.Int32}} NOT NULL DEFAULT 0,
	updated   {{.Int64}} NOT NULL, -- unix ns
	hash      {{.Text}}  NOT NULL DEFAULT '',
	tiers     {{.JSON}}  NOT NULL DEFAULT '{}', -- JSON object doctrine -> tier
	scope     {{.Text}}  NOT NULL DEFAULT '',
	evidence  {{.JSON}}  NOT NULL DEFAULT '[]'  -- JSON, reserved: CaseSummary carries no evidence yet
);
CREATE INDEX cases_updated ON cases (updated DESC, id);
{{- if .SQLite}}

-- cases_search indexes cases.search by trigrams, so a name substring of
-- three or more characters is found without reading every case. Triggers
-- keep it in step with cases (FTS5 external content). PostgreSQL has no
-- such index without the pg_trgm extension (Dialect.CaseSearch).
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
{{- end}}

CREATE TABLE assessments (
	seq     {{.Serial}},
	case_id {{.Text}}   NOT NULL REFERENCES cases (id),
	hash    {{.Text}}   NOT NULL,
	report  {{.JSONExact}} NOT NULL, -- JSON, kept as given
	saved   {{.Int64}}  NOT NULL  -- unix ns
);
CREATE INDEX assessments_case ON assessments (case_id, seq);

CREATE TABLE events (
	seq       {{.Serial}},
	type      {{.Text}}  NOT NULL,
	case_id   {{.Text}}  NOT NULL,
	doctrine  {{.Text}}  NOT NULL DEFAULT '',
	from_tier {{.Text}}  NOT NULL DEFAULT '',
	to_tier   {{.Text}}  NOT NULL DEFAULT '',
	hash      {{.Text}}  NOT NULL DEFAULT '',
	time      {{.Int64}} NOT NULL -- unix ns
);

CREATE TABLE tokens (
	id          {{.Text}}  NOT NULL PRIMARY KEY,
	name        {{.Text}}  NOT NULL,
	party       {{.Text}}  NOT NULL,
	org         {{.Text}}  NOT NULL,
	communities {{.JSON}}  NOT NULL DEFAULT '[]', -- JSON array
	hash        {{.Text}}  NOT NULL UNIQUE,
	created     {{.Int64}} NOT NULL, -- unix ns
	revoked     {{.Bool}}  NOT NULL DEFAULT {{.False}}
);
