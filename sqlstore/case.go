package sqlstore

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"maps"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"article5"
	"article5/audit"
)

const caseColumns = `id, name, incidents, updated, hash, tiers, scope`

// caseListColumns are caseColumns of cases c, with the state of the case's
// consultation (LEFT JOIN consultations k).
const caseListColumns = `c.id, c.name, c.incidents, c.updated, c.hash, c.tiers, c.scope, coalesce(k.state, '')`

// scanListedCase scans caseListColumns.
func scanListedCase(row Row) (*article5.CaseSummary, error) {
	c := &caseRow{}
	var scope, state string
	if err := row.Scan(&c.ID, &c.Name, &c.Incidents, &c.updated, &c.Hash, &c.tiers, &scope, &state); err != nil {
		return nil, err
	}
	c.Updated, c.Scope, c.Consultation = fromNano(c.updated), article5.Scope(scope), article5.CaseState(state)
	if c.tiers != "" && c.tiers != "{}" {
		var err error
		if c.Tiers, err = decodeTiers(c.tiers); err != nil {
			return nil, err
		}
	}
	return &c.CaseSummary, nil
}

// tiersSeen holds the decoded form of each distinct tiers column (a case's
// tier per doctrine: a few distinct texts on a node), up to tiersSeenMax,
// so that a page of 100 cases does not decode 100 times with reflection.
var (
	tiersSeen    sync.Map // string → map[string]article5.Tier, read only
	tiersSeenLen atomic.Int64
)

const tiersSeenMax = 4096

// decodeTiers returns the tiers column s decoded, a map of its own.
func decodeTiers(s string) (map[string]article5.Tier, error) {
	if v, ok := tiersSeen.Load(s); ok {
		return maps.Clone(v.(map[string]article5.Tier)), nil
	}
	var t map[string]article5.Tier
	if err := json.Unmarshal([]byte(s), &t); err != nil {
		return nil, err
	}
	if tiersSeenLen.Load() < tiersSeenMax {
		if _, loaded := tiersSeen.LoadOrStore(strings.Clone(s), maps.Clone(t)); !loaded {
			tiersSeenLen.Add(1)
		}
	}
	return t, nil
}

// caseRow is a cases row: the summary and updated as stored (unix ns).
type caseRow struct {
	article5.CaseSummary
	updated int64
	tiers   string // the JSON as stored
}

func scanCaseRow(row Row) (*caseRow, error) {
	c := &caseRow{}
	var scope string
	if err := row.Scan(&c.ID, &c.Name, &c.Incidents, &c.updated, &c.Hash, &c.tiers, &scope); err != nil {
		return nil, err
	}
	c.Updated, c.Scope = fromNano(c.updated), article5.Scope(scope)
	return c, nil
}

func scanCase(row Row) (*article5.CaseSummary, error) {
	c, err := scanCaseRow(row)
	if err != nil {
		return nil, err
	}
	if c.tiers != "" && c.tiers != "{}" {
		var err error
		if c.Tiers, err = decodeTiers(c.tiers); err != nil {
			return nil, err
		}
	}
	return &c.CaseSummary, nil
}

// FindCases returns the cases released to f.Audience, most recently
// updated first (then by id), with the cursor of the next page ("" at the
// end). Query is a case-insensitive substring of the name or id; Tier
// matches a case whose tier equals it under any doctrine. Limit defaults
// to 100, capped at 1000; a malformed cursor is EINVALID.
//
// Release is read from an index, never decided case by case: the cases
// are read from case_audience under the audience's keys, each key in list
// order and stopping at the page (releasedCases), so neither the page, its
// next, nor the answer to Query depends on a case the audience may not
// see, and none of those is read. The node itself (Audience.All) reads
// cases_updated.
//
// Where the dialect has a substring index for the query
// (Dialect.CaseSearch: SQLite's trigram index, for three or more
// characters), the query is answered in two steps: first among the next
// 4,000 released cases in list order (a common word fills the page there;
// when fewer remain, that is the whole answer), else through the index (a
// rare word is found without reading every case; each match is checked
// against the audience's keys by one probe). Otherwise the released cases
// are read in list order until the page fills.
func (db *DB) FindCases(ctx context.Context, f article5.CaseFilter) ([]*article5.CaseSummary, string, error) {
	op := db.op("find cases")
	limit := pageLimit(f.Limit)
	var updated int64
	var id string
	if f.Cursor != "" {
		var err error
		if updated, id, err = decodeCaseCursor(f.Cursor); err != nil {
			return nil, "", err
		}
	}
	var out []*article5.CaseSummary
	var next string
	var err error
	if f.Audience.All {
		out, next, err = db.findAllCases(ctx, f, f.Cursor != "", updated, id, limit)
	} else {
		out, next, err = db.findReleasedCases(ctx, f, f.Cursor != "", updated, id, limit)
	}
	if err != nil {
		return nil, "", article5.Internal(op, err)
	}
	return out, next, nil
}

// caseFilter returns the conditions, with their arguments, of f's Query
// and Tier on the cases row named t.
func (db *DB) caseFilter(t string, f article5.CaseFilter) ([]string, []any) {
	var filter []string
	var args []any
	if q := strings.ToLower(f.Query); q != "" {
		filter = append(filter, db.d.Contains(t+".search"))
		args = append(args, q)
	}
	if f.Tier != "" {
		filter = append(filter, `EXISTS (SELECT 1 FROM `+db.d.JSONObjectValues(t+".tiers")+` WHERE value = ?)`)
		args = append(args, string(f.Tier))
	}
	return filter, args
}

// caseSearchWindow is how many cases in list order the first step of a
// search with a substring index reads (FindCases), unless
// SetCaseSearchWindow changed it.
const caseSearchWindow = 4000

// SetCaseSearchWindow sets how many cases in list order the first step of
// a search with a substring index reads (default 4,000): for tests of the
// second step on a small store.
func (db *DB) SetCaseSearchWindow(n int) { db.searchWindow = n }

func (db *DB) window() int {
	if db.searchWindow > 0 {
		return db.searchWindow
	}
	return caseSearchWindow
}

// findReleasedCases is FindCases for an audience that is not All.
func (db *DB) findReleasedCases(ctx context.Context, f article5.CaseFilter, after bool, updated int64, id string, limit int) ([]*article5.CaseSummary, string, error) {
	var pos []string
	var posArgs []any
	if after {
		pos = append(pos, `(a.updated < ? OR (a.updated = ? AND a.case_id > ?))`)
		posArgs = append(posArgs, updated, updated, id)
	}
	keys, err := db.heldKeys(ctx, f.Audience)
	if err != nil || len(keys) == 0 {
		return []*article5.CaseSummary{}, "", err
	}
	filter, filterArgs := db.caseFilter("c", f)
	cond, arg, indexed := db.d.CaseSearch(strings.ToLower(f.Query))
	if !indexed {
		q, args := db.releasedCases(keys, pos, posArgs, filter, filterArgs, limit+1)
		return db.pageCases(ctx, q, args, limit)
	}
	// Step one: the next window of released cases in list order.
	q, args := db.releasedCases(keys, pos, posArgs, nil, nil, db.window())
	var lastUpdated int64
	var lastID string
	err = db.drv.Read().QueryRow(ctx, `SELECT updated, case_id FROM (`+q+`) w ORDER BY updated DESC, case_id LIMIT 1 OFFSET ?`,
		append(args, db.window()-1)...).Scan(&lastUpdated, &lastID)
	if err != nil && !isNoRows(err) {
		return nil, "", err
	}
	if isNoRows(err) {
		// Fewer remain than the window: reading them all is the answer.
		q, args := db.releasedCases(keys, pos, posArgs, filter, filterArgs, limit+1)
		return db.pageCases(ctx, q, args, limit)
	}
	inWindow := append(append([]string{}, pos...), `a.updated >= ? AND (a.updated > ? OR (a.updated = ? AND a.case_id <= ?))`)
	q, args = db.releasedCases(keys, inWindow, append(append([]any{}, posArgs...), lastUpdated, lastUpdated, lastUpdated, lastID),
		filter, filterArgs, limit+1)
	out, next, err := db.pageCases(ctx, q, args, limit)
	if err != nil || next != "" {
		return out, next, err
	}
	// Step two: the substring index, each match probed for release.
	conds, condArgs := db.caseFilter("cases", f)
	conds = append(conds, cond)
	condArgs = append(condArgs, arg)
	if after {
		conds = append(conds, `(updated < ? OR (updated = ? AND id > ?))`)
		condArgs = append(condArgs, updated, updated, id)
	}
	filed, filedArgs := db.caseFiled("cases.id", f.Audience)
	return db.findCases(ctx, strings.Join(append(conds, filed), ` AND `), append(condArgs, filedArgs...), limit)
}

// pageCases reads the cases that q (releasedCases: case_id, updated, in
// list order, at most limit+1) names, with their consultation state, as
// a page of limit and the next cursor.
func (db *DB) pageCases(ctx context.Context, q string, args []any, limit int) ([]*article5.CaseSummary, string, error) {
	return db.readCasePage(ctx, `SELECT `+caseListColumns+` FROM (`+q+`) r `+db.joinRow("cases", "c", "id", "r.case_id")+`
		LEFT JOIN consultations k ON k.case_id = c.id ORDER BY c.updated DESC, c.id`, args, limit)
}

// unindexed returns column col written so that SQLite does not read an
// index of it for the condition ("+col"); PostgreSQL, whose statistics
// choose, gets the column.
func (db *DB) unindexed(col string) string {
	if db.d.Name() == "postgres" {
		return col
	}
	return "+" + col
}

// joinRow joins, to each row of a page already read, the one row of table
// (as alias) whose unique key equals outer: by an index probe per row
// whatever the table's size. PostgreSQL is told so (a LATERAL subquery
// with LIMIT 1, which it cannot turn into a hash join over every row); on
// a small table it would otherwise read the whole table, as it may, but a
// plan test at that size could not tell it from the plan at scale. SQLite
// probes the key either way.
func (db *DB) joinRow(table, alias, key, outer string) string {
	if db.d.Name() == "postgres" {
		return `CROSS JOIN LATERAL (SELECT * FROM ` + table + ` x WHERE x.` + key + ` = ` + outer + ` LIMIT 1) ` + alias
	}
	return `JOIN ` + table + ` ` + alias + ` ON ` + alias + `.` + key + ` = ` + outer
}

// findAllCases is FindCases for the node itself: cases_updated in list
// order, with the substring index's two steps (see FindCases).
func (db *DB) findAllCases(ctx context.Context, f article5.CaseFilter, after bool, updated int64, id string, limit int) ([]*article5.CaseSummary, string, error) {
	window := db.window()
	var pos []string // the cursor's position
	var posArgs []any
	if after {
		pos = append(pos, `(updated < ? OR (updated = ? AND id > ?))`)
		posArgs = append(posArgs, updated, updated, id)
	}
	filter, filterArgs := db.caseFilter("cases", f)
	if cond, arg, ok := db.d.CaseSearch(strings.ToLower(f.Query)); ok {
		// Step one: the next window of cases in list order, up to the
		// window's last case (none: fewer remain; the index answers).
		var lastUpdated int64
		var lastID string
		err := db.drv.Read().QueryRow(ctx, `SELECT updated, id FROM cases`+whereClause(pos)+` ORDER BY updated DESC, id LIMIT 1 OFFSET ?`,
			append(append([]any{}, posArgs...), window-1)...).Scan(&lastUpdated, &lastID)
		if err != nil && !isNoRows(err) {
			return nil, "", err
		}
		if err == nil {
			// updated >= ? bounds the index scan; the rest is exact.
			inWindow := append(append([]string{}, pos...), `updated >= ? AND (updated > ? OR (updated = ? AND id <= ?))`)
			args := append(append(append([]any{}, posArgs...), lastUpdated, lastUpdated, lastUpdated, lastID), filterArgs...)
			out, next, err := db.findCases(ctx, strings.Join(append(inWindow, filter...), ` AND `), args, limit)
			if err != nil || next != "" {
				return out, next, err
			}
		}
		// Step two: the index.
		filter = append(filter, cond)
		filterArgs = append(filterArgs, arg)
	}
	cond := strings.Join(append(pos, filter...), ` AND `)
	return db.findCases(ctx, cond, append(posArgs, filterArgs...), limit)
}

func whereClause(conds []string) string {
	if len(conds) == 0 {
		return ""
	}
	return ` WHERE ` + strings.Join(conds, ` AND `)
}

// findCases runs one listing query on cases: cond (may be empty) in list
// order, a page of limit and the next cursor.
func (db *DB) findCases(ctx context.Context, cond string, args []any, limit int) ([]*article5.CaseSummary, string, error) {
	q := `SELECT ` + caseListColumns + ` FROM (SELECT * FROM cases`
	if cond != "" {
		q += ` WHERE ` + cond
	}
	q += ` ORDER BY updated DESC, id LIMIT ?) c LEFT JOIN consultations k ON k.case_id = c.id ORDER BY c.updated DESC, c.id`
	return db.readCasePage(ctx, q, append(args, limit+1), limit)
}

// readCasePage reads up to limit+1 rows of caseListColumns: a page of
// limit and the cursor after its last case ("" when no row is left).
func (db *DB) readCasePage(ctx context.Context, q string, args []any, limit int) ([]*article5.CaseSummary, string, error) {
	rows, err := db.drv.Read().Query(ctx, q, args...)
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	out := []*article5.CaseSummary{}
	next := ""
	for rows.Next() {
		c, err := scanListedCase(rows)
		if err != nil {
			return nil, "", err
		}
		if len(out) == limit {
			last := out[limit-1]
			next = encodeCaseCursor(toNano(last.Updated), last.ID)
			break
		}
		out = append(out, c)
	}
	return out, next, rows.Err()
}

func encodeCaseCursor(updated int64, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte("c1." + strconv.FormatInt(updated, 10) + "." + id))
}

func decodeCaseCursor(s string) (int64, string, error) {
	bad := article5.Errorf(article5.EINVALID, "malformed page cursor %q", s)
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return 0, "", bad
	}
	parts := strings.SplitN(string(b), ".", 3)
	if len(parts) != 3 || parts[0] != "c1" {
		return 0, "", bad
	}
	n, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil {
		return 0, "", bad
	}
	return n, parts[2], nil
}

// FindCaseByID returns one case; ENOTFOUND if it is not held.
func (db *DB) FindCaseByID(ctx context.Context, id string) (*article5.CaseSummary, error) {
	c, err := scanListedCase(db.drv.Read().QueryRow(ctx, `SELECT `+caseListColumns+` FROM cases c LEFT JOIN consultations k ON k.case_id = c.id WHERE c.id = ?`, id))
	if isNoRows(err) {
		return nil, notFound("case %s not found", id)
	}
	if err != nil {
		return nil, article5.Internal(db.op("find case"), err)
	}
	return c, nil
}

// SaveAssessment records an assessment of a case in one transaction:
// upserts the case row, stores the report and appends events — one
// "assessed", then one "tier-changed" per doctrine (sorted) whose tier
// differs from the previous assessment's (a doctrine absent on one side
// has From or To empty; the first assessment of a case has no previous
// tiers and so no tier-changed events) — and replaces the case's evidence
// index with x (writeCaseIndex: logged, and the case re-queued when an
// object stored during the walk is watched by it). Saving the hash the
// case already has stores no assessment and no event, but replaces the
// index. A zero Updated becomes Now(). EINVALID without a case id or hash.
// Its log entries are the node's (By article5.PrincipalNode): the node
// assesses.
func (db *DB) SaveAssessment(ctx context.Context, s *article5.CaseSummary, report []byte, x article5.CaseIndex) ([]article5.Event, error) {
	op := db.op("save assessment")
	if s == nil || s.ID == "" || s.Hash == "" {
		return nil, article5.Errorf(article5.EINVALID, "an assessment needs a case id and a hash")
	}
	// One event writer at a time: event seq then follows commit order, so
	// FindEvents(afterSeq) never skips an event that commits late.
	tx, err := db.begin(ctx, op, LockEvents)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback(ctx)
	now := db.now()

	var prevHash, prevTiers string
	err = tx.QueryRow(ctx, `SELECT hash, tiers FROM cases WHERE id = ?`, s.ID).Scan(&prevHash, &prevTiers)
	existed := err == nil
	if err != nil && !isNoRows(err) {
		return nil, article5.Internal(op, err)
	}
	x.Case = s.ID
	if existed && prevHash == s.Hash {
		// The same assessment: the index is still replaced (a walk may
		// find other ids to watch without changing the findings).
		if _, err := db.writeCaseIndex(ctx, tx, x, true, now); err != nil {
			return nil, err
		}
		return []article5.Event{}, commit(ctx, op, tx)
	}
	var before map[string]article5.Tier
	if existed && prevTiers != "" {
		if err := json.Unmarshal([]byte(prevTiers), &before); err != nil {
			return nil, article5.Internal(op, err)
		}
	}
	tiers, err := json.Marshal(tiersOrEmpty(s.Tiers))
	if err != nil {
		return nil, article5.Internal(op, err)
	}
	updated := s.Updated
	if updated.IsZero() {
		updated = now
	}
	if _, err := tx.Exec(ctx, `INSERT INTO cases (id, name, search, incidents, updated, hash, tiers, scope)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET name = excluded.name, search = excluded.search, incidents = excluded.incidents,
			updated = excluded.updated, hash = excluded.hash, tiers = excluded.tiers, scope = excluded.scope`,
		s.ID, s.Name, searchText(s), s.Incidents, updated.UnixNano(), s.Hash, string(tiers), string(s.Scope)); err != nil {
		return nil, article5.Internal(op, err)
	}
	if report == nil {
		report = []byte("null")
	}
	// The entry digests the report as stored, as AuditVerify reads it back.
	var aseq int64
	var stored string
	if err := tx.QueryRow(ctx, `INSERT INTO assessments (case_id, hash, report, saved) VALUES (?, ?, ?, ?) RETURNING seq, report`,
		s.ID, s.Hash, string(report), now.UnixNano()).Scan(&aseq, &stored); err != nil {
		return nil, article5.Internal(op, err)
	}
	c := *s
	c.Tiers = tiersOrEmpty(s.Tiers)
	entries := []audit.Entry{
		{Kind: audit.KindCase, Ref: audit.CaseRef(s.ID), Digest: audit.CaseDigest(&c, updated.UnixNano()), Time: now, By: article5.PrincipalNode},
		{Kind: audit.KindAssessment, Ref: audit.AssessmentRef(s.ID, aseq), Digest: audit.AssessmentDigest(s.ID, s.Hash, []byte(stored), now.UnixNano()), Time: now, By: article5.PrincipalNode},
	}
	events := caseEvents(s, existed, before, now)
	evEntries, err := db.insertEvents(ctx, tx, events, now)
	if err != nil {
		return nil, article5.Internal(op, err)
	}
	if err := db.appendAudit(ctx, tx, append(entries, evEntries...)); err != nil {
		return nil, err
	}
	if _, err := db.writeCaseIndex(ctx, tx, x, true, now); err != nil {
		return nil, err
	}
	if err := commit(ctx, op, tx); err != nil {
		return nil, err
	}
	if len(events) > 0 {
		db.signals.fire(article5.TopicEvents)
	}
	return events, nil
}

// insertEvents stores events inside tx, setting each one's Seq, files
// each under its case's keys (event_audience), and returns their audit
// entries (logged at now). The caller holds LockEvents; insertEvents takes
// LockAudit, under which every change of a case's keys is made, so that an
// event is never filed under keys its case no longer has.
func (db *DB) insertEvents(ctx context.Context, tx Tx, events []article5.Event, now time.Time) ([]audit.Entry, error) {
	entries := make([]audit.Entry, 0, len(events))
	if len(events) == 0 {
		return entries, nil
	}
	if err := db.drv.Lock(ctx, tx, LockAudit); err != nil {
		return nil, err
	}
	if err := db.notify(ctx, tx, article5.TopicEvents); err != nil {
		return nil, err
	}
	for i := range events {
		e := &events[i]
		if err := tx.QueryRow(ctx, `INSERT INTO events (type, case_id, doctrine, from_tier, to_tier, hash, party, outcome, time, partner, org)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq`,
			e.Type, e.Case, e.Doctrine, string(e.From), string(e.To), e.Hash, string(e.Party), string(e.Outcome), e.Time.UnixNano(), e.Partner, e.Org).Scan(&e.Seq); err != nil {
			return nil, err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO event_audience (grant_key, seq) SELECT grant_key, ? FROM case_audience WHERE case_id = ?`, e.Seq, e.Case); err != nil {
			return nil, err
		}
		if e.Case == "" && e.Org != "" {
			if err := fileForOrg(ctx, tx, e.Seq, e.Org); err != nil {
				return nil, err
			}
		}
		entries = append(entries, audit.Entry{Kind: audit.KindEvent, Ref: audit.EventRef(e.Seq), Digest: audit.EventDigest(e), Time: now})
	}
	return entries, nil
}

// caseEvents lists the events of a new assessment: "assessed", then a
// "tier-changed" per doctrine (sorted) whose tier differs from before.
func caseEvents(s *article5.CaseSummary, existed bool, before map[string]article5.Tier, now time.Time) []article5.Event {
	t := now
	events := []article5.Event{{Type: "assessed", Case: s.ID, Hash: s.Hash, Time: t}}
	if !existed {
		return events
	}
	names := map[string]bool{}
	for d := range before {
		names[d] = true
	}
	for d := range s.Tiers {
		names[d] = true
	}
	sorted := make([]string, 0, len(names))
	for d := range names {
		sorted = append(sorted, d)
	}
	sort.Strings(sorted)
	for _, d := range sorted {
		if before[d] != s.Tiers[d] {
			events = append(events, article5.Event{Type: "tier-changed", Case: s.ID, Doctrine: d, From: before[d], To: s.Tiers[d], Hash: s.Hash, Time: t})
		}
	}
	return events
}

func searchText(s *article5.CaseSummary) string { return strings.ToLower(s.Name + " " + s.ID) }

func tiersOrEmpty(t map[string]article5.Tier) map[string]article5.Tier {
	if t == nil {
		return map[string]article5.Tier{}
	}
	return t
}

// FindAssessment returns the latest assessment report (JSON) of a case;
// ENOTFOUND if the case has none.
func (db *DB) FindAssessment(ctx context.Context, caseID string) ([]byte, error) {
	var report string
	err := db.drv.Read().QueryRow(ctx, `SELECT report FROM assessments WHERE case_id = ? ORDER BY seq DESC LIMIT 1`, caseID).Scan(&report)
	if isNoRows(err) {
		return nil, notFound("no assessment of case %s", caseID)
	}
	if err != nil {
		return nil, article5.Internal(db.op("find assessment"), err)
	}
	return []byte(report), nil
}

const eventColumns = `seq, type, case_id, doctrine, from_tier, to_tier, hash, party, outcome, time, partner, org`

func scanEvent(row Row) (article5.Event, error) {
	var e article5.Event
	var from, to, party, outcome string
	var t int64
	if err := row.Scan(&e.Seq, &e.Type, &e.Case, &e.Doctrine, &from, &to, &e.Hash, &party, &outcome, &t, &e.Partner, &e.Org); err != nil {
		return e, err
	}
	e.From, e.To, e.Time = article5.Tier(from), article5.Tier(to), fromNano(t)
	e.Party, e.Outcome = article5.Party(party), article5.Outcome(outcome)
	return e, nil
}

// FindEvents returns the events with Seq > f.After about cases released
// to f.Audience, in Seq order, at most f.Limit (default 100, capped at
// 1000). Release is read from an index: the events are read from
// event_audience under the audience's keys, each key in seq order and
// stopping at the page, so the events of cases the audience may not see
// are never read.
func (db *DB) FindEvents(ctx context.Context, f article5.EventFilter) ([]article5.Event, error) {
	limit := pageLimit(f.Limit)
	q := `SELECT ` + eventColumns + ` FROM events WHERE seq > ? ORDER BY seq LIMIT ?`
	args := []any{f.After, limit}
	if !f.Audience.All {
		keys, err := db.heldEventKeys(ctx, f.Audience)
		if err != nil {
			return nil, article5.Internal(db.op("find events"), err)
		}
		if len(keys) == 0 {
			return []article5.Event{}, nil
		}
		var arms []string
		args = nil
		for i, k := range keys {
			arms = append(arms, `SELECT seq FROM (SELECT seq FROM event_audience WHERE grant_key = ? AND seq > ? ORDER BY seq LIMIT ?) k`+strconv.Itoa(i))
			args = append(args, k, f.After, limit)
		}
		cols := strings.ReplaceAll(`e.`+eventColumns, `, `, `, e.`)
		q = `SELECT ` + cols + ` FROM (` + strings.Join(arms, ` UNION `) + ` ORDER BY seq LIMIT ?) r ` + db.joinRow("events", "e", "seq", "r.seq") + ` ORDER BY e.seq`
		args = append(args, limit)
	}
	out, err := collect(ctx, db.drv.Read(), scanEvent, q, args...)
	if err != nil {
		return nil, article5.Internal(db.op("find events"), err)
	}
	return out, nil
}

// EventWatermark returns the seq of the last event stored.
func (db *DB) EventWatermark(ctx context.Context) (int64, error) {
	var n int64
	if err := db.drv.Read().QueryRow(ctx, `SELECT coalesce(max(seq), 0) FROM events`).Scan(&n); err != nil {
		return 0, article5.Internal(db.op("event watermark"), err)
	}
	return n, nil
}

// coverCases adds the ref and digest of every cases and assessments row
// to out. Tiers that do not decode (a row edited by hand) digest as an
// unreadable tier.
func coverCases(ctx context.Context, q Querier, out map[string]string) error {
	err := cover(ctx, q, out, `SELECT `+caseColumns+` FROM cases`, scanCaseRow,
		func(c *caseRow) string { return audit.CaseRef(c.ID) },
		func(c *caseRow) string {
			unmarshalOr(c.tiers, &c.Tiers, map[string]article5.Tier{"(unreadable)": article5.Tier(c.tiers)})
			return audit.CaseDigest(&c.CaseSummary, c.updated)
		})
	if err != nil {
		return err
	}
	type assessment struct {
		seq, saved           int64
		caseID, hash, report string
	}
	return cover(ctx, q, out, `SELECT seq, case_id, hash, report, saved FROM assessments`,
		func(r Row) (a assessment, err error) {
			return a, r.Scan(&a.seq, &a.caseID, &a.hash, &a.report, &a.saved)
		},
		func(a assessment) string { return audit.AssessmentRef(a.caseID, a.seq) },
		func(a assessment) string { return audit.AssessmentDigest(a.caseID, a.hash, []byte(a.report), a.saved) })
}

// coverEvents adds the ref and digest of every events row to out; an
// event filed under other keys than its case's (event_audience) digests
// as edited.
func coverEvents(ctx context.Context, q Querier, out map[string]string) error {
	err := cover(ctx, q, out, `SELECT `+eventColumns+` FROM events`, scanEvent,
		func(e article5.Event) string { return audit.EventRef(e.Seq) },
		func(e article5.Event) string { return audit.EventDigest(&e) })
	if err != nil {
		return err
	}
	bad, err := eventAudienceFaults(ctx, q)
	if err != nil {
		return err
	}
	for _, seq := range bad {
		markAudience(out, audit.EventRef(seq))
	}
	return nil
}
