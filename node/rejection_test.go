package node_test

import (
	"context"
	"strings"
	"testing"

	"article5/node"
)

// TestRejectionGivesSpecVersionFirst: an incident without spec_version is
// refused with that reason first (it decides which STIX rules the rest was
// judged by), and the rest are judged as STIX 2.1, the only version with
// incidents; the other objects of the bundle are stored.
func TestRejectionGivesSpecVersionFirst(t *testing.T) {
	n := MustNode(t)
	data := []byte(`{"type":"bundle","id":"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d","objects":[
		{"type":"incident","id":"incident--7e3d1c2b-0a9f-4e6d-8c5b-4a3f2e1d0c9b"},
		{"type":"identity","spec_version":"2.1","id":"identity--0b0c1d2e-3f40-4152-8637-48596a7b8c9d","created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z","name":"a"}]}`)
	res, err := n.Ingest(context.Background(), node.IngestRequest{Principal: node.NodePrincipal, Data: data})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Accepted) != 1 || len(res.Rejected) != 1 {
		t.Fatalf("accepted %v, rejected %v", res.Accepted, res.Rejected)
	}
	r := res.Rejected[0]
	if r.Pointer != "/spec_version" || !strings.HasPrefix(r.Reason, "no spec_version") || !strings.Contains(r.Reason, "more errors") {
		t.Fatalf("rejection %+v: want the missing spec_version first", r)
	}
	if strings.Contains(r.Reason, "STIX 2.0)") {
		t.Fatalf("rejection %+v cites STIX 2.0 rules for an incident", r)
	}
}
