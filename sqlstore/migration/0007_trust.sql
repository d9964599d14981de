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
ALTER TABLE objects ADD COLUMN submitter     {{.Text}}  NOT NULL DEFAULT '';
ALTER TABLE objects ADD COLUMN submitter_org {{.Text}}  NOT NULL DEFAULT '';
ALTER TABLE objects ADD COLUMN custodian     {{.Text}}  NOT NULL DEFAULT '';
ALTER TABLE objects ADD COLUMN relayed       {{.Bool}}  NOT NULL DEFAULT {{.False}};
ALTER TABLE objects ADD COLUMN tlp_rank      {{.Int32}} NOT NULL DEFAULT -2;
ALTER TABLE objects ADD COLUMN red           {{.Text}}  NOT NULL DEFAULT ',';
CREATE INDEX objects_rank_pending ON objects (tlp_rank) WHERE tlp_rank = -2;

-- audit_entries.actor names who made a change ('<principal>@<org>'); '' on
-- entries written before it was recorded (their leaf has five fields).
ALTER TABLE audit_entries ADD COLUMN actor {{.Text}} NOT NULL DEFAULT '';
-- A version's provenance names the entries that record it.
CREATE INDEX audit_entries_ref ON audit_entries (ref);

-- quarantine holds versions that collided with an object their submitter
-- may not read (article5.DecideIngest): a store of its own per submitter
-- organisation, judged by the same rules, never evidence. Covered by the log (ref
-- 'quarantine/<id>/<version>/<org>/<sha256>').
CREATE TABLE quarantine (
	id            {{.Text}}  NOT NULL,
	version       {{.Text}}  NOT NULL,
	submitter_org {{.Text}}  NOT NULL, -- its custodian: it is seen by this organisation alone
	version_sec   {{.Int64}} NOT NULL,
	version_nsec  {{.Int64}} NOT NULL,
	unversioned   {{.Bool}}  NOT NULL DEFAULT {{.False}},
	added_sec     {{.Int64}} NOT NULL,
	added_nsec    {{.Int64}} NOT NULL,
	type          {{.Text}}  NOT NULL,
	spec_version  {{.Text}}  NOT NULL DEFAULT '',
	created_by    {{.Text}}  NOT NULL DEFAULT '',
	revoked       {{.Bool}}  NOT NULL DEFAULT {{.False}},
	markings      {{.Text}}  NOT NULL DEFAULT '[]',
	source_ref    {{.Text}}  NOT NULL DEFAULT '',
	target_ref    {{.Text}}  NOT NULL DEFAULT '',
	sha256        {{.Text}}  NOT NULL,
	raw           {{.Blob}}  NOT NULL,
	submitter     {{.Text}}  NOT NULL,
	relayed       {{.Bool}}  NOT NULL DEFAULT {{.False}},
	red           {{.Text}}  NOT NULL DEFAULT ',',
	PRIMARY KEY (id, version, submitter_org, sha256)
);

-- case_index maps each case to the objects its last walk looked up:
-- evidence set for those it drew on (the case is released only with the
-- latest version of each, or, for an SCO copy, that version), not set for
-- the ids it only watches (a new version, or a relationship from one,
-- queues the case). version is '' except for SCO copies. Covered by the
-- log (ref 'case_index/<case>').
CREATE TABLE case_index (
	case_id   {{.Text}} NOT NULL,
	object_id {{.Text}} NOT NULL,
	version   {{.Text}} NOT NULL DEFAULT '',
	evidence  {{.Bool}} NOT NULL,
	PRIMARY KEY (case_id, object_id, version)
);
CREATE INDEX case_index_object ON case_index (object_id);

-- case_queue holds each case queued for re-assessment once; gen counts
-- the times it was queued, so that a case queued again while it is being
-- assessed runs once more. Operational state, not covered by the log (see
-- docs/security.md).
CREATE TABLE case_queue (
	case_id      {{.Text}}  NOT NULL PRIMARY KEY,
	gen          {{.Int64}} NOT NULL DEFAULT 1,
	queued       {{.Int64}} NOT NULL, -- unix ns
	leased_until {{.Int64}} NOT NULL DEFAULT 0, -- unix ns
	attempts     {{.Int32}} NOT NULL DEFAULT 0
);
CREATE INDEX case_queue_due ON case_queue (leased_until, queued);

-- node_secrets are the secrets page cursors and event ids are sealed with
-- (package cursor), shared by every serve process of the node.
CREATE TABLE node_secrets (
	id      {{.Text}}  NOT NULL PRIMARY KEY,
	secret  {{.Blob}}  NOT NULL,
	created {{.Int64}} NOT NULL -- unix ns
);

-- Sessions are covered by the transparency log from now on; those made
-- before were not logged, so they end here (users log in again).
DELETE FROM sessions;

-- Every case is re-assessed once, which writes its evidence index: until
-- then a case has no index and is released to no one.
INSERT INTO jobs (id, cases, created) VALUES ('job--0007-case-index', '["*"]', 0);
