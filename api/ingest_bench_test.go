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

// BenchmarkIngestRateTwoClients compares the same three ways in as
// BenchmarkIngestRate when two clients send bundles at once, as feeds and
// partner nodes do: each iteration, two goroutines each ingest one bundle
// through one way, then through the next, and so on, interleaved. The
// store takes one ingest at a time (one writer), so the store's own rate
// is that of one client; a node's ingest overlaps one bundle's parsing
// and checks with the other's write. It reports objects/s for each way and
// the ratios http/store and node/store.
//
//	go test -run '^$' -bench IngestRateTwoClients -benchtime 30x ./api/
func BenchmarkIngestRateTwoClients(b *testing.B) {
	const size = 1_500
	store, viaNode, viaHTTP := MustEnv(b, 0), MustEnv(b, 0), MustEnv(b, 0)
	p := article5.Principal{ID: "token--bench", Org: holderOrg}
	client := &http.Client{}
	ctx := context.Background()
	bundle := func(first int) ([]*article5.StoredObject, []byte) {
		objs := storetest.SyntheticBatch(first, size)
		var body bytes.Buffer
		body.WriteString(`{"type":"bundle","id":"bundle--0b0b0b0b-0000-4000-8000-000000000002","objects":[`)
		for k, o := range objs {
			o.Submitter, o.SubmitterOrg = p.ID, p.Org
			if k > 0 {
				body.WriteByte(',')
			}
			body.Write(o.Raw)
		}
		body.WriteString(`]}`)
		return objs, body.Bytes()
	}
	// both runs f(0) and f(1) at once and returns how long the pair took.
	both := func(f func(k int) error) time.Duration {
		start := time.Now()
		errs := make(chan error, 2)
		for k := range 2 {
			go func() { errs <- f(k) }()
		}
		for range 2 {
			if err := <-errs; err != nil {
				b.Fatal(err)
			}
		}
		return time.Since(start)
	}
	var tStore, tNode, tHTTP time.Duration
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		var objs [2][]*article5.StoredObject
		var data [2][]byte
		for k := range 2 {
			objs[k], data[k] = bundle((2*i + k) * size)
		}
		tStore += both(func(k int) error {
			res, err := store.db.IngestObjects(ctx, article5.IngestRequest{Objects: objs[k]})
			if err == nil && len(res.Accepted) != size {
				err = fmt.Errorf("store: %d accepted", len(res.Accepted))
			}
			return err
		})
		tNode += both(func(k int) error {
			res, err := viaNode.n.Ingest(ctx, node.IngestRequest{Principal: p, Data: data[k]})
			if err == nil && len(res.Accepted) != size {
				err = fmt.Errorf("node: %d accepted", len(res.Accepted))
			}
			return err
		})
		tHTTP += both(func(k int) error {
			req, _ := http.NewRequest("POST", viaHTTP.srv.URL+"/api/v1/bundles", bytes.NewReader(data[k]))
			req.Header.Set("Content-Type", stixJSON)
			req.Header.Set("Authorization", "Bearer "+viaHTTP.analyst)
			res, err := client.Do(req)
			if err != nil {
				return err
			}
			if _, err := drainBody(res); err != nil {
				return err
			}
			if res.StatusCode != http.StatusOK {
				return fmt.Errorf("http: %s", res.Status)
			}
			return nil
		})
	}
	objsN := float64(2 * b.N * size)
	b.ReportMetric(objsN/tStore.Seconds(), "store-obj/s")
	b.ReportMetric(objsN/tNode.Seconds(), "node-obj/s")
	b.ReportMetric(objsN/tHTTP.Seconds(), "http-obj/s")
	b.ReportMetric(tStore.Seconds()/tHTTP.Seconds(), "http/store")
	b.ReportMetric(tStore.Seconds()/tNode.Seconds(), "node/store")
}
