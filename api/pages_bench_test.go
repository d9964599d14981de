package api_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"article5"
	"article5/api"
	"article5/doctrine"
	"article5/internal/testdb"
	"article5/node"
	"article5/release"
	"article5/stix"
	"article5/storetest"
)

// BenchmarkPages measures the pages a user opens most, through the real
// HTTP server with release control, on a node seeded by
// storetest.SeedScale (ten objects per case, through the store's bulk
// paths) on SQLite and, with ARTICLE5_TEST_POSTGRES, on PostgreSQL; at
// the numbers of cases in ARTICLE5_PAGES_CASES (comma-separated, default
// "1000"; "1000,10000,100000" for the figures in docs/benchmarks.md).
//
// For each store and size it reports, for three callers — the holder
// organisation's analyst (sees nine cases in ten), the organisation the
// RED cases name (sees one in ten) and a stranger (sees none) — the p50
// and p99 latency in ms of GET /api/v1/cases?limit=100, GET
// /api/v1/cases/{id} (a case each caller may see, or for the stranger one
// it may not) and GET /api/v1/events?limit=100, one client at a time
// (ARTICLE5_PAGES_REQUESTS each, default 300). Then, for
// ARTICLE5_LOAD_SECONDS (default 10), 64 clients on loopback, one in
// eight ingesting a small bundle, the others the holder's analyst
// alternating the list and one case, with the worker running: p50 and
// p99 of each, and the request rates.
//
//	ARTICLE5_PAGES_CASES=1000,10000,100000 ARTICLE5_TEST_POSTGRES=… go test -run '^$' -bench Pages -benchtime 1x -timeout 2h ./api/
func BenchmarkPages(b *testing.B) {
	sizes := []int{1000}
	if v := os.Getenv("ARTICLE5_PAGES_CASES"); v != "" {
		sizes = nil
		for _, f := range strings.Split(v, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || n < 100 {
				b.Fatalf("ARTICLE5_PAGES_CASES: %q is not a number of cases (100 or more)", f)
			}
			sizes = append(sizes, n)
		}
	}
	stores := []string{"sqlite"}
	if os.Getenv("ARTICLE5_TEST_POSTGRES") != "" {
		stores = append(stores, "postgres")
	}
	for _, kind := range stores {
		for _, n := range sizes {
			b.Run(fmt.Sprintf("store=%s/cases=%d", kind, n), func(b *testing.B) {
				s := openPagesStore(b, kind)
				start := time.Now()
				storetest.SeedScale(b, s, n, "9a6e9a6e")
				b.Logf("seeded %d cases (%d objects) in %v", n, 10*n+100, time.Since(start).Round(time.Second))
				benchPages(b, s, n)
			})
		}
	}
}

// openPagesStore opens an empty store of kind, closed at cleanup.
func openPagesStore(b *testing.B, kind string) article5.Store {
	b.Helper()
	if kind == "sqlite" {
		return testdb.SQLite(b)
	}
	return testdb.Postgres(b, "pagesbench")
}

// benchPages serves s and measures its pages (see BenchmarkPages).
func benchPages(b *testing.B, s article5.Store, n int) {
	ctx := context.Background()
	var docs []*doctrine.Doctrine
	for _, id := range doctrine.DefaultIDs {
		d, err := doctrine.Default(id)
		if err != nil {
			b.Fatal(err)
		}
		docs = append(docs, d)
	}
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	nd := &node.Node{Store: s, Doctrines: docs, Log: log, Now: time.Now,
		Policy: release.Policy{Holder: holderOrg, Default: stix.TLPAmber}}
	ended := make(chan struct{})
	close(ended)
	srv := httptest.NewServer(api.New(nd, api.Options{Log: log, Shutdown: ended, Limits: noQuotas}))
	defer srv.Close()
	token := func(name, org string) string {
		secret, hash := api.NewToken()
		if err := s.CreateToken(ctx, &article5.Token{Name: name, Party: article5.PartyJP, Org: org, Hash: hash}); err != nil {
			b.Fatal(err)
		}
		return secret
	}
	callers := []struct {
		name, token string
		seen        int // a case the caller may see (or, for the stranger, one it may not)
	}{
		{"holder", token("analyst", holderOrg), n/2 - n/2%10},
		{"named", token("named", storetest.ScaleNamed), n/2 - n/2%10 + 9},
		{"stranger", token("stranger", "identity--57a4e400-0000-4000-8000-000000000000"), n / 2},
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	get := func(tok, path string, want int) (time.Duration, error) {
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		start := time.Now()
		res, err := client.Do(req)
		if err != nil {
			return 0, err
		}
		_, err = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		d := time.Since(start)
		if err == nil && res.StatusCode != want {
			err = fmt.Errorf("GET %s: %d, want %d", path, res.StatusCode, want)
		}
		return d, err
	}
	requests := 300
	if v, err := strconv.Atoi(os.Getenv("ARTICLE5_PAGES_REQUESTS")); err == nil && v > 0 {
		requests = v
	}
	b.ResetTimer()
	for b.Loop() {
		for _, c := range callers {
			one := http.StatusOK
			if c.name == "stranger" {
				one = http.StatusNotFound
			}
			for _, p := range []struct {
				name, path string
				want       int
			}{
				{"list", "/api/v1/cases?limit=100", http.StatusOK},
				{"case", "/api/v1/cases/" + storetest.ScaleCaseID("9a6e9a6e", c.seen), one},
				{"events", "/api/v1/events?limit=100", http.StatusOK},
			} {
				var lat []time.Duration
				for range requests {
					d, err := get(c.token, p.path, p.want)
					if err != nil {
						b.Fatal(err)
					}
					lat = append(lat, d)
				}
				b.Logf("%s %s: %d requests, slowest %v", c.name, p.path, len(lat), slices.Max(lat))
				b.ReportMetric(percentile(lat, 0.50), c.name+"-"+p.name+"-p50-ms")
				b.ReportMetric(percentile(lat, 0.99), c.name+"-"+p.name+"-p99-ms")
			}
		}
		start := time.Now()
		loadPages(b, srv.URL, client, callers[0].token, storetest.ScaleCaseID("9a6e9a6e", callers[0].seen))
		b.Logf("load: %v", time.Since(start).Round(time.Millisecond))
	}
}

// loadPages runs the 64-client mixed load (see BenchmarkPages).
func loadPages(b *testing.B, base string, client *http.Client, tok, caseID string) {
	seconds := 10
	if v, err := strconv.Atoi(os.Getenv("ARTICLE5_LOAD_SECONDS")); err == nil && v > 0 {
		seconds = v
	}
	deadline := time.Now().Add(time.Duration(seconds) * time.Second)
	var mu sync.Mutex
	var list, one []time.Duration
	var errs, ingests int
	var wg sync.WaitGroup
	for c := range 64 {
		wg.Go(func() {
			for i := 0; time.Now().Before(deadline); i++ {
				var req *http.Request
				kind := "list"
				switch {
				case c%8 == 0:
					kind = "ingest"
					body := fmt.Sprintf(`{"type":"bundle","id":"bundle--9a6e9a6e-0000-4000-8000-000000000001","objects":[{"type":"indicator","spec_version":"2.1","id":"indicator--9a6e%04x-0000-4000-8000-%012d","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","pattern":"[ipv4-addr:value = '198.51.100.7']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z"}]}`, c, i)
					req, _ = http.NewRequest("POST", base+"/api/v1/bundles", strings.NewReader(body))
					req.Header.Set("Content-Type", stixJSON)
				case i%2 == 1:
					kind = "case"
					req, _ = http.NewRequest("GET", base+"/api/v1/cases/"+caseID, nil)
				default:
					req, _ = http.NewRequest("GET", base+"/api/v1/cases?limit=100", nil)
				}
				req.Header.Set("Authorization", "Bearer "+tok)
				start := time.Now()
				res, err := client.Do(req)
				if err == nil {
					_, err = io.Copy(io.Discard, res.Body)
					res.Body.Close()
				}
				d := time.Since(start)
				mu.Lock()
				switch {
				case err != nil || res.StatusCode != http.StatusOK:
					errs++
				case kind == "ingest":
					ingests++
				case kind == "case":
					one = append(one, d)
				default:
					list = append(list, d)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(list) == 0 || len(one) == 0 {
		b.Fatal("no request completed under load")
	}
	b.ReportMetric(percentile(list, 0.50), "load-list-p50-ms")
	b.ReportMetric(percentile(list, 0.99), "load-list-p99-ms")
	b.ReportMetric(percentile(one, 0.50), "load-case-p50-ms")
	b.ReportMetric(percentile(one, 0.99), "load-case-p99-ms")
	b.ReportMetric(float64(len(list)+len(one))/float64(seconds), "load-reads/s")
	b.ReportMetric(float64(ingests)/float64(seconds), "load-ingests/s")
	b.ReportMetric(float64(errs), "load-errors")
	if errs > 0 {
		b.Errorf("%d errors under load", errs)
	}
}

// percentile returns the p-th latency of lat in ms (lat is sorted).
func percentile(lat []time.Duration, p float64) float64 {
	slices.Sort(lat)
	return float64(lat[int(float64(len(lat)-1)*p)].Microseconds()) / 1000
}
