package api_test

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"article5"
	"article5/storetest"
)

// BenchmarkCaseListOneClient: GET /api/v1/cases?limit=100 and GET
// /api/v1/cases/{id}, one client, through the real HTTP server, on a node
// of ARTICLE5_LIST_CASES cases (comma-separated, default "1000") seeded
// with storetest.SeedIndexedCases (a GREEN grouping and incident each), for
// the holder's analyst (sees every case) and a stranger (sees none). It
// reports p50 and p99 in ms over 200 requests each. It runs unchanged on
// the store from before the precomputed audience, for the ratios in
// docs/benchmarks.md.
//
//	ARTICLE5_LIST_CASES=1000,5000,20000 go test -run '^$' -bench CaseListOneClient -benchtime 1x ./api/
func BenchmarkCaseListOneClient(b *testing.B) {
	sizes := []int{1000}
	if v := os.Getenv("ARTICLE5_LIST_CASES"); v != "" {
		sizes = nil
		for _, f := range strings.Split(v, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil {
				b.Fatal(err)
			}
			sizes = append(sizes, n)
		}
	}
	for _, n := range sizes {
		b.Run(fmt.Sprintf("cases=%d", n), func(b *testing.B) {
			e := MustEnv(b, 0)
			storetest.SeedIndexedCases(b, e.db, n, "11571157", tlpGreen)
			stranger := MustToken(b, e.db, &article5.Token{Name: "stranger", Party: article5.PartyUS, Org: "identity--57a4e400-0000-4000-8000-000000000000"})
			one := fmt.Sprintf("grouping--11571157-0000-4000-8000-%012d", n/2)
			for b.Loop() {
				for _, c := range []struct{ name, tok string }{{"holder", e.analyst}, {"stranger", stranger}} {
					for _, p := range []struct{ name, path string }{{"list", "/api/v1/cases?limit=100"}, {"case", "/api/v1/cases/" + one}} {
						var lat []time.Duration
						for range 200 {
							req, _ := http.NewRequest("GET", e.srv.URL+p.path, nil)
							req.Header.Set("Authorization", "Bearer "+c.tok)
							start := time.Now()
							res, err := http.DefaultClient.Do(req)
							if err != nil {
								b.Fatal(err)
							}
							io.Copy(io.Discard, res.Body)
							res.Body.Close()
							lat = append(lat, time.Since(start))
						}
						slices.Sort(lat)
						b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, c.name+"-"+p.name+"-p50-ms")
						b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, c.name+"-"+p.name+"-p99-ms")
					}
				}
			}
		})
	}
}
