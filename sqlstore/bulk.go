package sqlstore

import (
	"context"
	"encoding/json"
	"slices"

	"article5"
	"article5/audit"
)

var _ article5.CaseLoader = (*DB)(nil)

// SaveAssessments stores the first assessment of many cases in one
// transaction, as SaveAssessment would one at a time (case row, report,
// one "assessed" event, evidence index, their log entries, and the cases'
// audience), but with bulk inserts: the path for loading many assessed
// cases at once (an import, or seeding a store for a benchmark). The
// cases must not be held yet (a held one fails the whole batch,
// EINTERNAL); a case without an id or hash is EINVALID. A zero Updated
// becomes Now().
func (db *DB) SaveAssessments(ctx context.Context, cases []article5.AssessedCase) error {
	op := db.op("save assessments")
	for _, c := range cases {
		if c.Summary == nil || c.Summary.ID == "" || c.Summary.Hash == "" {
			return article5.Errorf(article5.EINVALID, "an assessment needs a case id and a hash")
		}
	}
	if len(cases) == 0 {
		return nil
	}
	tx, err := db.begin(ctx, op, LockEvents, LockAudit)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	now := db.now()
	ids := make([]string, len(cases))
	var caseRows, reportRows, eventRows, indexRows [][]any
	var entries []audit.Entry
	byID := map[string]*article5.AssessedCase{}
	for i := range cases {
		c := &cases[i]
		s := *c.Summary
		s.Tiers = tiersOrEmpty(s.Tiers)
		if s.Updated.IsZero() {
			s.Updated = now
		}
		c.Summary = &s
		ids[i] = s.ID
		byID[s.ID] = c
		tiers, err := json.Marshal(s.Tiers)
		if err != nil {
			return article5.Internal(op, err)
		}
		report := c.Report
		if report == nil {
			report = []byte("null")
		}
		caseRows = append(caseRows, []any{s.ID, s.Name, searchText(&s), s.Incidents, s.Updated.UnixNano(), s.Hash, string(tiers), string(s.Scope)})
		reportRows = append(reportRows, []any{s.ID, s.Hash, string(report), now.UnixNano()})
		eventRows = append(eventRows, []any{"assessed", s.ID, s.Hash, now.UnixNano()})
		entries = append(entries, audit.Entry{Kind: audit.KindCase, Ref: audit.CaseRef(s.ID), Digest: audit.CaseDigest(&s, s.Updated.UnixNano()), Time: now, By: article5.PrincipalNode})
		rows := map[[2]string]bool{}
		for _, id := range c.Index.Watched {
			rows[[2]string{id, ""}] = false
		}
		for _, r := range c.Index.Evidence {
			rows[[2]string{r.ID, r.Version}] = true
		}
		var logged []audit.CaseIndexRow
		for k, ev := range rows {
			indexRows = append(indexRows, []any{s.ID, k[0], k[1], ev})
			logged = append(logged, audit.CaseIndexRow{Object: k[0], Version: k[1], Evidence: ev})
		}
		entries = append(entries, audit.Entry{Kind: audit.KindCaseIndex, Ref: audit.CaseIndexRef(s.ID),
			Digest: audit.CaseIndexDigest(s.ID, logged), Time: now, By: article5.PrincipalNode})
	}
	for _, b := range []struct {
		table string
		cols  []string
		rows  [][]any
	}{
		{"cases", []string{"id", "name", "search", "incidents", "updated", "hash", "tiers", "scope"}, caseRows},
		{"assessments", []string{"case_id", "hash", "report", "saved"}, reportRows},
		{"events", []string{"type", "case_id", "hash", "time"}, eventRows},
		{"case_index", []string{"case_id", "object_id", "version", "evidence"}, indexRows},
	} {
		if err := db.drv.BulkInsert(ctx, tx, b.table, b.cols, b.rows); err != nil {
			return article5.Internal(op, err)
		}
	}
	in, arg := db.d.In("case_id", ids)
	err = each(ctx, tx, func(r Row) error {
		var seq int64
		var id, hash, report string
		if err := r.Scan(&seq, &id, &hash, &report); err != nil {
			return err
		}
		entries = append(entries, audit.Entry{Kind: audit.KindAssessment, Ref: audit.AssessmentRef(id, seq),
			Digest: audit.AssessmentDigest(id, hash, []byte(report), now.UnixNano()), Time: now, By: article5.PrincipalNode})
		return nil
	}, `SELECT seq, case_id, hash, report FROM assessments WHERE `+in+` ORDER BY seq`, arg)
	if err != nil {
		return article5.Internal(op, err)
	}
	err = each(ctx, tx, func(r Row) error {
		e, err := scanEvent(r)
		if err != nil {
			return err
		}
		entries = append(entries, audit.Entry{Kind: audit.KindEvent, Ref: audit.EventRef(e.Seq), Digest: audit.EventDigest(&e), Time: now})
		return nil
	}, `SELECT `+eventColumns+` FROM events WHERE `+in+` ORDER BY seq`, arg)
	if err != nil {
		return article5.Internal(op, err)
	}
	if err := db.appendAudit(ctx, tx, entries); err != nil {
		return err
	}
	// The audience: every case's evidence read at once.
	evidence := map[string][]article5.ReleaseRow{}
	indexed := map[string]bool{}
	err = each(ctx, tx, func(r Row) error {
		var c string
		var row article5.ReleaseRow
		var red string
		if err := r.Scan(&c, &row.Rank, &row.CreatedBy, &row.Relayed, &row.Custodian, &red); err != nil {
			return err
		}
		indexed[c] = true
		if row.Rank != notHeld {
			row.Red = article5.ParseRedColumn(red)
			evidence[c] = append(evidence[c], row)
		}
		return nil
	}, `SELECT ci.case_id, coalesce(ev.tlp_rank, ?), coalesce(ev.created_by, ''), coalesce(ev.relayed, `+db.d.Bool(false)+`),
			coalesce(ev.custodian, ''), coalesce(ev.red, ',') FROM case_index ci
		LEFT JOIN objects ev ON ev.id = ci.object_id
			AND ((ci.version = '' AND ev.latest = `+db.d.Bool(true)+`) OR (ci.version <> '' AND ev.version = ci.version))
		WHERE ci.`+in+` AND ci.evidence = `+db.d.Bool(true), notHeld, arg)
	if err != nil {
		return article5.Internal(op, err)
	}
	var audienceRows [][]any
	for _, id := range ids {
		if !indexed[id] {
			continue
		}
		keys := article5.CaseAudience(evidence[id])
		slices.Sort(keys)
		for _, k := range slices.Compact(keys) {
			audienceRows = append(audienceRows, []any{id, k, byID[id].Summary.Updated.UnixNano()})
		}
	}
	if err := db.drv.BulkInsert(ctx, tx, "case_audience", []string{"case_id", "grant_key", "updated"}, audienceRows); err != nil {
		return article5.Internal(op, err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO event_audience (grant_key, seq)
		SELECT a.grant_key, e.seq FROM events e JOIN case_audience a ON a.case_id = e.case_id WHERE e.`+in, arg); err != nil {
		return article5.Internal(op, err)
	}
	if err := db.notify(ctx, tx, article5.TopicEvents); err != nil {
		return article5.Internal(op, err)
	}
	if err := commit(ctx, op, tx); err != nil {
		return err
	}
	db.signals.fire(article5.TopicEvents)
	return nil
}
