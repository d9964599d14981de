-- 0007_trust: provenance of every stored version, the quarantine, the
-- index from objects to the cases they are evidence of, the per-case
-- re-assessment queue, the node's cursor secrets, and the submitter in the
-- transparency log.
-- Shipped once released: never edit this file; add a new numbered file instead.

-- Provenance and release columns of every version. submitter is '' on
-- versions stored before it was recorded (their custodian is then their
-- created_by). tlp_rank is the TLP rank of markings (0 clear … 4 red, -1 none,
-- -2 not yet computed: filled in by the store on open); red holds the
-- red_recipients as ',a,b,' (article5.RedColumn).
ALTER TABLE objects ADD COLUMN submitter     text    NOT NULL DEFAULT '';
ALTER TABLE objects ADD COLUMN submitter_org text    NOT NULL DEFAULT '';
ALTER TABLE objects ADD COLUMN custodian     text    NOT NULL DEFAULT '';
ALTER TABLE objects ADD COLUMN relayed       boolean NOT NULL DEFAULT false;
ALTER TABLE objects ADD COLUMN tlp_rank      integer NOT NULL DEFAULT -2;
ALTER TABLE objects ADD COLUMN red           text    NOT NULL DEFAULT ',';
CREATE INDEX objects_rank_pending ON objects (tlp_rank) WHERE tlp_rank = -2;

-- audit_entries.actor names who made a change ('<principal>@<org>'); '' on
-- entries written before it was recorded (their leaf has five fields).
ALTER TABLE audit_entries ADD COLUMN actor text NOT NULL DEFAULT '';
-- A version's provenance names the entries that record it.
CREATE INDEX audit_entries_ref ON audit_entries (ref);

-- quarantine holds versions that collided with an object their submitter
-- may not read (article5.DecideIngest): a store of its own per submitter
-- organisation, judged by the same rules, never evidence. Covered by the log (ref
-- 'quarantine/<id>/<version>/<org>/<sha256>').
CREATE TABLE quarantine (
	id            text    NOT NULL,
	version       text    NOT NULL,
	submitter_org text    NOT NULL, -- its custodian: it is seen by this organisation alone
	version_sec   bigint  NOT NULL,
	version_nsec  bigint  NOT NULL,
	unversioned   boolean NOT NULL DEFAULT false,
	added_sec     bigint  NOT NULL,
	added_nsec    bigint  NOT NULL,
	type          text    NOT NULL,
	spec_version  text    NOT NULL DEFAULT '',
	created_by    text    NOT NULL DEFAULT '',
	revoked       boolean NOT NULL DEFAULT false,
	markings      text    NOT NULL DEFAULT '[]',
	source_ref    text    NOT NULL DEFAULT '',
	target_ref    text    NOT NULL DEFAULT '',
	sha256        text    NOT NULL,
	raw           bytea   NOT NULL,
	submitter     text    NOT NULL,
	relayed       boolean NOT NULL DEFAULT false,
	red           text    NOT NULL DEFAULT ',',
	PRIMARY KEY (id, version, submitter_org, sha256)
);

-- case_index maps each case to the objects its last walk looked up:
-- evidence true for those it drew on (the case is released only with the
-- latest version of each, or, for an SCO copy, that version), false for
-- the ids it only watches (a new version, or a relationship from one,
-- queues the case). version is '' except for SCO copies. Covered by the
-- log (ref 'case_index/<case>').
CREATE TABLE case_index (
	case_id   text    NOT NULL,
	object_id text    NOT NULL,
	version   text    NOT NULL DEFAULT '',
	evidence  boolean NOT NULL,
	PRIMARY KEY (case_id, object_id, version)
);
CREATE INDEX case_index_object ON case_index (object_id);

-- case_queue holds each case queued for re-assessment once; gen counts
-- the times it was queued, so that a case queued again while it is being
-- assessed runs once more. Operational state, not covered by the log (see
-- docs/security.md).
CREATE TABLE case_queue (
	case_id      text   NOT NULL PRIMARY KEY,
	gen          bigint NOT NULL DEFAULT 1,
	queued       bigint NOT NULL, -- unix ns
	leased_until bigint NOT NULL DEFAULT 0, -- unix ns
	attempts     integer NOT NULL DEFAULT 0
);
CREATE INDEX case_queue_due ON case_queue (leased_until, queued);

-- node_secrets are the secrets page cursors and event ids are sealed with
-- (package cursor), shared by every serve process of the node.
CREATE TABLE node_secrets (
	id      text   NOT NULL PRIMARY KEY,
	secret  bytea  NOT NULL,
	created bigint NOT NULL -- unix ns
);

-- Sessions are covered by the transparency log from now on; those made
-- before were not logged, so they end here (users log in again).
DELETE FROM sessions;

-- Every case is re-assessed once, which writes its evidence index: until
-- then a case has no index and is released to no one.
INSERT INTO jobs (id, cases, created) VALUES ('job--0007-case-index', '["*"]', 0);
