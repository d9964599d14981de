package api_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"syscall"
	"testing"
	"time"

	"article5"
	"article5/node"
	"article5/storetest"
)

// BenchmarkIngestRate compares, in one run, the rate of three ways in for
// the same bundles of fresh objects (storetest.SyntheticBatch: one identity
// then nine indicators created by it, repeating), each into a node of its
// own on a real SQLite store:
//
//   - store: the store's own IngestObjects, given the objects already
//     parsed and hashed (the figure docs/benchmarks.md gives for the store);
//   - node: node.Ingest, the bundle's bytes parsed, validated, canonically
//     hashed, checked for custody and stored;
//   - http: POST /api/v1/bundles through the real HTTP server on loopback.
//
// Each iteration ingests one bundle through each, interleaved, and reports
// objects/s for each and the ratios http/store and node/store; and the
// same ratios of the process's CPU time (user and system, getrusage) spent
// on each way in (http/store-cpu, node/store-cpu: the store's CPU over
// theirs), which other work on a shared machine disturbs less than wall
// time. Nothing else runs in the process meanwhile (the HTTP client is
// in it, and counts for http).
//
//	go test -run '^$' -bench IngestRate -benchtime 10x ./api/
func BenchmarkIngestRate(b *testing.B) {
	for _, size := range []int{1_500, 15_000} {
		b.Run(fmt.Sprintf("objects=%d", size), func(b *testing.B) {
			store, viaNode, viaHTTP := MustEnv(b, 0), MustEnv(b, 0), MustEnv(b, 0)
			p := article5.Principal{ID: "token--bench", Org: holderOrg}
			client := &http.Client{}
			ctx := context.Background()
			var tStore, tNode, tHTTP, cStore, cNode, cHTTP time.Duration
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				objs := storetest.SyntheticBatch(i*size, size)
				for _, o := range objs {
					o.Submitter, o.SubmitterOrg = p.ID, p.Org
				}
				var body bytes.Buffer
				body.WriteString(`{"type":"bundle","id":"bundle--0b0b0b0b-0000-4000-8000-000000000002","objects":[`)
				for k, o := range objs {
					if k > 0 {
						body.WriteByte(',')
					}
					body.Write(o.Raw)
				}
				body.WriteString(`]}`)
				data := body.Bytes()

				c0, start := cpuTime(b), time.Now()
				res, err := store.db.IngestObjects(ctx, article5.IngestRequest{Objects: objs})
				tStore += time.Since(start)
				cStore += cpuTime(b) - c0
				if err != nil || len(res.Accepted) != size {
					b.Fatalf("store: %v", err)
				}

				c0, start = cpuTime(b), time.Now()
				res, err = viaNode.n.Ingest(ctx, node.IngestRequest{Principal: p, Data: data})
				tNode += time.Since(start)
				cNode += cpuTime(b) - c0
				if err != nil || len(res.Accepted) != size {
					b.Fatalf("node: %v %+v", err, res.Rejected)
				}

				req, _ := http.NewRequest("POST", viaHTTP.srv.URL+"/api/v1/bundles", bytes.NewReader(data))
				req.Header.Set("Content-Type", stixJSON)
				req.Header.Set("Authorization", "Bearer "+viaHTTP.analyst)
				c0, start = cpuTime(b), time.Now()
				hres, err := client.Do(req)
				if err == nil {
					_, err = drainBody(hres)
				}
				tHTTP += time.Since(start)
				cHTTP += cpuTime(b) - c0
				if err != nil || hres.StatusCode != http.StatusOK {
					b.Fatalf("http: %v %v", err, hres.Status)
				}
			}
			objs := float64(b.N * size)
			b.ReportMetric(objs/tStore.Seconds(), "store-obj/s")
			b.ReportMetric(objs/tNode.Seconds(), "node-obj/s")
			b.ReportMetric(objs/tHTTP.Seconds(), "http-obj/s")
			b.ReportMetric(tStore.Seconds()/tHTTP.Seconds(), "http/store")
			b.ReportMetric(tStore.Seconds()/tNode.Seconds(), "node/store")
			b.ReportMetric(cStore.Seconds()/cHTTP.Seconds(), "http/store-cpu")
			b.ReportMetric(cStore.Seconds()/cNode.Seconds(), "node/store-cpu")
		})
	}
}

// drainBody reads and closes a response body, returning its length.
func drainBody(res *http.Response) (int64, error) {
	defer res.Body.Close()
	var buf bytes.Buffer
	return buf.ReadFrom(res.Body)
}

// cpuTime is the CPU time (user and system) this process has used.
func cpuTime(tb testing.TB) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
