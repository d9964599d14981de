package node_test

import (
	"article5"
	"bytes"
	"context"
	"regexp"
	"sync"
	"testing"

	"article5/doctrine"
	"article5/node"
)

// MustChangedJP returns the built-in jp doctrine with version v.
func MustChangedJP(tb testing.TB, v string) *doctrine.Doctrine {
	tb.Helper()
	src, err := doctrine.DefaultSource("jp")
	if err != nil {
		tb.Fatal(err)
	}
	d, err := doctrine.Parse("jp.yaml", bytes.Replace(src, []byte(`version: "2.1.1"`), []byte(`version: "`+v+`"`), 1))
	if err != nil {
		tb.Fatal(err)
	}
	return d
}

func TestChangeDoctrineSurvivesRestart(t *testing.T) {
	ctx := context.Background()
	n := MustNode(t)
	v, job, err := n.ChangeDoctrine(ctx, MustChangedJP(t, "3.0.0"), "user--admin")
	if err != nil || v.Seq != 1 || job == "" {
		t.Fatalf("ChangeDoctrine: %+v, %q, %v", v, job, err)
	}
	if d, _ := n.Doctrine("jp"); d.Version != "3.0.0" || len(n.InForce()) != 2 {
		t.Fatalf("in force after the change: %v", n.InForce())
	}
	if n.Doctrines[0].Version != "2.1.1" {
		t.Fatal("the start-up set was modified")
	}
	// A node started again on the same store, with the built-in doctrines.
	again := &node.Node{Store: n.Store, Doctrines: n.Doctrines}
	if err := again.LoadStoredDoctrines(ctx); err != nil {
		t.Fatal(err)
	}
	if d, _ := again.Doctrine("jp"); d.Version != "3.0.0" {
		t.Fatalf("after a restart jp is %s, want the stored 3.0.0", d.Version)
	}
	if d, _ := again.Doctrine("us"); d.Version != n.Doctrines[1].Version {
		t.Fatalf("us changed: %s", d.Version)
	}
}

// TestSetDoctrineConcurrent is for the race detector: readers of the
// doctrines in force while they change.
func TestSetDoctrineConcurrent(t *testing.T) {
	n := MustNode(t)
	a, b := MustChangedJP(t, "3.0.0"), MustChangedJP(t, "3.0.1")
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			for j := range 50 {
				if (i+j)%2 == 0 {
					n.SetDoctrine(a)
				} else {
					n.SetDoctrine(b)
				}
				if got := len(n.InForce()); got != 2 {
					t.Errorf("%d doctrines in force, want 2", got)
				}
			}
		})
	}
	wg.Wait()
}

// TestDoctrineChangeReachesEveryProcess: a doctrine changed through one
// process (node) of a store is in force in another once it syncs, and the
// other's worker, claiming the change's re-assessment, syncs first: the
// cases it assesses are assessed under the new version.
func TestDoctrineChangeReachesEveryProcess(t *testing.T) {
	ctx := context.Background()
	a := MustNode(t)
	b := &node.Node{Store: a.Store, Doctrines: a.Doctrines, Policy: a.Policy}
	if err := b.LoadStoredDoctrines(ctx); err != nil {
		t.Fatal(err)
	}
	before, _ := b.Doctrine("jp")
	if before.Version == "3.0.0" {
		t.Fatal("the built-in jp doctrine is already 3.0.0: choose another version for the change")
	}
	if _, _, err := a.ChangeDoctrine(ctx, MustChangedJP(t, "3.0.0"), "user--admin"); err != nil {
		t.Fatal(err)
	}
	if d, _ := b.Doctrine("jp"); d.Version != before.Version {
		t.Fatalf("before syncing, the other process has jp %s", d.Version)
	}
	if err := b.SyncDoctrines(ctx); err != nil {
		t.Fatal(err)
	}
	if d, _ := b.Doctrine("jp"); d.Version != "3.0.0" {
		t.Fatalf("after syncing, the other process has jp %s, want 3.0.0", d.Version)
	}
	// A third process, which has not read the stored doctrines, claims
	// the next change's re-assessment.
	c := &node.Node{Store: a.Store, Doctrines: a.Doctrines, Policy: a.Policy}
	if _, _, err := a.ChangeDoctrine(ctx, MustChangedJP(t, "3.0.1"), "user--admin"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Ingest(ctx, node.IngestRequest{Principal: node.NodePrincipal, Data: MustExample(t, "ddos-government")}); err != nil {
		t.Fatal(err)
	}
	if did, err := c.RunJobOnce(ctx); err != nil || !did {
		t.Fatalf("RunJobOnce: %v, %v", did, err)
	}
	if d, _ := c.Doctrine("jp"); d.Version != "3.0.1" {
		t.Fatalf("the worker that claimed after the change runs jp %s, want 3.0.1", d.Version)
	}
}

// TestStoredDoctrineOutOfRangeStillLoads: a doctrine stored before its
// parameters' ranges were checked (here, a confidence of 600 put straight
// into the store) is loaded as it was in force: the node starts, and the
// doctrine is the stored one; putting the same text now is refused.
func TestStoredDoctrineOutOfRangeStillLoads(t *testing.T) {
	ctx := context.Background()
	a := MustNode(t)
	src, err := doctrine.DefaultSource("jp")
	if err != nil {
		t.Fatal(err)
	}
	src = bytes.Replace(src, []byte(`version: "2.1.1"`), []byte(`version: "2.9.0"`), 1)
	bad := regexp.MustCompile(`(?m)^(\s*attribution_confidence_needed:\s*)\d+`).ReplaceAll(src, []byte("${1}600"))
	if bytes.Equal(bad, src) {
		t.Fatal("no attribution_confidence_needed in the jp doctrine: the test proves nothing")
	}
	if _, err := node.ParseDoctrine("jp", bad); err == nil {
		t.Fatal("a confidence of 600 was taken as a new text")
	}
	if _, err := a.Store.SaveDoctrine(ctx, &article5.DoctrineVersion{ID: "jp", Party: article5.PartyJP, Version: "2.9.0", Title: "old", Source: bad, ChangedBy: "user--admin"}); err != nil {
		t.Fatal(err)
	}
	b := &node.Node{Store: a.Store, Doctrines: a.Doctrines, Policy: a.Policy}
	if err := b.LoadStoredDoctrines(ctx); err != nil {
		t.Fatalf("a node holding a doctrine put before ranges were checked does not start: %v", err)
	}
	if d, _ := b.Doctrine("jp"); d.Version != "2.9.0" {
		t.Fatalf("jp in force is %s, want the stored 2.9.0", d.Version)
	}
}
