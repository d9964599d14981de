package node_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"article5"
	"article5/node"
)

// BenchmarkFirstAssessment is a node's first assessment of many cases of
// one incident each (ARTICLE5_FIRST_CASES, default 10,000): they are
// ingested in bundles of 1,000 cases (an incident and a grouping naming it
// per case; facts varied with the index, as in assess.LargeCase, so that
// the doctrines meet a few hundred distinct fact sets), then the worker
// runs until no case is queued. Only the worker is timed; it reports
// s/first-assessment and ms/case, and logs the ingest time.
//
//	go test -run '^$' -bench FirstAssessment -benchtime 1x -timeout 1h ./node/
func BenchmarkFirstAssessment(b *testing.B) {
	cases := 10_000
	if v, err := strconv.Atoi(os.Getenv("ARTICLE5_FIRST_CASES")); err == nil && v > 0 {
		cases = v
	}
	ctx := context.Background()
	p := article5.Principal{ID: "token--bench", Org: "identity--0b0b0b0b-0000-4000-8000-0000000000b0"}
	var worked time.Duration
	for range b.N {
		b.StopTimer()
		n := MustNode(b) // doctrines loaded afresh: nothing memoised
		start := time.Now()
		for first := 0; first < cases; first += 1000 {
			data := singleIncidentCases(first, min(1000, cases-first))
			res, err := n.Ingest(ctx, node.IngestRequest{Principal: p, Data: data})
			if err != nil || len(res.Rejected) > 0 {
				b.Fatalf("ingest: %v %+v", err, res)
			}
		}
		b.Logf("%d cases ingested in %v", cases, time.Since(start))
		b.StartTimer()
		start = time.Now()
		for {
			did, err := n.RunJobOnce(ctx)
			if err != nil {
				b.Fatal(err)
			}
			if !did {
				break
			}
		}
		worked += time.Since(start)
		b.StopTimer()
		for _, i := range []int{0, cases / 2, cases - 1} {
			id := fmt.Sprintf("grouping--f1f1f1f1-0000-4000-9000-%012d", i)
			if s, err := n.Store.FindCaseByID(ctx, id); err != nil || s.Incidents != 1 {
				b.Fatalf("case %s not assessed: %v", id, err)
			}
		}
	}
	b.ReportMetric(worked.Seconds()/float64(b.N), "s/first-assessment")
	b.ReportMetric(float64(worked.Milliseconds())/float64(b.N*cases), "ms/case")
}

// singleIncidentCases returns a bundle of n cases numbered from first: per
// case one incident (Incident Core and article5's extensions) and one
// grouping naming it.
func singleIncidentCases(first, n int) []byte {
	ops := []string{"probing", "espionage", "influence", "disruption", "destruction"}
	acts := []string{"imminent", "ongoing", "ended"}
	var b bytes.Buffer
	fmt.Fprintf(&b, `{"type":"bundle","id":"bundle--f1f1f1f1-0000-4000-8000-%012d","objects":[`, first)
	for i := first; i < first+n; i++ {
		if i > first {
			b.WriteByte(',')
		}
		inc := fmt.Sprintf("incident--f1f1f1f1-0000-4000-8000-%012d", i)
		fmt.Fprintf(&b, `{"type":"incident","spec_version":"2.1","id":%q,"created":"2026-11-20T09:00:00.000Z","modified":"2026-11-20T09:00:00.000Z","name":"incident %d",`, inc, i)
		fmt.Fprintf(&b, `"extensions":{%q:{"extension_type":"property-extension","determination":"successful-attempt","investigation_status":"closed","criticality":%d},`, article5.IncidentCoreID, (i*7)%101)
		fmt.Fprintf(&b, `%q:{"extension_type":"property-extension","domain":"cyber","affected_parties":["JP"],"activity":%q,"operation_type":%q,"first_seen":"2026-11-%02dT09:00:00Z"`,
			article5.ExtensionID, acts[i%len(acts)], ops[(i/3)%len(ops)], 1+i%19)
		if i%4 == 0 {
			fmt.Fprintf(&b, `,"casualties":[{"outcome":"injury","count":%d,"causation":"direct","status":"confirmed"}]`, i%13)
		}
		b.WriteString("}}},")
		fmt.Fprintf(&b, `{"type":"grouping","spec_version":"2.1","id":"grouping--f1f1f1f1-0000-4000-9000-%012d","created":"2026-11-20T09:00:00.000Z","modified":"2026-11-20T09:00:00.000Z","name":"case %d","context":"suspicious-activity","object_refs":[%q]}`, i, i, inc)
	}
	b.WriteString("]}")
	return b.Bytes()
}
