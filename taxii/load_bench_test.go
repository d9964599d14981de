package taxii_test

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"article5"
	"article5/api"
)

// BenchmarkObjectsUnderLoad drives TAXII reads from 64 clients on
// loopback for ARTICLE5_LOAD_SECONDS (default 30) against a collection of
// ARTICLE5_TAXII_OBJECTS objects (default 100,000; seeded as for
// BenchmarkObjectPages), through the real HTTP server with release
// control: each client walks pages of 100 by next (from a random place
// given by added_after), seven in eight as the holder's analyst and one in
// eight as the 1% reader. It reports requests/s, p50 and p99 in ms, and
// errors (any answer but 200).
//
//	go test -run '^$' -bench ObjectsUnderLoad -benchtime 1x ./taxii/
func BenchmarkObjectsUnderLoad(b *testing.B) {
	seconds, total := 30, 100000
	if v, err := strconv.Atoi(os.Getenv("ARTICLE5_LOAD_SECONDS")); err == nil && v > 0 {
		seconds = v
	}
	if v, err := strconv.Atoi(os.Getenv("ARTICLE5_TAXII_OBJECTS")); err == nil && v >= 20000 && v%10000 == 0 {
		total = v
	}
	clk := &clock{}
	s := openStore(b, "sqlite", clk)
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	seedPages(b, s, clk, base, total)
	e := mustEnvOn(b, s, clk, api.Limits{RequestRate: -1, AddressRate: -1, IngestRate: -1})
	rare := mustToken(b, s, &article5.Token{Name: "rare", Party: article5.PartyUS, Org: rareOrg})
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	batches := total / 10000
	b.ResetTimer()
	for b.Loop() {
		deadline := time.Now().Add(time.Duration(seconds) * time.Second)
		var mu sync.Mutex
		var lat []time.Duration
		errs := 0
		var wg sync.WaitGroup
		for c := range 64 {
			wg.Go(func() {
				token := e.holder
				if c%8 == 0 {
					token = rare
				}
				start := allCol + "objects/?limit=100&added_after=" + base.Add(time.Duration(c%batches)*time.Second).Format(time.RFC3339Nano)
				path := start
				for time.Now().Before(deadline) {
					req, _ := http.NewRequest("GET", e.srv.URL+path, nil)
					req.Header.Set("Authorization", "Bearer "+token)
					req.Header.Set("Accept", taxiiJSON)
					t0 := time.Now()
					res, err := client.Do(req)
					var env envelope
					ok := err == nil && res.StatusCode == http.StatusOK
					if err == nil {
						data, _ := io.ReadAll(res.Body)
						res.Body.Close()
						if ok {
							ok = json.Unmarshal(data, &env) == nil
						}
					}
					d := time.Since(t0)
					mu.Lock()
					lat = append(lat, d)
					if !ok {
						errs++
					}
					mu.Unlock()
					if ok && env.More {
						path = allCol + "objects/?limit=100&next=" + env.Next
					} else {
						path = start
					}
				}
			})
		}
		wg.Wait()
		slices.Sort(lat)
		b.ReportMetric(float64(len(lat))/float64(seconds), "req/s")
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
		b.ReportMetric(float64(errs), "errors")
	}
}
