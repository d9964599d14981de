-- 0014_witness: what this node witnessed of its partners' transparency
-- logs, and the certificate of its own tree-head key (docs/federation.md,
-- "Witnessing").
-- Shipped once released: never edit this file; add a new numbered file instead.

-- partner_heads holds, per partner, the newest signed tree head that
-- verified with the partner's certified node key and extended every head
-- witnessed before it, and the last one that did not (conflict). Not tied
-- to partners: a partner removed and added again keeps what was
-- witnessed. Operational: not covered by the transparency log (a head
-- verifies by its signature).
CREATE TABLE partner_heads (
	partner          {{.Text}}  NOT NULL PRIMARY KEY,
	signed           {{.Blob}}  NOT NULL, -- sumdb note; empty: none verified yet
	size             {{.Int64}} NOT NULL,
	hash             {{.Text}}  NOT NULL, -- base64
	head_time        {{.Int64}} NOT NULL, -- unix ns; the head's own time
	key_id           {{.Text}}  NOT NULL,
	party            {{.Text}}  NOT NULL,
	certificate      {{.Blob}}  NOT NULL, -- JSON of sign.Certificate
	witnessed        {{.Int64}} NOT NULL, -- unix ns; 0: never
	last_attempt     {{.Int64}} NOT NULL, -- unix ns
	last_error       {{.Text}}  NOT NULL,
	checks           {{.Int64}} NOT NULL,
	inconsistencies  {{.Int64}} NOT NULL,
	conflict         {{.Blob}}  NOT NULL, -- the last contradicting signed head
	conflict_reason  {{.Text}}  NOT NULL,
	conflict_at      {{.Int64}} NOT NULL, -- unix ns; 0: never
	conflict_open    {{.Int64}} NOT NULL  -- 1 while the conflict is not resolved
);

-- node_certificate is the certificate, by this node's Party root, of the
-- node's tree-head key (article5 audit certificate install), served to
-- partners beside the signed tree head.
CREATE TABLE node_certificate (
	id          {{.Int64}} NOT NULL PRIMARY KEY, -- always 1
	key_id      {{.Text}}  NOT NULL,
	certificate {{.Blob}}  NOT NULL,
	created     {{.Int64}} NOT NULL -- unix ns
);

-- Events about a partner (partner-log-inconsistent) name it.
ALTER TABLE events ADD COLUMN partner {{.Text}} NOT NULL DEFAULT '';
-- Events about no case are filed for the organisation named here
-- (article5.OrgGrants): the node's own.
ALTER TABLE events ADD COLUMN org     {{.Text}} NOT NULL DEFAULT '';
