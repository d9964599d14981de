package taxii_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"article5"
	"article5/api"
	"article5/internal/testdb"
	"article5/node"
	"article5/release"
	"article5/stix"
	"article5/taxii"
)

const (
	holderOrg   = "identity--1d4a0f0e-7d55-4c1b-9a5e-3f2d8c6b7a01"
	strangerOrg = "identity--5a5a5a5a-0000-4000-8000-000000000001"
	taxiiJSON   = "application/taxii+json;version=2.1"
	root        = "/taxii2/article5/"
	password    = "correct horse battery staple"
	tlpRed      = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"
	tlpClear    = "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"
	tlpGreen    = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
)

var allCol = root + "collections/" + taxii.AllCollectionID + "/"

// clock is a settable clock shared by the node and its store.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// env is a node on a real store behind the API and the TAXII server on
// loopback, with callers: the holder's analyst token, a stranger's token
// (another organisation, which sees CLEAR and what names it), and the
// users alice (analyst of the holder) and olga (observer of the holder),
// whose password is password.
type env struct {
	store    article5.Store
	n        *node.Node
	srv      *httptest.Server
	clock    *clock
	holder   string
	stranger string
}

// storeKinds are the stores a test runs on: SQLite always, PostgreSQL
// when ARTICLE5_TEST_POSTGRES is set.
func storeKinds() []string {
	if os.Getenv("ARTICLE5_TEST_POSTGRES") != "" {
		return []string{"sqlite", "postgres"}
	}
	return []string{"sqlite"}
}

// openStore opens a fresh store of kind and sets its clock.
func openStore(tb testing.TB, kind string, clk *clock) article5.Store {
	tb.Helper()
	if kind == "sqlite" {
		db := testdb.SQLite(tb)
		if clk != nil {
			db.Now = clk.Now
		}
		return db
	}
	db := testdb.Postgres(tb, "taxii")
	if clk != nil {
		db.Now = clk.Now
	}
	return db
}

// mustEnv starts an env on a store of kind.
func mustEnv(tb testing.TB, kind string) *env {
	tb.Helper()
	clk := &clock{t: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)}
	s := openStore(tb, kind, clk)
	return mustEnvOn(tb, s, clk, api.Limits{RequestRate: -1, AddressRate: -1, IngestRate: -1})
}

func mustEnvOn(tb testing.TB, s article5.Store, clk *clock, limits api.Limits) *env {
	tb.Helper()
	log := slog.New(slog.DiscardHandler)
	n := &node.Node{Store: s, Log: log, Now: clk.Now, Policy: release.Policy{Holder: holderOrg, Default: stix.TLPAmber}}
	h := api.New(n, api.Options{Log: log, Limits: limits, Now: time.Now,
		Surfaces: []api.Surface{{Pattern: taxii.Prefix, New: func(e api.Edge) http.Handler {
			return taxii.New(n, taxii.Options{Edge: e, Now: clk.Now})
		}}}})
	srv := httptest.NewServer(h)
	tb.Cleanup(srv.Close)
	e := &env{store: s, n: n, srv: srv, clock: clk}
	e.holder = mustToken(tb, s, &article5.Token{Name: "holder", Party: article5.PartyJP, Org: holderOrg})
	e.stranger = mustToken(tb, s, &article5.Token{Name: "stranger", Party: article5.PartyUS, Org: strangerOrg})
	for _, u := range []*article5.User{
		{Name: "alice", Party: article5.PartyJP, Roles: []article5.Role{article5.RoleAnalyst}, Org: holderOrg},
		{Name: "olga", Party: article5.PartyJP, Roles: []article5.Role{article5.RoleObserver}, Org: holderOrg},
	} {
		u.PasswordHash = api.HashPassword(password)
		if err := s.CreateUser(context.Background(), u); err != nil {
			tb.Fatal(err)
		}
	}
	return e
}

func mustToken(tb testing.TB, s article5.Store, t *article5.Token) string {
	tb.Helper()
	secret, hash := api.NewToken()
	t.Hash = hash
	if err := s.CreateToken(context.Background(), t); err != nil {
		tb.Fatal(err)
	}
	return secret
}

// response is what a call returned.
type response struct {
	status int
	body   []byte
	header http.Header
}

// req is one request: auth is "Bearer <token>", "Basic …" or "".
type req struct {
	method, path, auth, accept, ctype string
	body                              []byte
}

func (e *env) do(tb testing.TB, r req) response {
	tb.Helper()
	if r.method == "" {
		r.method = "GET"
	}
	var rd io.Reader
	if r.body != nil {
		rd = bytes.NewReader(r.body)
	}
	hr, err := http.NewRequest(r.method, e.srv.URL+r.path, rd)
	if err != nil {
		tb.Fatal(err)
	}
	if r.auth != "" {
		hr.Header.Set("Authorization", r.auth)
	}
	if r.accept != "" {
		hr.Header.Set("Accept", r.accept)
	} else {
		hr.Header.Set("Accept", taxiiJSON)
	}
	if r.ctype != "" {
		hr.Header.Set("Content-Type", r.ctype)
	}
	res, err := e.srv.Client().Do(hr)
	if err != nil {
		tb.Fatal(err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return response{status: res.StatusCode, body: data, header: res.Header}
}

func bearer(token string) string { return "Bearer " + token }

// get is a GET as token.
func (e *env) get(tb testing.TB, token, path string) response {
	tb.Helper()
	return e.do(tb, req{path: path, auth: bearer(token)})
}

// post posts an envelope of objs as token.
func (e *env) post(tb testing.TB, token, path string, objs ...string) response {
	tb.Helper()
	body := []byte(`{"objects":[` + join(objs) + `]}`)
	return e.do(tb, req{method: "POST", path: path, auth: bearer(token), ctype: taxiiJSON, body: body})
}

func join(objs []string) string {
	var b bytes.Buffer
	for i, o := range objs {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(o)
	}
	return b.String()
}

// mustIngestAt stores objs (one bundle) as the holder, added at t.
func (e *env) mustIngestAt(tb testing.TB, t time.Time, objs ...string) {
	tb.Helper()
	e.clock.Set(t)
	r := e.post(tb, e.holder, allCol+"objects/", objs...)
	st := mustStatus(tb, r, http.StatusAccepted)
	if st.FailureCount != 0 || st.SuccessCount != len(objs) {
		tb.Fatalf("ingest: %s", r.body)
	}
}

// envelope is a TAXII envelope as a client reads it.
type envelope struct {
	More    bool              `json:"more"`
	Next    string            `json:"next"`
	Objects []json.RawMessage `json:"objects"`
}

type manifest struct {
	More    bool   `json:"more"`
	Next    string `json:"next"`
	Objects []struct {
		ID        string `json:"id"`
		DateAdded string `json:"date_added"`
		Version   string `json:"version"`
		MediaType string `json:"media_type"`
	} `json:"objects"`
}

type versions struct {
	More     bool     `json:"more"`
	Next     string   `json:"next"`
	Versions []string `json:"versions"`
}

type status struct {
	ID           string `json:"id"`
	Status       string `json:"status"`
	TotalCount   int    `json:"total_count"`
	SuccessCount int    `json:"success_count"`
	FailureCount int    `json:"failure_count"`
	PendingCount int    `json:"pending_count"`
	Successes    []struct {
		ID, Version, Message string
	} `json:"successes"`
	Failures []struct {
		ID, Version, Message string
	} `json:"failures"`
}

type taxiiError struct {
	Title       string         `json:"title"`
	Description string         `json:"description"`
	ErrorID     string         `json:"error_id"`
	ErrorCode   string         `json:"error_code"`
	HTTPStatus  string         `json:"http_status"`
	Details     map[string]any `json:"details"`
}

// mustTAXII checks a response is status with the TAXII media type and
// decodes its body into v.
func mustTAXII(tb testing.TB, r response, status int, v any) {
	tb.Helper()
	if r.status != status {
		_, file, line, _ := runtime.Caller(1)
		tb.Fatalf("%s:%d: status %d, want %d: %s", filepath.Base(file), line, r.status, status, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != taxiiJSON {
		tb.Fatalf("Content-Type %q, want %q", ct, taxiiJSON)
	}
	if v != nil {
		if err := json.Unmarshal(r.body, v); err != nil {
			tb.Fatalf("decode %s: %v", r.body, err)
		}
	}
}

func mustEnvelope(tb testing.TB, r response) envelope {
	tb.Helper()
	var e envelope
	mustTAXII(tb, r, http.StatusOK, &e)
	return e
}

func mustStatus(tb testing.TB, r response, code int) status {
	tb.Helper()
	var s status
	mustTAXII(tb, r, code, &s)
	return s
}

// mustError checks a response is a TAXII error message with status.
func mustError(tb testing.TB, r response, code int) taxiiError {
	tb.Helper()
	var e taxiiError
	mustTAXII(tb, r, code, &e)
	if e.Title == "" || e.HTTPStatus != strconv.Itoa(code) || e.ErrorID == "" {
		tb.Fatalf("not a TAXII error message for %d: %s", code, r.body)
	}
	return e
}

// ids returns the ids (and versions) of an envelope's objects.
func ids(tb testing.TB, e envelope) []string {
	tb.Helper()
	var out []string
	for _, raw := range e.Objects {
		var o struct {
			ID       string `json:"id"`
			Modified string `json:"modified"`
		}
		if err := json.Unmarshal(raw, &o); err != nil {
			tb.Fatal(err)
		}
		out = append(out, o.ID)
	}
	return out
}

func sorted(ss []string) []string {
	ss = append([]string(nil), ss...)
	sort.Strings(ss)
	return ss
}
