package api_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"article5/api"
)

// openAPIDoc is the part of the OpenAPI document the tests read.
type openAPIDoc struct {
	OpenAPI string                                `json:"openapi"`
	Paths   map[string]map[string]json.RawMessage `json:"paths"`
}

// MustOpenAPI fetches and decodes the served OpenAPI document.
func MustOpenAPI(tb testing.TB, e *env) openAPIDoc {
	tb.Helper()
	var doc openAPIDoc
	r := e.do(tb, "GET", "/api/v1/openapi.json", "", "", nil)
	MustDecode(tb, r, &doc)
	if !strings.HasPrefix(doc.OpenAPI, "3.1") {
		tb.Fatalf("openapi %q, want 3.1", doc.OpenAPI)
	}
	return doc
}

// operations lists "METHOD /path" of the document, sorted.
func (d openAPIDoc) operations() []string {
	var ops []string
	for p, item := range d.Paths {
		for m := range item {
			switch m {
			case "get", "put", "post", "delete", "patch", "head", "options", "trace":
				ops = append(ops, strings.ToUpper(m)+" "+p)
			}
		}
	}
	slices.Sort(ops)
	return ops
}

func TestOpenAPIMatchesRoutes(t *testing.T) {
	e := MustEnv(t, 0)
	doc := MustOpenAPI(t, e)
	var routes []string
	for _, r := range api.Routes() {
		routes = append(routes, r.Pattern())
	}
	slices.Sort(routes)
	ops := doc.operations()
	for _, r := range routes {
		if !slices.Contains(ops, r) {
			t.Errorf("route %s is not in openapi.json", r)
		}
	}
	for _, o := range ops {
		if !slices.Contains(routes, o) {
			t.Errorf("openapi.json has %s, which is not a route", o)
		}
	}
	if string(api.OpenAPI()) != string(e.do(t, "GET", "/api/v1/openapi.json", "", "", nil).body[:len(api.OpenAPI())]) {
		t.Error("the served document is not api.OpenAPI()")
	}

	// Probe every documented operation on the live server: the mux must
	// route it (no "no such route" 404, no 405).
	for _, op := range ops {
		method, path, _ := strings.Cut(op, " ")
		path = strings.ReplaceAll(path, "{id}", "grouping--00000000-0000-4000-8000-000000000000")
		r := e.do(t, method, path, e.analyst, "application/json", []byte("{}"))
		if r.status == http.StatusMethodNotAllowed || strings.Contains(string(r.body), "no such route") {
			t.Errorf("%s is documented but not served: %d %s", op, r.status, r.body)
		}
	}
	// And an undocumented path is not served.
	r := e.get(t, "/api/v1/nothing-here")
	if r.status != http.StatusNotFound || !strings.Contains(string(r.body), "no such route") {
		t.Errorf("unknown route: %d %s", r.status, r.body)
	}
}

func TestOpenAPIDocumentsBearerSecurity(t *testing.T) {
	var doc struct {
		Security   []map[string][]string `json:"security"`
		Components struct {
			SecuritySchemes map[string]struct {
				Type, Scheme string
			} `json:"securitySchemes"`
		} `json:"components"`
	}
	if err := json.Unmarshal(api.OpenAPI(), &doc); err != nil {
		t.Fatal(err)
	}
	if s := doc.Components.SecuritySchemes["bearer"]; s.Type != "http" || s.Scheme != "bearer" || len(doc.Security) == 0 {
		t.Errorf("bearer security not documented: %+v", doc)
	}
}
