-- 0009_object_raw_sha256: the hash of each object version's raw bytes,
-- which the transparency log's entry of the version digests in place of
-- the bytes.
-- Shipped once released: never edit this file; add a new numbered file instead.

-- raw_sha256 is the lowercase hex SHA-256 of raw as stored (not of its
-- canonical form, which sha256 holds). The log's entry of a version stored
-- from now on digests raw_sha256 in place of raw (audit.ObjectDigestOf), so
-- that the routine `article5 audit verify` need not read raw;
-- `audit verify --deep` checks raw against it. '' on the versions stored
-- before: their entries digest raw itself (audit.LegacyObjectDigest), and
-- every check reads their raw.
ALTER TABLE objects ADD COLUMN raw_sha256 {{.Text}} NOT NULL DEFAULT '';
