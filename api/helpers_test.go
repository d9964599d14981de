package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"article5"
	"article5/api"
	"article5/doctrine"
	"article5/examples"
	"article5/node"
	"article5/release"
	"article5/sqlite"
	"article5/stix"
)

const (
	holderOrg   = "identity--1d4a0f0e-7d55-4c1b-9a5e-3f2d8c6b7a01"
	namedToken  = "token--6f1c2b3a-4d5e-4f60-8a7b-9c0d1e2f3a4b"
	damIncident = "incident--095b5314-0149-4487-918a-70bf0ed16d8e"
	damCase     = "grouping--eb902b1f-89f8-47b0-ab8f-a81479941a41"
	ddosCase    = "grouping--534c77e5-fbff-4ac3-bcf0-617de7647fd1"
	tlpRed      = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"
	stixJSON    = "application/stix+json;version=2.1"
)

// env is a node on a real SQLite store behind the API on loopback, with two
// tokens: analyst (the holder's organisation) and named (also the holder's
// organisation, with a fixed id that RED objects may name).
type env struct {
	db      *sqlite.DB
	n       *node.Node
	srv     *httptest.Server
	analyst string
	named   string
	logs    *bytes.Buffer
	lw      *lockedWriter
}

// MustStore opens a fresh SQLite store in tb's temporary directory and
// returns it with the default doctrines.
func MustStore(tb testing.TB) (*sqlite.DB, []*doctrine.Doctrine) {
	tb.Helper()
	db, err := sqlite.Open(context.Background(), tb.TempDir()+"/article5.db")
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
	return db, docs
}

// MustEnv starts an env; maxBody 0 is the default limit.
func MustEnv(tb testing.TB, maxBody int64) *env {
	tb.Helper()
	db, docs := MustStore(tb)
	logs := &bytes.Buffer{}
	lw := &lockedWriter{w: logs}
	log := slog.New(slog.NewJSONHandler(lw, nil))
	n := &node.Node{Store: db, Doctrines: docs, Log: log, Now: time.Now,
		Policy: release.Policy{Holder: holderOrg, Default: stix.TLPAmber}}
	// Shutdown is closed from the start, so that an event stream sends
	// what exists and ends: every route can be probed like a plain GET.
	ended := make(chan struct{})
	close(ended)
	// The quotas are off: tests call faster than any client should
	// (limits_test.go turns them on).
	srv := httptest.NewServer(api.New(n, api.Options{MaxBodyBytes: maxBody, Log: log, Shutdown: ended, Limits: noQuotas}))
	tb.Cleanup(srv.Close)
	e := &env{db: db, n: n, srv: srv, logs: logs, lw: lw}
	e.analyst = MustToken(tb, db, &article5.Token{Name: "analyst", Party: article5.PartyJP, Org: holderOrg})
	e.named = MustToken(tb, db, &article5.Token{ID: namedToken, Name: "named", Party: article5.PartyUS, Org: holderOrg})
	return e
}

// noQuotas turns every request and ingest quota off.
var noQuotas = api.Limits{RequestRate: -1, AddressRate: -1, IngestRate: -1}

// MustToken stores a token and returns its secret.
func MustToken(tb testing.TB, db *sqlite.DB, t *article5.Token) string {
	tb.Helper()
	secret, hash := api.NewToken()
	t.Hash = hash
	if err := db.CreateToken(context.Background(), t); err != nil {
		tb.Fatal(err)
	}
	return secret
}

// lockedWriter serialises writes of concurrent request logs.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// Logs returns the JSON log lines written so far.
func (e *env) Logs() string {
	e.lw.mu.Lock()
	defer e.lw.mu.Unlock()
	return e.logs.String()
}

// response is what a call returned.
type response struct {
	status int
	body   []byte
	header http.Header
}

// do calls the API: token "" sends no Authorization header.
func (e *env) do(tb testing.TB, method, path, token, ctype string, body []byte) response {
	tb.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, e.srv.URL+path, rd)
	if err != nil {
		tb.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	res, err := e.srv.Client().Do(req)
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

// get is do with GET as the analyst.
func (e *env) get(tb testing.TB, path string) response {
	tb.Helper()
	return e.do(tb, "GET", path, e.analyst, "", nil)
}

// ingest posts a bundle as the analyst.
func (e *env) ingest(tb testing.TB, bundle []byte, query string) response {
	tb.Helper()
	return e.do(tb, "POST", "/api/v1/bundles"+query, e.analyst, stixJSON, bundle)
}

// MustRunJobs runs every pending job.
func (e *env) MustRunJobs(tb testing.TB) {
	tb.Helper()
	for i := 0; i < 100; i++ {
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

// errorShape is the API's one error shape.
type errorShape struct {
	Error struct {
		Code    string            `json:"code"`
		Message string            `json:"message"`
		Details []article5.Detail `json:"details"`
	} `json:"error"`
	Result *article5.IngestResult `json:"result"`
}

// MustError checks a response is status in the error shape with code.
func MustError(tb testing.TB, r response, status int, code string) errorShape {
	tb.Helper()
	var e errorShape
	if r.status != status {
		tb.Fatalf("status %d, want %d: %s", r.status, status, r.body)
	}
	if err := json.Unmarshal(r.body, &e); err != nil || e.Error.Code != code || e.Error.Message == "" {
		tb.Fatalf("not the error shape with code %q: %s", code, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		tb.Errorf("Content-Type %q", ct)
	}
	return e
}

// MustDecode decodes a 200 response.
func MustDecode(tb testing.TB, r response, v any) {
	tb.Helper()
	if r.status != http.StatusOK {
		tb.Fatalf("status %d: %s", r.status, r.body)
	}
	if err := json.Unmarshal(r.body, v); err != nil {
		tb.Fatalf("decode: %v: %s", err, r.body)
	}
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

// Only returns a bundle holding only the objects of b with id.
func Only(tb testing.TB, b []byte, id string) []byte {
	tb.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		tb.Fatal(err)
	}
	var keep []any
	for _, o := range m["objects"].([]any) {
		if o.(map[string]any)["id"] == id {
			keep = append(keep, o)
		}
	}
	m["objects"] = keep
	out, err := json.Marshal(m)
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

// Edit decodes a bundle, applies f to the objects with id (all when id is
// "") and re-encodes it.
func Edit(tb testing.TB, bundle []byte, id string, f func(o map[string]any)) []byte {
	tb.Helper()
	var b map[string]any
	if err := json.Unmarshal(bundle, &b); err != nil {
		tb.Fatal(err)
	}
	for _, o := range b["objects"].([]any) {
		if m := o.(map[string]any); id == "" || m["id"] == id {
			f(m)
		}
	}
	out, err := json.Marshal(b)
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }
