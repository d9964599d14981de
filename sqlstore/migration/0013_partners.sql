-- 0013_partners: the partner nodes this node pulls from (docs/federation.md).
-- Shipped once released: never edit this file; add a new numbered file instead.

-- partners are the nodes (TAXII 2.1 API roots) this node pulls STIX
-- objects from, with what they may hold in custody here. Operational: not
-- covered by the transparency log; token is a secret, never listed.
CREATE TABLE partners (
	name        {{.Text}}  NOT NULL PRIMARY KEY,
	api_root    {{.Text}}  NOT NULL, -- the TAXII API root URL, ending in /
	ca          {{.Blob}}  NOT NULL, -- PEM of the CAs or pinned certificate; empty: the host's roots
	token       {{.Text}}  NOT NULL, -- the API token presented to the partner
	speaks_for  {{.JSON}}  NOT NULL, -- identity ids; the first is the partner's own organisation
	collections {{.JSON}}  NOT NULL, -- ids or aliases to pull; [] means ["all"]
	created     {{.Int64}} NOT NULL  -- unix ns
);

-- partner_cursors are, per partner collection, where the next pull
-- resumes (added_after, saved after every page handled), when a pass last
-- reached the end, the last attempt and its error, and running totals.
CREATE TABLE partner_cursors (
	partner      {{.Text}}  NOT NULL REFERENCES partners (name) ON DELETE CASCADE,
	collection   {{.Text}}  NOT NULL,
	added_after  {{.Text}}  NOT NULL,
	last_sync    {{.Int64}} NOT NULL, -- unix ns; 0: never completed
	last_attempt {{.Int64}} NOT NULL, -- unix ns
	last_error   {{.Text}}  NOT NULL,
	pulled       {{.Int64}} NOT NULL,
	errors       {{.Int64}} NOT NULL,
	PRIMARY KEY (partner, collection)
);
