package api_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"article5/storetest"
)

// BenchmarkCasesUnderLoad drives GET /api/v1/cases?limit=100 from 64
// clients on loopback, for ARTICLE5_LOAD_SECONDS (default 30), while one
// client in eight ingests a small bundle of an unrelated indicator instead,
// against a node of ARTICLE5_LOAD_CASES cases (default 1,000), through the
// real HTTP server with release control; and the worker runs beside it.
// It reports the list's p50 and p99 latency (ms), requests/s and errors.
//
//	go test -run '^$' -bench CasesUnderLoad -benchtime 1x ./api/
func BenchmarkCasesUnderLoad(b *testing.B) {
	seconds, cases := 30, 1_000
	if v, err := strconv.Atoi(os.Getenv("ARTICLE5_LOAD_SECONDS")); err == nil && v > 0 {
		seconds = v
	}
	if v, err := strconv.Atoi(os.Getenv("ARTICLE5_LOAD_CASES")); err == nil && v > 0 {
		cases = v
	}
	e := MustEnv(b, 0)
	storetest.SeedIndexedCases(b, e.db, cases, "10ad10ad", tlpGreen)
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	go e.n.RunWorker(ctx, 100*time.Millisecond)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	b.ResetTimer()
	for b.Loop() {
		deadline := time.Now().Add(time.Duration(seconds) * time.Second)
		var mu sync.Mutex
		var lat []time.Duration
		var errs, ingests int
		var wg sync.WaitGroup
		for c := range 64 {
			wg.Go(func() {
				for i := 0; time.Now().Before(deadline); i++ {
					var req *http.Request
					ingest := c%8 == 0
					if ingest {
						body := fmt.Sprintf(`{"type":"bundle","id":"bundle--10ad10ad-0000-4000-8000-000000000001","objects":[{"type":"indicator","spec_version":"2.1","id":"indicator--10ad%04x-0000-4000-8000-%012d","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","pattern":"[ipv4-addr:value = '198.51.100.7']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z"}]}`, c, i)
						req, _ = http.NewRequest("POST", e.srv.URL+"/api/v1/bundles", strings.NewReader(body))
						req.Header.Set("Content-Type", stixJSON)
					} else {
						req, _ = http.NewRequest("GET", e.srv.URL+"/api/v1/cases?limit=100", nil)
					}
					req.Header.Set("Authorization", "Bearer "+e.analyst)
					start := time.Now()
					res, err := client.Do(req)
					d := time.Since(start)
					mu.Lock()
					switch {
					case err != nil:
						errs++
					case res.StatusCode != http.StatusOK:
						errs++
					case ingest:
						ingests++
					default:
						lat = append(lat, d)
					}
					mu.Unlock()
					if err == nil {
						res.Body.Close()
					}
				}
			})
		}
		wg.Wait()
		slices.Sort(lat)
		if len(lat) == 0 {
			b.Fatal("no list request completed")
		}
		pct := func(p float64) float64 { return float64(lat[int(float64(len(lat)-1)*p)].Microseconds()) / 1000 }
		b.ReportMetric(pct(0.50), "p50-ms")
		b.ReportMetric(pct(0.99), "p99-ms")
		b.ReportMetric(float64(len(lat))/float64(seconds), "lists/s")
		b.ReportMetric(float64(ingests)/float64(seconds), "ingests/s")
		b.ReportMetric(float64(errs), "errors")
		if errs > 0 {
			b.Errorf("%d errors", errs)
		}
	}
}
