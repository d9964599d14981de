package api_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"article5"
	"article5/api"
	"article5/node"
	"article5/sqlite"
)

func TestAuth(t *testing.T) {
	e := MustEnv(t, 0)
	for _, p := range []string{"/api/v1/cases", "/api/v1/incidents", "/api/v1/events", "/api/v1/objects/" + damIncident, "/api/v1/cases/" + damCase} {
		MustError(t, e.do(t, "GET", p, "", "", nil), http.StatusUnauthorized, article5.EUNAUTHORIZED)
		MustError(t, e.do(t, "GET", p, "not-a-token", "", nil), http.StatusUnauthorized, article5.EUNAUTHORIZED)
	}
	MustError(t, e.do(t, "POST", "/api/v1/bundles", "", stixJSON, MustExample(t, "dam-control")), http.StatusUnauthorized, article5.EUNAUTHORIZED)
	r := e.do(t, "GET", "/api/v1/cases", "", "", nil)
	if !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Bearer") {
		t.Error("no WWW-Authenticate: Bearer header")
	}
	// Basic instead of Bearer.
	req, _ := http.NewRequest("GET", e.srv.URL+"/api/v1/cases", nil)
	req.Header.Set("Authorization", "Basic "+e.analyst)
	res, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized {
		t.Errorf("Basic: %d", res.StatusCode)
	}
	for _, p := range []string{"/api/v1/openapi.json", "/healthz", "/readyz", "/metrics"} {
		if r := e.do(t, "GET", p, "", "", nil); r.status != http.StatusOK {
			t.Errorf("%s without a token: %d", p, r.status)
		}
	}
}

func TestAStoreThatGoesAway(t *testing.T) {
	e := MustEnv(t, 0)
	ingestResult(t, e.ingest(t, MustExample(t, "dam-control"), ""))
	e.MustRunJobs(t)
	if err := e.db.Close(); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ method, path string }{
		{"GET", "/api/v1/cases"}, {"GET", "/api/v1/cases/" + damCase}, {"GET", "/api/v1/incidents"},
		{"GET", "/api/v1/objects/" + damIncident}, {"GET", "/api/v1/events"}, {"POST", "/api/v1/bundles"},
	} {
		r := e.do(t, c.method, c.path, e.analyst, stixJSON, MustExample(t, "dam-control"))
		er := MustError(t, r, http.StatusInternalServerError, article5.EINTERNAL)
		if er.Error.Message != "internal error" || strings.Contains(string(r.body), "closed") {
			t.Errorf("%s %s leaks the cause: %s", c.method, c.path, r.body)
		}
	}
	MustError(t, e.do(t, "GET", "/readyz", "", "", nil), http.StatusServiceUnavailable, article5.EINTERNAL)
	if r := e.do(t, "GET", "/healthz", "", "", nil); r.status != http.StatusOK {
		t.Errorf("healthz after the store went away: %d", r.status)
	}
	if did, err := e.n.RunJobOnce(context.Background()); did || err == nil {
		t.Errorf("RunJobOnce on a closed store = %v, %v; want an error", did, err)
	}
	if !strings.Contains(e.Logs(), `"level":"ERROR"`) {
		t.Error("the internal errors were not logged")
	}
}

func TestMetrics(t *testing.T) {
	e := MustEnv(t, 0)
	ingestResult(t, e.ingest(t, MustExample(t, "dam-control"), ""))
	e.MustRunJobs(t)
	e.get(t, "/api/v1/cases")
	r := e.do(t, "GET", "/metrics", "", "", nil)
	body := string(r.body)
	for _, want := range []string{
		`article5_http_requests_total{code="200",route="POST /api/v1/bundles"} 1`,
		`article5_http_requests_total{code="200",route="GET /api/v1/cases"} 1`,
		`article5_ingest_objects_total{result="accepted"} 16`,
		`article5_ingest_objects_total{result="rejected"} 0`,
		`article5_jobs_done_total 1`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if !strings.Contains(e.Logs(), `"route":"GET /api/v1/cases"`) {
		t.Error("no request log line with the route pattern")
	}
}

// panickyStore is the real SQLite store with one method that panics, to
// prove a fault in a handler never takes the server down.
type panickyStore struct{ *sqlite.DB }

func (panickyStore) FindEvents(context.Context, article5.EventFilter) ([]article5.Event, error) {
	panic("boom")
}

func TestAPanicIsA500(t *testing.T) {
	e := MustEnv(t, 0)
	n := &node.Node{Store: panickyStore{e.db}, Doctrines: e.n.Doctrines, Policy: e.n.Policy}
	srv := httptest.NewServer(api.New(n, api.Options{}))
	defer srv.Close()
	e.srv = srv
	r := e.get(t, "/api/v1/events")
	er := MustError(t, r, http.StatusInternalServerError, article5.EINTERNAL)
	if strings.Contains(er.Error.Message, "boom") {
		t.Errorf("the panic leaks: %s", r.body)
	}
	if r := e.get(t, "/api/v1/cases"); r.status != http.StatusOK {
		t.Errorf("after the panic: %d %s", r.status, r.body)
	}
}
