package node_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"article5"
	"article5/node"
	"article5/storetest"
)

// seedCases stores n cases on n's store the way the worker leaves them:
// each a grouping of one incident, with its assessment and its evidence
// index (written directly, so that seeding 10,000 cases takes seconds).
func seedCases(tb testing.TB, n *node.Node, cases int) {
	tb.Helper()
	ctx := context.Background()
	const batch = 500
	for start := 0; start < cases; start += batch {
		var objs []*article5.StoredObject
		var idx []article5.CaseIndex
		for i := start; i < min(cases, start+batch); i++ {
			inc := fmt.Sprintf("incident--5eed5eed-0000-4000-8000-%012d", i)
			g := fmt.Sprintf("grouping--5eed5eed-0000-4000-8000-%012d", i)
			objs = append(objs,
				storetest.Object(tb, fmt.Sprintf(`{"type":"incident","spec_version":"2.1","id":%q,"created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","name":"i%d"}`, inc, i), ""),
				storetest.Object(tb, fmt.Sprintf(`{"type":"grouping","spec_version":"2.1","id":%q,"created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","name":"case %d","context":"suspicious-activity","object_refs":[%q]}`, g, i, inc), ""))
			idx = append(idx, article5.CaseIndex{Case: g, Evidence: []article5.ObjectRef{{ID: g}, {ID: inc}}, Watched: []string{g, inc}})
		}
		for _, o := range objs {
			o.Submitter, o.SubmitterOrg = node.NodePrincipal.ID, node.NodePrincipal.Org
		}
		if _, err := n.Store.IngestObjects(ctx, article5.IngestRequest{Objects: objs}); err != nil {
			tb.Fatal(err)
		}
		for _, x := range idx {
			c := &article5.CaseSummary{ID: x.Case, Name: x.Case, Incidents: 1, Hash: strings.Repeat("a", 64)}
			if _, err := n.Store.SaveAssessment(ctx, c, []byte(`{}`), x); err != nil {
				tb.Fatal(err)
			}
		}
	}
	// The seeding queued every grouping's case: drain the queue.
	for {
		j, err := n.Store.ClaimJob(ctx, 0, 1000)
		if article5.ErrorCode(err) == article5.ENOTFOUND {
			return
		}
		if err != nil {
			tb.Fatal(err)
		}
		if err := n.Store.CompleteJob(ctx, j); err != nil {
			tb.Fatal(err)
		}
	}
}

// BenchmarkUnrelatedIngest is the cost of ingesting one object that no
// case's evidence names, and of the worker's pass after it, on a node
// holding 100, 1,000 and 10,000 cases: it must not grow with them (the
// case index decides what to re-assess; no case is).
//
//	go test -run '^$' -bench UnrelatedIngest -benchtime 200x ./node/
func BenchmarkUnrelatedIngest(b *testing.B) {
	for _, cases := range []int{100, 1_000, 10_000} {
		b.Run(fmt.Sprintf("cases=%d", cases), func(b *testing.B) {
			n := MustNode(b)
			seedCases(b, n, cases)
			ctx := context.Background()
			p := article5.Principal{ID: "token--bench", Org: "identity--0b0b0b0b-0000-4000-8000-0000000000b0"}
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				bundle := fmt.Sprintf(`{"type":"bundle","id":"bundle--0b0b0b0b-0000-4000-8000-000000000001","objects":[{"type":"indicator","spec_version":"2.1","id":"indicator--0b0b0b0b-0000-4000-8000-%012d","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","pattern":"[ipv4-addr:value = '198.51.100.7']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z"}]}`, i)
				res, err := n.Ingest(ctx, node.IngestRequest{Principal: p, Data: []byte(bundle)})
				if err != nil || len(res.Accepted) != 1 || res.Queued != 0 {
					b.Fatalf("%+v %v", res, err)
				}
				if did, err := n.RunJobOnce(ctx); did || err != nil {
					b.Fatalf("an unrelated ingest gave the worker work: %v %v", did, err)
				}
			}
		})
	}
}
