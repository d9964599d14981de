package storetest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"article5"
	"article5/audit"
)

// PlanSearchWindow is the first step of a search (sqlstore
// SetCaseSearchWindow) the plan tests set, so that a rare word reaches the
// second step on PlanSeedCases cases.
const PlanSearchWindow = 500

// PlanSeedCases is the smallest seed (SeedScale cases, ten objects each)
// at which both planners, after ANALYZE, choose the plans they choose at
// 100,000 cases: below it a sequential scan of a small table can be the
// cheaper plan, and the test would prove nothing about a node at scale.
const PlanSeedCases = 2000

// PlanSeed seeds s for the plan tests: SeedScale with PlanSeedCases cases,
// then every case queued for re-assessment (as a doctrine change leaves
// the queue), so that the queue too is as large as at scale.
func PlanSeed(tb testing.TB, s article5.Store, tag string) {
	tb.Helper()
	SeedScale(tb, s, PlanSeedCases, tag)
	ids := make([]string, PlanSeedCases)
	for i := range ids {
		ids[i] = ScaleCaseID(tag, i)
	}
	if err := s.QueueCases(context.Background(), ids); err != nil {
		tb.Fatal(err)
	}
}

// PlanStep is one table access of a query plan, as a dialect's test reads
// it: the table (SQLite: as the query names it, alias included), the
// index read ("" for none) and whether every row is read.
type PlanStep struct {
	Table    string
	Index    string
	FullScan bool
}

// HotPath is a query on a hot path and the plan it must keep: Run calls
// the store, and of the statements it runs those containing Match are
// explained. Each must read every index of Uses (an entry "a|b": either;
// a key of Uses per dialect, "" for both), no index of Avoid, and no
// table of NoScan (names and the aliases the SQL gives them) in full.
type HotPath struct {
	Name   string
	Run    func(ctx context.Context, s article5.Store) error
	Match  string
	Uses   map[string][]string
	Avoid  []string
	NoScan []string
}

// Audiences of the plan tests and benchmarks at scale: the holder
// organisation's analyst (sees every case but the RED ones), a member of a
// community of the holder (the GREEN ones), a stranger (none), and the
// organisation the RED cases name.
var (
	ScaleHolder   = article5.Audience{Org: "identity--401de400-0000-4000-8000-000000000000", Subject: "token--holder", Ceiling: 3, DefaultRank: 2}
	ScaleMember   = article5.Audience{Org: "identity--3e3be400-0000-4000-8000-000000000000", Subject: "token--member", Ceiling: 1, DefaultRank: 2}
	ScaleStranger = article5.Audience{Org: "identity--57a4e400-0000-4000-8000-000000000000", Subject: "token--stranger", Ceiling: 0, DefaultRank: 2}
	ScaleNamedOne = article5.Audience{Org: ScaleNamed, Subject: "token--named", Ceiling: 0, DefaultRank: 2}
)

// HotPaths returns the hot-path queries of a store seeded by SeedScale
// with tag and n cases (n ≥ 100).
func HotPaths(tb testing.TB, tag string, n int) []HotPath {
	tb.Helper()
	both := func(ix ...string) map[string][]string { return map[string][]string{"": ix} }
	caseNoScan := []string{"cases", "c", "case_audience", "a", "events", "e", "event_audience"}
	list := func(f article5.CaseFilter) func(ctx context.Context, s article5.Store) error {
		return func(ctx context.Context, s article5.Store) error {
			page, next, err := s.FindCases(ctx, f)
			if err == nil && next != "" && f.Cursor == "" {
				// and the next page, from its cursor
				f.Cursor = next
				_, _, err = s.FindCases(ctx, f)
			}
			if err == nil && len(page) == 0 && f.Audience == ScaleHolder {
				err = fmt.Errorf("an empty page for %+v", f)
			}
			return err
		}
	}
	rare := fmt.Sprintf("case %06d", n/2+1)
	var out []HotPath
	for _, a := range []struct {
		name string
		a    article5.Audience
	}{{"holder", ScaleHolder}, {"stranger", ScaleStranger}, {"named", ScaleNamedOne}} {
		out = append(out,
			HotPath{Name: "case list/" + a.name, Run: list(article5.CaseFilter{Limit: 100, Audience: a.a}), Match: "case_audience",
				Uses: both("case_audience_page"), NoScan: caseNoScan},
			HotPath{Name: "case list q=common/" + a.name, Run: list(article5.CaseFilter{Query: "jamming", Limit: 100, Audience: a.a}), Match: "case_audience",
				Uses: both("case_audience_page"), NoScan: caseNoScan},
			HotPath{Name: "case list tier/" + a.name, Run: list(article5.CaseFilter{Tier: article5.TierArmedAttackPossible, Limit: 100, Audience: a.a}), Match: "case_audience",
				Uses: both("case_audience_page"), NoScan: caseNoScan},
			HotPath{Name: "events list/" + a.name, Match: "_audience",
				Run: func(ctx context.Context, s article5.Store) error {
					_, err := s.FindEvents(ctx, article5.EventFilter{After: int64(n / 2), Limit: 100, Audience: a.a})
					return err
				},
				Uses:   eventUses(a.name),
				NoScan: caseNoScan},
			HotPath{Name: "one case/" + a.name, Match: "case_audience",
				Run: func(ctx context.Context, s article5.Store) error {
					_, err := s.CaseReleasable(ctx, ScaleCaseID(tag, n/2), a.a)
					return err
				},
				Uses:   map[string][]string{"sqlite": {"sqlite_autoindex_case_audience_1", "sqlite_autoindex_cases_1"}, "postgres": {"case_audience_pkey", "cases_pkey"}},
				NoScan: caseNoScan},
		)
	}
	out = append(out,
		HotPath{Name: "case list q=rare/holder", Run: list(article5.CaseFilter{Query: rare, Limit: 100, Audience: ScaleHolder}), Match: "cases",
			Uses:   map[string][]string{"sqlite": {"VIRTUAL TABLE", "sqlite_autoindex_case_audience_1"}, "postgres": {"case_audience_page"}},
			NoScan: caseNoScan},
		HotPath{Name: "case list/node", Run: list(article5.CaseFilter{Limit: 100, Audience: article5.Audience{All: true}}), Match: "cases",
			Uses: both("cases_updated"), NoScan: caseNoScan},
		HotPath{Name: "case list q=rare/node", Run: list(article5.CaseFilter{Query: rare, Limit: 100, Audience: article5.Audience{All: true}}), Match: "cases",
			Uses: map[string][]string{"sqlite": {"VIRTUAL TABLE"}, "postgres": {"cases_updated"}}, NoScan: []string{"case_audience"}},
		HotPath{Name: "one case/row", Match: "FROM cases",
			Run: func(ctx context.Context, s article5.Store) error {
				_, err := s.FindCaseByID(ctx, ScaleCaseID(tag, n/2))
				return err
			},
			Uses: map[string][]string{"sqlite": {"sqlite_autoindex_cases_1"}, "postgres": {"cases_pkey"}}, NoScan: []string{"cases", "c"}},
		HotPath{Name: "events list/node", Match: "events",
			Run: func(ctx context.Context, s article5.Store) error {
				_, err := s.FindEvents(ctx, article5.EventFilter{After: int64(n / 2), Limit: 100, Audience: article5.Audience{All: true}})
				return err
			},
			Uses: map[string][]string{"sqlite": {"PRIMARY KEY"}, "postgres": {"events_pkey"}}, NoScan: []string{"events"}},
		HotPath{Name: "relationships by source_ref", Match: "source_ref",
			Run: func(ctx context.Context, s article5.Store) error {
				page, err := s.FindObjects(ctx, article5.ObjectFilter{Types: []string{"relationship", "sighting"},
					SourceRefs: []string{ScaleIncidentID(tag, n/2, 0), ScaleIncidentID(tag, n/2, 1), ScaleIncidentID(tag, n/3, 2)}, Limit: 1000})
				if err == nil && len(page.Objects) != 3 {
					err = fmt.Errorf("found %d relationships, want 3", len(page.Objects))
				}
				return err
			},
			Uses: both("objects_source_ref"), Avoid: []string{"objects_type", "objects_latest_added", "objects_added"}, NoScan: []string{"objects"}},
		HotPath{Name: "objects by id/latest", Match: "FROM objects",
			Run: func(ctx context.Context, s article5.Store) error {
				page, err := s.FindObjects(ctx, article5.ObjectFilter{IDs: []string{ScaleIncidentID(tag, n/2, 0), ScaleCaseID(tag, n/3)}})
				if err == nil && len(page.Objects) != 2 {
					err = fmt.Errorf("found %d objects, want 2", len(page.Objects))
				}
				return err
			},
			Uses:  map[string][]string{"sqlite": {"sqlite_autoindex_objects_1"}, "postgres": {"objects_pkey"}},
			Avoid: []string{"objects_type", "objects_latest_added", "objects_added"}, NoScan: []string{"objects"}},
		HotPath{Name: "objects by id/versions", Match: "FROM objects",
			Run: func(ctx context.Context, s article5.Store) error {
				_, err := s.FindObjectVersions(ctx, ScaleIncidentID(tag, n/2, 3))
				return err
			},
			Uses: map[string][]string{"sqlite": {"sqlite_autoindex_objects_1"}, "postgres": {"objects_pkey"}}, NoScan: []string{"objects"}},
		HotPath{Name: "objects latest by date added", Match: "FROM objects",
			Run: func(ctx context.Context, s article5.Store) error {
				_, err := s.FindObjects(ctx, article5.ObjectFilter{Types: []string{"incident"}, AddedAfter: time.Unix(1, 0), Limit: 100})
				return err
			},
			Uses: both("objects_latest_added"), NoScan: []string{"objects"}},
		// A page of objects for a recipient who may not see unmarked ones is
		// read per way of release (sqlstore releasedPage), never by reading
		// every object in order and dropping what it may not see.
		HotPath{Name: "objects released by date added/member", Match: "FROM objects WHERE seq IN",
			Run: func(ctx context.Context, s article5.Store) error {
				_, err := s.FindObjects(ctx, article5.ObjectFilter{AddedAfter: time.Unix(1, 0), Limit: 100, Audience: &ScaleMember})
				return err
			},
			Uses: both("objects_red_added", "objects_creator_added", "objects_seq"), NoScan: []string{"objects"}},
		HotPath{Name: "objects released by date added/named", Match: "FROM objects WHERE seq IN",
			Run: func(ctx context.Context, s article5.Store) error {
				a := ScaleNamedOne
				page, err := s.FindObjects(ctx, article5.ObjectFilter{Types: []string{"incident"}, Limit: 100, Audience: &a})
				if err == nil && len(page.Objects) != 100 {
					err = fmt.Errorf("found %d incidents, want 100", len(page.Objects))
				}
				return err
			},
			Uses: both("objects_red_added", "objects_rank_added", "objects_seq"), NoScan: []string{"objects"}},
		HotPath{Name: "ingest: cases of the stored ids (case_index)", Match: "FROM case_index WHERE",
			Run: func(ctx context.Context, s article5.Store) error {
				modified := time.Now().UTC().Format("2006-01-02T15:04:05.000000000Z") // a new version each run
				o := Object(tb, fmt.Sprintf(`{"type":"note","spec_version":"2.1","id":"note--%s-0000-4000-8000-%012d","created":"2025-01-01T00:00:00.000Z","modified":%q,"content":"v2","object_refs":[%q],"created_by_ref":%q,"object_marking_refs":[%q]}`,
					tag, n/2, modified, ScaleIncidentID(tag, n/2, 0), ScaleOrg, ScaleMarking(n/2)), "")
				o.Submitter, o.SubmitterOrg = "token--5eed", ScaleOrg
				_, err := s.IngestObjects(ctx, article5.IngestRequest{Objects: []*article5.StoredObject{o}})
				return err
			},
			Uses: both("case_index_object"), NoScan: []string{"case_index", "ci", "objects", "ev"}},
		HotPath{Name: "case audience: evidence of one case", Match: "FROM case_index ci",
			Run: func(ctx context.Context, s article5.Store) error {
				x := article5.CaseIndex{Case: ScaleCaseID(tag, n/3), Evidence: []article5.ObjectRef{{ID: ScaleCaseID(tag, n/3)}, {ID: ScaleIncidentID(tag, n/3, 0)}}}
				_, err := s.SaveCaseIndex(ctx, x)
				return err
			},
			Uses:   map[string][]string{"sqlite": {"sqlite_autoindex_case_index_1", "sqlite_autoindex_objects_1"}, "postgres": {"case_index_pkey", "objects_pkey"}},
			NoScan: []string{"case_index", "ci", "objects", "ev"}},
		HotPath{Name: "queue: claim due cases", Match: "FROM case_queue WHERE leased_until <= ? ORDER BY",
			Run: func(ctx context.Context, s article5.Store) error {
				if err := s.QueueCases(ctx, []string{ScaleCaseID(tag, 1), ScaleCaseID(tag, 2)}); err != nil {
					return err
				}
				j, err := s.ClaimJob(ctx, time.Minute, 10)
				if err == nil {
					err = s.CompleteJob(ctx, j)
				}
				return err
			},
			Uses: both("case_queue_order"), NoScan: []string{"case_queue"}},
		HotPath{Name: "audit by ref", Match: "FROM audit_entries WHERE ref",
			Run: func(ctx context.Context, s article5.Store) error {
				a, ok := s.(interface {
					AuditEntriesByRef(ctx context.Context, ref string) ([]audit.Entry, error)
				})
				if !ok {
					return fmt.Errorf("%T cannot read the log by ref", s)
				}
				es, err := a.AuditEntriesByRef(ctx, audit.CaseRef(ScaleCaseID(tag, n/2)))
				if err == nil && len(es) == 0 {
					err = fmt.Errorf("no entry records case %s", ScaleCaseID(tag, n/2))
				}
				return err
			},
			Uses: both("audit_entries_ref"), NoScan: []string{"audit_entries"}},
	)
	return out
}

// eventUses are the indexes the events list of caller reads: the probe
// of the caller's keys, then (when one files a case) event_audience by key
// and seq, and the events by seq. PostgreSQL may read a key that files
// nine events in ten by seq instead, stopping at the page.
func eventUses(caller string) map[string][]string {
	switch caller {
	case "stranger":
		return map[string][]string{"": {"case_audience_page"}}
	case "holder":
		return map[string][]string{"sqlite": {"case_audience_page", "sqlite_autoindex_event_audience_1", "PRIMARY KEY"},
			"postgres": {"case_audience_page", "event_audience_pkey|event_audience_seq", "events_pkey"}}
	}
	return map[string][]string{"sqlite": {"case_audience_page", "sqlite_autoindex_event_audience_1", "PRIMARY KEY"},
		"postgres": {"case_audience_page", "event_audience_pkey", "events_pkey"}}
}

// CheckPlan fails t when a plan of the statement query (of hot path h, on
// dialect) breaks h's rule; text is the database's own plan, shown on
// failure.
func CheckPlan(t *testing.T, dialect string, h HotPath, query string, steps []PlanStep, text string) {
	t.Helper()
	fail := func(format string, args ...any) {
		t.Helper()
		t.Errorf("%s: %s\nstatement: %s\nplan:\n%s", h.Name, fmt.Sprintf(format, args...), query, text)
	}
	for _, s := range steps {
		for _, x := range h.NoScan {
			if s.FullScan && strings.EqualFold(s.Table, x) {
				fail("reads every row of %s", s.Table)
			}
		}
		for _, x := range h.Avoid {
			if s.Index == x {
				fail("reads index %s", x)
			}
		}
	}
}

// UsesIndexes fails t unless the plans of hot path h (every statement it
// matched) together read each index h.Uses names for dialect.
func UsesIndexes(t *testing.T, dialect string, h HotPath, steps []PlanStep, text string) {
	t.Helper()
	uses := h.Uses[dialect]
	if uses == nil {
		uses = h.Uses[""]
	}
	for _, want := range uses {
		ok := false
		for _, alt := range strings.Split(want, "|") {
			for _, s := range steps {
				ok = ok || s.Index == alt
			}
		}
		if !ok {
			t.Errorf("%s: no plan reads index %s\nplans:\n%s", h.Name, want, text)
		}
	}
}
