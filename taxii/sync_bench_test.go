package taxii_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"article5"
	"article5/storetest"
	"article5/taxii"
)

// BenchmarkSync pulls ARTICLE5_SYNC_OBJECTS (default 10,000) new GREEN
// indicators from node JP into node US over loopback, in pages of 1,000,
// through US's full ingest (custody, provenance, the log), then syncs again
// with nothing new. It reports objects/s of the first sync and the
// requests of the second (one per collection).
func BenchmarkSync(b *testing.B) {
	total := 10000
	if v := os.Getenv("ARTICLE5_SYNC_OBJECTS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			b.Fatalf("ARTICLE5_SYNC_OBJECTS=%q", v)
		}
		total = n
	}
	ctx := context.Background()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		jp, us, _ := pair(b, "sqlite")
		for k := 0; k*1000 < total; k++ {
			jp.clock.Set(time.Date(2024, 1, 1, 0, 0, k, 0, time.UTC))
			objs := make([]*article5.StoredObject, 0, 1000)
			for j := k * 1000; j < (k+1)*1000 && j < total; j++ {
				raw := fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":"indicator--5eed0000-0000-4000-8000-%012d","created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z","created_by_ref":"%s","object_marking_refs":["%s"],"pattern":"[ipv4-addr:value = '198.51.100.%d']","pattern_type":"stix","valid_from":"2024-01-01T00:00:00Z"}`,
					j, jpOrg, tlpGreen, j%256)
				o := storetest.Object(b, raw, "")
				o.Submitter, o.SubmitterOrg = "token--5eed", jpOrg
				objs = append(objs, o)
			}
			if _, err := jp.store.IngestObjects(ctx, article5.IngestRequest{Objects: objs}); err != nil {
				b.Fatal(err)
			}
		}
		us.clock.Set(time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC))
		b.StartTimer()
		start := time.Now()
		reports, _, err := taxii.SyncAll(ctx, us.n, "", taxii.SyncOptions{Limit: 1000, NoPush: true})
		if err != nil || reports[0].Failed() {
			b.Fatalf("sync: %v %+v", err, reports)
		}
		took := time.Since(start)
		if got := len(reports[0].Collections[0].Accepted); got != total {
			b.Fatalf("accepted %d of %d", got, total)
		}
		before := jp.requests.Load()
		if _, _, err := taxii.SyncAll(ctx, us.n, "", taxii.SyncOptions{Limit: 1000}); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(total)/took.Seconds(), "objects/s")
		b.ReportMetric(float64(jp.requests.Load()-before), "requests/no-change-sync")
	}
}

// BenchmarkPush pushes ARTICLE5_SYNC_OBJECTS (default 10,000) GREEN
// indicators of node US to node JP over loopback, in batches of
// ARTICLE5_PUSH_BATCH (default 500), each through JP's full ingest, then
// pushes again with nothing new. It reports objects/s of the first push
// and the requests of the second (none).
func BenchmarkPush(b *testing.B) {
	total, batch := 10000, taxii.DefaultPushBatch
	for name, dst := range map[string]*int{"ARTICLE5_SYNC_OBJECTS": &total, "ARTICLE5_PUSH_BATCH": &batch} {
		if v := os.Getenv(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n <= 0 {
				b.Fatalf("%s=%q", name, v)
			}
			*dst = n
		}
	}
	ctx := context.Background()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		jp, us, p := pair(b, "sqlite")
		for k := 0; k*1000 < total; k++ {
			us.clock.Set(time.Date(2024, 1, 1, 0, 0, k, 0, time.UTC))
			objs := make([]*article5.StoredObject, 0, 1000)
			for j := k * 1000; j < (k+1)*1000 && j < total; j++ {
				raw := fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":"indicator--5eed0000-0000-4000-8000-%012d","created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z","created_by_ref":"%s","object_marking_refs":["%s"],"pattern":"[ipv4-addr:value = '198.51.100.%d']","pattern_type":"stix","valid_from":"2024-01-01T00:00:00Z"}`,
					j, usOrg, tlpGreen, j%256)
				o := storetest.Object(b, raw, "")
				o.Submitter, o.SubmitterOrg = "token--5eed", usOrg
				objs = append(objs, o)
			}
			if _, err := us.store.IngestObjects(ctx, article5.IngestRequest{Objects: objs}); err != nil {
				b.Fatal(err)
			}
		}
		jp.clock.Set(time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC))
		b.StartTimer()
		start := time.Now()
		rep, err := taxii.Push(ctx, us.n, p, taxii.PushOptions{Batch: batch})
		if err != nil || rep.Error != "" {
			b.Fatalf("push: %v %+v", err, rep)
		}
		took := time.Since(start)
		if got := len(rep.Sent); got != total {
			b.Fatalf("sent %d of %d: %+v", got, total, rep.Refused[:min(3, len(rep.Refused))])
		}
		before := jp.requests.Load()
		if rep, err := taxii.Push(ctx, us.n, p, taxii.PushOptions{Batch: batch}); err != nil || rep.Error != "" {
			b.Fatal(err)
		}
		b.ReportMetric(float64(total)/took.Seconds(), "objects/s")
		b.ReportMetric(float64(jp.requests.Load()-before), "requests/no-change-push")
	}
}
