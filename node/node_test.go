package node_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"article5"
	"article5/assess"
	"article5/doctrine"
	"article5/examples"
	"article5/node"
	"article5/sqlite"
	"article5/stix"
)

const damIncident = "incident--095b5314-0149-4487-918a-70bf0ed16d8e"
const damCase = "grouping--eb902b1f-89f8-47b0-ab8f-a81479941a41"

// MustNode returns a node on a fresh SQLite store in t.TempDir().
func MustNode(tb testing.TB) *node.Node {
	tb.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, tb.TempDir()+"/article5.db")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	var docs []*doctrine.Doctrine
	for _, id := range doctrine.DefaultIDs {
		d, err := doctrine.Default(id)
		if err != nil {
			tb.Fatal(err)
		}
		docs = append(docs, d)
	}
	return &node.Node{Store: db, Doctrines: docs, Now: time.Now}
}

// MustExample returns an example bundle's bytes.
func MustExample(tb testing.TB, name string) []byte {
	tb.Helper()
	data, err := examples.Read(name)
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

// Edit decodes a bundle, applies f to the object with id and re-encodes it.
func Edit(tb testing.TB, bundle []byte, id string, f func(o map[string]any)) []byte {
	tb.Helper()
	var b map[string]any
	if err := json.Unmarshal(bundle, &b); err != nil {
		tb.Fatal(err)
	}
	for _, o := range b["objects"].([]any) {
		if m := o.(map[string]any); m["id"] == id {
			f(m)
		}
	}
	out, err := json.Marshal(b)
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

// Lowered is a new version of the dam-control incident that was only
// espionage: no casualties, no impacts.
func Lowered(tb testing.TB) []byte {
	return Edit(tb, MustExample(tb, "dam-control"), damIncident, func(o map[string]any) {
		o["modified"] = "2026-11-21T09:00:00.000Z"
		ext := o["extensions"].(map[string]any)
		core := ext[stix.IncidentCoreExtensionID].(map[string]any)
		delete(core, "impact_refs")
		delete(core, "impacted_entity_counts")
		core["determination"] = "failed-attempt"
		a5 := ext[article5.ExtensionID].(map[string]any)
		delete(a5, "casualties")
		a5["operation_type"] = "espionage"
	})
}

func TestIngestThenWorkerAssessesTheCase(t *testing.T) {
	ctx := context.Background()
	n := MustNode(t)
	data := MustExample(t, "dam-control")
	res, err := n.Ingest(ctx, node.IngestRequest{Principal: node.NodePrincipal, Data: data})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Accepted) != 16 || len(res.Rejected) != 0 || res.Queued == 0 {
		t.Fatalf("ingest: %+v", res)
	}
	did, err := n.RunJobOnce(ctx)
	if err != nil || !did {
		t.Fatalf("RunJobOnce = %v, %v", did, err)
	}
	if did, err := n.RunJobOnce(ctx); did || err != nil {
		t.Fatalf("second RunJobOnce = %v, %v; want no job", did, err)
	}
	c, err := n.Store.FindCaseByID(ctx, damCase)
	if err != nil {
		t.Fatal(err)
	}
	b, err := stix.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	want, err := assess.Assess(ctx, assess.Options{Doctrines: n.Doctrines}, b)
	if err != nil {
		t.Fatal(err)
	}
	if c.Hash != want.Hash {
		t.Errorf("stored hash %s, assess.Assess gives %s", c.Hash, want.Hash)
	}
	for d, a := range want.Assessments {
		if c.Tiers[d] != a.Tier {
			t.Errorf("tier %s = %q, want %q", d, c.Tiers[d], a.Tier)
		}
	}

	t.Run("re-assessing is a no-op", func(t *testing.T) {
		evs, err := n.AssessCase(ctx, damCase)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) != 0 {
			t.Errorf("events %+v, want none", evs)
		}
	})

	t.Run("a changed tier becomes an event", func(t *testing.T) {
		res, err := n.Ingest(ctx, node.IngestRequest{Principal: node.NodePrincipal, Data: Lowered(t)})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Accepted) != 1 || len(res.Unchanged) != 15 {
			t.Fatalf("ingest: %+v", res)
		}
		if did, err := n.RunJobOnce(ctx); !did || err != nil {
			t.Fatalf("RunJobOnce = %v, %v", did, err)
		}
		evs, err := n.Store.FindEvents(ctx, article5.EventFilter{Limit: 100, Audience: article5.Audience{All: true}})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(evs, func(e article5.Event) bool { return e.Type == "tier-changed" && e.Case == damCase }) {
			t.Errorf("no tier-changed event in %+v", evs)
		}
	})
}

func TestIngestKeepsEveryVersionInOneBundle(t *testing.T) {
	ctx := context.Background()
	n := MustNode(t)
	const id = "identity--c4799acb-485e-43b1-b7f2-bf6c88e68f5c"
	bundle := `{"type":"bundle","id":"bundle--b33ec8b4-9eea-4c76-b191-2564f829e8db","objects":[
{"type":"identity","spec_version":"2.1","id":"` + id + `","created":"2020-01-01T00:00:00.000Z","modified":"2021-01-01T00:00:00.000Z","name":"B","identity_class":"organization"},
{"type":"identity","spec_version":"2.1","id":"` + id + `","created":"2020-01-01T00:00:00.000Z","modified":"2020-01-01T00:00:00.000Z","name":"A","identity_class":"organization"}]}`
	res, err := n.Ingest(ctx, node.IngestRequest{Principal: node.NodePrincipal, Data: []byte(bundle)})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Accepted) != 2 {
		t.Fatalf("accepted %+v, want both versions", res.Accepted)
	}
	vs, err := n.Store.FindObjectVersions(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 2 {
		t.Fatalf("%d versions stored, want 2", len(vs))
	}
}

func TestIngestMalformedJSONNamesLineAndColumn(t *testing.T) {
	n := MustNode(t)
	_, err := n.Ingest(context.Background(), node.IngestRequest{Principal: node.NodePrincipal, Data: []byte("{\n \"type\": \"bundle\",\n \"objects\": [,]\n}")})
	if article5.ErrorCode(err) != article5.EINVALID {
		t.Fatalf("err = %v, want EINVALID", err)
	}
	t.Log(err)
}

func TestWorkerSkipsACaseThatCannotBeAssessed(t *testing.T) {
	ctx := context.Background()
	n := MustNode(t)
	// A grouping with no incidents is not a case: logged and skipped.
	bundle := `{"type":"bundle","id":"bundle--b33ec8b4-9eea-4c76-b191-2564f829e8db","objects":[
{"type":"grouping","spec_version":"2.1","id":"grouping--5c0d4f2e-5a5e-4b8f-9d2a-0c3a0c8f6d11","created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z","context":"suspicious-activity","object_refs":["identity--08ca821f-e8b5-44f8-a093-65bbd15711c7"]},
{"type":"identity","spec_version":"2.1","id":"identity--08ca821f-e8b5-44f8-a093-65bbd15711c7","created":"2017-01-01T00:00:00.000Z","modified":"2017-01-01T00:00:00.000Z","name":"Org","identity_class":"organization"}]}`
	if _, err := n.Ingest(ctx, node.IngestRequest{Principal: node.NodePrincipal, Data: []byte(bundle)}); err != nil {
		t.Fatal(err)
	}
	if did, err := n.RunJobOnce(ctx); !did || err != nil {
		t.Fatalf("RunJobOnce = %v, %v; want the job done", did, err)
	}
	if did, _ := n.RunJobOnce(ctx); did {
		t.Error("the job was handed out again")
	}
}

func TestRunWorkerAssessesAfterIngest(t *testing.T) {
	n := MustNode(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		n.RunWorker(ctx, time.Hour) // an ingest wakes it; the poll never fires
	}()
	if _, err := n.Ingest(ctx, node.IngestRequest{Principal: node.NodePrincipal, Data: MustExample(t, "dam-control")}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	// Wait for the job to be completed, not only for the case to appear:
	// the case is visible before CompleteJob returns, and cancelling in
	// between would abandon the job to its lease.
	for n.JobsDone() < 1 {
		if time.Now().After(deadline) {
			t.Fatal("the worker did not complete the job")
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	<-done
	if _, err := n.Store.FindCaseByID(context.Background(), damCase); err != nil {
		t.Fatalf("the worker did not assess the case: %v", err)
	}
	if n.JobsDone() != 1 {
		t.Errorf("JobsDone = %d, want 1", n.JobsDone())
	}
}

func TestIngestRefusesAnEmptyBundle(t *testing.T) {
	n := MustNode(t)
	_, err := n.Ingest(context.Background(), node.IngestRequest{Principal: node.NodePrincipal, Data: []byte(`{"type":"bundle","id":"bundle--b33ec8b4-9eea-4c76-b191-2564f829e8db","objects":[]}`)})
	if article5.ErrorCode(err) != article5.EINVALID {
		t.Fatalf("err = %v, want EINVALID", err)
	}
}

// TestAssessmentKeptAsSTIXObject: the worker keeps each distinct
// assessment as an article5-assessment SDO that validates as STIX, once,
// without triggering another re-assessment.
func TestAssessmentKeptAsSTIXObject(t *testing.T) {
	ctx := context.Background()
	n := MustNode(t)
	if _, err := n.Ingest(ctx, node.IngestRequest{Principal: node.NodePrincipal, Data: MustExample(t, "dam-control")}); err != nil {
		t.Fatal(err)
	}
	if _, err := n.RunJobOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := n.AssessCase(ctx, damCase); err != nil {
		t.Fatal(err)
	}
	if did, err := n.RunJobOnce(ctx); did || err != nil {
		t.Fatalf("storing the assessment object queued a job: %v %v", did, err)
	}
	page, err := n.Store.FindObjects(ctx, article5.ObjectFilter{Types: []string{"article5-assessment"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Objects) != 1 {
		t.Fatalf("%d assessment objects, want 1", len(page.Objects))
	}
	c, err := n.Store.FindCaseByID(ctx, damCase)
	if err != nil {
		t.Fatal(err)
	}
	o, err := stix.ParseObject(page.Objects[0].Raw)
	if err != nil {
		t.Fatal(err)
	}
	if o.String("assessment_hash") != c.Hash || o.String("case_ref") != damCase {
		t.Errorf("assessment object hash %s case %s, want %s %s", o.String("assessment_hash"), o.String("case_ref"), c.Hash, damCase)
	}
	b, err := stix.Parse([]byte(`{"type":"bundle","id":"bundle--0b0b0b0b-0000-4000-8000-000000000001","objects":[` + string(page.Objects[0].Raw) + `]}`))
	if err != nil {
		t.Fatal(err)
	}
	if err := stix.Validate(b).Err(); err != nil {
		t.Errorf("the assessment object is not valid STIX: %v", err)
	}
}

// TestIngestWarnsOfPartialFacts: an incident in core STIX only is stored
// and assessed, and the ingest warning says so rather than claiming it
// cannot be assessed.
func TestIngestWarnsOfPartialFacts(t *testing.T) {
	ctx := context.Background()
	n := MustNode(t)
	res, err := n.Ingest(ctx, node.IngestRequest{Principal: node.NodePrincipal, Data: MustExample(t, "plain-stix-hospital")})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0].Reason, "stored and assessed") {
		t.Fatalf("warnings %+v, want one saying the incident is stored and assessed", res.Warnings)
	}
	if did, err := n.RunJobOnce(ctx); !did || err != nil {
		t.Fatalf("RunJobOnce = %v, %v", did, err)
	}
	c, err := n.Store.FindCaseByID(ctx, "grouping--d20aee9f-79f3-4965-bcbd-20809d088cc7")
	if err != nil {
		t.Fatal(err)
	}
	if c.Hash == "" || c.Tiers["jp"] == "" {
		t.Errorf("the plain-STIX case was not assessed: %+v", c)
	}
}
