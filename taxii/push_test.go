package taxii_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"article5"
	"article5/node"
	"article5/taxii"
)

const (
	jpMinistry  = "identity--0a000000-0000-4000-8000-00000000a0a2"
	tlpAmber    = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"
	tlpStrict   = "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003"
	localToken  = "token--0a000000-0000-4000-8000-000000000077"
	localUser   = "user--0a000000-0000-4000-8000-000000000078"
	pushModDate = "2024-01-01T00:00:00.000Z"
)

// mutual is node US pulling from and pushing to node JP (US's partner
// "jp", speaking for JP's organisation and a JP ministry), and JP knowing
// US as its partner "us" (speaking for US's organisation), each with a
// token the other made for it.
func mutual(tb testing.TB, kind string) (jp, us *fedNode, pJP, pUS *article5.Partner) {
	tb.Helper()
	jp, us, pJP = pair(tb, kind)
	if err := us.store.DeletePartner(context.Background(), "jp"); err != nil {
		tb.Fatal(err)
	}
	pJP.SpeaksFor = []string{jpOrg, jpMinistry}
	if err := us.store.CreatePartner(context.Background(), pJP); err != nil {
		tb.Fatal(err)
	}
	tok := mustToken(tb, us.store, &article5.Token{Name: "jp-node", Party: article5.PartyJP, Org: jpOrg, Communities: []string{community}})
	root, err := taxii.PartnerAPIRoot(us.srv.URL)
	if err != nil {
		tb.Fatal(err)
	}
	pUS = &article5.Partner{Name: "us", APIRoot: root, Token: tok, SpeaksFor: []string{usOrg}}
	if err := jp.store.CreatePartner(context.Background(), pUS); err != nil {
		tb.Fatal(err)
	}
	return jp, us, pJP, pUS
}

func redNames(names ...string) string {
	b, _ := json.Marshal(names)
	return `,"extensions":{"` + article5.ExtensionID + `":{"extension_type":"property-extension","red_recipients":` + string(b) + `}}`
}

// TestPushToPartner: US pushes to JP what TLP 2.0 lets reach JP's
// organisation (GREEN in their community, CLEAR, RED naming JP or a
// ministry JP speaks for), never AMBER (JP is no client of US),
// AMBER+STRICT, RED naming no one of JP, an object whose latest version
// may not go (its earlier versions neither), nor what JP sent US (no
// echo). Node-local names in red_recipients are stripped from what
// crosses. JP stores what arrives through its ingest as submitted by US's
// node. A second sync with nothing new costs one request (the pull) and
// pushes nothing.
func TestPushToPartner(t *testing.T) {
	for _, kind := range storeKinds() {
		t.Run(kind, func(t *testing.T) { testPushToPartner(t, kind) })
	}
}

func testPushToPartner(t *testing.T, kind string) {
	ctx := context.Background()
	jp, us, _, _ := mutual(t, kind)
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

	// JP's own object, which US pulls: never pushed back.
	jp.post(t, jp.analyst, t0, fedIndicator("101", pushModDate, jpOrg, tlpGreen, ""))
	us.clock.Set(t0.Add(time.Second))
	if _, _, err := taxii.SyncAll(ctx, us.n, "", taxii.SyncOptions{NoPush: true}); err != nil {
		t.Fatal(err)
	}
	if len(us.held(t, indicatorID("101"))) != 1 {
		t.Fatal("US did not pull JP's object")
	}
	mine := map[string]string{
		"201": fedIndicator("201", pushModDate, usOrg, tlpGreen, ""),
		"202": fedIndicator("202", pushModDate, usOrg, tlpAmber, ""),
		"203": fedIndicator("203", pushModDate, usOrg, tlpStrict, ""),
		"204": fedIndicator("204", pushModDate, usOrg, tlpRed, redNames(localToken, jpOrg, localUser)),
		"205": fedIndicator("205", pushModDate, usOrg, tlpRed, redNames(jpMinistry)),
		"206": fedIndicator("206", pushModDate, usOrg, tlpRed, redNames(localToken)),
		"207": fedIndicator("207", pushModDate, vendorOrg, tlpClear, ""),
		"208": fedIndicator("208", pushModDate, usOrg, tlpGreen, ""),
	}
	var objs []string
	for _, n := range slices.Sorted(func(yield func(string) bool) {
		for k := range mine {
			if !yield(k) {
				return
			}
		}
	}) {
		objs = append(objs, mine[n])
	}
	// 208's latest version is RED for no one of JP: withheld whole.
	objs = append(objs, fedIndicator("208", "2024-01-02T00:00:00.000Z", usOrg, tlpRed, ""))
	if st := us.post(t, us.analyst, t0.Add(2*time.Second), objs...); st.FailureCount != 0 {
		t.Fatalf("seeding US: %+v", st)
	}

	jp.clock.Set(t0.Add(time.Minute))
	us.clock.Set(t0.Add(time.Minute))
	reports, held, err := taxii.SyncAll(ctx, us.n, "jp", taxii.SyncOptions{PushBatch: 3})
	if err != nil || !held || len(reports) != 1 || reports[0].Failed() {
		t.Fatalf("sync: %v %v %+v", held, err, reports)
	}
	pr := reports[0].Push
	if pr == nil || pr.Error != "" || len(pr.Refused) != 0 {
		t.Fatalf("push report %+v", pr)
	}
	wantSent := []string{indicatorID("201"), indicatorID("204"), indicatorID("205"), indicatorID("207")}
	if got := slices.Sorted(slices.Values(refIDs(pr.Sent))); !slices.Equal(got, wantSent) {
		t.Fatalf("sent %v, want %v", got, wantSent)
	}
	if pr.Stripped != 1 {
		t.Fatalf("stripped %d, want 1", pr.Stripped)
	}
	for _, n := range []string{"101", "202", "203", "206", "208"} {
		vs := jp.held(t, indicatorID(n))
		if n == "101" {
			if len(vs) != 1 || vs[0].Submitter == "" || vs[0].SubmitterOrg != jpOrg {
				t.Fatalf("JP's own object echoed back: %+v", vs)
			}
			continue
		}
		if len(vs) != 0 {
			t.Fatalf("indicator %s reached JP: %s", n, vs[0].Raw)
		}
	}
	for _, n := range []string{"201", "204", "205", "207"} {
		vs := jp.held(t, indicatorID(n))
		if len(vs) != 1 || vs[0].SubmitterOrg != usOrg || article5.CustodianOf(vs[0]) != usOrg {
			t.Fatalf("indicator %s on JP: %+v", n, vs)
		}
	}
	if red := jp.held(t, indicatorID("204"))[0].RedRecipients; !slices.Equal(red, []string{jpOrg}) {
		t.Fatalf("red_recipients on JP %v, want only JP's organisation", red)
	}
	if red := us.held(t, indicatorID("204"))[0].RedRecipients; len(red) != 3 {
		t.Fatalf("US's own copy changed: %v", red)
	}
	if vs := jp.held(t, indicatorID("207")); !vs[0].Relayed {
		t.Fatalf("a vendor's object is relayed content on JP: %+v", vs[0])
	}
	recs, err := us.store.FindPartnerPushes(ctx, "jp")
	if err != nil || len(recs) != 1 || recs[0].Pushed != 4 || recs[0].LastPush.IsZero() || recs[0].LastError != "" || recs[0].Position == "" {
		t.Fatalf("push record %+v, %v", recs, err)
	}

	// Nothing new: the pull's one request, no push.
	before := jp.requests.Load()
	reports, _, err = taxii.SyncAll(ctx, us.n, "jp", taxii.SyncOptions{PushBatch: 3})
	if err != nil || reports[0].Failed() {
		t.Fatalf("second sync: %v %+v", err, reports)
	}
	if got := jp.requests.Load() - before; got != 1 {
		t.Fatalf("a sync with nothing new made %d requests, want 1", got)
	}
	if pr := reports[0].Push; len(pr.Sent) != 0 || pr.Batches != 0 {
		t.Fatalf("second push %+v", pr)
	}
}

// TestPushResumesAfterCrash: a push stopped after its first batch resumes
// from the kept position, and JP ends up holding each object once.
func TestPushResumesAfterCrash(t *testing.T) {
	for _, kind := range storeKinds() {
		t.Run(kind, func(t *testing.T) { testPushResumesAfterCrash(t, kind) })
	}
}

func testPushResumesAfterCrash(t *testing.T, kind string) {
	ctx := context.Background()
	jp, us, pJP, _ := mutual(t, kind)
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	var objs, want []string
	for _, n := range []string{"301", "302", "303", "304", "305"} {
		objs = append(objs, fedIndicator(n, pushModDate, usOrg, tlpGreen, ""))
		want = append(want, indicatorID(n))
	}
	us.post(t, us.analyst, t0, objs...) // one date added: batches break among ties
	jp.clock.Set(t0.Add(time.Minute))
	cctx, cancel := context.WithCancel(ctx)
	batches := 0
	rep, err := taxii.Push(cctx, us.n, pJP, taxii.PushOptions{Batch: 2, Renew: func(context.Context) error {
		batches++
		if batches == 2 {
			cancel()
		}
		return nil
	}})
	if err == nil || rep == nil || len(rep.Sent) != 2 {
		t.Fatalf("cancelled push: %v %+v", err, rep)
	}
	if recs, _ := us.store.FindPartnerPushes(ctx, "jp"); len(recs) != 1 || recs[0].Errors != 1 || recs[0].LastError == "" {
		t.Fatalf("push record after the crash %+v", recs)
	}
	rep, err = taxii.Push(ctx, us.n, pJP, taxii.PushOptions{Batch: 2})
	if err != nil || rep.Error != "" || len(rep.Sent) != 3 {
		t.Fatalf("resumed push: %v %+v", err, rep)
	}
	for _, id := range want {
		if n := len(jp.held(t, id)); n != 1 {
			t.Fatalf("%s held %d times on JP", id, n)
		}
	}
}

// TestPartnerReadsNoLocalNames: the TAXII server strips node-local names
// from red_recipients for a partner's principal, and only for it.
func TestPartnerReadsNoLocalNames(t *testing.T) {
	_, us, _, _ := mutual(t, "sqlite")
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	us.post(t, us.analyst, t0, fedIndicator("401", pushModDate, usOrg, tlpRed, redNames(localUser, jpOrg)))
	jpTok := mustToken(t, us.store, &article5.Token{Name: "jp-reader", Party: article5.PartyJP, Org: jpOrg})
	e := &env{srv: us.srv}
	for tok, want := range map[string][]string{jpTok: {jpOrg}, us.analyst: {localUser, jpOrg}} {
		env := mustEnvelope(t, e.get(t, tok, allCol+"objects/?match[id]="+indicatorID("401")))
		if len(env.Objects) != 1 {
			t.Fatalf("%d objects", len(env.Objects))
		}
		if got := article5.RedRecipientsOf(env.Objects[0]); !slices.Equal(got, want) {
			t.Fatalf("red_recipients %v, want %v", got, want)
		}
	}
}

// TestPartnerConflictHeldApart: a version a partner sends with the id and
// modified of a version held but other content is held apart in its
// organisation's quarantine (never a version of the held object), both
// when pulled and when the partner pushes it, and reported as a conflict.
func TestPartnerConflictHeldApart(t *testing.T) {
	for _, kind := range storeKinds() {
		t.Run(kind, func(t *testing.T) { testPartnerConflictHeldApart(t, kind) })
	}
}

func testPartnerConflictHeldApart(t *testing.T, kind string) {
	ctx := context.Background()
	jp, us, _, pUS := mutual(t, kind)
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	held := func(n string) string {
		return fedIndicator(n, pushModDate, jpOrg, tlpGreen, `,"name":"as held on US"`)
	}
	us.clock.Set(t0)
	for _, n := range []string{"501", "502"} {
		if _, err := us.n.Ingest(ctx, node.IngestRequest{Principal: node.NodePrincipal,
			Data: []byte(`{"type":"bundle","id":"bundle--0a000000-0000-4000-8000-000000000501","objects":[` + held(n) + `]}`)}); err != nil {
			t.Fatal(err)
		}
	}
	jp.post(t, jp.analyst, t0.Add(time.Second), fedIndicator("501", pushModDate, jpOrg, tlpGreen, `,"name":"JP's"`),
		fedIndicator("502", pushModDate, jpOrg, tlpGreen, `,"name":"JP's"`))
	us.clock.Set(t0.Add(time.Minute))
	reports, _, err := taxii.SyncAll(ctx, us.n, "jp", taxii.SyncOptions{NoPush: true})
	if err != nil || reports[0].Failed() {
		t.Fatalf("sync: %v %+v", err, reports)
	}
	cr := reports[0].Collections[0]
	if got := slices.Sorted(slices.Values(refIDs(cr.Conflicts))); len(cr.Rejected) != 0 || !slices.Equal(got, []string{indicatorID("501"), indicatorID("502")}) {
		t.Fatalf("conflicts %v, rejected %+v", got, cr.Rejected)
	}
	for _, n := range []string{"501", "502"} {
		if vs := us.held(t, indicatorID(n)); len(vs) != 1 || vs[0].Submitter != article5.PrincipalNode {
			t.Fatalf("the held version of %s changed: %+v", n, vs)
		}
	}
	qs, err := us.store.FindQuarantinedFor(ctx, jpOrg, article5.ObjectFilter{})
	if err != nil || len(qs.Objects) != 2 || qs.Objects[0].Submitter != "partner--jp" {
		t.Fatalf("quarantine %+v, %v", qs, err)
	}

	// JP's node reads what US holds apart from it over TAXII, in its
	// quarantine collection: its own versions, never US's held ones; a
	// caller of another organisation does not see the collection.
	jpTok := mustToken(t, us.store, &article5.Token{Name: "jp-reader", Party: article5.PartyJP, Org: jpOrg})
	e := &env{srv: us.srv}
	env := mustEnvelope(t, e.get(t, jpTok, root+"collections/quarantine/objects/?limit=1"))
	if len(env.Objects) != 1 || !env.More || !strings.Contains(string(env.Objects[0]), `"JP's"`) {
		t.Fatalf("JP's quarantine, first page: %+v", env)
	}
	env = mustEnvelope(t, e.get(t, jpTok, root+"collections/quarantine/objects/?limit=1&next="+url.QueryEscape(env.Next)))
	if len(env.Objects) != 1 || env.More || !strings.Contains(string(env.Objects[0]), `"JP's"`) {
		t.Fatalf("JP's quarantine, second page: %+v", env)
	}
	mustError(t, e.get(t, us.analyst, root+"collections/"+taxii.QuarantineCollectionID(jpOrg)+"/objects/"), http.StatusNotFound)
	if env := mustEnvelope(t, e.get(t, us.analyst, root+"collections/quarantine/objects/")); len(env.Objects) != 0 {
		t.Fatalf("US's own quarantine holds %d", len(env.Objects))
	}

	// JP pushes a third conflicting version: held apart too, and the status
	// says so.
	us.clock.Set(t0.Add(2 * time.Minute))
	if _, err := us.n.Ingest(ctx, node.IngestRequest{Principal: node.NodePrincipal,
		Data: []byte(`{"type":"bundle","id":"bundle--0a000000-0000-4000-8000-000000000503","objects":[` + held("503") + `]}`)}); err != nil {
		t.Fatal(err)
	}
	jp.post(t, jp.analyst, t0.Add(3*time.Minute), fedIndicator("503", pushModDate, jpOrg, tlpGreen, `,"name":"JP's"`))
	rep, err := taxii.Push(ctx, jp.n, pUS, taxii.PushOptions{})
	if err != nil || rep.Error != "" {
		t.Fatalf("JP's push: %v %+v", err, rep)
	}
	var conflict bool
	for _, r := range rep.Refused {
		conflict = conflict || (r.ID == indicatorID("503") && r.Reason == taxii.ConflictMessage)
	}
	if !conflict {
		t.Fatalf("JP's push of a conflicting version: %+v", rep)
	}
	if qs, _ := us.store.FindQuarantinedFor(ctx, jpOrg, article5.ObjectFilter{}); len(qs.Objects) != 3 {
		t.Fatalf("quarantine holds %d, want 3", len(qs.Objects))
	}
	if vs := us.held(t, indicatorID("503")); len(vs) != 1 || vs[0].Submitter != article5.PrincipalNode {
		t.Fatalf("the held version of 503 changed: %+v", vs)
	}
}
