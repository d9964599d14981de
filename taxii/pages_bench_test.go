package taxii_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"article5"
	"article5/api"
	"article5/storetest"
)

// rareOrg is the organisation a benchmark's rare reader belongs to: it
// may read one object in a hundred (RED, naming it), no other.
const rareOrg = "identity--7a7e7a7e-0000-4000-8000-000000000001"

// BenchmarkObjectPages measures GET /taxii2/…/objects/?limit=100 through
// the real HTTP server on loopback, with release control, on a collection
// of ARTICLE5_TAXII_OBJECTS objects (default 100,000; 1,000,000 for the
// figures in docs/taxii.md) seeded through the store's bulk ingest in
// batches of 10,000 that each share one date added (so pages run through
// ties). Ninety-nine objects in a hundred are AMBER (the holder's analyst
// reads them), one is RED naming rareOrg (the only ones rareOrg's token
// reads). For both callers it follows next for 20 pages from three
// places — the start, the middle (added_after the middle batch) and the
// end (added_after the last batches) — and reports the p50 in ms of each
// and the ratio of the end's to the start's: flat pages have a ratio near
// 1. SQLite, and PostgreSQL with ARTICLE5_TEST_POSTGRES.
//
//	ARTICLE5_TAXII_OBJECTS=1000000 go test -run '^$' -bench ObjectPages -benchtime 1x -timeout 1h ./taxii/
func BenchmarkObjectPages(b *testing.B) {
	total := 100000
	if v := os.Getenv("ARTICLE5_TAXII_OBJECTS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 20000 || n%10000 != 0 {
			b.Fatalf("ARTICLE5_TAXII_OBJECTS=%q: want a multiple of 10,000, at least 20,000", v)
		}
		total = n
	}
	for _, kind := range storeKinds() {
		b.Run(fmt.Sprintf("store=%s/objects=%d", kind, total), func(b *testing.B) {
			clk := &clock{}
			s := openStore(b, kind, clk)
			base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
			start := time.Now()
			seedPages(b, s, clk, base, total)
			b.Logf("seeded %d objects in %v", total, time.Since(start).Round(time.Second))
			e := mustEnvOn(b, s, clk, api.Limits{RequestRate: -1, AddressRate: -1, IngestRate: -1})
			rare := mustToken(b, s, &article5.Token{Name: "rare", Party: article5.PartyUS, Org: rareOrg})
			batches := total / 10000
			pageP50(b, e, e.holder, "") // warm the caches
			b.ResetTimer()
			for range b.N {
				for _, c := range []struct{ name, token string }{{"holder", e.holder}, {"rare", rare}} {
					var first float64
					for _, at := range []struct {
						name  string
						after string
					}{
						{"start", ""},
						{"middle", "&added_after=" + base.Add(time.Duration(batches/2)*time.Second).Format(time.RFC3339Nano)},
						{"end", "&added_after=" + base.Add(time.Duration(batches-3)*time.Second).Format(time.RFC3339Nano)},
					} {
						p50, pages := pageP50(b, e, c.token, at.after)
						b.ReportMetric(p50, c.name+"-"+at.name+"-p50-ms")
						if at.name == "start" {
							first = p50
						}
						if at.name == "end" {
							b.ReportMetric(p50/first, c.name+"-end/start")
						}
						if pages < 20 {
							b.Logf("%s %s: %d pages", c.name, at.name, pages)
						}
					}
				}
			}
		})
	}
}

// pageP50 follows next for up to 20 pages of 100 from ?added_after and
// returns the p50 latency in ms and the pages read.
func pageP50(b *testing.B, e *env, token, after string) (float64, int) {
	path := allCol + "objects/?limit=100" + after
	var ms []float64
	for range 20 {
		t0 := time.Now()
		r := e.get(b, token, path)
		ms = append(ms, float64(time.Since(t0).Microseconds())/1000)
		env := mustEnvelope(b, r)
		if len(env.Objects) != 100 && env.More {
			b.Fatalf("a page of %d with more", len(env.Objects))
		}
		if !env.More {
			break
		}
		path = allCol + "objects/?limit=100&next=" + env.Next
	}
	slices.Sort(ms)
	return ms[len(ms)/2], len(ms)
}

// seedPages stores total indicators in batches of 10,000, batch k added
// at base + k seconds: AMBER (unmarked), but one in a hundred RED naming
// rareOrg.
func seedPages(b testing.TB, s article5.Store, clk *clock, base time.Time, total int) {
	ctx := context.Background()
	const stamp = `"created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z"`
	for k := 0; k*10000 < total; k++ {
		clk.Set(base.Add(time.Duration(k) * time.Second))
		objs := make([]*article5.StoredObject, 0, 10000)
		for i := k * 10000; i < (k+1)*10000; i++ {
			extra := ""
			if i%100 == 0 {
				extra = `,"object_marking_refs":["` + tlpRed + `"],"extensions":{"` + article5.ExtensionID +
					`":{"extension_type":"property-extension","red_recipients":["` + rareOrg + `"]}}`
			}
			raw := fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":"indicator--5eed0000-0000-4000-8000-%012d",%s,"pattern":"[ipv4-addr:value = '198.51.100.%d']","pattern_type":"stix","valid_from":"2024-01-01T00:00:00Z"%s}`,
				i, stamp, i%256, extra)
			o := storetest.Object(b, raw, "")
			o.Submitter, o.SubmitterOrg = "token--5eed", holderOrg
			if extra != "" {
				o.RedRecipients = []string{rareOrg}
			}
			objs = append(objs, o)
		}
		if _, err := s.IngestObjects(ctx, article5.IngestRequest{Objects: objs}); err != nil {
			b.Fatal(err)
		}
	}
}
