package storetest

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"article5"
)

const grouping = "grouping--84e4d88f-44ea-4bcd-bbf3-b2c1c320bcb3"

// mustClaim claims up to limit cases and fails the test on error.
func mustClaim(tb testing.TB, s article5.Store, lease time.Duration, limit int) *article5.Job {
	tb.Helper()
	j, err := s.ClaimJob(context.Background(), lease, limit)
	if err != nil {
		tb.Fatalf("ClaimJob: %v", err)
	}
	return j
}

// drain claims and completes every queued case, returning them sorted.
func drain(tb testing.TB, s article5.Store) []string {
	tb.Helper()
	var out []string
	for {
		j, err := s.ClaimJob(context.Background(), time.Hour, 100)
		if article5.ErrorCode(err) == article5.ENOTFOUND {
			sort.Strings(out)
			return out
		}
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, j.Cases...)
		if err := s.CompleteJob(context.Background(), j); err != nil {
			tb.Fatal(err)
		}
	}
}

// testQueueFromIndex: an ingest queues exactly the cases whose index
// watches what it stored (an id, or a relationship's source), and a stored
// grouping its own case; an unrelated object queues nothing, whatever the
// number of cases.
func testQueueFromIndex(t *testing.T, s article5.Store) {
	ctx := context.Background()
	g := Object(t, `{"type":"grouping","spec_version":"2.1","id":"`+grouping+`","created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z","name":"Port outage","context":"suspicious-activity","object_refs":["`+indicator+`"]}`, "")
	if res := MustIngest(t, s, g); res.Queued != 1 {
		t.Fatalf("a new grouping queued %d cases, want its own", res.Queued)
	}
	if got := drain(t, s); fmt.Sprint(got) != fmt.Sprint([]string{grouping}) {
		t.Fatalf("queued %v, want the grouping's case", got)
	}
	if res := MustIngest(t, s, g); res.Queued != 0 {
		t.Fatalf("an unchanged grouping queued %d", res.Queued)
	}
	// The walk found the grouping's indicator (not held yet) and watches it.
	other := "grouping--1111e4d8-44ea-4bcd-bbf3-b2c1c320bcb3"
	for _, x := range []article5.CaseIndex{
		{Case: grouping, Evidence: []article5.ObjectRef{{ID: grouping}}, Watched: []string{grouping, indicator}},
		{Case: other, Evidence: []article5.ObjectRef{{ID: other}}, Watched: []string{other, identityID(9)}},
	} {
		c := &article5.CaseSummary{ID: x.Case, Name: x.Case, Hash: strings.Repeat("a", 64)}
		if _, err := s.SaveAssessment(ctx, c, []byte(`{}`), x); err != nil {
			t.Fatal(err)
		}
	}
	if res := MustIngest(t, s, Object(t, identityJSON(3), "")); res.Queued != 0 {
		t.Fatalf("an unrelated object queued %d cases", res.Queued)
	}
	if res := MustIngest(t, s, Object(t, indicatorJSON(indicator, identA, "2024-02-01T00:00:00.000Z", "i"), "")); res.Queued != 1 {
		t.Fatalf("the watched indicator queued %d cases, want 1", res.Queued)
	}
	rel := `{"type":"relationship","spec_version":"2.1","id":"relationship--4c4f2b3e-0000-4000-8000-000000000001","created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z","relationship_type":"related-to","source_ref":"` + identityID(9) + `","target_ref":"` + identityID(3) + `"}`
	if res := MustIngest(t, s, Object(t, rel, "")); res.Queued != 1 {
		t.Fatalf("a relationship from a watched id queued %d cases, want 1", res.Queued)
	}
	if got := drain(t, s); fmt.Sprint(got) != fmt.Sprint([]string{other, grouping}) {
		t.Fatalf("queued %v, want both cases once", got)
	}
}

// testJobLease: a claimed case is leased; a second claimer gets the next;
// a case whose worker died is handed out again after its lease, with its
// attempts counted.
func testJobLease(t *testing.T, s article5.Store) {
	ctx := context.Background()
	c1, c2 := "grouping--00000000-0000-4000-8000-0000000000c1", "grouping--00000000-0000-4000-8000-0000000000c2"
	if err := s.QueueCases(ctx, []string{c1}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Millisecond) // c1 is the older
	if err := s.QueueCases(ctx, []string{c2, c1}); err != nil {
		t.Fatal(err)
	}
	// The lease is long enough that the two claims after it fall inside
	// it on a loaded machine; each check that needs that says so.
	const lease = time.Second
	claimed := time.Now()
	j := mustClaim(t, s, lease, 1)
	if fmt.Sprint(j.Cases) != fmt.Sprint([]string{c1}) || j.Attempts != 1 {
		t.Fatalf("first claim = %+v; want the oldest case, attempt 1", j)
	}
	j2, err := s.ClaimJob(ctx, time.Hour, 5)
	if time.Since(claimed) >= lease {
		t.Fatalf("the machine took %v for two claims: the lease of %v cannot be checked", time.Since(claimed), lease)
	}
	if err != nil || fmt.Sprint(j2.Cases) != fmt.Sprint([]string{c2}) {
		t.Fatalf("second claim = %+v, %v; want %s (the first is leased)", j2, err, c2)
	}
	_, err = s.ClaimJob(ctx, time.Hour, 5)
	if time.Since(claimed) < lease {
		wantCode(t, err, article5.ENOTFOUND)
	}
	time.Sleep(time.Until(claimed.Add(lease + 50*time.Millisecond))) // the first worker died: its lease expires
	again := mustClaim(t, s, time.Hour, 5)
	if fmt.Sprint(again.Cases) != fmt.Sprint([]string{c1}) || again.Attempts != 2 {
		t.Fatalf("after the lease: %+v; want %s handed out again, attempt 2", again, c1)
	}
	for _, done := range []*article5.Job{again, j2} {
		if err := s.CompleteJob(ctx, done); err != nil {
			t.Fatal(err)
		}
	}
	_, err = s.ClaimJob(ctx, time.Millisecond, 5)
	wantCode(t, err, article5.ENOTFOUND)
}

// testRequeueWhileRunning: a case queued again while it is being assessed
// stays queued (once) and is due again when the first run completes.
func testRequeueWhileRunning(t *testing.T, s article5.Store) {
	ctx := context.Background()
	c := "grouping--00000000-0000-4000-8000-0000000000c3"
	if err := s.QueueCases(ctx, []string{c}); err != nil {
		t.Fatal(err)
	}
	j := mustClaim(t, s, time.Hour, 5)
	for range 3 {
		if err := s.QueueCases(ctx, []string{c}); err != nil {
			t.Fatal(err)
		}
	}
	_, err := s.ClaimJob(ctx, time.Hour, 5)
	wantCode(t, err, article5.ENOTFOUND) // leased: not handed out twice at once
	if err := s.CompleteJob(ctx, j); err != nil {
		t.Fatal(err)
	}
	if got := drain(t, s); fmt.Sprint(got) != fmt.Sprint([]string{c}) {
		t.Fatalf("after the first run: %v, want the case once more", got)
	}
}

func testJobClaimedOnce(t *testing.T, s article5.Store) {
	ctx := context.Background()
	const cases = 12
	var ids []string
	for i := range cases {
		ids = append(ids, fmt.Sprintf("grouping--00000000-0000-4000-8000-%012d", i))
	}
	if err := s.QueueCases(ctx, ids); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	claimed := map[string]int{}
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				j, err := s.ClaimJob(ctx, time.Hour, 2)
				if err != nil {
					if article5.ErrorCode(err) != article5.ENOTFOUND {
						t.Error(err)
					}
					return
				}
				mu.Lock()
				for _, c := range j.Cases {
					claimed[c]++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(claimed) != cases {
		t.Fatalf("%d cases claimed, want %d", len(claimed), cases)
	}
	for id, n := range claimed {
		if n != 1 {
			t.Fatalf("case %s claimed %d times", id, n)
		}
	}
}

// testIndexRequeue: an object stored after the walk's watermark that the
// new index watches queues the case again; one stored before does not.
func testIndexRequeue(t *testing.T, s article5.Store) {
	ctx := context.Background()
	MustIngest(t, s, Object(t, identityJSON(4), ""))
	since, err := s.ObjectWatermark(ctx)
	if err != nil || since == 0 {
		t.Fatalf("watermark %d, %v", since, err)
	}
	x := article5.CaseIndex{Case: grouping, Evidence: []article5.ObjectRef{{ID: grouping}}, Watched: []string{grouping, identityID(4), identityID(5)}, Since: since}
	if again, err := s.SaveCaseIndex(ctx, x); err != nil || again {
		t.Fatalf("nothing stored since the watermark: requeued %v, %v", again, err)
	}
	MustIngest(t, s, Object(t, identityJSON(5), "")) // during the walk
	if again, err := s.SaveCaseIndex(ctx, x); err != nil || !again {
		t.Fatalf("a watched object stored since the watermark: requeued %v, %v", again, err)
	}
	if got := drain(t, s); fmt.Sprint(got) != fmt.Sprint([]string{grouping}) {
		t.Fatalf("queued %v", got)
	}
}

func testSaveAssessment(t *testing.T, s article5.Store) {
	ctx := context.Background()
	updated := time.Date(2024, 6, 1, 12, 0, 0, 123456789, time.UTC)
	c := &article5.CaseSummary{ID: grouping, Name: "Port of Nagoya outage", Incidents: 2, Updated: updated, Hash: "h1",
		Tiers: map[string]article5.Tier{"tallinn-2.0": article5.TierBelowThreshold, "nicaragua": article5.TierBelowThreshold}, Scope: article5.ScopeIn}
	ev, err := s.SaveAssessment(ctx, c, []byte(`{"hash":"h1"}`), EvidenceOf(c))
	if err != nil {
		t.Fatal(err)
	}
	if len(ev) != 1 || ev[0].Type != "assessed" || ev[0].Case != grouping || ev[0].Seq <= 0 || ev[0].Hash != "h1" {
		t.Fatalf("first assessment events %+v, want one assessed", ev)
	}
	if ev, err := s.SaveAssessment(ctx, c, []byte(`{"hash":"h1"}`), EvidenceOf(c)); err != nil || len(ev) != 0 {
		t.Fatalf("same hash again: %+v, %v; want a no-op", ev, err)
	}
	c2 := *c
	c2.Hash, c2.Updated = "h2", updated.Add(time.Hour)
	c2.Tiers = map[string]article5.Tier{"tallinn-2.0": article5.TierUseOfForcePossible, "nicaragua": article5.TierBelowThreshold}
	ev2, err := s.SaveAssessment(ctx, &c2, []byte(`{"hash":"h2"}`), EvidenceOf(&c2))
	if err != nil {
		t.Fatal(err)
	}
	if len(ev2) != 2 || ev2[0].Type != "assessed" || ev2[1].Type != "tier-changed" || ev2[1].Doctrine != "tallinn-2.0" ||
		ev2[1].From != article5.TierBelowThreshold || ev2[1].To != article5.TierUseOfForcePossible || ev2[1].Seq <= ev2[0].Seq || ev2[0].Seq <= ev[0].Seq {
		t.Fatalf("second assessment events %+v, want assessed and tier-changed tallinn-2.0 below-threshold → use-of-force-possible", ev2)
	}
	report, err := s.FindAssessment(ctx, grouping)
	if err != nil || string(report) != `{"hash":"h2"}` {
		t.Fatalf("FindAssessment = %s, %v; want the latest report", report, err)
	}
	got, err := s.FindCaseByID(ctx, grouping)
	if err != nil {
		t.Fatal(err)
	}
	if got.Hash != "h2" || got.Name != c.Name || got.Incidents != 2 || got.Scope != article5.ScopeIn || !got.Updated.Equal(c2.Updated) ||
		got.Tiers["tallinn-2.0"] != article5.TierUseOfForcePossible || len(got.Tiers) != 2 {
		t.Fatalf("case = %+v, want the latest summary", got)
	}
	all, err := s.FindEvents(ctx, article5.EventFilter{After: 0, Limit: 0, Audience: article5.Audience{All: true}})
	if err != nil || len(all) != 3 {
		t.Fatalf("FindEvents(0) = %+v, %v; want 3 events", all, err)
	}
	after, err := s.FindEvents(ctx, article5.EventFilter{After: all[0].Seq, Limit: 10, Audience: article5.Audience{All: true}})
	if err != nil || len(after) != 2 || after[0].Seq != ev2[0].Seq || after[1].From != article5.TierBelowThreshold || after[1].Time.IsZero() {
		t.Fatalf("FindEvents(after first) = %+v, %v", after, err)
	}
	if one, err := s.FindEvents(ctx, article5.EventFilter{After: 0, Limit: 1, Audience: article5.Audience{All: true}}); err != nil || len(one) != 1 {
		t.Fatalf("FindEvents limit 1 = %+v, %v", one, err)
	}
}

func testFindCases(t *testing.T, s article5.Store) {
	ctx := context.Background()
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	var all []*article5.CaseSummary
	for i := 0; i < 25; i++ {
		tier := article5.TierBelowThreshold
		if i%5 == 0 {
			tier = article5.TierArmedAttackPossible
		}
		name := fmt.Sprintf("Outage %02d at the port", i)
		if i%4 == 0 {
			name = fmt.Sprintf("Satellite JAMMING %02d", i)
		}
		c := &article5.CaseSummary{ID: fmt.Sprintf("grouping--00000000-0000-4000-8000-%012d", i), Name: name, Incidents: 1,
			Updated: base.Add(time.Duration(i/3) * time.Hour), // ties of three
			Hash:    fmt.Sprint("h", i), Tiers: map[string]article5.Tier{"tallinn-2.0": article5.TierBelowThreshold, "nicaragua": tier}, Scope: article5.ScopeUncertain}
		if _, err := s.SaveAssessment(ctx, c, []byte(`{}`), EvidenceOf(c)); err != nil {
			t.Fatal(err)
		}
		all = append(all, c)
	}
	sort.Slice(all, func(i, j int) bool {
		if !all[i].Updated.Equal(all[j].Updated) {
			return all[i].Updated.After(all[j].Updated)
		}
		return all[i].ID < all[j].ID
	})
	ids := func(cs []*article5.CaseSummary) []string {
		out := []string{}
		for _, c := range cs {
			out = append(out, c.ID)
		}
		return out
	}
	filter := func(keep func(*article5.CaseSummary) bool) []string {
		var out []*article5.CaseSummary
		for _, c := range all {
			if keep(c) {
				out = append(out, c)
			}
		}
		return ids(out)
	}
	for _, tc := range []struct {
		name string
		f    article5.CaseFilter
		want []string
	}{
		{"all, updated desc then id, paged by 10", article5.CaseFilter{Limit: 10}, ids(all)},
		{"query is a case-insensitive substring", article5.CaseFilter{Query: "jamming", Limit: 3}, filter(func(c *article5.CaseSummary) bool { return c.Name[0] == 'S' })},
		{"tier under any doctrine", article5.CaseFilter{Tier: article5.TierArmedAttackPossible, Limit: 2}, filter(func(c *article5.CaseSummary) bool { return c.Tiers["nicaragua"] == article5.TierArmedAttackPossible })},
		{"query and tier", article5.CaseFilter{Query: "JAMMING", Tier: article5.TierArmedAttackPossible}, filter(func(c *article5.CaseSummary) bool {
			return c.Name[0] == 'S' && c.Tiers["nicaragua"] == article5.TierArmedAttackPossible
		})},
		{"no match", article5.CaseFilter{Query: "volcano"}, []string{}},
	} {
		var got []string
		f := tc.f
		for pages := 0; pages < 20; pages++ {
			cs, next, err := s.FindCases(ctx, f)
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			if f.Limit > 0 && len(cs) > f.Limit {
				t.Fatalf("%s: page of %d over limit %d", tc.name, len(cs), f.Limit)
			}
			got = append(got, ids(cs)...)
			if next == "" {
				break
			}
			f.Cursor = next
		}
		if fmt.Sprint(got) != fmt.Sprint(tc.want) && !(len(got) == 0 && len(tc.want) == 0) {
			t.Errorf("%s:\n got %v\nwant %v", tc.name, got, tc.want)
		}
	}
}

func testTokens(t *testing.T, s article5.Store) {
	ctx := context.Background()
	hash := "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
	tok := &article5.Token{ID: "token--0b7a1a1e-0000-4000-8000-000000000001", Name: "feed", Party: article5.PartyJP,
		Org: identA, Communities: []string{"community--a", "community--b"}, Hash: hash, Created: time.Date(2024, 1, 2, 3, 4, 5, 6, time.UTC)}
	if err := s.CreateToken(ctx, tok); err != nil {
		t.Fatal(err)
	}
	got, err := s.FindTokenByHash(ctx, hash)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != tok.ID || got.Name != "feed" || got.Party != article5.PartyJP || got.Org != identA ||
		fmt.Sprint(got.Communities) != fmt.Sprint(tok.Communities) || got.Hash != hash || !got.Created.Equal(tok.Created) {
		t.Fatalf("found %+v, want %+v", got, tok)
	}
	dup := *tok
	dup.ID = "token--0b7a1a1e-0000-4000-8000-000000000002"
	wantCode(t, s.CreateToken(ctx, &dup), article5.ECONFLICT)
	_, err = s.FindTokenByHash(ctx, hash[:63]+"9")
	wantCode(t, err, article5.ENOTFOUND)
	us := &article5.Token{Name: "us-feed", Party: article5.PartyUS, Org: identA, Hash: strings.Repeat("ab", 32)}
	if err := s.CreateToken(ctx, us); err != nil {
		t.Fatal(err)
	}
	jp, err := s.FindTokens(ctx, article5.PartyJP)
	if err != nil {
		t.Fatal(err)
	}
	if len(jp) != 1 || jp[0].ID != tok.ID || jp[0].Name != "feed" || fmt.Sprint(jp[0].Communities) != fmt.Sprint(tok.Communities) {
		t.Fatalf("JP tokens: %+v, want only %s", jp, tok.ID)
	}
	if all, err := s.FindTokens(ctx, ""); err != nil || len(all) != 2 {
		t.Fatalf("every token: %d, %v; want 2", len(all), err)
	}
	if err := s.RevokeToken(ctx, tok.ID); err != nil {
		t.Fatal(err)
	}
	_, err = s.FindTokenByHash(ctx, hash)
	wantCode(t, err, article5.ENOTFOUND)
	wantCode(t, s.RevokeToken(ctx, tok.ID), article5.ENOTFOUND)
	wantCode(t, s.RevokeToken(ctx, "token--0b7a1a1e-0000-4000-8000-00000000dead"), article5.ENOTFOUND)
	if jp, err := s.FindTokens(ctx, article5.PartyJP); err != nil || len(jp) != 0 {
		t.Fatalf("JP tokens after the revocation: %+v, %v; want none", jp, err)
	}
}
