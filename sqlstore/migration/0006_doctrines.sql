-- 0006_doctrines: the doctrine versions put through the API
-- (PUT /api/v1/doctrines/{id}). Shipped once released: never edit this
-- file; add a new numbered file instead.

-- doctrines is covered by the transparency log (ref "doctrines/<id>/<seq>").
-- The latest seq of an id is the version in force; it overrides the
-- built-in or file doctrine of the same id when the node starts.
CREATE TABLE doctrines (
	id         {{.Text}}  NOT NULL, -- the doctrine's id ("jp")
	seq        {{.Int64}} NOT NULL, -- 1, 2, … per id
	party      {{.Text}}  NOT NULL, -- the owning party
	version    {{.Text}}  NOT NULL, -- the file's version:
	title      {{.Text}}  NOT NULL,
	source     {{.Blob}}  NOT NULL, -- the YAML exactly as received
	sha256     {{.Text}}  NOT NULL, -- hex sha256 of source
	changed_by {{.Text}}  NOT NULL, -- user id
	changed    {{.Int64}} NOT NULL, -- unix ns
	PRIMARY KEY (id, seq)
);
