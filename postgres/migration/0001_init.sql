-- 0001_init: the first schema of the PostgreSQL store.
-- Shipped: never edit this file; add a new numbered file instead.

-- objects holds every stored version of every STIX object. Instants are
-- kept as integer seconds and nanoseconds: timestamptz stops at the
-- microsecond and would merge distinct STIX versions. seq follows commit
-- order (ingest holds an advisory lock) and breaks ties in date added.
CREATE TABLE objects (
	id           text    NOT NULL,
	version      text    NOT NULL,
	version_sec  bigint  NOT NULL,
	version_nsec bigint  NOT NULL,
	unversioned  boolean NOT NULL DEFAULT false,
	latest       boolean NOT NULL DEFAULT true, -- the greatest version of its id
	added_sec    bigint  NOT NULL,
	added_nsec   bigint  NOT NULL,
	seq          bigint  GENERATED ALWAYS AS IDENTITY,
	type         text    NOT NULL,
	spec_version text    NOT NULL DEFAULT '',
	created_by   text    NOT NULL DEFAULT '',
	revoked      boolean NOT NULL DEFAULT false,
	markings     text    NOT NULL DEFAULT '[]', -- JSON array of marking ids, sorted
	source_ref   text    NOT NULL DEFAULT '',
	target_ref   text    NOT NULL DEFAULT '',
	sha256       text    NOT NULL,
	raw          bytea   NOT NULL,
	PRIMARY KEY (id, version)
);
CREATE INDEX objects_type ON objects (type);
CREATE INDEX objects_source_ref ON objects (source_ref) WHERE source_ref <> '';
CREATE INDEX objects_added ON objects (added_sec, added_nsec, seq);
CREATE INDEX objects_latest_added ON objects (added_sec, added_nsec, seq) WHERE latest;

-- jobs are durable re-assessment jobs; leased_until 0 means never leased.
CREATE TABLE jobs (
	seq          bigint  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	id           text    NOT NULL UNIQUE,
	cases        jsonb   NOT NULL, -- array of case ids, ["*"] for all
	created      bigint  NOT NULL, -- unix ns
	leased_until bigint  NOT NULL DEFAULT 0, -- unix ns
	attempts     integer NOT NULL DEFAULT 0,
	done         boolean NOT NULL DEFAULT false
);
CREATE INDEX jobs_pending ON jobs (seq) WHERE NOT done;

-- cases is the index of cases with their latest assessment.
CREATE TABLE cases (
	id        text    NOT NULL PRIMARY KEY,
	name      text    NOT NULL,
	search    text    NOT NULL, -- lower(name || ' ' || id), for substring search
	incidents integer NOT NULL DEFAULT 0,
	updated   bigint  NOT NULL, -- unix ns
	hash      text    NOT NULL DEFAULT '',
	tiers     jsonb   NOT NULL DEFAULT '{}', -- doctrine -> tier
	scope     text    NOT NULL DEFAULT '',
	evidence  jsonb   NOT NULL DEFAULT '[]'  -- reserved: CaseSummary carries no evidence yet
);
CREATE INDEX cases_updated ON cases (updated DESC, id);

CREATE TABLE assessments (
	seq     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	case_id text   NOT NULL REFERENCES cases (id),
	hash    text   NOT NULL,
	report  json   NOT NULL, -- json, not jsonb: kept as given
	saved   bigint NOT NULL  -- unix ns
);
CREATE INDEX assessments_case ON assessments (case_id, seq);

CREATE TABLE events (
	seq       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	type      text   NOT NULL,
	case_id   text   NOT NULL,
	doctrine  text   NOT NULL DEFAULT '',
	from_tier text   NOT NULL DEFAULT '',
	to_tier   text   NOT NULL DEFAULT '',
	hash      text   NOT NULL DEFAULT '',
	time      bigint NOT NULL -- unix ns
);

CREATE TABLE tokens (
	id          text    NOT NULL PRIMARY KEY,
	name        text    NOT NULL,
	party       text    NOT NULL,
	org         text    NOT NULL,
	communities jsonb   NOT NULL DEFAULT '[]',
	hash        text    NOT NULL UNIQUE,
	created     bigint  NOT NULL, -- unix ns
	revoked     boolean NOT NULL DEFAULT false
);
