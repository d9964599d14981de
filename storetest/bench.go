package storetest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"article5"
	"article5/audit"
)

// BenchObjects is the number of objects BenchIngest stores: the
// ARTICLE5_BENCH_OBJECTS environment variable, else 200,000.
func BenchObjects(tb testing.TB) int {
	if v := os.Getenv("ARTICLE5_BENCH_OBJECTS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			tb.Fatalf("ARTICLE5_BENCH_OBJECTS=%q: want a positive integer", v)
		}
		return n
	}
	return 200_000
}

// SyntheticBatch returns n fresh STIX objects numbered from first: one
// identity then nine indicators created by it, repeating.
func SyntheticBatch(first, n int) []*article5.StoredObject {
	out := make([]*article5.StoredObject, n)
	ident := ""
	for i := range out {
		k := first + i
		var raw []byte
		o := &article5.StoredObject{SpecVersion: "2.1", Version: "2024-01-01T00:00:00.000Z", VersionSec: 1704067200}
		if k%10 == 0 || ident == "" {
			ident = fmt.Sprintf("identity--00000000-0000-4000-8000-%012d", k)
			o.ID, o.Type = ident, "identity"
			raw = fmt.Appendf(nil, `{"type":"identity","spec_version":"2.1","id":%q,"created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z","name":"Organisation %d","identity_class":"organization","sectors":["government-national"]}`, o.ID, k)
		} else {
			o.ID, o.Type, o.CreatedBy = fmt.Sprintf("indicator--00000000-0000-4000-9000-%012d", k), "indicator", ident
			raw = fmt.Appendf(nil, `{"type":"indicator","spec_version":"2.1","id":%q,"created_by_ref":%q,"created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z","name":"Scanner %d","pattern":"[ipv4-addr:value = '198.51.%d.%d']","pattern_type":"stix","valid_from":"2024-01-01T00:00:00Z","object_marking_refs":["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"]}`, o.ID, ident, k, (k/250)%256, k%250)
			o.Markings = []string{"marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"}
		}
		sum := sha256.Sum256(raw)
		o.Raw, o.SHA256 = raw, hex.EncodeToString(sum[:])
		out[i] = o
	}
	return out
}

// BenchIngest ingests BenchObjects objects in batches of 1,000 into a
// fresh store per iteration and reports objects/s overall and over the
// first and the last 100,000 (how ingest slows as the store grows). Only
// the IngestObjects calls are timed. Run it with -benchtime=1x.
func BenchIngest(b *testing.B, open func(b *testing.B) article5.Store) {
	const batch, window = 1000, 100_000
	n := BenchObjects(b)
	var total, first, last, verify time.Duration
	for it := 0; it < b.N; it++ {
		b.StopTimer()
		s := open(b)
		total, first, last = 0, 0, 0
		for done := 0; done < n; done += batch {
			size := min(batch, n-done)
			objs := SyntheticBatch(done, size)
			b.StartTimer()
			start := time.Now()
			res, err := s.IngestObjects(context.Background(), article5.IngestRequest{Objects: objs})
			d := time.Since(start)
			b.StopTimer()
			if err != nil {
				b.Fatal(err)
			}
			if len(res.Accepted) != size {
				b.Fatalf("batch at %d: %d accepted, want %d (rejected %v)", done, len(res.Accepted), size, res.Rejected)
			}
			total += d
			if done < window {
				first += d
			}
			if done >= n-window {
				last += d
			}
		}
		if a, ok := s.(audit.Store); ok {
			// One log entry per stored object, appended in the ingest's
			// transaction: the log's append rate is the objects' rate.
			start := time.Now()
			rep, err := a.AuditVerify(context.Background())
			if err != nil {
				b.Fatal(err)
			}
			if !rep.Intact() || rep.Head.N != int64(n) {
				b.Fatalf("log after the ingest: %d entries, %v", rep.Head.N, rep.Err())
			}
			verify = time.Since(start)
		}
		s.Close()
	}
	win := float64(min(window, n))
	if verify > 0 {
		b.ReportMetric(float64(n)/total.Seconds(), "log_entries/s")
		b.ReportMetric(verify.Seconds(), "verify_s")
	}
	b.ReportMetric(float64(n)/total.Seconds(), "objects/s")
	b.ReportMetric(win/first.Seconds(), "first100k_objects/s")
	b.ReportMetric(win/last.Seconds(), "last100k_objects/s")
}

// SeedCases saves n synthetic cases (one assessment each) with a few
// concurrent writers. Names cycle through eight words; one case in fifty is
// armed-attack-possible under one doctrine.
func SeedCases(tb testing.TB, s article5.Store, n int) {
	tb.Helper()
	words := []string{"outage", "jamming", "intrusion", "wiper", "ransomware", "spoofing", "sabotage", "espionage"}
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	const workers = 4
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += workers {
				tier := article5.TierBelowThreshold
				if i%50 == 7 {
					tier = article5.TierArmedAttackPossible
				} else if i%3 == 0 {
					tier = article5.TierUseOfForcePossible
				}
				c := &article5.CaseSummary{ID: fmt.Sprintf("grouping--00000000-0000-4000-8000-%012d", i),
					Name: fmt.Sprintf("Case %06d: %s at site %d", i, words[i%len(words)], i%97), Incidents: 1 + i%5,
					Updated: base.Add(time.Duration(i/2) * time.Second), Hash: fmt.Sprintf("%064x", i),
					Tiers: map[string]article5.Tier{"tallinn-2.0": article5.TierBelowThreshold, "nicaragua": tier}, Scope: article5.ScopeIn}
				if _, err := s.SaveAssessment(context.Background(), c, []byte(`{"case":"`+c.ID+`"}`), EvidenceOf(c)); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		tb.Fatal(err)
	}
}

// BenchFindCases times FindCases on a store seeded with SeedCases (100,000
// cases for the figure) over a mix of listings: the first page, a
// common and a rare name substring, a rare tier, and a page deep in the
// list. It reports the 50th and 99th percentile latency in ms.
func BenchFindCases(b *testing.B, s article5.Store) {
	ctx := context.Background()
	var deep string
	f := article5.CaseFilter{Limit: 1000}
	for i := 0; i < 20; i++ { // the cursor 20,000 cases down
		_, next, err := s.FindCases(ctx, f)
		if err != nil || next == "" {
			b.Fatalf("paging to the deep cursor: %v (next %q)", err, next)
		}
		f.Cursor, deep = next, next
	}
	filters := []article5.CaseFilter{
		{Limit: 50},
		{Query: "Jamming", Limit: 50},
		{Query: "case 012345", Limit: 50},
		{Tier: article5.TierArmedAttackPossible, Limit: 50},
		{Limit: 50, Cursor: deep},
	}
	lat := make([]time.Duration, 0, b.N)
	worst := make([]time.Duration, len(filters))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		cs, _, err := s.FindCases(ctx, filters[i%len(filters)])
		d := time.Since(start)
		lat = append(lat, d)
		worst[i%len(filters)] = max(worst[i%len(filters)], d)
		if err != nil || len(cs) == 0 {
			b.Fatalf("FindCases(%+v) = %d cases, %v", filters[i%len(filters)], len(cs), err)
		}
	}
	b.StopTimer()
	for i, f := range filters {
		b.Logf("slowest FindCases(query %q, tier %q, deep %v): %v", f.Query, f.Tier, f.Cursor != "", worst[i])
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(p float64) float64 {
		return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))].Microseconds()) / 1000
	}
	b.ReportMetric(pct(0.50), "p50_ms")
	b.ReportMetric(pct(0.99), "p99_ms")
}

// BenchAuditVerify times the routine check (AuditVerify, sub-benchmark
// "routine") and the deep one (AuditVerifyDeep, "deep") over a log of
// ARTICLE5_BENCH_OBJECTS entries (default 1,000,000), one stored object
// per entry, built once by bulk ingest (batches of 1,000) into the store
// open returns, outside the timers. Each reports seconds per check
// (s/verify), the fastest check (best-s/verify) and the CPU this process
// used per check (cpu-s/verify: user and system; on PostgreSQL the
// server's is not counted); the ingest's rate is logged. Run it with -benchtime=Nx: the
// store is built once and each check runs N+1 times.
func BenchAuditVerify(b *testing.B, open func(b *testing.B) article5.Store) {
	n := 1_000_000
	if os.Getenv("ARTICLE5_BENCH_OBJECTS") != "" {
		n = BenchObjects(b)
	}
	s := open(b)
	defer s.Close()
	a := auditStore(b, s)
	ctx := context.Background()
	start := time.Now()
	for done := 0; done < n; done += 1000 {
		if _, err := s.IngestObjects(ctx, article5.IngestRequest{Objects: SyntheticBatch(done, min(1000, n-done))}); err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("ingested %d entries at %.0f entries/s", n, float64(n)/time.Since(start).Seconds())
	for _, c := range []struct {
		name   string
		verify func(context.Context) (*audit.Report, error)
	}{{"routine", a.AuditVerify}, {"deep", a.AuditVerifyDeep}} {
		b.Run(c.name, func(b *testing.B) {
			best := time.Duration(math.MaxInt64)
			cpu0 := cpuTime()
			for range b.N {
				start := time.Now()
				rep, err := c.verify(ctx)
				best = min(best, time.Since(start))
				if err != nil {
					b.Fatal(err)
				}
				if !rep.Intact() || rep.Head.N != int64(n) {
					b.Fatalf("%d entries: %v", rep.Head.N, rep.Err())
				}
			}
			b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/verify")
			b.ReportMetric(best.Seconds(), "best-s/verify")
			b.ReportMetric((cpuTime()-cpu0).Seconds()/float64(b.N), "cpu-s/verify")
		})
	}
}

// Kept holds what an adapter's benchmarks keep across the repeated runs
// of a benchmark function (the store BenchFindCases reads, seeded once)
// until the test binary ends: its TestMain calls Close after m.Run.
type Kept struct {
	mu      sync.Mutex
	cases   article5.Store
	cleanup []func()
}

// Defer registers f (removing a benchmark's files or schema) to run at Close.
func (k *Kept) Defer(f func()) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.cleanup = append(k.cleanup, f)
}

// SeededCases returns the store that open returned on the first call,
// seeded then with n cases (SeedCases).
func (k *Kept) SeededCases(b *testing.B, n int, open func(b *testing.B) article5.Store) article5.Store {
	b.Helper()
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.cases == nil {
		s := open(b)
		start := time.Now()
		SeedCases(b, s, n)
		b.Logf("seeded %d cases in %v", n, time.Since(start))
		k.cases = s
	}
	return k.cases
}

// Close closes the seeded store, then runs the deferred functions, last
// registered first.
func (k *Kept) Close() {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.cases != nil {
		k.cases.Close()
	}
	for i := len(k.cleanup) - 1; i >= 0; i-- {
		k.cleanup[i]()
	}
}

// SeedIndexedCases stores cases on s the way the worker leaves them: each a
// grouping of one incident (marked with marking, if given), with its
// assessment and its evidence index, written directly in batches (no
// doctrine runs), then takes the queue they made empty. The ids are
// "<type>--<tag>-0000-4000-8000-<n>" (tag: 8 hex digits). For benchmarks
// of a node holding many cases.
func SeedIndexedCases(tb testing.TB, s article5.Store, cases int, tag, marking string) {
	tb.Helper()
	ctx := context.Background()
	marks := ""
	if marking != "" {
		marks = `,"object_marking_refs":["` + marking + `"]`
	}
	const batch = 500
	for start := 0; start < cases; start += batch {
		var objs []*article5.StoredObject
		var idx []article5.CaseIndex
		for i := start; i < min(cases, start+batch); i++ {
			inc := fmt.Sprintf("incident--%s-0000-4000-8000-%012d", tag, i)
			g := fmt.Sprintf("grouping--%s-0000-4000-8000-%012d", tag, i)
			objs = append(objs,
				Object(tb, fmt.Sprintf(`{"type":"incident","spec_version":"2.1","id":%q,"created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","name":"i%d"%s}`, inc, i, marks), ""),
				Object(tb, fmt.Sprintf(`{"type":"grouping","spec_version":"2.1","id":%q,"created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","name":"case %d","context":"suspicious-activity","object_refs":[%q]%s}`, g, i, inc, marks), ""))
			idx = append(idx, article5.CaseIndex{Case: g, Evidence: []article5.ObjectRef{{ID: g}, {ID: inc}}, Watched: []string{g, inc}})
		}
		for _, o := range objs {
			o.Submitter, o.SubmitterOrg = article5.PrincipalNode, "identity--5eed5eed-0000-4000-8000-000000000000"
		}
		if _, err := s.IngestObjects(ctx, article5.IngestRequest{Objects: objs}); err != nil {
			tb.Fatal(err)
		}
		for _, x := range idx {
			c := &article5.CaseSummary{ID: x.Case, Name: x.Case, Incidents: 1, Hash: strings.Repeat("a", 64),
				Tiers: map[string]article5.Tier{"jp": article5.TierBelowThreshold, "us": article5.TierBelowThreshold}}
			if _, err := s.SaveAssessment(ctx, c, []byte(`{}`), x); err != nil {
				tb.Fatal(err)
			}
		}
	}
	for {
		j, err := s.ClaimJob(ctx, 0, 1000)
		if article5.ErrorCode(err) == article5.ENOTFOUND {
			return
		}
		if err != nil {
			tb.Fatal(err)
		}
		if err := s.CompleteJob(ctx, j); err != nil {
			tb.Fatal(err)
		}
	}
}

// cpuTime is the user and system CPU time this process has used.
func cpuTime() time.Duration {
	var r syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &r); err != nil {
		return 0
	}
	return time.Duration(r.Utime.Nano() + r.Stime.Nano())
}

// Run runs the tests and benchmarks of m, then closes k, and returns the
// exit code: an adapter's TestMain is os.Exit(kept.Run(m)).
func (k *Kept) Run(m *testing.M) int {
	code := m.Run()
	k.Close()
	return code
}
