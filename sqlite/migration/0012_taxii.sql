-- 0012_taxii: indexes that let a page of objects released
-- to a recipient who may see only a small part of them (a stranger, a
-- community member, a red recipient) be read from the rows it may see,
-- one index per way a row may be released to it (sqlstore releasedPage),
-- each in page order (date added, seq).
-- Shipped once released: never edit this file; add a new numbered file instead.

CREATE INDEX objects_rank_added ON objects (tlp_rank, added_sec, added_nsec, seq);
CREATE INDEX objects_creator_added ON objects (created_by, added_sec, added_nsec, seq);
CREATE INDEX objects_custodian_added ON objects (custodian, added_sec, added_nsec, seq);
CREATE INDEX objects_red_added ON objects (added_sec, added_nsec, seq) WHERE red <> ',';

-- taxii_statuses are the status resources of TAXII writes (package taxii),
-- readable only by their owner (the token or user id that wrote), kept for
-- a day; shared by every serve process of the node. Operational: not
-- covered by the transparency log.
CREATE TABLE taxii_statuses (
	id      TEXT    NOT NULL PRIMARY KEY,
	owner   TEXT    NOT NULL,
	created INTEGER NOT NULL, -- unix ns
	body    BLOB       NOT NULL
);
CREATE INDEX taxii_statuses_created ON taxii_statuses (created);
