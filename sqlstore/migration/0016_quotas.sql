-- 0014_quotas: request and ingest quotas shared by the serve processes of
-- a node (docs/scaling-out.md, docs/security.md).
-- Shipped once released: never edit this file; add a new numbered file instead.

-- quotas are token buckets kept as the generic cell rate algorithm's
-- theoretical arrival time (tat, unix ns) per key (a token or user per
-- quota, or a client address): a take of n tokens moves tat on by n
-- intervals from max(tat, now), refused when that is more than the
-- burst's intervals ahead of now. A row whose tat has passed is a full
-- bucket and may be deleted. Operational, not covered by the transparency log.
CREATE TABLE quotas (
	quota_key {{.Text}}  NOT NULL PRIMARY KEY,
	tat       {{.Int64}} NOT NULL -- unix ns
);
CREATE INDEX quotas_tat ON quotas (tat);
