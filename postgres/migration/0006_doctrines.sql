-- 0006_doctrines: the doctrine versions put through the API
-- (PUT /api/v1/doctrines/{id}). Shipped once released: never edit this
-- file; add a new numbered file instead.

-- doctrines is covered by the transparency log (ref "doctrines/<id>/<seq>").
-- The latest seq of an id is the version in force; it overrides the
-- built-in or file doctrine of the same id when the node starts.
CREATE TABLE doctrines (
	id         text    NOT NULL, -- the doctrine's id ("jp")
	seq        bigint  NOT NULL, -- 1, 2, … per id
	party      text    NOT NULL, -- the owning party
	version    text    NOT NULL, -- the file's version:
	title      text    NOT NULL,
	source     bytea   NOT NULL, -- the YAML exactly as received
	sha256     text    NOT NULL, -- hex sha256 of source
	changed_by text    NOT NULL, -- user id
	changed    bigint  NOT NULL, -- unix ns
	PRIMARY KEY (id, seq)
);
