-- 0012_taxii: what the TAXII 2.1 server (package taxii) needs of the store.
-- Shipped once released: never edit this file; add a new numbered file instead.

-- Indexes that let a page of objects released to a recipient who may see
-- only a small part of them (a stranger, a community member, a red
-- recipient) be read from the rows it may see, one index per way a row
-- may be released to it (sqlstore releasedPage), each in page order
-- (date added, seq); the page's rows are then read by seq (objects_seq;
-- SQLite has had it since 0001).
CREATE INDEX objects_rank_added ON objects (tlp_rank, added_sec, added_nsec, seq);
CREATE INDEX objects_creator_added ON objects (created_by, added_sec, added_nsec, seq);
CREATE INDEX objects_custodian_added ON objects (custodian, added_sec, added_nsec, seq);
CREATE INDEX objects_red_added ON objects (added_sec, added_nsec, seq) WHERE red <> ',';
{{if .Postgres}}CREATE UNIQUE INDEX objects_seq ON objects (seq);{{end}}

-- taxii_statuses are the status resources of TAXII writes, readable only
-- by their owner (the token or user id that wrote), kept for a day;
-- shared by every serve process of the node. Operational: not covered by
-- the transparency log.
CREATE TABLE taxii_statuses (
	id      {{.Text}}  NOT NULL PRIMARY KEY,
	owner   {{.Text}}  NOT NULL,
	created {{.Int64}} NOT NULL, -- unix ns
	body    {{.Blob}}  NOT NULL
);
CREATE INDEX taxii_statuses_created ON taxii_statuses (created);
