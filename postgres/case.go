package postgres

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"article5"
	"article5/audit"

	"github.com/jackc/pgx/v5"
)

const caseColumns = `id, name, incidents, updated, hash, tiers::text, scope`

func scanCase(row interface{ Scan(...any) error }) (*article5.CaseSummary, error) {
	c := &article5.CaseSummary{}
	var updated int64
	var tiers, scope string
	if err := row.Scan(&c.ID, &c.Name, &c.Incidents, &updated, &c.Hash, &tiers, &scope); err != nil {
		return nil, err
	}
	c.Updated = fromNano(updated)
	c.Scope = article5.Scope(scope)
	if tiers != "" && tiers != "{}" {
		if err := json.Unmarshal([]byte(tiers), &c.Tiers); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// FindCases returns cases, most recently updated first (then by id), with
// the cursor of the next page ("" at the end). Query is a case-insensitive
// substring of the name or id; Tier matches a case whose tier equals it
// under any doctrine. Limit defaults to 100, capped at 1000; a malformed
// cursor is EINVALID. The list is read in index order (updated DESC, id);
// a word so rare that the page does not fill reads every case (about 30 ms
// at 100,000 cases; a pg_trgm index would avoid it but needs the
// extension).
func (db *DB) FindCases(ctx context.Context, f article5.CaseFilter) ([]*article5.CaseSummary, string, error) {
	const op = "postgres: find cases"
	limit := pageLimit(f.Limit)
	var where []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	if f.Query != "" {
		where = append(where, `strpos(search, `+arg(strings.ToLower(f.Query))+`) > 0`)
	}
	if f.Tier != "" {
		where = append(where, `EXISTS (SELECT 1 FROM jsonb_each_text(cases.tiers) AS t(doctrine, tier) WHERE t.tier = `+arg(string(f.Tier))+`)`)
	}
	if f.Cursor != "" {
		updated, id, err := decodeCaseCursor(f.Cursor)
		if err != nil {
			return nil, "", err
		}
		u := arg(updated)
		where = append(where, `(updated < `+u+` OR (updated = `+u+` AND id > `+arg(id)+`))`)
	}
	q := `SELECT ` + caseColumns + ` FROM cases`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, ` AND `)
	}
	q += ` ORDER BY updated DESC, id LIMIT ` + arg(limit+1)
	rows, err := db.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, "", article5.Internal(op, err)
	}
	defer rows.Close()
	out := []*article5.CaseSummary{}
	next := ""
	for rows.Next() {
		c, err := scanCase(rows)
		if err != nil {
			return nil, "", article5.Internal(op, err)
		}
		if len(out) == limit {
			last := out[limit-1]
			next = encodeCaseCursor(toNano(last.Updated), last.ID)
			break
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, "", article5.Internal(op, err)
	}
	return out, next, nil
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
	c, err := scanCase(db.pool.QueryRow(ctx, `SELECT `+caseColumns+` FROM cases WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, notFound("case %s not found", id)
	}
	if err != nil {
		return nil, article5.Internal("postgres: find case", err)
	}
	return c, nil
}

// SaveAssessment records an assessment of a case in one transaction:
// upserts the case row, stores the report and appends events — one
// "assessed", then one "tier-changed" per doctrine (sorted) whose tier
// differs from the previous assessment's (a doctrine absent on one side
// has From or To empty; the first assessment of a case has no previous
// tiers and so no tier-changed events). Saving the hash the case already
// has is a no-op that returns no events. A zero Updated becomes Now().
// EINVALID without a case id or hash.
func (db *DB) SaveAssessment(ctx context.Context, s *article5.CaseSummary, report []byte) ([]article5.Event, error) {
	const op = "postgres: save assessment"
	if s == nil || s.ID == "" || s.Hash == "" {
		return nil, article5.Errorf(article5.EINVALID, "an assessment needs a case id and a hash")
	}
	tx, err := db.pool.Begin(ctx)
	if err != nil {
		return nil, article5.Internal(op, err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	// One event writer at a time: event seq then follows commit order, so
	// FindEvents(afterSeq) never skips an event that commits late.
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, lockEvents); err != nil {
		return nil, article5.Internal(op, err)
	}
	now := db.now()

	var prevHash, prevTiers string
	err = tx.QueryRow(ctx, `SELECT hash, tiers::text FROM cases WHERE id = $1`, s.ID).Scan(&prevHash, &prevTiers)
	existed := err == nil
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return nil, article5.Internal(op, err)
	}
	if existed && prevHash == s.Hash {
		return []article5.Event{}, nil
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
		VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8)
		ON CONFLICT (id) DO UPDATE SET name = excluded.name, search = excluded.search, incidents = excluded.incidents,
			updated = excluded.updated, hash = excluded.hash, tiers = excluded.tiers, scope = excluded.scope`,
		s.ID, s.Name, searchText(s), s.Incidents, updated.UnixNano(), s.Hash, string(tiers), string(s.Scope)); err != nil {
		return nil, article5.Internal(op, err)
	}
	if report == nil {
		report = []byte("null")
	}
	var aseq int64
	var stored string
	if err := tx.QueryRow(ctx, `INSERT INTO assessments (case_id, hash, report, saved) VALUES ($1, $2, $3::json, $4) RETURNING seq, report::text`,
		s.ID, s.Hash, string(report), now.UnixNano()).Scan(&aseq, &stored); err != nil {
		return nil, article5.Internal(op, err)
	}
	c := *s
	c.Tiers = tiersOrEmpty(s.Tiers)
	entries := []audit.Entry{
		{Kind: audit.KindCase, Ref: audit.CaseRef(s.ID), Digest: audit.CaseDigest(&c, updated.UnixNano()), Time: now},
		{Kind: audit.KindAssessment, Ref: audit.AssessmentRef(s.ID, aseq), Digest: audit.AssessmentDigest(s.ID, s.Hash, []byte(stored), now.UnixNano()), Time: now},
	}
	events := caseEvents(s, existed, before, now)
	for i := range events {
		e := &events[i]
		if err := tx.QueryRow(ctx, `INSERT INTO events (type, case_id, doctrine, from_tier, to_tier, hash, time)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING seq`,
			e.Type, e.Case, e.Doctrine, string(e.From), string(e.To), e.Hash, e.Time.UnixNano()).Scan(&e.Seq); err != nil {
			return nil, article5.Internal(op, err)
		}
		entries = append(entries, audit.Entry{Kind: audit.KindEvent, Ref: audit.EventRef(e.Seq), Digest: audit.EventDigest(e), Time: now})
	}
	if err := db.appendAudit(ctx, tx, entries); err != nil {
		return nil, err
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, article5.Internal(op, err)
	}
	return events, nil
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
	err := db.pool.QueryRow(ctx, `SELECT report::text FROM assessments WHERE case_id = $1 ORDER BY seq DESC LIMIT 1`, caseID).Scan(&report)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, notFound("no assessment of case %s", caseID)
	}
	if err != nil {
		return nil, article5.Internal("postgres: find assessment", err)
	}
	return []byte(report), nil
}

// FindEvents returns events with Seq > afterSeq in Seq order, at most
// limit (default 100, capped at 1000).
func (db *DB) FindEvents(ctx context.Context, afterSeq int64, limit int) ([]article5.Event, error) {
	const op = "postgres: find events"
	rows, err := db.pool.Query(ctx, `SELECT seq, type, case_id, doctrine, from_tier, to_tier, hash, party, outcome, time
		FROM events WHERE seq > $1 ORDER BY seq LIMIT $2`, afterSeq, pageLimit(limit))
	if err != nil {
		return nil, article5.Internal(op, err)
	}
	defer rows.Close()
	out := []article5.Event{}
	for rows.Next() {
		var e article5.Event
		var from, to string
		var t int64
		var party, outcome string
		if err := rows.Scan(&e.Seq, &e.Type, &e.Case, &e.Doctrine, &from, &to, &e.Hash, &party, &outcome, &t); err != nil {
			return nil, article5.Internal(op, err)
		}
		e.From, e.To, e.Time = article5.Tier(from), article5.Tier(to), fromNano(t)
		e.Party, e.Outcome = article5.Party(party), article5.Outcome(outcome)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, article5.Internal(op, err)
	}
	return out, nil
}
