package node_test

import (
	"context"
	"fmt"
	"testing"

	"article5"
	"article5/node"
	"article5/storetest"
)

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
			storetest.SeedIndexedCases(b, n.Store, cases, "5eed5eed", "")
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
