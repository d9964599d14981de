package taxii_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"article5"
	"article5/api"
	"article5/node"
	"article5/release"
	"article5/stix"
	"article5/taxii"
)

const (
	jpOrg     = "identity--0a000000-0000-4000-8000-00000000a0a1"
	usOrg     = "identity--0a000000-0000-4000-8000-00000000a0b1"
	vendorOrg = "identity--0a000000-0000-4000-8000-0000000000e1"
	community = "identity--0a000000-0000-4000-8000-0000000000c1"
)

// fedNode is one of two nodes on loopback, each with its own store, clock
// and policy; requests counts the TAXII requests it answered.
type fedNode struct {
	store    article5.Store
	n        *node.Node
	srv      *httptest.Server
	clock    *clock
	requests atomic.Int64
	analyst  string // a token of the holder
}

func mustFedNode(tb testing.TB, kind, holder string) *fedNode {
	tb.Helper()
	clk := &clock{t: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)}
	s := openStore(tb, kind, clk)
	log := slog.New(slog.DiscardHandler)
	n := &node.Node{Store: s, Log: log, Now: clk.Now, Policy: release.Policy{Holder: holder, Default: stix.TLPAmber,
		Communities: map[string][]string{community: {jpOrg, usOrg}}}}
	f := &fedNode{store: s, n: n, clock: clk}
	h := api.New(n, api.Options{Log: log, Limits: api.Limits{RequestRate: -1, AddressRate: -1, IngestRate: -1}, Now: time.Now,
		Surfaces: []api.Surface{{Pattern: taxii.Prefix, New: func(e api.Edge) http.Handler {
			return taxii.New(n, taxii.Options{Edge: e, Now: clk.Now})
		}}}})
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, taxii.Prefix) {
			f.requests.Add(1)
		}
		h.ServeHTTP(w, r)
	}))
	tb.Cleanup(f.srv.Close)
	f.analyst = mustToken(tb, s, &article5.Token{Name: "analyst", Party: article5.PartyJP, Org: holder})
	return f
}

// post ingests objs through the node's TAXII server as token, at t.
func (f *fedNode) post(tb testing.TB, token string, t time.Time, objs ...string) status {
	tb.Helper()
	f.clock.Set(t)
	e := &env{srv: f.srv}
	return mustStatus(tb, e.post(tb, token, allCol+"objects/", objs...), http.StatusAccepted)
}

// held returns the versions of id the node holds (every submitter).
func (f *fedNode) held(tb testing.TB, id string) []*article5.StoredObject {
	tb.Helper()
	p, err := f.store.FindObjects(context.Background(), article5.ObjectFilter{IDs: []string{id}, AllVersions: true})
	if err != nil {
		tb.Fatal(err)
	}
	return p.Objects
}

func fedIndicator(n, modified, createdBy, marking, extra string) string {
	cb := ""
	if createdBy != "" {
		cb = `,"created_by_ref":"` + createdBy + `"`
	}
	return newIndicatorV(n, modified, cb+`,"object_marking_refs":["`+marking+`"]`+extra)
}

func redFor(who string) string {
	return `,"extensions":{"` + article5.ExtensionID + `":{"extension_type":"property-extension","red_recipients":["` + who + `"]}}`
}

func refIDs(refs []article5.ObjectRef) []string {
	var out []string
	for _, r := range refs {
		out = append(out, r.ID)
	}
	return out
}

// pair is node US pulling from node JP, which gave US a token of US's
// organisation in their shared community.
func pair(tb testing.TB, kind string) (jp, us *fedNode, p *article5.Partner) {
	tb.Helper()
	jp, us = mustFedNode(tb, kind, jpOrg), mustFedNode(tb, kind, usOrg)
	tok := mustToken(tb, jp.store, &article5.Token{Name: "us-node", Party: article5.PartyUS, Org: usOrg, Communities: []string{community}})
	root, err := taxii.PartnerAPIRoot(jp.srv.URL)
	if err != nil {
		tb.Fatal(err)
	}
	p = &article5.Partner{Name: "jp", APIRoot: root, Token: tok, SpeaksFor: []string{jpOrg}}
	if err := us.store.CreatePartner(context.Background(), p); err != nil {
		tb.Fatal(err)
	}
	return jp, us, p
}

// TestSyncBetweenNodes: node US pulls node JP. What JP releases to US's
// organisation crosses (GREEN in their community; RED naming US); RED
// naming no one on US never leaves JP; US refuses what JP may not hold in
// custody: an object claiming US's own organisation as creator, a new
// version of an object in US's custody, and a version modified an hour
// ahead of US's clock. Accepted objects are submitted by the partner, of
// JP's organisation. A second sync with no change is one request.
func TestSyncBetweenNodes(t *testing.T) {
	for _, kind := range storeKinds() {
		t.Run(kind, func(t *testing.T) { testSyncBetweenNodes(t, kind) })
	}
}

func testSyncBetweenNodes(t *testing.T, kind string) {
	ctx := context.Background()
	jp, us, _ := pair(t, kind)
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

	// On US first: an object relayed from a vendor, in US's custody.
	us.post(t, us.analyst, t0, fedIndicator("5", "2024-01-01T00:00:00.000Z", vendorOrg, tlpGreen, ""))

	green := fedIndicator("1", "2024-01-01T00:00:00.000Z", jpOrg, tlpGreen, "")
	redNone := fedIndicator("2", "2024-01-01T00:00:00.000Z", jpOrg, tlpRed, "")
	redUS := fedIndicator("3", "2024-01-01T00:00:00.000Z", jpOrg, tlpRed, redFor(usOrg))
	newer := fedIndicator("5", "2024-02-01T00:00:00.000Z", vendorOrg, tlpGreen, "")
	ahead := fedIndicator("6", "2024-03-01T01:00:00.000Z", jpOrg, tlpGreen, "")
	st := jp.post(t, jp.analyst, t0.Add(time.Second), green, redNone, redUS, newer, ahead)
	if st.FailureCount != 0 {
		t.Fatalf("seeding JP: %+v", st)
	}
	// A JP node that lies: an object claiming US's organisation as creator.
	forged := fedIndicator("4", "2024-01-01T00:00:00.000Z", usOrg, tlpGreen, "")
	jp.clock.Set(t0.Add(2 * time.Second))
	if _, err := jp.n.Ingest(ctx, node.IngestRequest{Principal: node.NodePrincipal, Data: []byte(`{"type":"bundle","id":"bundle--0a000000-0000-4000-8000-000000000001","objects":[` + forged + `]}`)}); err != nil {
		t.Fatal(err)
	}

	us.clock.Set(time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC))
	reports, held, err := taxii.SyncAll(ctx, us.n, "", taxii.SyncOptions{Limit: 2})
	if err != nil || !held {
		t.Fatalf("sync: held %v, %v", held, err)
	}
	if len(reports) != 1 || len(reports[0].Collections) != 1 {
		t.Fatalf("reports %+v", reports)
	}
	cr := reports[0].Collections[0]
	if cr.Error != "" {
		t.Fatalf("sync error: %s", cr.Error)
	}
	if got, want := slices.Sorted(slices.Values(refIDs(cr.Accepted))), []string{indicatorID("1"), indicatorID("3")}; !slices.Equal(got, want) {
		t.Fatalf("accepted %v, want %v", got, want)
	}
	reasons := map[string]string{}
	for _, r := range cr.Rejected {
		reasons[r.ID] = r.Pointer + " " + r.Reason
	}
	if len(reasons) != 3 {
		t.Fatalf("rejected %v, want the forged, the newer and the ahead versions", reasons)
	}
	if r := reasons[indicatorID("4")]; !strings.Contains(r, "/created_by_ref") {
		t.Fatalf("forged: %q", r)
	}
	if r := reasons[indicatorID("5")]; !strings.Contains(r, article5.ReasonNotCustodian) {
		t.Fatalf("a new version of an object in US's custody: %q", r)
	}
	if r := reasons[indicatorID("6")]; !strings.Contains(r, "/modified") {
		t.Fatalf("ahead: %q", r)
	}
	if vs := us.held(t, indicatorID("2")); len(vs) != 0 {
		t.Fatalf("a RED object naming no one on US reached US")
	}
	if vs := us.held(t, indicatorID("4")); len(vs) != 0 {
		t.Fatalf("the forged object was stored")
	}
	if vs := us.held(t, indicatorID("5")); len(vs) != 1 {
		t.Fatalf("US's object has %d versions, want its own one", len(vs))
	}
	for _, n := range []string{"1", "3"} {
		vs := us.held(t, indicatorID(n))
		if len(vs) != 1 || vs[0].Submitter != "partner--jp" || vs[0].SubmitterOrg != jpOrg || article5.CustodianOf(vs[0]) != jpOrg {
			t.Fatalf("indicator %s on US: %+v", n, vs)
		}
	}
	curs, err := us.store.FindPartnerCursors(ctx, "jp")
	if err != nil || len(curs) != 1 || curs[0].AddedAfter == "" || curs[0].LastSync.IsZero() || curs[0].LastError != "" || curs[0].Pulled != 5 {
		t.Fatalf("cursor %+v, %v", *curs[0], err)
	}

	// No change: one request for the collection.
	before := jp.requests.Load()
	reports, _, err = taxii.SyncAll(ctx, us.n, "jp", taxii.SyncOptions{Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	if got := jp.requests.Load() - before; got != 1 {
		t.Fatalf("a sync with no change made %d requests, want 1", got)
	}
	if cr := reports[0].Collections[0]; len(cr.Accepted)+len(cr.Unchanged)+len(cr.Rejected) != 0 || cr.Error != "" {
		t.Fatalf("no-change sync moved %+v", cr)
	}
}

// TestSyncResumesAfterCrash: a sync stopped after its first page (its
// context cancelled, as a process killed) resumes from the cursor it kept
// and ends with every object held once, although all of them share one
// date added on JP (so the page break falls among them).
func TestSyncResumesAfterCrash(t *testing.T) {
	for _, kind := range storeKinds() {
		t.Run(kind, func(t *testing.T) { testSyncResumesAfterCrash(t, kind) })
	}
}

func testSyncResumesAfterCrash(t *testing.T, kind string) {
	ctx := context.Background()
	jp, us, p := pair(t, kind)
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	var objs, want []string
	for i := 1; i <= 5; i++ {
		n := fmt.Sprint(10 + i)
		objs = append(objs, fedIndicator(n, "2024-01-01T00:00:00.000Z", jpOrg, tlpGreen, ""))
		want = append(want, indicatorID(n))
	}
	jp.post(t, jp.analyst, t0, objs...)
	jp.post(t, jp.analyst, t0.Add(time.Second), fedIndicator("21", "2024-01-01T00:00:00.000Z", jpOrg, tlpGreen, ""))
	want = append(want, indicatorID("21"))
	us.clock.Set(t0.Add(time.Minute))

	cctx, cancel := context.WithCancel(ctx)
	pages := 0
	_, err := taxii.Sync(cctx, us.n, p, taxii.SyncOptions{Limit: 2, Renew: func(context.Context) error {
		pages++
		if pages == 2 { // after the first page: the crash
			cancel()
		}
		return nil
	}})
	if err == nil {
		t.Fatal("a cancelled sync reported no error")
	}
	got := map[string]int{}
	for _, id := range want {
		got[id] = len(us.held(t, id))
	}
	stored := 0
	for _, c := range got {
		stored += c
	}
	if stored != 2 {
		t.Fatalf("after the first page %d objects held, want 2: %v", stored, got)
	}
	curs, err := us.store.FindPartnerCursors(ctx, "jp")
	if err != nil || len(curs) != 1 || curs[0].LastError == "" || curs[0].Errors != 1 || !curs[0].LastSync.IsZero() {
		t.Fatalf("cursor after the crash %+v, %v", curs, err)
	}

	reports, _, err := taxii.SyncAll(ctx, us.n, "jp", taxii.SyncOptions{Limit: 2})
	if err != nil || reports[0].Failed() {
		t.Fatalf("resume: %v %+v", err, reports)
	}
	cr := reports[0].Collections[0]
	if len(cr.Rejected) != 0 {
		t.Fatalf("rejected %+v", cr.Rejected)
	}
	for _, id := range want {
		if n := len(us.held(t, id)); n != 1 {
			t.Fatalf("%s held %d times after the resume, want once", id, n)
		}
	}
	// The resumed pass re-read at most the page it could not prove done.
	if len(cr.Accepted) != 4 || len(cr.Unchanged) > 2 {
		t.Fatalf("resume accepted %d, unchanged %d", len(cr.Accepted), len(cr.Unchanged))
	}
}

func TestPartnerAPIRoot(t *testing.T) {
	for in, want := range map[string]string{
		"https://jp.example":                  "https://jp.example/taxii2/article5/",
		"https://jp.example:8443/":            "https://jp.example:8443/taxii2/article5/",
		"https://jp.example/taxii2/article5":  "https://jp.example/taxii2/article5/",
		"http://127.0.0.1:8080":               "http://127.0.0.1:8080/taxii2/article5/",
		"http://localhost:8080/taxii2/other/": "http://localhost:8080/taxii2/other/",
		"http://[::1]:8080":                   "http://[::1]:8080/taxii2/article5/",
	} {
		if got, err := taxii.PartnerAPIRoot(in); err != nil || got != want {
			t.Errorf("%s: %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"http://jp.example", "ftp://jp.example", "https://u:p@jp.example", "https://jp.example/?token=x", "jp.example"} {
		if _, err := taxii.PartnerAPIRoot(bad); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}

// TestSyncOneProcessAtATime: while another process of the node holds the
// sync lease, SyncAll pulls nothing and asks the partner nothing; once the
// lease is released it syncs.
func TestSyncOneProcessAtATime(t *testing.T) {
	ctx := context.Background()
	jp, us, _ := pair(t, "sqlite")
	jp.post(t, jp.analyst, time.Date(2024, 1, 1, 0, 0, 1, 0, time.UTC), fedIndicator("1", "2024-01-01T00:00:00.000Z", jpOrg, tlpGreen, ""))
	us.clock.Set(time.Date(2024, 1, 1, 0, 1, 0, 0, time.UTC))
	if ok, err := us.store.AcquireLease(ctx, taxii.SyncLeaseName, "another-process", time.Hour); err != nil || !ok {
		t.Fatalf("lease: %v %v", ok, err)
	}
	before := jp.requests.Load()
	reports, held, err := taxii.SyncAll(ctx, us.n, "", taxii.SyncOptions{})
	if err != nil || held || len(reports) != 0 || jp.requests.Load() != before {
		t.Fatalf("sync under another's lease: held %v, %d reports, %d requests, %v", held, len(reports), jp.requests.Load()-before, err)
	}
	if err := us.store.ReleaseLease(ctx, taxii.SyncLeaseName, "another-process"); err != nil {
		t.Fatal(err)
	}
	reports, held, err = taxii.SyncAll(ctx, us.n, "", taxii.SyncOptions{})
	if err != nil || !held || len(reports) != 1 || len(reports[0].Collections[0].Accepted) != 1 {
		t.Fatalf("sync: held %v, %+v, %v", held, reports, err)
	}
	if _, _, err := taxii.SyncAll(ctx, us.n, "nobody", taxii.SyncOptions{}); article5.ErrorCode(err) != article5.ENOTFOUND {
		t.Fatalf("an unknown partner: %v", err)
	}
}
