-- 0002_audit: the transparency log (package audit's adapter contract).
-- Shipped: never edit this file; add a new numbered file instead.

-- node_keys holds the node's note signer key (one row, made on first open);
-- the verifier key is public and handed to the partner out of band.
CREATE TABLE node_keys (
	id       {{.Int32}} NOT NULL PRIMARY KEY CHECK (id = 1),
	name     {{.Text}}  NOT NULL,
	signer   {{.Text}}  NOT NULL, -- secret
	verifier {{.Text}}  NOT NULL,
	created  {{.Int64}} NOT NULL  -- unix ns
);

-- audit_entries is the log: one row per change of a covered row.
CREATE TABLE audit_entries (
	idx    {{.Int64}} NOT NULL PRIMARY KEY, -- position in the log, from 0
	kind   {{.Text}}  NOT NULL,
	ref    {{.Text}}  NOT NULL,
	digest {{.Text}}  NOT NULL,
	time   {{.Int64}} NOT NULL -- unix ns
);

-- audit_hashes is the log's Merkle tree, by tlog stored hash index.
CREATE TABLE audit_hashes (
	idx  {{.Int64}} NOT NULL PRIMARY KEY,
	hash {{.Blob}}  NOT NULL -- 32 bytes
);

-- audit_heads holds the signed tree head written by each transaction.
CREATE TABLE audit_heads (
	n    {{.Int64}} NOT NULL PRIMARY KEY, -- tree size
	note {{.Blob}}  NOT NULL              -- signed note (audit.SignTreeHead)
);
