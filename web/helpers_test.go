package web_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"article5"
	"article5/api"
	"article5/doctrine"
	"article5/examples"
	"article5/node"
	"article5/release"
	"article5/sign"
	"article5/sqlite"
	"article5/stix"
	"article5/web"
)

const (
	jpOrg    = "identity--1d4a0f0e-7d55-4c1b-9a5e-3f2d8c6b7a01"
	usOrg    = "identity--2e5b1f1f-8e66-4d2c-8b6c-4f3e9d7c8b02"
	password = "correct horse battery staple"
	// redName is the name given to the RED U.S. case and incident: it must
	// appear nowhere a JP user can look.
	redName = "ZULU-RED-CANARY"
)

// env is a node on a real store (SQLite unless envOn is given another)
// with the API and the web UI on one loopback listener, and users:
// jp-analyst, jp-observer, jp-legal, us-analyst.
type env struct {
	db     article5.Store
	n      *node.Node
	srv    *httptest.Server
	holder string                           // the JP users' organisation
	roots  map[article5.Party]*sign.RootKey // MustApprovers
}

// MustEnv starts an env on a new SQLite store; opts, if given, configure
// the web interface.
func MustEnv(tb testing.TB, opts ...web.Options) *env {
	tb.Helper()
	db, err := sqlite.Open(context.Background(), tb.TempDir()+"/article5.db")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return envOn(tb, db, jpOrg, opts...)
}

// envOn starts an env on store db, whose node's release policy holds for
// organisation holder; the JP users belong to holder.
func envOn(tb testing.TB, db article5.Store, holder string, opts ...web.Options) *env {
	tb.Helper()
	var docs []*doctrine.Doctrine
	for _, id := range doctrine.DefaultIDs {
		d, err := doctrine.Default(id)
		if err != nil {
			tb.Fatal(err)
		}
		docs = append(docs, d)
	}
	n := &node.Node{Store: db, Doctrines: docs, Now: time.Now,
		Policy: release.Policy{Holder: holder, Default: stix.TLPAmber, Clients: map[string][]string{holder: {usOrg}}}}
	// Event streams end when the test ends (before the server closes,
	// which waits for them).
	ended := make(chan struct{})
	h := api.New(n, api.Options{Shutdown: ended, Limits: api.Limits{RequestRate: -1, AddressRate: -1, IngestRate: -1},
		UI: func(s api.Sessions) http.Handler {
			var o web.Options
			if len(opts) > 0 {
				o = opts[0]
			}
			return web.New(n, s, o)
		}})
	srv := httptest.NewServer(h)
	tb.Cleanup(srv.Close)
	tb.Cleanup(func() { close(ended) }) // runs first: cleanups run last-in first-out
	e := &env{db: db, n: n, srv: srv, holder: holder}
	for _, u := range []article5.User{
		{Name: "jp-analyst", Party: article5.PartyJP, Roles: []article5.Role{article5.RoleAnalyst}, Org: holder},
		{Name: "jp-observer", Party: article5.PartyJP, Roles: []article5.Role{article5.RoleObserver}, Org: holder},
		{Name: "jp-legal", Party: article5.PartyJP, Roles: []article5.Role{article5.RoleLegal}, Org: holder},
		{Name: "us-analyst", Party: article5.PartyUS, Roles: []article5.Role{article5.RoleAnalyst}, Org: usOrg},
	} {
		u.PasswordHash = api.HashPassword(password)
		if err := db.CreateUser(context.Background(), &u); err != nil {
			tb.Fatal(err)
		}
	}
	return e
}

// MustIngest ingests a bundle as the named user and assesses what it queued.
func (e *env) MustIngest(tb testing.TB, user string, bundle []byte) {
	tb.Helper()
	ctx := context.Background()
	u, err := e.db.FindUserByName(ctx, user)
	if err != nil {
		tb.Fatal(err)
	}
	res, err := e.n.Ingest(ctx, node.IngestRequest{Principal: article5.Principal{ID: u.ID, Org: u.Org},
		Recipient: release.Recipient{Party: u.Party, Org: u.Org, Subject: u.ID}, Data: bundle, Atomic: true})
	if err != nil {
		tb.Fatalf("ingest as %s: %v", user, err)
	}
	if len(res.Rejected) > 0 {
		tb.Fatalf("ingest as %s: rejected %+v", user, res.Rejected)
	}
	e.MustRunJobs(tb)
}

// MustRunJobs runs every pending job (assessments).
func (e *env) MustRunJobs(tb testing.TB) {
	tb.Helper()
	for range 100 {
		did, err := e.n.RunJobOnce(context.Background())
		if err != nil {
			tb.Fatal(err)
		}
		if !did {
			return
		}
	}
	tb.Fatal("jobs never ran out")
}

// MustExample returns a built-in example bundle.
func MustExample(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := examples.Read(name)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// RedUS returns example name as a U.S. TLP:RED bundle: every object
// created by the U.S. organisation, marked RED without named recipients,
// its case and incident renamed redName (so only the U.S. organisation
// may see any of it).
func RedUS(tb testing.TB, name string) []byte {
	tb.Helper()
	var b map[string]any
	if err := json.Unmarshal(MustExample(tb, name), &b); err != nil {
		tb.Fatal(err)
	}
	for _, o := range b["objects"].([]any) {
		m := o.(map[string]any)
		m["created_by_ref"] = usOrg
		m["object_marking_refs"] = []any{stix.TLPRedID}
		switch m["type"] {
		case "grouping":
			m["name"] = redName + " case"
		case "incident":
			m["name"] = redName + " incident"
			m["description"] = redName + " description"
		}
	}
	out, err := json.Marshal(b)
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

// client is a browser-like HTTP client with a cookie jar that does not
// follow redirects.
type client struct {
	e    *env
	c    *http.Client
	lang string
}

func (e *env) client(tb testing.TB, lang string) *client {
	tb.Helper()
	jar, _ := cookiejar.New(nil)
	return &client{e: e, lang: lang, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

type response struct {
	status int
	body   string
	header http.Header
}

func (c *client) do(tb testing.TB, method, path string, form url.Values) response {
	tb.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, c.e.srv.URL+path, body)
	if err != nil {
		tb.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if c.lang != "" {
		req.Header.Set("Accept-Language", c.lang)
	}
	res, err := c.c.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return response{status: res.StatusCode, body: string(b), header: res.Header}
}

func (c *client) get(tb testing.TB, path string) response {
	tb.Helper()
	return c.do(tb, "GET", path, nil)
}

// MustLogin logs the client in as name.
func (c *client) MustLogin(tb testing.TB, name string) {
	tb.Helper()
	p := c.do(tb, "POST", "/login", url.Values{"name": {name}, "password": {password}, "next": {"/"}})
	if p.status != http.StatusSeeOther {
		tb.Fatalf("login as %s: %d %.300s", name, p.status, p.body)
	}
}
