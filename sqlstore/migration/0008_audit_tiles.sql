-- 0008_audit_tiles: the transparency log's hashes as tiles.
-- Shipped once released: never edit this file; add a new numbered file instead.

-- audit_tiles holds the log's Merkle tree as tlog hash tiles of height 8
-- (golang.org/x/mod/sumdb/tlog, audit.TileHeight): the tile idx of level
-- holds up to 256 consecutive hashes of tree level 8·level, 32 bytes each,
-- left to right; the levels in between are recomputed from them. A
-- partial tile (the rightmost of its level) is rewritten wider as the log
-- grows. It replaces audit_hashes (one row per stored hash, about two per
-- entry): the store converts the rows an older node left there into tiles
-- on open and deletes them; nothing writes audit_hashes any more.
CREATE TABLE audit_tiles (
	level {{.Int32}} NOT NULL, -- tile level: its hashes are of tree level 8·level
	idx   {{.Int64}} NOT NULL, -- tile index within its level
	data  {{.Blob}}  NOT NULL, -- 32·width bytes, width 1 to 256
	PRIMARY KEY (level, idx)
);
{{- if .Postgres}}
-- Hashes do not compress: store them out of line without trying.
ALTER TABLE audit_tiles ALTER COLUMN data SET STORAGE EXTERNAL;
{{- end}}
