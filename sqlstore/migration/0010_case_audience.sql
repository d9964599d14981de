-- 0010_case_audience: who may see each case, precomputed, so that a page
-- of the cases (or events) a recipient may see is read from an index and
-- the cases it may not see are never read.
-- Shipped once released: never edit this file; add a new numbered file instead.

-- case_audience holds the keys a case is filed under
-- (article5.CaseAudience), computed from the release columns of the
-- versions its evidence index (case_index) names, whenever the index, the
-- case row or one of those objects changes (in the same transaction).
-- A recipient looks under its keys (article5.Audience.Grants); a case
-- with no evidence index has no key. updated is cases.updated, so that
-- each key pages in list order. Derived from covered tables (cases,
-- case_index, objects), it is not covered by the transparency log itself.
CREATE TABLE case_audience (
	case_id   {{.Text}}  NOT NULL,
	grant_key {{.Text}}  NOT NULL,
	updated   {{.Int64}} NOT NULL, -- unix ns, as cases.updated
	PRIMARY KEY (case_id, grant_key)
);
CREATE INDEX case_audience_page ON case_audience (grant_key, updated DESC, case_id);

-- event_audience files each event under the keys of its case, so that the
-- events list of a recipient pages by seq without reading the events of
-- cases it may not see.
CREATE TABLE event_audience (
	grant_key {{.Text}}  NOT NULL,
	seq       {{.Int64}} NOT NULL, -- events.seq
	PRIMARY KEY (grant_key, seq)
);
CREATE INDEX event_audience_seq ON event_audience (seq);
CREATE INDEX events_case ON events (case_id, seq);

-- The queue is claimed oldest first (ORDER BY queued, case_id): in that
-- order, skipping the few cases under lease, rather than reading every
-- due case to sort it (a re-assessment of every case queues them all).
CREATE INDEX case_queue_order ON case_queue (queued, case_id);

-- case_audience_pending lists the cases whose keys are still to be
-- computed: every case held when this migration ran. The store drains it
-- on open, before it serves.
CREATE TABLE case_audience_pending (
	case_id {{.Text}} NOT NULL PRIMARY KEY
);
INSERT INTO case_audience_pending (case_id) SELECT id FROM cases;
