package node_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"article5"
	"article5/node"
	"article5/release"
	"article5/sqlite"
	"article5/stix"
)

const (
	holderOrg   = "identity--1d4a0f0e-7d55-4c1b-9a5e-3f2d8c6b7a01"
	tlpRed      = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"
	visibleCase = "grouping--5a0d6c1e-0000-4000-8000-00000000c0a1"
)

// fakeClock is the node's injectable clock: backoff is tested by moving it.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// receiver is a webhook endpoint on loopback that records every delivery
// and answers with the status fail returns for the n-th (0-based) one.
type receiver struct {
	srv  *httptest.Server
	mu   sync.Mutex
	got  []delivery
	fail func(n int) int
}

type delivery struct {
	header http.Header
	body   []byte
	event  article5.Event
}

func MustReceiver(tb testing.TB, fail func(n int) int) *receiver {
	tb.Helper()
	rc := &receiver{fail: fail}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		d := delivery{header: r.Header.Clone(), body: body}
		d.header.Set("X-Test-Path", r.URL.Path)
		_ = json.Unmarshal(body, &d.event)
		rc.mu.Lock()
		n := len(rc.got)
		rc.got = append(rc.got, d)
		rc.mu.Unlock()
		status := http.StatusNoContent
		if rc.fail != nil {
			if s := rc.fail(n); s != 0 {
				status = s
			}
		}
		w.WriteHeader(status)
	}))
	tb.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) deliveries() []delivery {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]delivery(nil), rc.got...)
}

// ids lists the event ids received, in order.
func (rc *receiver) ids() []string {
	var out []string
	for _, d := range rc.deliveries() {
		out = append(out, d.event.ID)
	}
	return out
}

// MustEventID is the id webhook w's deliveries give event e.
func MustEventID(tb testing.TB, n *node.Node, w *article5.Webhook, e article5.Event) string {
	tb.Helper()
	id, err := n.WebhookEventID(w, e.Seq)
	if err != nil {
		tb.Fatal(err)
	}
	return id
}

// webhookNode is a node on the SQLite store at path, with the holder's
// release policy (default AMBER) and clock clk.
func webhookNode(tb testing.TB, path string, clk *fakeClock) (*node.Node, *sqlite.DB) {
	tb.Helper()
	db, err := sqlite.Open(context.Background(), path)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	// One process, reopened: the same holder of the dispatcher's lease.
	return &node.Node{Store: db, Now: clk.Now, Policy: release.Policy{Holder: holderOrg, Default: stix.TLPAmber}, Holder: "test-process"}, db
}

// TestWebhooksOneDispatcher: of two processes on one store, only the one
// holding the dispatcher's lease delivers, so an event goes out once, not
// once per process; when the holder stops renewing (it died), the other
// takes over once the lease has expired, and delivers what is left.
func TestWebhooksOneDispatcher(t *testing.T) {
	clk := &fakeClock{t: time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)}
	path := t.TempDir() + "/a5.db"
	rc := MustReceiver(t, func(int) int { return 0 })
	a, db := webhookNode(t, path, clk)
	db.Now = clk.Now // the store's clock, which times the lease
	b := &node.Node{Store: db, Now: clk.Now, Policy: a.Policy, Holder: "other-process"}
	a.Holder = "first-process"
	MustWebhook(t, db, rc.srv.URL)
	MustTierChange(t, db, visibleCase)
	if sent := MustDeliver(t, a, local) + MustDeliver(t, b, local); sent != 1 {
		t.Fatalf("two processes sent %d, want 1", sent)
	}
	MustTierChange(t, db, visibleCase)
	if sent := MustDeliver(t, b, local); sent != 0 {
		t.Fatalf("the process without the lease sent %d, want 0", sent)
	}
	clk.Set(clk.Now().Add(node.WebhookLease))
	if sent := MustDeliver(t, b, local); sent != 1 {
		t.Fatalf("after the holder's lease expired the other sent %d, want 1", sent)
	}
	if sent := MustDeliver(t, a, local); sent != 0 {
		t.Fatalf("the first holder, back, sent %d, want 0 (the lease is the other's)", sent)
	}
	if n := len(rc.ids()); n != 2 {
		t.Errorf("received %d deliveries, want 2", n)
	}
}

// MustWebhook stores a webhook to url for the holder's organisation.
func MustWebhook(tb testing.TB, s article5.Store, url string, events ...string) *article5.Webhook {
	tb.Helper()
	w := &article5.Webhook{URL: url, Secret: node.NewWebhookSecret(), Party: article5.PartyJP, Org: holderOrg, Events: events}
	if err := s.CreateWebhook(context.Background(), w); err != nil {
		tb.Fatal(err)
	}
	return w
}

// MustTierChange saves two assessments of caseID whose jp tier differs,
// and returns the tier-changed event (an "assessed" event precedes it).
// The case's evidence index is its grouping, and evidence.
func MustTierChange(tb testing.TB, s article5.Store, caseID string, evidence ...string) article5.Event {
	tb.Helper()
	ctx := context.Background()
	c, err := s.FindCaseByID(ctx, caseID)
	var prev article5.Tier
	if err == nil {
		prev = c.Tiers["jp"]
	}
	to := article5.TierUseOfForcePossible
	if prev == to {
		to = article5.TierBelowThreshold
	}
	if prev == "" {
		first := &article5.CaseSummary{ID: caseID, Name: "case", Hash: caseID + "-first", Tiers: map[string]article5.Tier{"jp": article5.TierBelowThreshold}}
		if _, err := s.SaveAssessment(ctx, first, []byte(`{}`), caseIndex(caseID, evidence...)); err != nil {
			tb.Fatal(err)
		}
	}
	next := &article5.CaseSummary{ID: caseID, Name: "case", Hash: caseID + "-" + string(to) + strconv.FormatInt(time.Now().UnixNano(), 10),
		Tiers: map[string]article5.Tier{"jp": to}}
	evs, err := s.SaveAssessment(ctx, next, []byte(`{}`), caseIndex(caseID, evidence...))
	if err != nil {
		tb.Fatal(err)
	}
	for _, e := range evs {
		if e.Type == "tier-changed" {
			return e
		}
	}
	tb.Fatalf("no tier-changed event in %+v", evs)
	return article5.Event{}
}

// caseIndex is an evidence index of caseID alone (its grouping): such a
// case reaches whom its grouping does, and a grouping the node does not
// hold withholds nothing.
func caseIndex(caseID string, evidence ...string) article5.CaseIndex {
	x := article5.CaseIndex{Case: caseID, Evidence: []article5.ObjectRef{{ID: caseID}}, Watched: []string{caseID}}
	for _, id := range evidence {
		x.Evidence = append(x.Evidence, article5.ObjectRef{ID: id})
	}
	return x
}

// loopback is the allow-list of the tests whose receivers listen on
// 127.0.0.1: webhooks refuse loopback unless the node allows it.
var loopback = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}

// local is the dispatcher's options for receivers on loopback.
var local = node.WebhookOptions{Allow: loopback}

func MustDeliver(tb testing.TB, n *node.Node, opts node.WebhookOptions) int {
	tb.Helper()
	sent, err := n.DeliverWebhooks(context.Background(), opts)
	if err != nil {
		tb.Fatal(err)
	}
	return sent
}

func MustFindWebhook(tb testing.TB, s article5.Store, id string) *article5.Webhook {
	tb.Helper()
	w, err := s.FindWebhookByID(context.Background(), id)
	if err != nil {
		tb.Fatal(err)
	}
	return w
}

func TestWebhookDeliversASignedTierChange(t *testing.T) {
	clk := &fakeClock{t: time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)}
	n, db := webhookNode(t, t.TempDir()+"/a5.db", clk)
	rc := MustReceiver(t, nil)
	w := MustWebhook(t, db, rc.srv.URL)
	e := MustTierChange(t, db, visibleCase) // "assessed", then "tier-changed"

	if sent := MustDeliver(t, n, local); sent != 1 {
		t.Fatalf("sent %d, want 1 (the tier change; assessed is not subscribed)", sent)
	}
	got := rc.deliveries()
	if len(got) != 1 {
		t.Fatalf("received %d deliveries, want 1", len(got))
	}
	d := got[0]
	id := MustEventID(t, n, w, e)
	if d.event.ID != id || d.event.Type != "tier-changed" || d.event.Case != visibleCase || d.event.To != e.To {
		t.Errorf("received %+v, want %+v with id %s", d.event, e, id)
	}
	if strings.Contains(string(d.body), `"seq"`) {
		t.Errorf("the delivery shows the node's event sequence: %s", d.body)
	}
	h := d.header
	if h.Get(node.HeaderEvent) != "tier-changed" || h.Get(node.HeaderDelivery) != id ||
		h.Get(node.HeaderTimestamp) != strconv.FormatInt(clk.Now().Unix(), 10) || h.Get("Content-Type") != "application/json" {
		t.Errorf("headers %v", h)
	}
	ts, sig := h.Get(node.HeaderTimestamp), h.Get(node.HeaderSignature)
	if !strings.HasPrefix(sig, "sha256=") {
		t.Errorf("signature %q", sig)
	}
	if err := node.VerifySignature(w.Secret, ts, sig, d.body, clk.Now(), 5*time.Minute); err != nil {
		t.Errorf("the receiver cannot verify the delivery: %v", err)
	}
	for name, err := range map[string]error{
		"wrong secret":  node.VerifySignature(node.NewWebhookSecret(), ts, sig, d.body, clk.Now(), 0),
		"altered body":  node.VerifySignature(w.Secret, ts, sig, append([]byte(" "), d.body...), clk.Now(), 0),
		"other time":    node.VerifySignature(w.Secret, strconv.FormatInt(clk.Now().Unix()+1, 10), sig, d.body, clk.Now(), 0),
		"too old":       node.VerifySignature(w.Secret, ts, sig, d.body, clk.Now().Add(6*time.Minute), 5*time.Minute),
		"bad timestamp": node.VerifySignature(w.Secret, "x", sig, d.body, clk.Now(), 0),
	} {
		if article5.ErrorCode(err) != article5.EUNAUTHORIZED {
			t.Errorf("%s: VerifySignature = %v, want EUNAUTHORIZED", name, err)
		}
	}
	if got := MustFindWebhook(t, db, w.ID); got.Cursor != e.Seq || got.Attempts != 0 {
		t.Errorf("after delivery: cursor %d attempts %d, want %d and 0", got.Cursor, got.Attempts, e.Seq)
	}
	// Nothing new: nothing sent again.
	if sent := MustDeliver(t, n, local); sent != 0 || len(rc.deliveries()) != 1 {
		t.Errorf("a second pass sent %d (received %d)", sent, len(rc.deliveries()))
	}
}

func TestWebhookRetriesWithGrowingBackoffInOrder(t *testing.T) {
	clk := &fakeClock{t: time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)}
	n, db := webhookNode(t, t.TempDir()+"/a5.db", clk)
	rc := MustReceiver(t, func(i int) int {
		if i < 2 {
			return http.StatusServiceUnavailable
		}
		return 0
	})
	w := MustWebhook(t, db, rc.srv.URL)
	e1 := MustTierChange(t, db, visibleCase)
	e2 := MustTierChange(t, db, visibleCase)
	opts := node.WebhookOptions{Backoff: time.Second, MaxBackoff: time.Hour, Allow: loopback}

	var delays []time.Duration
	for attempt := 1; attempt <= 2; attempt++ {
		now := clk.Now()
		if sent := MustDeliver(t, n, opts); sent != 0 {
			t.Fatalf("attempt %d: sent %d, want a failure", attempt, sent)
		}
		got := MustFindWebhook(t, db, w.ID)
		if got.Attempts != attempt || got.LastError != "HTTP 503" || got.Cursor != w.Cursor || !got.NextAttempt.After(now) {
			t.Fatalf("after failure %d: %+v", attempt, got)
		}
		delays = append(delays, got.NextAttempt.Sub(now))
		// Not due yet: no request.
		clk.Set(got.NextAttempt.Add(-time.Nanosecond))
		if sent := MustDeliver(t, n, opts); sent != 0 || len(rc.deliveries()) != attempt {
			t.Fatalf("delivered before the next attempt was due (%d requests)", len(rc.deliveries()))
		}
		clk.Set(got.NextAttempt)
	}
	if !(delays[1] >= delays[0]) || delays[0] < opts.Backoff/2 || delays[1] < opts.Backoff {
		t.Errorf("backoff delays %v, want growing from the base %v", delays, opts.Backoff)
	}
	if sent := MustDeliver(t, n, opts); sent != 2 {
		t.Fatalf("third attempt sent %d, want 2 (the event, then the next)", sent)
	}
	id1, id2 := MustEventID(t, n, w, e1), MustEventID(t, n, w, e2)
	want := []string{id1, id1, id1, id2}
	if got := rc.ids(); len(got) != len(want) || got[0] != want[0] || got[2] != want[2] || got[3] != want[3] {
		t.Fatalf("received ids %v, want %v", got, want)
	}
	ds := rc.deliveries()
	if ds[0].header.Get(node.HeaderDelivery) != ds[2].header.Get(node.HeaderDelivery) {
		t.Errorf("a retried delivery changed its id: %q, %q", ds[0].header.Get(node.HeaderDelivery), ds[2].header.Get(node.HeaderDelivery))
	}
	if got := MustFindWebhook(t, db, w.ID); got.Cursor != e2.Seq || got.Attempts != 0 || got.LastError != "" || !got.NextAttempt.IsZero() {
		t.Errorf("after success: %+v", got)
	}
}

func TestWebhookCursorSurvivesReopen(t *testing.T) {
	clk := &fakeClock{t: time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)}
	path := t.TempDir() + "/a5.db"
	rc := MustReceiver(t, func(i int) int {
		if i == 1 {
			return http.StatusInternalServerError
		}
		return 0
	})
	n, db := webhookNode(t, path, clk)
	w := MustWebhook(t, db, rc.srv.URL)
	e1 := MustTierChange(t, db, visibleCase)
	if sent := MustDeliver(t, n, local); sent != 1 {
		t.Fatalf("sent %d, want 1", sent)
	}
	e2 := MustTierChange(t, db, visibleCase)
	if sent := MustDeliver(t, n, local); sent != 0 {
		t.Fatalf("sent %d, want a failure", sent)
	}
	failed := MustFindWebhook(t, db, w.ID)
	db.Close()

	n, db = webhookNode(t, path, clk)
	got := MustFindWebhook(t, db, w.ID)
	if got.Cursor != e1.Seq || got.Attempts != 1 || !got.NextAttempt.Equal(failed.NextAttempt) || got.LastError != "HTTP 500" {
		t.Fatalf("after reopening: %+v, want cursor %d, one failed attempt", got, e1.Seq)
	}
	clk.Set(got.NextAttempt)
	if sent := MustDeliver(t, n, local); sent != 1 {
		t.Fatalf("sent %d after reopening, want 1", sent)
	}
	id1, id2 := MustEventID(t, n, w, e1), MustEventID(t, n, w, e2)
	if s := rc.ids(); len(s) != 3 || s[0] != id1 || s[1] != id2 || s[2] != id2 {
		t.Errorf("received %v, want e1 once, then e2 (failed) and e2 again", s)
	}
}

func TestWebhookNeverPostsWhatTheRecipientMayNotSee(t *testing.T) {
	clk := &fakeClock{t: time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)}
	n, db := webhookNode(t, t.TempDir()+"/a5.db", clk)
	ctx := context.Background()
	// The dam-control incident marked TLP:RED, naming no recipient: its
	// case may leave to no one.
	red := Edit(t, MustExample(t, "dam-control"), damIncident, func(o map[string]any) {
		o["object_marking_refs"] = []any{tlpRed}
	})
	if _, err := n.Ingest(ctx, node.IngestRequest{Principal: node.NodePrincipal, Data: red}); err != nil {
		t.Fatal(err)
	}
	rc := MustReceiver(t, nil)
	w := MustWebhook(t, db, rc.srv.URL)
	barred := MustTierChange(t, db, damCase, damIncident)
	visible := MustTierChange(t, db, visibleCase)
	MustTierChange(t, db, damCase, damIncident)

	if sent := MustDeliver(t, n, local); sent != 1 {
		t.Fatalf("sent %d, want only the visible case's event", sent)
	}
	for _, d := range rc.deliveries() {
		if strings.Contains(string(d.body), damCase) || strings.Contains(string(d.body), damIncident) {
			t.Errorf("a barred case's event was posted: %s", d.body)
		}
	}
	if s := rc.ids(); len(s) != 1 || s[0] != MustEventID(t, n, w, visible) {
		t.Errorf("received %v, want only the visible case's event", s)
	}
	// The cursor moved past the barred events for good: no pass reads
	// them again.
	if got := MustFindWebhook(t, db, w.ID); got.Cursor <= visible.Seq || got.Cursor <= barred.Seq {
		t.Errorf("cursor %d, want past every event", got.Cursor)
	}
}

func TestWebhookFiltersEventTypes(t *testing.T) {
	clk := &fakeClock{t: time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)}
	n, db := webhookNode(t, t.TempDir()+"/a5.db", clk)
	rc := MustReceiver(t, nil)
	concluded := MustWebhook(t, db, rc.srv.URL, "concluded")
	MustWebhook(t, db, rc.srv.URL+"/assessed", "assessed")
	e := MustTierChange(t, db, visibleCase)
	if sent := MustDeliver(t, n, local); sent != 2 {
		t.Fatalf("sent %d, want 2 (the assessed events, to the assessed webhook only)", sent)
	}
	for _, d := range rc.deliveries() {
		if d.event.Type != "assessed" || !strings.HasSuffix(d.header.Get("X-Test-Path"), "/assessed") {
			t.Errorf("delivered %s to %s", d.event.Type, d.header.Get("X-Test-Path"))
		}
	}
	if got := MustFindWebhook(t, db, concluded.ID); got.Cursor != e.Seq {
		t.Errorf("the concluded webhook's cursor %d, want %d (passed over)", got.Cursor, e.Seq)
	}
}

func TestRunWebhooksStopsOnCancel(t *testing.T) {
	clk := &fakeClock{t: time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)}
	n, db := webhookNode(t, t.TempDir()+"/a5.db", clk)
	arrived := make(chan struct{}, 1)
	release := make(chan struct{})
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.ReadAll(r.Body)
		select {
		case arrived <- struct{}{}:
		default:
		}
		select { // never answers while the test runs
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(hang.Close)
	t.Cleanup(func() { close(release) }) // runs first
	w := MustWebhook(t, db, hang.URL)
	MustTierChange(t, db, visibleCase)

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		n.RunWebhooks(ctx, time.Millisecond, local)
	}()
	<-arrived
	cancel()
	<-done // a hang here fails the test by its timeout
	if got := MustFindWebhook(t, db, w.ID); got.Attempts != 0 || got.Cursor != w.Cursor {
		t.Errorf("an attempt cut short by shutdown was recorded: %+v", got)
	}
}

func TestWebhookBackoff(t *testing.T) {
	for _, tc := range []struct {
		attempts int
		lo, hi   time.Duration
	}{
		{1, 500 * time.Millisecond, time.Second},
		{2, time.Second, 2 * time.Second},
		{3, 2 * time.Second, 4 * time.Second},
		{13, 30 * time.Minute, time.Hour}, // 2^12 s > 1 h: capped
		{1000, 30 * time.Minute, time.Hour},
	} {
		for range 50 {
			if d := node.WebhookBackoff(tc.attempts, time.Second, time.Hour); d < tc.lo || d > tc.hi {
				t.Errorf("WebhookBackoff(%d) = %v, want in [%v, %v]", tc.attempts, d, tc.lo, tc.hi)
			}
		}
	}
}

func BenchmarkSignWebhook(b *testing.B) {
	body, _ := json.Marshal(article5.Event{Seq: 42, Type: "tier-changed", Case: visibleCase, Doctrine: "jp",
		From: article5.TierBelowThreshold, To: article5.TierUseOfForcePossible, Hash: strings.Repeat("ab", 32), Time: time.Now()})
	secret := node.NewWebhookSecret()
	b.ReportAllocs()
	for b.Loop() {
		node.SignWebhook(secret, "1764406800", body)
	}
}
