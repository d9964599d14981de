package taxii_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"article5"
	"article5/api"
	"article5/node"
	"article5/release"
	"article5/sqlite"
	"article5/stix"
	"article5/taxii"
)

// faultProxy stands between node US and node JP on loopback. Healthy, it
// forwards every request to JP. With a fault set, it answers objects
// requests from the from-th of a round on (1-based) with that fault; with
// a head mode set, it answers the signed tree head request from another
// node (a forked copy of JP) or with JP's head edited.
type faultProxy struct {
	srv *http.Server
	url string

	mu          sync.Mutex
	fault       string
	from, seen  int
	head        string // "", "fork", "forge"
	jp, fork    string // base URLs
	foreignNext string
	last        []byte // the last objects answer forwarded unchanged
	forkAuth    string // when set, the Authorization sent to the fork
}

// garbageSize is how much the "garbage" fault serves: 10 MB.
const garbageSize = 10 << 20

func newFaultProxy(tb testing.TB, jp string) *faultProxy {
	tb.Helper()
	p := &faultProxy{jp: jp}
	ts := httptest.NewServer(http.HandlerFunc(p.serve))
	tb.Cleanup(ts.Close)
	p.url = ts.URL
	return p
}

// set starts a round: fault on objects requests from the from-th on, and
// the head mode.
func (p *faultProxy) set(fault string, from int, head string) {
	p.mu.Lock()
	p.fault, p.from, p.seen, p.head = fault, from, 0, head
	p.mu.Unlock()
}

func (p *faultProxy) serve(w http.ResponseWriter, r *http.Request) {
	isHead := strings.HasSuffix(r.URL.Path, "/"+taxii.HeadPath)
	isObjects := strings.HasSuffix(r.URL.Path, "/objects/")
	p.mu.Lock()
	target, fault, head, foreign, last := p.jp, "", p.head, p.foreignNext, p.last
	if isObjects {
		p.seen++
		if p.fault != "" && p.seen >= p.from {
			fault = p.fault
		}
	}
	auth := ""
	if isHead && head == "fork" {
		target, auth = p.fork, p.forkAuth
	}
	p.mu.Unlock()

	switch fault {
	case "drop": // the connection closes before any answer
		panic(http.ErrAbortHandler)
	case "delay": // no answer until the client gives up
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
		return
	case "garbage":
		w.Header().Set("Content-Type", taxii.MediaTAXII)
		w.Header().Set("Content-Length", strconv.Itoa(garbageSize))
		chunk := bytes.Repeat([]byte("\x00garbage\xff"), 6554) // 64 KiB-ish
		for sent := 0; sent < garbageSize; {
			n := min(len(chunk), garbageSize-sent)
			if _, err := w.Write(chunk[:n]); err != nil {
				return
			}
			sent += n
		}
		return
	case "replay": // the answer before, again
		w.Header().Set("Content-Type", taxii.MediaTAXII)
		w.Header().Set("X-TAXII-Date-Added-First", "2024-01-01T00:00:00Z")
		w.Header().Set("X-TAXII-Date-Added-Last", "2024-01-01T00:00:00Z")
		_, _ = w.Write(last)
		return
	case "malformed":
		w.Header().Set("Content-Type", taxii.MediaTAXII)
		_, _ = io.WriteString(w, `{"more":false,"objects":{"id":"not a list"}}`)
		return
	case "slowloris": // headers, then a byte now and then
		w.Header().Set("Content-Type", taxii.MediaTAXII)
		w.Header().Set("Content-Length", "100000")
		w.WriteHeader(http.StatusOK)
		for i := 0; i < 500; i++ {
			if _, err := io.WriteString(w, " "); err != nil {
				return
			}
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
		return
	}

	if auth != "" {
		r.Header.Set("Authorization", auth)
	}
	status, header, body := p.forward(r, target)
	if isObjects && fault == "" {
		p.mu.Lock()
		p.last = body
		p.mu.Unlock()
	}
	switch {
	case fault == "truncate": // a complete answer, cut in half
		body = body[:len(body)/2]
	case fault == "vanish": // the partner goes away in the middle of the body
		copyHeader(w.Header(), header)
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(status)
		_, _ = w.Write(body[:len(body)/2])
		w.(http.Flusher).Flush()
		panic(http.ErrAbortHandler)
	case fault == "duplicate": // every object twice on the page
		body = rewriteEnvelope(body, func(e map[string]any) {
			if objs, ok := e["objects"].([]any); ok {
				e["objects"] = append(objs, objs...)
			}
		})
	case fault == "foreign-next": // the next token of another collection
		body = rewriteEnvelope(body, func(e map[string]any) { e["more"], e["next"] = true, foreign })
	case isHead && head == "forge": // the head's size edited under its signature
		body = rewriteEnvelope(body, func(e map[string]any) {
			lines := strings.SplitN(e["signed_head"].(string), "\n", 3)
			n, _ := strconv.ParseInt(lines[1], 10, 64)
			lines[1] = strconv.FormatInt(n+1, 10)
			e["signed_head"] = strings.Join(lines, "\n")
		})
	}
	copyHeader(w.Header(), header)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// forward sends r to target and reads the answer.
func (p *faultProxy) forward(r *http.Request, target string) (int, http.Header, []byte) {
	req, err := http.NewRequestWithContext(r.Context(), r.Method, target+r.URL.RequestURI(), r.Body)
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	for _, h := range []string{"Authorization", "Accept", "Content-Type"} {
		if v := r.Header.Get(h); v != "" {
			req.Header.Set(h, v)
		}
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, 64<<20))
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	return res.StatusCode, res.Header, body
}

func copyHeader(dst, src http.Header) {
	for k, vs := range src {
		if k == "Content-Length" {
			continue
		}
		dst[k] = vs
	}
}

func rewriteEnvelope(body []byte, f func(map[string]any)) []byte {
	var e map[string]any
	if err := json.Unmarshal(body, &e); err != nil {
		return body
	}
	f(e)
	out, err := json.Marshal(e)
	if err != nil {
		return body
	}
	return out
}

// serveStore serves a node on store s (the API and TAXII) on loopback.
func serveStore(tb testing.TB, s article5.Store, holder string, clk *clock) *fedNode {
	tb.Helper()
	log := slog.New(slog.DiscardHandler)
	n := &node.Node{Store: s, Log: log, Now: clk.Now, Policy: release.Policy{Holder: holder, Default: stix.TLPAmber,
		Communities: map[string][]string{community: {jpOrg, usOrg}}}}
	h := api.New(n, api.Options{Log: log, Limits: api.Limits{RequestRate: -1, AddressRate: -1, IngestRate: -1}, Now: time.Now,
		Surfaces: []api.Surface{{Pattern: taxii.Prefix, New: func(e api.Edge) http.Handler {
			return taxii.New(n, taxii.Options{Edge: e, Now: clk.Now})
		}}}})
	f := &fedNode{store: s, n: n, clock: clk, srv: httptest.NewServer(h)}
	tb.Cleanup(f.srv.Close)
	return f
}

// status answers a GET of path on f with token ("": none), for "the
// server keeps serving".
func (f *fedNode) status(tb testing.TB, path, token string) int {
	tb.Helper()
	req, err := http.NewRequest("GET", f.srv.URL+path, nil)
	if err != nil {
		tb.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := f.srv.Client().Do(req)
	if err != nil {
		tb.Fatalf("GET %s: %v", path, err)
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, res.Body)
	return res.StatusCode
}

// TestSyncThroughFaults: node US syncs node JP through a proxy that drops,
// delays, duplicates, replays and truncates answers, serves 10 MB of garbage, a
// malformed envelope, the next token of another collection, a body that
// trickles in, and a partner that goes away in the middle of a page; then
// serves the signed tree head of a copy of JP restored from an old backup
// (a log that went back), the same copy grown another way (a forked
// log), and JP's head with its size edited (a bad signature). Each faulty
// sync reports the fault and keeps it for partner list; the response cap
// bounds memory; both servers keep serving; a sync with the proxy healthy
// then holds every object of JP exactly once; each inconsistency of the
// log is an incident: an event for US's organisation (in its events list
// and its webhook, not a stranger's) and a figure of /metrics, while the
// witnessed head is kept as it was; a consistent head closes it; the
// operator may accept a rolled-back log.
func TestSyncThroughFaults(t *testing.T) {
	for _, kind := range storeKinds() {
		t.Run(kind, func(t *testing.T) { testSyncThroughFaults(t, kind) })
	}
}

func testSyncThroughFaults(t *testing.T, kind string) {
	ctx := context.Background()
	r := mustRoots(t)
	jp, us := mustFedNode(t, "sqlite", jpOrg), mustFedNode(t, kind, usOrg)
	jp.n.Roots, us.n.Roots = r.trusted, r.trusted
	if _, err := jp.n.InstallNodeCertificate(ctx, nodeCertificate(t, jp, r.jp)); err != nil {
		t.Fatal(err)
	}
	tok := mustToken(t, jp.store, &article5.Token{Name: "us-node", Party: article5.PartyUS, Org: usOrg, Communities: []string{community}})
	stranger := mustToken(t, us.store, &article5.Token{Name: "stranger", Party: article5.PartyUS, Org: strangerOrg})
	// Webhooks on US: one of US's organisation, one of a stranger's.
	var hooked sync.Map // receiver path → event types received
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var e article5.Event
		if json.Unmarshal(body, &e) == nil {
			v, _ := hooked.LoadOrStore(r.URL.Path, &[]string{})
			*v.(*[]string) = append(*v.(*[]string), e.Type+"/"+e.Partner)
		}
	}))
	t.Cleanup(receiver.Close)
	for _, org := range []string{usOrg, strangerOrg} {
		w := &article5.Webhook{URL: receiver.URL + "/" + org, Secret: "s3cret-" + org[len(org)-4:], Party: article5.PartyUS, Org: org,
			Events: []string{article5.EventPartnerLogInconsistent}}
		if err := us.store.CreateWebhook(ctx, w); err != nil {
			t.Fatal(err)
		}
	}
	px := newFaultProxy(t, jp.srv.URL)
	root, err := taxii.PartnerAPIRoot(px.url)
	if err != nil {
		t.Fatal(err)
	}
	if err := us.store.CreatePartner(ctx, &article5.Partner{Name: "jp", APIRoot: root, Token: tok, SpeaksFor: []string{jpOrg}}); err != nil {
		t.Fatal(err)
	}
	opts := taxii.SyncOptions{Limit: 10, Client: func(p *article5.Partner) (*taxii.Client, error) {
		c, err := taxii.PartnerClient(p)
		if err != nil {
			return nil, err
		}
		c.Timeout, c.MaxResponse = 400*time.Millisecond, 1<<20
		c.Retries, c.Backoff, c.MaxBackoff = 1, time.Millisecond, 2*time.Millisecond
		return c, nil
	}}
	us.clock.Set(time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC))

	// JP adds 20 objects (two instants of 10) before each round.
	var posted []string
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	add := func(round int) {
		for half := 0; half < 2; half++ {
			var objs []string
			for i := 0; i < 10; i++ {
				n := strconv.Itoa(1000 + round*100 + half*10 + i)
				objs = append(objs, fedIndicator(n, "2024-01-01T00:00:00.000Z", jpOrg, tlpGreen, ""))
				posted = append(posted, indicatorID(n))
			}
			if st := jp.post(t, jp.analyst, t0.Add(time.Duration(round*10+half+1)*time.Second), objs...); st.FailureCount != 0 {
				t.Fatalf("seeding JP: %+v", st)
			}
		}
	}
	add(0)
	// A copy of JP as it is now, to be restored later.
	backup := filepath.Join(t.TempDir(), "jp-backup.db")
	if err := jp.store.(*sqlite.DB).Backup(ctx, backup); err != nil {
		t.Fatal(err)
	}
	// The next token of another collection: JP's custody collection, read by JP's analyst.
	custody := root + "collections/" + taxii.CustodyCollectionID(jpOrg) + "/objects/?limit=1"
	custody = strings.Replace(custody, px.url, "", 1)
	page := mustEnvelope(t, (&env{srv: jp.srv}).get(t, jp.analyst, custody))
	if !page.More || page.Next == "" {
		t.Fatalf("no next token from JP's custody collection: %+v", page)
	}
	px.foreignNext = page.Next

	rounds := []struct {
		fault string
		from  int
		want  string // in the error kept; "" for a sync that succeeds
	}{
		{"drop", 2, "EOF"},
		{"delay", 2, "deadline exceeded"},
		{"duplicate", 1, ""},
		{"replay", 2, "the next token it was asked with"},
		{"truncate", 2, "malformed JSON"},
		{"garbage", 2, "larger than 1048576 bytes"},
		{"malformed", 2, "malformed JSON"},
		{"foreign-next", 1, "400"},
		{"slowloris", 2, "deadline exceeded"},
		{"vanish", 2, "unexpected EOF"},
	}
	for i, rd := range rounds {
		add(i + 1)
		px.set(rd.fault, rd.from, "")
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		rep := mustSync(t, us, opts)
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		cr := rep.Collections[0]
		t.Logf("%s: %d pages, error %q", rd.fault, cr.Pages, cr.Error)
		if rd.want == "" {
			if cr.Error != "" {
				t.Fatalf("%s: %s", rd.fault, cr.Error)
			}
		} else if !strings.Contains(cr.Error, rd.want) {
			t.Fatalf("%s: error %q, want it to say %q", rd.fault, cr.Error, rd.want)
		}
		if rd.want != "" && cr.Pages == 0 && rd.from > 1 {
			t.Fatalf("%s: the pages before the fault were not taken in", rd.fault)
		}
		curs, err := us.store.FindPartnerCursors(ctx, "jp")
		if err != nil || len(curs) != 1 || curs[0].LastError != cr.Error {
			t.Fatalf("%s: cursor keeps %q, the sync said %q (%v)", rd.fault, curs[0].LastError, cr.Error, err)
		}
		if w := rep.Witness; w.Error != "" || w.Inconsistent {
			t.Fatalf("%s: witnessing through a healthy head: %+v", rd.fault, w)
		}
		if rd.fault == "garbage" {
			// The 10 MB are read no further than the 1 MiB cap (twice: one retry).
			got := after.TotalAlloc - before.TotalAlloc
			t.Logf("garbage: the sync allocated %d bytes", got)
			if got > garbageSize {
				t.Fatalf("a sync served 10 MB of garbage allocated %d bytes", got)
			}
		}
		if s := jp.status(t, taxii.Prefix, tok); s != http.StatusOK {
			t.Fatalf("%s: JP's discovery answers %d", rd.fault, s)
		}
		if s := us.status(t, "/healthz", ""); s != http.StatusOK {
			t.Fatalf("%s: US's /healthz answers %d", rd.fault, s)
		}
	}

	// Healthy again: everything JP added is held once.
	px.set("", 0, "")
	rep := mustSync(t, us, opts)
	if cr := rep.Collections[0]; cr.Error != "" {
		t.Fatalf("healthy sync: %s", cr.Error)
	}
	for _, id := range posted {
		if vs := us.held(t, id); len(vs) != 1 {
			t.Fatalf("%s is held %d times on US", id, len(vs))
		}
	}
	all, err := us.store.FindObjects(ctx, article5.ObjectFilter{Types: []string{"indicator"}, AllVersions: true, Limit: 1000})
	if err != nil || len(all.Objects) != len(posted) {
		t.Fatalf("US holds %d indicator versions, JP added %d (%v)", len(all.Objects), len(posted), err)
	}
	witnessed := mustHead(t, us, "jp")
	if witnessed.LastError != "" || witnessed.Inconsistencies != 0 {
		t.Fatalf("witnessed head %+v", witnessed)
	}

	// JP restored from the old backup: its log went back.
	fclk := &clock{t: time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)}
	fs, err := sqlite.Open(ctx, backup)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fs.Close() })
	fs.Now = fclk.Now
	fork := serveStore(t, fs, jpOrg, fclk)
	px.mu.Lock()
	px.fork = fork.srv.URL
	px.mu.Unlock()
	inconsistent := func(head, want string, events int) {
		t.Helper()
		px.set("", 0, head)
		rep := mustSync(t, us, opts)
		if w := rep.Witness; !w.Inconsistent || !strings.Contains(w.Reason, want) {
			t.Fatalf("head %s: witness %+v, want an inconsistency saying %q", head, w, want)
		}
		h := mustHead(t, us, "jp")
		if h.Size != witnessed.Size || !bytes.Equal(h.Signed, witnessed.Signed) || h.Inconsistencies != int64(events) ||
			!strings.Contains(h.LastError, want) || len(h.Conflict) == 0 {
			t.Fatalf("head %s: the witnessed head became %+v", head, h)
		}
		var list struct {
			Events []article5.Event `json:"events"`
		}
		res := (&env{srv: us.srv}).do(t, req{path: "/api/v1/events", auth: bearer(us.analyst), accept: "application/json"})
		if err := json.Unmarshal(res.body, &list); err != nil || res.status != http.StatusOK {
			t.Fatalf("events: %d %s", res.status, res.body)
		}
		n := 0
		for _, e := range list.Events {
			if e.Type == article5.EventPartnerLogInconsistent && e.Partner == "jp" && e.Party == article5.PartyJP {
				n++
			}
		}
		if n != events {
			t.Fatalf("head %s: US's analyst sees %d partner-log-inconsistent events, want %d: %s", head, n, events, res.body)
		}
		res = (&env{srv: us.srv}).do(t, req{path: "/api/v1/events", auth: bearer(stranger), accept: "application/json"})
		if res.status != http.StatusOK || strings.Contains(string(res.body), article5.EventPartnerLogInconsistent) {
			t.Fatalf("a stranger sees the partner's events: %d %s", res.status, res.body)
		}
		res = (&env{srv: us.srv}).do(t, req{path: "/metrics", accept: "text/plain"})
		if want := fmt.Sprintf(`article5_partner_log_inconsistencies_total{partner="jp"} %d`, events); !strings.Contains(string(res.body), want) {
			t.Fatalf("/metrics lacks %s", want)
		}
		if !strings.Contains(string(res.body), `article5_partner_log_witness_ok{partner="jp"} 0`) {
			t.Fatalf("/metrics does not say the last witnessing failed")
		}
	}
	inconsistent("fork", "the log went back", 1)
	// The same incident goes on: no new event.
	inconsistent("fork", "the log went back", 1)

	// The restored copy grows another way, past what US witnessed: a fork
	// (still the same incident).
	var objs []string
	for i := 0; i < int(witnessed.Size); i++ {
		objs = append(objs, fedIndicator(strconv.Itoa(90000+i), "2024-01-01T00:00:00.000Z", jpOrg, tlpGreen, ""))
	}
	fork.analyst = mustToken(t, fs, &article5.Token{Name: "analyst", Party: article5.PartyJP, Org: jpOrg})
	fork.post(t, fork.analyst, t0.Add(time.Hour), objs...)
	inconsistent("fork", "does not extend", 1)

	trueHead := func() {
		t.Helper()
		px.set("", 0, "")
		rep := mustSync(t, us, opts)
		if w := rep.Witness; w.Inconsistent || w.Error != "" || w.Previous != witnessed.Size {
			t.Fatalf("witnessing JP's true head again: %+v", w)
		}
		h := mustHead(t, us, "jp")
		if h.LastError != "" || h.ConflictOpen || len(h.Conflict) == 0 {
			t.Fatalf("after JP's true head: %+v", h)
		}
		witnessed = h
	}
	// JP's true head again: witnessed, extending the head kept; the
	// contradicting head stays as evidence.
	trueHead()

	// JP's own head with its size edited: the signature does not verify,
	// a new incident.
	inconsistent("forge", "does not verify", 2)
	trueHead()

	// The partner serves this node's own head (its URL names this node):
	// no witnessing, and no incident.
	px.set("", 0, "fork")
	px.mu.Lock()
	px.fork, px.forkAuth = us.srv.URL, "Bearer "+us.analyst
	px.mu.Unlock()
	if _, err := us.n.InstallNodeCertificate(ctx, nodeCertificate(t, us, r.us)); err != nil {
		t.Fatal(err)
	}
	if w := mustSync(t, us, opts).Witness; w.Inconsistent || !strings.Contains(w.Error, "this node's own key") {
		t.Fatalf("a reflected head: %+v", w)
	}
	px.mu.Lock()
	px.fork, px.forkAuth = fork.srv.URL, ""
	px.mu.Unlock()

	// The Parties agree that JP's log was rolled back: US accepts the
	// contradicting head, and the restored log's later heads extend it.
	inconsistent("fork", "does not extend", 3)
	h, err := us.n.AcceptPartnerHead(ctx, "jp")
	if err != nil || h.ConflictOpen || h.Size == witnessed.Size || !bytes.Equal(h.Signed, h.Conflict) {
		t.Fatalf("accept the contradicting head: %+v, %v", h, err)
	}
	fork.post(t, fork.analyst, t0.Add(2*time.Hour), fedIndicator("99999", "2024-01-01T00:00:00.000Z", jpOrg, tlpGreen, ""))
	if w := mustSync(t, us, opts).Witness; w.Inconsistent || w.Error != "" || w.Previous != h.Size || w.Size <= h.Size {
		t.Fatalf("witnessing after the accepted rollback: %+v", w)
	}
	if _, err := us.n.AcceptPartnerHead(ctx, "nobody"); article5.ErrorCode(err) != article5.ENOTFOUND {
		t.Fatalf("accepting for a partner with no conflict: %v", err)
	}

	// The three incidents went to US's organisation's webhook, none to the stranger's.
	loopback := []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	for i := 0; i < 10; i++ {
		if _, err := us.n.DeliverWebhooks(ctx, node.WebhookOptions{Allow: loopback}); err != nil {
			t.Fatal(err)
		}
	}
	got := func(org string) []string {
		if v, ok := hooked.Load("/" + org); ok {
			return *v.(*[]string)
		}
		return nil
	}
	want := article5.EventPartnerLogInconsistent + "/jp"
	if g := got(usOrg); len(g) != 3 || g[0] != want || g[2] != want {
		t.Fatalf("US's webhook received %v, want 3 × %s", g, want)
	}
	if g := got(strangerOrg); len(g) != 0 {
		t.Fatalf("a stranger's webhook received %v", g)
	}
}
