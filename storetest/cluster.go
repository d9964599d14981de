package storetest

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"article5"
)

// ClusterOpen returns two stores on one fresh database, as two serve
// processes of a node hold them (PostgreSQL: two connections pools;
// SQLite, one process: the same store twice), and arranges their cleanup.
type ClusterOpen func(t *testing.T) (a, b article5.Store)

// RunCluster runs the suite of what the serve processes of a node share
// through the store (article5.ClusterService) and the job leases they
// take over from each other.
func RunCluster(t *testing.T, open ClusterOpen) {
	for _, tc := range []struct {
		name string
		run  func(t *testing.T, a, b article5.Store)
	}{
		{"LeaseHeldByOneTakenOverWhenExpired", testLease},
		{"LeaseRaceHasOneWinner", testLeaseRace},
		{"LoginLimitsSharedAndSerialised", testLimits},
		{"QuotaSharedAndHeld", testQuota},
		{"SharedKeySame", testSharedKey},
		{"DoctrineGenerationGrows", testDoctrineGeneration},
		{"EventsWakeWaiters", testEventsWake},
		{"QueuedCasesWakeWaiters", testJobsWake},
		{"JobTakenOverAfterItsLease", testJobTakeover},
		{"LogAppendsFromTwoStoresMakeOneLog", testAppendsOneLog},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, b := open(t)
			tc.run(t, a, b)
		})
	}
}

// alternate is a for even i, b for odd: load spread over two processes.
func alternate(i int, a, b article5.Store) article5.Store {
	if i%2 == 1 {
		return b
	}
	return a
}

func testLease(t *testing.T, a, b article5.Store) {
	ctx := context.Background()
	mustLease := func(s article5.Store, holder string, ttl time.Duration, want bool) {
		t.Helper()
		got, err := s.AcquireLease(ctx, "work", holder, ttl)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Fatalf("%s acquires: %v, want %v", holder, got, want)
		}
	}
	mustLease(a, "p1", time.Hour, true)
	mustLease(b, "p2", time.Hour, false)
	mustLease(a, "p1", time.Hour, true) // renewed
	if h, until, err := b.LeaseHolder(ctx, "work"); err != nil || h != "p1" || until.IsZero() {
		t.Fatalf("holder = %q until %v, %v; want p1", h, until, err)
	}
	if h, _, err := b.LeaseHolder(ctx, "other"); err != nil || h != "" {
		t.Fatalf("holder of a lease never taken = %q, %v; want none", h, err)
	}
	if err := b.ReleaseLease(ctx, "work", "p2"); err != nil { // not p2's: nothing
		t.Fatal(err)
	}
	mustLease(b, "p2", time.Hour, false)
	if err := a.ReleaseLease(ctx, "work", "p1"); err != nil {
		t.Fatal(err)
	}
	mustLease(b, "p2", time.Nanosecond, true) // released: taken at once
	// p2 stops renewing (it died): its lease has expired by the next call.
	mustLease(a, "p1", time.Hour, true)
	mustLease(b, "p2", time.Hour, false)
}

func testLeaseRace(t *testing.T, a, b article5.Store) {
	ctx := context.Background()
	const n = 16
	var wg sync.WaitGroup
	won := make(chan string, n)
	for i := range n {
		s := alternate(i, a, b)
		wg.Go(func() {
			holder := fmt.Sprintf("p%d", i)
			ok, err := s.AcquireLease(ctx, "race", holder, time.Hour)
			if err != nil {
				t.Error(err)
			}
			if ok {
				won <- holder
			}
		})
	}
	wg.Wait()
	close(won)
	var winners []string
	for h := range won {
		winners = append(winners, h)
	}
	if len(winners) != 1 {
		t.Fatalf("winners %v, want exactly one", winners)
	}
}

func testLimits(t *testing.T, a, b article5.Store) {
	ctx := context.Background()
	now := time.Unix(1_800_000_000, 0).UTC()
	bump := func(s article5.Store, at time.Time, ttl time.Duration) {
		t.Helper()
		if err := s.UpdateLimits(ctx, at, []string{"k", "other"}, func(st map[string]*article5.LimitState) error {
			st["k"].Fails++
			st["k"].Next = at.Add(time.Second)
			st["k"].TAT = at.Add(2 * time.Second)
			st["k"].Expires = at.Add(ttl)
			return nil
		}); err != nil {
			t.Error(err)
		}
	}
	read := func(s article5.Store, at time.Time) article5.LimitState {
		t.Helper()
		var out article5.LimitState
		if err := s.UpdateLimits(ctx, at, []string{"k"}, func(st map[string]*article5.LimitState) error {
			out = *st["k"]
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return out
	}
	const n = 20
	var wg sync.WaitGroup
	for i := range n {
		s := alternate(i, a, b)
		wg.Go(func() { bump(s, now, time.Hour) })
	}
	wg.Wait()
	got := read(a, now)
	if got.Fails != n || !got.Next.Equal(now.Add(time.Second)) || !got.TAT.Equal(now.Add(2*time.Second)) || !got.Expires.Equal(now.Add(time.Hour)) {
		t.Fatalf("after %d concurrent updates from two stores: %+v; want %d failures and the times written", n, got, n)
	}
	// f's error is returned and nothing is stored.
	boom := fmt.Errorf("boom")
	err := a.UpdateLimits(ctx, now, []string{"k"}, func(st map[string]*article5.LimitState) error {
		st["k"].Fails = 1000
		return boom
	})
	if err != boom {
		t.Fatalf("error = %v, want f's", err)
	}
	if got := read(a, now); got.Fails != n {
		t.Fatalf("after f failed: %d failures, want %d", got.Fails, n)
	}
	// A state set to zero is deleted.
	if err := a.UpdateLimits(ctx, now, []string{"k"}, func(st map[string]*article5.LimitState) error {
		*st["k"] = article5.LimitState{}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if got := read(b, now); got != (article5.LimitState{}) {
		t.Fatalf("a cleared state reads %+v; want the zero state", got)
	}
	bump(a, now, time.Hour)
	if got := read(b, now.Add(time.Hour)); got != (article5.LimitState{}) {
		t.Fatalf("an expired state reads %+v; want the zero state", got)
	}
}

// testQuota: concurrent takes from one bucket through two stores take no
// more than the burst between them, a refusal says how long to wait and
// takes nothing, a look takes nothing, and the bucket refills at its rate.
func testQuota(t *testing.T, a, b article5.Store) {
	ctx := context.Background()
	now := time.Unix(1_800_000_000, 0).UTC()
	const burst, interval = 10, 100 * time.Millisecond // 10 a second, 10 at once
	take := func(s article5.Store, key string, at time.Time, n int64, really bool) time.Duration {
		t.Helper()
		wait, err := s.TakeQuota(ctx, key, at, n, interval, burst, really)
		if err != nil {
			t.Fatal(err)
		}
		return wait
	}
	var granted atomic.Int64
	var wg sync.WaitGroup
	for i := range 3 * burst {
		s := alternate(i, a, b)
		wg.Go(func() {
			wait, err := s.TakeQuota(ctx, "token:t1", now, 1, interval, burst, true)
			if err != nil {
				t.Error(err)
			}
			if wait == 0 {
				granted.Add(1)
			}
		})
	}
	wg.Wait()
	if g := granted.Load(); g != burst {
		t.Fatalf("%d concurrent takes of one token through two stores: %d granted, want the burst, %d", 3*burst, g, burst)
	}
	if w := take(b, "token:t1", now, 1, true); w != interval {
		t.Fatalf("an empty bucket: wait %v, want one interval, %v", w, interval)
	}
	if w := take(a, "token:t1", now, 3, false); w != 3*interval {
		t.Fatalf("a look for 3 tokens: wait %v, want %v", w, 3*interval)
	}
	later := now.Add(3 * interval)
	if w := take(a, "token:t1", later, 3, true); w != 0 {
		t.Fatalf("3 intervals later, 3 tokens: wait %v, want none", w)
	}
	if w := take(b, "token:t1", later, 1, true); w != interval {
		t.Fatalf("the refusal and the look took tokens: wait %v, want %v", w, interval)
	}
	if w := take(b, "token:t2", now, burst, true); w != 0 {
		t.Fatalf("another key's full bucket: wait %v, want none", w)
	}
	if w := take(a, "token:t2", now, burst+1, false); w != time.Duration(math.MaxInt64) {
		t.Fatalf("more than the burst: wait %v, want never", w)
	}
	// Long after, both buckets are full again (and may be swept).
	long := now.Add(time.Hour)
	for _, k := range []string{"token:t1", "token:t2"} {
		if w := take(alternate(len(k), a, b), k, long, burst, true); w != 0 {
			t.Fatalf("an hour later %s: wait %v, want a full bucket", k, w)
		}
	}
}

func testSharedKey(t *testing.T, a, b article5.Store) {
	ctx := context.Background()
	var keys [2][]byte
	var wg sync.WaitGroup
	for i, s := range []article5.Store{a, b} {
		wg.Go(func() {
			k, err := s.SharedKey(ctx, "login-device")
			if err != nil {
				t.Error(err)
			}
			keys[i] = k
		})
	}
	wg.Wait()
	if len(keys[0]) != 32 || !bytes.Equal(keys[0], keys[1]) {
		t.Fatalf("keys %x and %x; want the same 32 bytes", keys[0], keys[1])
	}
	other, err := b.SharedKey(ctx, "another")
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(other, keys[0]) {
		t.Fatal("two names share a key")
	}
}

func testDoctrineGeneration(t *testing.T, a, b article5.Store) {
	ctx := context.Background()
	g0, err := b.DoctrineGeneration(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.SaveDoctrine(ctx, &article5.DoctrineVersion{ID: "jp", Party: article5.PartyJP, Source: []byte("id: jp\n")}); err != nil {
		t.Fatal(err)
	}
	g1, err := b.DoctrineGeneration(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if g1 <= g0 {
		t.Fatalf("generation %d after a save through the other store, was %d; want it to grow", g1, g0)
	}
}

// waitClosed waits for c, failing after a generous timeout (the news
// travels through the database).
func waitClosed(t *testing.T, c <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-c:
	case <-time.After(30 * time.Second):
		t.Fatalf("no news of %s", what)
	}
}

func testEventsWake(t *testing.T, a, b article5.Store) {
	ctx := context.Background()
	// Taken before the change. Were the news to arrive before the
	// listener listens, its first connection would close it all the same.
	changed := b.Changes(article5.TopicEvents)
	id := "grouping--00000000-0000-4000-8000-0000000000f1"
	c := &article5.CaseSummary{ID: id, Name: "case", Hash: strings.Repeat("f", 64), Updated: time.Unix(7000, 0)}
	evs, err := a.SaveAssessment(ctx, c, []byte(`{}`), article5.CaseIndex{Case: id})
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) == 0 {
		t.Fatal("a first assessment made no event")
	}
	waitClosed(t, changed, "an event recorded through the other store")
}

func testJobsWake(t *testing.T, a, b article5.Store) {
	changed := b.Changes(article5.TopicJobs)
	if err := a.QueueCases(context.Background(), []string{"grouping--00000000-0000-4000-8000-0000000000f2"}); err != nil {
		t.Fatal(err)
	}
	waitClosed(t, changed, "a case queued through the other store")
}

func testJobTakeover(t *testing.T, a, b article5.Store) {
	ctx := context.Background()
	c1 := "grouping--00000000-0000-4000-8000-0000000000d1"
	if err := a.QueueCases(ctx, []string{c1}); err != nil {
		t.Fatal(err)
	}
	dead := mustClaim(t, a, time.Nanosecond, 1) // its process dies; the lease runs out
	taken := mustClaim(t, b, time.Hour, 1)
	if fmt.Sprint(taken.Cases) != fmt.Sprint([]string{c1}) || taken.Attempts != 2 {
		t.Fatalf("takeover = %+v; want %s, attempt 2", taken, c1)
	}
	if _, err := a.ClaimJob(ctx, time.Hour, 1); article5.ErrorCode(err) != article5.ENOTFOUND {
		t.Fatalf("a claim while the takeover holds the lease: %v; want ENOTFOUND", err)
	}
	// The first worker was only slow: its completion leaves the case to
	// the job that holds it now.
	if err := a.CompleteJob(ctx, dead); err != nil {
		t.Fatal(err)
	}
	if _, err := a.ClaimJob(ctx, time.Hour, 1); article5.ErrorCode(err) != article5.ENOTFOUND {
		t.Fatalf("a claim after the old job completed: %v; want ENOTFOUND (the case is still leased)", err)
	}
	if err := b.CompleteJob(ctx, taken); err != nil {
		t.Fatal(err)
	}
	if _, err := a.ClaimJob(ctx, time.Nanosecond, 1); article5.ErrorCode(err) != article5.ENOTFOUND {
		t.Fatalf("a claim after the takeover completed: %v; want ENOTFOUND", err)
	}
}

func testAppendsOneLog(t *testing.T, a, b article5.Store) {
	ctx := context.Background()
	before := MustAuditVerify(t, a).Entries
	const n = 20
	var wg sync.WaitGroup
	for i := range n {
		s := alternate(i, a, b)
		wg.Go(func() {
			tok := &article5.Token{ID: fmt.Sprintf("token--0b7a1a1e-0000-4000-8000-%012d", i), Name: "feed", Party: article5.PartyJP,
				Org: identA, Hash: fmt.Sprintf("%064x", i+1)}
			if err := s.CreateToken(ctx, tok); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	for name, s := range map[string]article5.Store{"a": a, "b": b} {
		rep := MustAuditVerify(t, s)
		if !rep.Intact() {
			t.Fatalf("store %s: the log after concurrent appends from two stores is not intact: %v", name, rep.Err())
		}
		if rep.Entries != before+n {
			t.Errorf("store %s: %d entries, want %d", name, rep.Entries, before+n)
		}
	}
}
