package sqlstore

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"article5"
)

// The precomputed audience of cases (migration 0009): each case is filed in
// case_audience under the keys of article5.CaseAudience, computed from the
// release columns of the versions its evidence index names; each of its
// events in event_audience under the same keys. A recipient's page is then
// read from those indexes under its keys (article5.Audience.Grants), in
// list order, and the cases it may not see are never read.
//
// The keys are rewritten, in the same transaction, whenever what they are
// computed from changes: the case's evidence index (writeCaseIndex, so a
// new assessment too), its row (updated), or a stored version of an
// object some evidence index names (ingest: the same lookup of case_index
// by object that queues re-assessments).

// audienceEvidence reads the release columns of the versions the evidence
// index of case c names (as caseReleased read them: the latest version,
// or the SCO copy's own), and whether the case has an evidence index.
func (db *DB) audienceEvidence(ctx context.Context, q Querier, c string) ([]article5.ReleaseRow, bool, error) {
	indexed := false
	var out []article5.ReleaseRow
	err := each(ctx, q, func(r Row) error {
		indexed = true
		var row article5.ReleaseRow
		var red string
		if err := r.Scan(&row.Rank, &row.CreatedBy, &row.Relayed, &row.Custodian, &red); err != nil {
			return err
		}
		if row.Rank == notHeld {
			return nil // named but not held: counts for nothing
		}
		row.Red = article5.ParseRedColumn(red)
		out = append(out, row)
		return nil
	}, `SELECT coalesce(ev.tlp_rank, ?), coalesce(ev.created_by, ''), coalesce(ev.relayed, `+db.d.Bool(false)+`),
			coalesce(ev.custodian, ''), coalesce(ev.red, ',') FROM case_index ci
		LEFT JOIN objects ev ON ev.id = ci.object_id
			AND ((ci.version = '' AND ev.latest = `+db.d.Bool(true)+`) OR (ci.version <> '' AND ev.version = ci.version))
		WHERE ci.case_id = ? AND ci.evidence = `+db.d.Bool(true), notHeld, c)
	return out, indexed, err
}

// notHeld stands for the rank of an evidence id the store does not hold.
const notHeld = -99

// refreshAudience recomputes the keys of cases inside tx and, where they
// changed, rewrites them and the keys of the cases' events; where only the
// case's updated moved, it moves the keys' updated. A case without a row
// in cases, or without an evidence index, has no key.
func (db *DB) refreshAudience(ctx context.Context, tx Tx, cases []string) error {
	for _, c := range cases {
		var keys []string
		var updated int64
		err := tx.QueryRow(ctx, `SELECT updated FROM cases WHERE id = ?`, c).Scan(&updated)
		if err != nil && !isNoRows(err) {
			return err
		}
		if err == nil {
			rows, indexed, err := db.audienceEvidence(ctx, tx, c)
			if err != nil {
				return err
			}
			if indexed {
				keys = article5.CaseAudience(rows)
				slices.Sort(keys)
				keys = slices.Compact(keys)
			}
		}
		type held struct {
			key     string
			updated int64
		}
		old, err := collect(ctx, tx, func(r Row) (h held, err error) { return h, r.Scan(&h.key, &h.updated) },
			`SELECT grant_key, updated FROM case_audience WHERE case_id = ? ORDER BY grant_key`, c)
		if err != nil {
			return err
		}
		same := len(old) == len(keys)
		moved := false
		for i := 0; same && i < len(old); i++ {
			same = old[i].key == keys[i]
			moved = moved || old[i].updated != updated
		}
		if same {
			if moved {
				if _, err := tx.Exec(ctx, `UPDATE case_audience SET updated = ? WHERE case_id = ?`, updated, c); err != nil {
					return err
				}
			}
			continue
		}
		if _, err := tx.Exec(ctx, `DELETE FROM case_audience WHERE case_id = ?`, c); err != nil {
			return err
		}
		if len(keys) > 0 {
			rows := make([][]any, len(keys))
			for i, k := range keys {
				rows[i] = []any{c, k, updated}
			}
			if err := db.drv.BulkInsert(ctx, tx, "case_audience", []string{"case_id", "grant_key", "updated"}, rows); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `DELETE FROM event_audience WHERE seq IN (SELECT seq FROM events WHERE case_id = ?)`, c); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO event_audience (grant_key, seq)
			SELECT a.grant_key, e.seq FROM events e JOIN case_audience a ON a.case_id = e.case_id WHERE e.case_id = ?`, c); err != nil {
			return err
		}
	}
	return nil
}

// refreshAudienceOf recomputes, inside tx, the keys of every case whose
// evidence index names one of the stored objects in a way that may change
// them: an id stored for the first time (evidence may name an id before it
// is held), an id whose versions now differ in their release columns, or
// an SCO copy's version. A new version that releases exactly as the ones
// before it (most new versions) changes no case's keys, and costs one
// lookup.
func (db *DB) refreshAudienceOf(ctx context.Context, tx Tx, stored []*article5.StoredObject) error {
	batch := map[string]int{} // id → versions stored now
	for _, o := range stored {
		batch[o.ID]++
	}
	if len(batch) == 0 {
		return nil
	}
	ids := sortedIDs(batch)
	in, arg := db.d.In("id", ids)
	type columns struct {
		rank                      int
		createdBy, custodian, red string
		relayed                   bool
	}
	held := map[string]map[columns]bool{}
	versions := map[string]int{}
	err := each(ctx, tx, func(r Row) error {
		var id string
		var c columns
		if err := r.Scan(&id, &c.rank, &c.createdBy, &c.relayed, &c.custodian, &c.red); err != nil {
			return err
		}
		if held[id] == nil {
			held[id] = map[columns]bool{}
		}
		held[id][c] = true
		versions[id]++
		return nil
	}, `SELECT id, tlp_rank, created_by, relayed, custodian, red FROM objects WHERE `+in, arg)
	if err != nil {
		return err
	}
	var changed []string
	for _, id := range ids {
		if versions[id] <= batch[id] || len(held[id]) > 1 {
			changed = append(changed, id)
		}
	}
	inChanged, argChanged := db.d.In("object_id", changed)
	inAll, argAll := db.d.In("object_id", ids)
	cases, err := collect(ctx, tx, func(r Row) (string, error) {
		var s string
		return s, r.Scan(&s)
	}, `SELECT DISTINCT case_id FROM case_index WHERE evidence = `+db.d.Bool(true)+`
		AND (`+inChanged+` OR (`+inAll+` AND version <> ''))`, argChanged, argAll)
	if err != nil {
		return err
	}
	slices.Sort(cases)
	return db.refreshAudience(ctx, tx, cases)
}

func sortedIDs(m map[string]int) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// fillAudience computes the keys of the cases migration 0009 left
// pending, in batches: once, on open.
func (db *DB) fillAudience(ctx context.Context) error {
	op := db.op("compute case audiences")
	for {
		var n int
		if err := db.drv.Read().QueryRow(ctx, `SELECT count(*) FROM (SELECT 1 FROM case_audience_pending LIMIT 1) p`).Scan(&n); err != nil {
			return article5.Internal(op, err)
		}
		if n == 0 {
			return nil
		}
		tx, err := db.begin(ctx, op, LockObjects, LockEvents, LockAudit)
		if err != nil {
			return err
		}
		cases, err := collect(ctx, tx, func(r Row) (string, error) {
			var s string
			return s, r.Scan(&s)
		}, `SELECT case_id FROM case_audience_pending ORDER BY case_id LIMIT 500`)
		if err == nil {
			err = db.refreshAudience(ctx, tx, cases)
		}
		if err == nil && len(cases) > 0 {
			in, arg := db.d.In("case_id", cases)
			_, err = tx.Exec(ctx, `DELETE FROM case_audience_pending WHERE `+in, arg)
		}
		if err != nil {
			tx.Rollback(ctx)
			return article5.Internal(op, err)
		}
		if err := commit(ctx, op, tx); err != nil {
			return err
		}
	}
}

// grantsIn returns "col IN (?, …)" over a's keys, with its arguments.
func grantsIn(col string, a article5.Audience) (string, []any) {
	keys := a.Grants()
	args := make([]any, len(keys))
	for i, k := range keys {
		args[i] = k
	}
	return col + ` IN (?` + strings.Repeat(`, ?`, len(keys)-1) + `)`, args
}

// caseFiled is the condition, with its arguments, that the case whose id
// is the expression caseCol is released to a: it is filed under one of
// a's keys (one probe of case_audience's primary key). For one case; a
// page reads the keys' index instead (releasedCases).
func (db *DB) caseFiled(caseCol string, a article5.Audience) (string, []any) {
	if a.All {
		return `1 = 1`, nil
	}
	in, args := grantsIn("a.grant_key", a)
	return `EXISTS (SELECT 1 FROM case_audience a WHERE a.case_id = ` + caseCol + ` AND ` + in + `)`, args
}

// heldKeys returns those of a's keys (Audience.Grants) that file at least
// one case: one probe of case_audience_page per key. Most of a
// recipient's eight keys file nothing, and a page is then read from the
// others alone (for a stranger, from none: no case is read at all).
func (db *DB) heldKeys(ctx context.Context, a article5.Audience) ([]string, error) {
	keys := a.Grants()
	arms := make([]string, len(keys))
	args := make([]any, len(keys))
	for i, k := range keys {
		arms[i] = `SELECT CAST(? AS TEXT) AS k`
		args[i] = k
	}
	return collect(ctx, db.drv.Read(), func(r Row) (string, error) {
		var k string
		return k, r.Scan(&k)
	}, `SELECT k FROM (`+strings.Join(arms, ` UNION ALL `)+`) q WHERE EXISTS (SELECT 1 FROM case_audience a WHERE a.grant_key = q.k)`, args...)
}

// releasedCases returns the query, with its arguments, of the next limit
// cases filed under keys (heldKeys, at least one) in list order (updated
// DESC, id) after the position pos (conditions on a.updated and
// a.case_id) that meet filter (conditions on the cases row c; may be
// empty): one ordered read of case_audience_page per key, each stopping
// at limit rows, so that neither a case the recipient may not see nor one
// past the page is read. Columns: case_id, updated.
func (db *DB) releasedCases(keys []string, pos []string, posArgs []any, filter []string, filterArgs []any, limit int) (string, []any) {
	var arms []string
	var args []any
	for i, k := range keys {
		from := `case_audience a`
		if len(filter) > 0 {
			from += ` ` + db.joinRow("cases", "c", "id", "a.case_id")
		}
		conds := append(append([]string{`a.grant_key = ?`}, pos...), filter...)
		arms = append(arms, `SELECT case_id, updated FROM (SELECT a.case_id, a.updated FROM `+from+` WHERE `+strings.Join(conds, ` AND `)+
			` ORDER BY a.updated DESC, a.case_id LIMIT ?) k`+strconv.Itoa(i))
		args = append(append(append(append(args, k), posArgs...), filterArgs...), limit)
	}
	if len(arms) == 1 {
		return arms[0], args
	}
	return strings.Join(arms, ` UNION `) + ` ORDER BY updated DESC, case_id LIMIT ?`, append(args, limit)
}

// audienceFaults returns, sorted, the cases whose keys in case_audience
// are not those their covered evidence gives (article5.CaseAudience of
// the release columns of the versions their index names; none for a case
// without a row or an index): an edit of case_audience behind the node's
// back, which could release a case. AuditVerify reports each as an edit
// of the case's index (coverCaseIndex).
func audienceFaults(ctx context.Context, q Querier) ([]string, error) {
	evidence := map[string][]article5.ReleaseRow{}
	indexed := map[string]bool{}
	err := each(ctx, q, func(r Row) error {
		var c, red string
		var row article5.ReleaseRow
		if err := r.Scan(&c, &row.Rank, &row.CreatedBy, &row.Relayed, &row.Custodian, &red); err != nil {
			return err
		}
		indexed[c] = true
		if row.Rank != notHeld {
			row.Red = article5.ParseRedColumn(red)
			evidence[c] = append(evidence[c], row)
		}
		return nil
	}, `SELECT ci.case_id, coalesce(ev.tlp_rank, ?), coalesce(ev.created_by, ''), coalesce(ev.relayed, ?),
			coalesce(ev.custodian, ''), coalesce(ev.red, ',') FROM case_index ci
		JOIN cases c ON c.id = ci.case_id
		LEFT JOIN objects ev ON ev.id = ci.object_id
			AND ((ci.version = '' AND ev.latest = ?) OR (ci.version <> '' AND ev.version = ci.version))
		WHERE ci.evidence = ?`, notHeld, false, true, true)
	if err != nil {
		return nil, err
	}
	stored := map[string][]string{}
	err = each(ctx, q, func(r Row) error {
		var c, k string
		if err := r.Scan(&c, &k); err != nil {
			return err
		}
		stored[c] = append(stored[c], k)
		return nil
	}, `SELECT case_id, grant_key FROM case_audience`)
	if err != nil {
		return nil, err
	}
	var bad []string
	for c := range indexed {
		want := article5.CaseAudience(evidence[c])
		slices.Sort(want)
		got := stored[c]
		slices.Sort(got)
		if !slices.Equal(slices.Compact(want), got) {
			bad = append(bad, c)
		}
	}
	for c := range stored {
		if !indexed[c] {
			bad = append(bad, c)
		}
	}
	slices.Sort(bad)
	return bad, nil
}

// eventAudienceFaults returns the events whose keys in event_audience are
// not their case's keys in case_audience (those AuditVerify checks against
// the evidence): an edit that could tell a recipient of an event about a
// case it may not see. AuditVerify reports each as an edit of the event
// (coverEvents).
func eventAudienceFaults(ctx context.Context, q Querier) ([]int64, error) {
	read := func(query string) (map[int64][]string, error) {
		out := map[int64][]string{}
		err := each(ctx, q, func(r Row) error {
			var seq int64
			var k string
			if err := r.Scan(&seq, &k); err != nil {
				return err
			}
			out[seq] = append(out[seq], k)
			return nil
		}, query)
		return out, err
	}
	want, err := read(`SELECT e.seq, a.grant_key FROM events e JOIN case_audience a ON a.case_id = e.case_id`)
	if err != nil {
		return nil, err
	}
	// Events about no case are filed for their organisation (0014).
	orgs, err := read(`SELECT seq, org FROM events WHERE case_id = '' AND org <> ''`)
	if err != nil {
		return nil, err
	}
	for seq, o := range orgs {
		want[seq] = append(want[seq], article5.OrgGrants(o[0])...)
	}
	got, err := read(`SELECT seq, grant_key FROM event_audience`)
	if err != nil {
		return nil, err
	}
	var bad []int64
	for seq, g := range got {
		w := want[seq]
		slices.Sort(w)
		slices.Sort(g)
		if !slices.Equal(w, g) {
			bad = append(bad, seq)
		}
	}
	for seq := range want {
		if _, ok := got[seq]; !ok {
			bad = append(bad, seq)
		}
	}
	slices.Sort(bad)
	return bad, nil
}

// markAudience makes the covered row ref digest as edited, its audience
// being other than its covered rows give; when the row itself is gone
// (its deletion is reported), the audience left behind is reported as a
// row of its own, "<ref>#audience", that no entry records.
func markAudience(out map[string]string, ref string) {
	if d, ok := out[ref]; ok {
		out[ref] = "(audience edited) " + d
		return
	}
	out[ref+"#audience"] = "audience without its row"
}
