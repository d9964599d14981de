package web_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"article5/web"
)

// TestEveryPageHasItsTemplate fails if a page of web.Pages lacks its
// template file, or a template file is no page (nor the layout).
func TestEveryPageHasItsTemplate(t *testing.T) {
	if _, err := web.ParsePages(); err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob("templates/*.html")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".html")
		if name != "layout" && !slices.Contains(web.Pages, name) {
			t.Errorf("templates/%s.html is not a page of web.Pages", name)
		}
	}
	for _, p := range web.Pages {
		if _, err := os.Stat("templates/" + p + ".html"); err != nil {
			t.Errorf("page %q has no template: %v", p, err)
		}
	}
}

// TestCatalogue checks the message catalogue: both languages have the same
// keys, every key the templates and code name literally exists, the
// glossary's terms are used consistently, and no tier is labelled with the
// names of the situations the Cabinet recognises.
func TestCatalogue(t *testing.T) {
	cat, err := web.Messages()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range web.Languages {
		for _, o := range web.Languages {
			for k := range cat[l] {
				if _, ok := cat[o][k]; !ok {
					t.Errorf("key %q is in %s but not in %s", k, l, o)
				}
			}
		}
	}
	var used []string
	for _, glob := range []string{"templates/*.html", "*.go"} {
		files, _ := filepath.Glob(glob)
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			re := regexp.MustCompile(`T "([a-z][a-zA-Z0-9._-]*)"`)
			if strings.HasSuffix(f, ".go") {
				re = regexp.MustCompile(`"((?:error|login|intake\.err|search\.err|awaiting|case\.flash)\.[a-z.]+[a-z])"`)
			}
			for _, m := range re.FindAllStringSubmatch(string(b), -1) {
				used = append(used, m[1])
			}
		}
	}
	for _, k := range used {
		if _, ok := cat["en"][k]; !ok {
			t.Errorf("key %q is used but not in the catalogue", k)
		}
	}
	for k, v := range cat["ja"] {
		for _, bad := range []string{"武力攻撃事態", "存立危機事態"} {
			if strings.Contains(v, bad) {
				t.Errorf("ja %q uses %s: tiers are findings, not situations the Cabinet recognises", k, bad)
			}
		}
	}
	terms, err := web.Glossary()
	if err != nil {
		t.Fatal(err)
	}
	if len(terms) < 10 {
		t.Fatalf("glossary has %d terms", len(terms))
	}
	for _, g := range terms {
		if g.EN == "" || g.JA == "" || g.Source == "" {
			t.Errorf("glossary term %+v lacks a language or its source", g)
		}
		for k, en := range cat["en"] {
			if strings.Contains(strings.ToLower(en), strings.ToLower(g.EN)) && !strings.Contains(cat["ja"][k], g.JA) {
				t.Errorf("%q: en %q uses %q but ja %q does not use %q (glossary)", k, en, g.EN, cat["ja"][k], g.JA)
			}
		}
	}
}

// TestLoginAndHeaders: pages need a login, the login form logs in with the
// node's users and sets the session cookie HttpOnly and SameSite=Lax, every
// response carries the CSP, and a wrong password is refused.
func TestLoginAndHeaders(t *testing.T) {
	e := MustEnv(t)
	c := e.client(t, "en")
	p := c.get(t, "/")
	if p.status != http.StatusSeeOther || !strings.HasPrefix(p.header.Get("Location"), "/login") {
		t.Fatalf("GET / without login: %d %s", p.status, p.header.Get("Location"))
	}
	p = c.get(t, "/login")
	if p.status != 200 || !strings.Contains(p.body, `name="password"`) {
		t.Fatalf("login page: %d %.300s", p.status, p.body)
	}
	if csp := p.header.Get("Content-Security-Policy"); csp != web.CSP || strings.Contains(csp, "unsafe") {
		t.Errorf("CSP %q", csp)
	}
	bad := c.do(t, "POST", "/login", url.Values{"name": {"jp-analyst"}, "password": {"wrong"}})
	if bad.status != http.StatusUnauthorized || !strings.Contains(bad.body, "Wrong user name or password") {
		t.Errorf("wrong password: %d %.300s", bad.status, bad.body)
	}
	req, _ := http.NewRequest("POST", e.srv.URL+"/login", strings.NewReader(url.Values{"name": {"jp-analyst"}, "password": {password}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := c.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	var session *http.Cookie
	for _, ck := range res.Cookies() {
		if ck.Name == "article5_session" {
			session = ck
		}
	}
	if session == nil || !session.HttpOnly || session.SameSite != http.SameSiteLaxMode || session.Path != "/" {
		t.Fatalf("session cookie %+v", session)
	}
	p = c.get(t, "/")
	if p.status != 200 || !strings.Contains(p.body, "jp-analyst") {
		t.Fatalf("dashboard after login: %d %.300s", p.status, p.body)
	}
	// After login the browser goes only to a page of this site.
	other := e.client(t, "en")
	for _, next := range []string{"//evil.example/", "https://evil.example/", "/\\evil.example"} {
		r := other.do(t, "POST", "/login", url.Values{"name": {"jp-observer"}, "password": {password}, "next": {next}})
		if r.status != http.StatusSeeOther || r.header.Get("Location") != "/" {
			t.Errorf("login with next=%q sends the browser to %q", next, r.header.Get("Location"))
		}
	}
	// The API answers the same session.
	if a := c.get(t, "/api/v1/me"); a.status != 200 || !strings.Contains(a.body, "jp-analyst") {
		t.Errorf("API with the UI's session: %d %.200s", a.status, a.body)
	}
	if a := c.get(t, "/api/v1/nothing"); a.status != 404 || !strings.Contains(a.body, `"not_found"`) {
		t.Errorf("unknown API route: %d %.200s", a.status, a.body)
	}
}

// TestCrossOriginFormRefused: a form posted from another site is refused
// and changes nothing.
func TestCrossOriginFormRefused(t *testing.T) {
	e := MustEnv(t)
	c := e.client(t, "en")
	c.MustLogin(t, "jp-analyst")
	req, _ := http.NewRequest("POST", e.srv.URL+"/logout", nil)
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	req.Header.Set("Origin", "https://evil.example")
	res, err := c.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-site POST /logout: %d, want 403", res.StatusCode)
	}
	if p := c.get(t, "/"); p.status != 200 {
		t.Fatalf("the session ended anyway: %d", p.status)
	}
}

// TestLanguage: Accept-Language chooses, the switch is remembered in a
// cookie, and the default is Japanese.
func TestLanguage(t *testing.T) {
	e := MustEnv(t)
	for _, tc := range []struct{ accept, want string }{{"en-US,en;q=0.9", `lang="en"`}, {"ja", `lang="ja"`}, {"", `lang="ja"`}, {"fr", `lang="ja"`}} {
		c := e.client(t, tc.accept)
		if p := c.get(t, "/login"); !strings.Contains(p.body, "<html "+tc.want) {
			t.Errorf("Accept-Language %q: want %s", tc.accept, tc.want)
		}
	}
	c := e.client(t, "en")
	p := c.do(t, "POST", "/lang", url.Values{"lang": {"ja"}, "back": {"/login"}})
	if p.status != http.StatusSeeOther || p.header.Get("Location") != "/login" {
		t.Fatalf("switch: %d %s", p.status, p.header.Get("Location"))
	}
	if p := c.get(t, "/login"); !strings.Contains(p.body, `<html lang="ja"`) || !strings.Contains(p.body, "ログイン") {
		t.Errorf("the switch to ja was not remembered")
	}
	p = c.do(t, "POST", "/lang", url.Values{"lang": {"en"}, "back": {"//evil.example/"}})
	if p.header.Get("Location") != "/" {
		t.Errorf("switch sent the browser to %q", p.header.Get("Location"))
	}
}

// TestIntakeFilesSTIX: the intake form validates next to the fields, then
// stores an incident with article5's extension through ingest; its case is
// assessed and shown, and the incident is on the dashboard map.
func TestIntakeFilesSTIX(t *testing.T) {
	e := MustEnv(t)
	c := e.client(t, "en")
	c.MustLogin(t, "jp-analyst")
	p := c.do(t, "POST", "/incidents/new", url.Values{"name": {""}, "domain": {"cyber"}, "tlp": {"AMBER"}, "lat": {"95"}, "party_jp": {"1"}})
	if p.status != http.StatusBadRequest {
		t.Fatalf("invalid form: %d", p.status)
	}
	for _, want := range []string{`id="e-name"`, `id="e-start"`, `id="e-lat"`, `aria-invalid="true"`} {
		if !strings.Contains(p.body, want) {
			t.Errorf("invalid form lacks %s", want)
		}
	}
	form := url.Values{"name": {"Grid operator wiper"}, "domain": {"cyber"}, "party_jp": {"1"}, "start": {"2026-11-30T09:00"},
		"lat": {"43.06"}, "lon": {"141.35"}, "precision": {"1000"}, "deaths": {"0"}, "injuries": {"0"}, "sector_jp": {"electric-power"},
		"operation": {"destruction"}, "activity": {"ended"}, "actor": {"Unit X"}, "legal_basis": {"state-organ"}, "confidence": {"80"},
		"state_name": {"State X"}, "tlp": {"AMBER"}, "action": {"preview"}}
	p = c.do(t, "POST", "/incidents/new", form)
	if p.status != 200 || !strings.Contains(p.body, `class="tier tier-`) {
		t.Fatalf("preview: %d %.500s", p.status, p.body)
	}
	form.Set("action", "file")
	p = c.do(t, "POST", "/incidents/new", form)
	if p.status != http.StatusSeeOther || !strings.HasPrefix(p.header.Get("Location"), "/cases/grouping--") {
		t.Fatalf("file: %d %s %.500s", p.status, p.header.Get("Location"), p.body)
	}
	casePath := strings.TrimSuffix(p.header.Get("Location"), "?done=filed")
	cp := c.get(t, p.header.Get("Location"))
	if cp.status != 200 || !strings.Contains(cp.body, "Grid operator wiper") || !strings.Contains(cp.body, "Schmitt factors") {
		t.Fatalf("case page: %d %.500s", cp.status, cp.body)
	}
	// The stored incident is STIX with article5's extension.
	id := strings.TrimPrefix(casePath, "/cases/")
	a := c.get(t, "/api/v1/objects/"+id)
	if a.status != 200 {
		t.Fatalf("API grouping: %d", a.status)
	}
	var gs []struct {
		ObjectRefs []string `json:"object_refs"`
	}
	json.Unmarshal([]byte(a.body), &gs)
	if len(gs) != 1 || len(gs[0].ObjectRefs) != 1 {
		t.Fatalf("grouping %.300s", a.body)
	}
	g := gs[0]
	inc := c.get(t, "/api/v1/objects/"+g.ObjectRefs[0])
	if !strings.Contains(inc.body, `"extension-definition--7e1ad871-e324-4401-b26f-04600fa74dcd"`) || !strings.Contains(inc.body, `"electric-power"`) {
		t.Errorf("stored incident: %.600s", inc.body)
	}
	d := c.get(t, "/")
	if !strings.Contains(d.body, `data-incident="`+g.ObjectRefs[0]+`"`) {
		t.Errorf("the incident is not on the dashboard map")
	}
	for q, want := range map[string]bool{"sector=electric-power": true, "sector=ports": false, "party=JP": true, "party=US": false,
		"sector=electric-power&party=JP&q=wiper": true, "q=nothing-like-it": false} {
		if got := strings.Contains(c.get(t, "/search?"+q).body, "Grid operator wiper"); got != want {
			t.Errorf("search %s finds the filed incident: %v, want %v", q, got, want)
		}
	}
	if r := c.get(t, "/search?sector=nuclear-winter"); r.status != http.StatusBadRequest || !strings.Contains(r.body, `id="e-sector"`) {
		t.Errorf("unknown sector: %d", r.status)
	}
	if n := strings.Count(d.body, `class="tcount">1<`); n != 1 || strings.Count(d.body, `class="tcount">`) != 13 {
		t.Errorf("the timeline does not show 13 weeks with the one incident in one of them: %d, %d", n, strings.Count(d.body, `class="tcount">`))
	}
}

// TestObserverCannotAct: an observer sees the intake form refused and no
// consultation actions.
func TestObserverCannotAct(t *testing.T) {
	e := MustEnv(t)
	e.MustIngest(t, "jp-analyst", MustExample(t, "port-ransomware"))
	c := e.client(t, "en")
	c.MustLogin(t, "jp-observer")
	if p := c.get(t, "/incidents/new"); p.status != http.StatusForbidden {
		t.Errorf("observer intake: %d", p.status)
	}
	p := c.get(t, "/search?q=Nagoya")
	m := regexp.MustCompile(`href="/cases/(grouping--[0-9a-f-]+)"`).FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("observer search found no case: %.500s", p.body)
	}
	cp := c.get(t, "/cases/"+m[1])
	if cp.status != 200 || strings.Contains(cp.body, `action="/cases/`+m[1]+`/`) {
		t.Errorf("observer case page: %d, or offers actions", cp.status)
	}
	if a := c.do(t, "POST", "/cases/"+m[1]+"/open", url.Values{}); a.status != http.StatusForbidden {
		t.Errorf("observer opening a consultation: %d", a.status)
	}
}

// TestRedStaysRed: a U.S. TLP:RED case appears nowhere in the pages of a
// JP user (dashboard counts, map, lists, search, case page), and its case
// page answers exactly like a case that does not exist; the U.S. analyst
// sees it.
func TestRedStaysRed(t *testing.T) {
	e := MustEnv(t)
	e.MustIngest(t, "jp-analyst", MustExample(t, "port-ransomware"))
	e.MustIngest(t, "us-analyst", RedUS(t, "dam-control"))
	us := e.client(t, "en")
	us.MustLogin(t, "us-analyst")
	ud := us.get(t, "/search?q="+redName)
	m := regexp.MustCompile(`href="/cases/(grouping--[0-9a-f-]+)"`).FindStringSubmatch(ud.body)
	if m == nil {
		t.Fatalf("the U.S. analyst cannot find the RED case: %.500s", ud.body)
	}
	redCase := m[1]
	if d := us.get(t, "/"); !strings.Contains(d.body, redName) || !strings.Contains(d.body, `class="tlp tlp-red"`) {
		t.Errorf("the U.S. dashboard does not show the RED case under a RED banner")
	}
	for _, who := range []string{"jp-observer", "jp-analyst"} {
		c := e.client(t, "en")
		c.MustLogin(t, who)
		for _, path := range []string{"/", "/search?q=" + redName, "/search?q=dam", "/search?tier=armed-attack-possible", "/search?q=", "/cases/" + redCase, "/incidents/new"} {
			// The page may echo the request's own URL (search field,
			// language switch); nothing else may name the RED case.
			p := c.get(t, path)
			body := strings.ReplaceAll(p.body, html.EscapeString(path), "")
			body = strings.ReplaceAll(body, `value="`+redName+`"`, "")
			if strings.Contains(body, redName) || strings.Contains(body, redCase) || strings.Contains(body, `class="tlp tlp-red"`) {
				t.Errorf("%s GET %s shows the RED case", who, path)
			}
		}
		gone := c.get(t, "/cases/"+redCase)
		none := c.get(t, "/cases/grouping--00000000-0000-4000-8000-000000000000")
		goneBody := strings.ReplaceAll(gone.body, redCase, "ID")
		noneBody := strings.ReplaceAll(none.body, "grouping--00000000-0000-4000-8000-000000000000", "ID")
		if gone.status != http.StatusNotFound || gone.status != none.status || goneBody != noneBody {
			t.Errorf("%s: the RED case answers %d, a missing case %d", who, gone.status, none.status)
		}
		d := c.get(t, "/")
		if !strings.Contains(d.body, "1 open cases") {
			t.Errorf("%s: the dashboard does not count exactly the one visible case", who)
		}
	}
}

// TestHTMXVendored: the layout loads the vendored htmx of HTMXVersion,
// which is there with its licence.
func TestHTMXVendored(t *testing.T) {
	layout, err := os.ReadFile("templates/layout.html")
	if err != nil {
		t.Fatal(err)
	}
	js := "static/htmx-" + web.HTMXVersion + ".min.js"
	if !strings.Contains(string(layout), `src="/`+js+`"`) {
		t.Errorf("the layout does not load /%s", js)
	}
	for _, f := range []string{js, "static/htmx-LICENSE.txt"} {
		if _, err := os.Stat(f); err != nil {
			t.Error(err)
		}
	}
	if !strings.Contains(string(layout), `"includeIndicatorStyles":false`) || !strings.Contains(string(layout), `"allowEval":false`) {
		t.Error("htmx is not configured with includeIndicatorStyles and allowEval off")
	}
}

// TestPageWeight: the heaviest page, the dashboard with its map, weighs
// less than 300 KB with its stylesheet, script and icon, uncompressed.
func TestPageWeight(t *testing.T) {
	e := MustEnv(t)
	e.MustIngest(t, "jp-analyst", MustExample(t, "hospital-series"))
	c := e.client(t, "ja")
	c.MustLogin(t, "jp-analyst")
	total := 0
	for _, p := range []string{"/", "/static/style.css", "/static/htmx-" + web.HTMXVersion + ".min.js", "/static/favicon.svg"} {
		r := c.get(t, p)
		if r.status != 200 {
			t.Fatalf("GET %s: %d", p, r.status)
		}
		total += len(r.body)
	}
	t.Logf("dashboard with its files: %d bytes", total)
	if total > 300<<10 {
		t.Errorf("the dashboard weighs %d bytes with its files, more than 300 KB", total)
	}
}

// TestSecureCookieUnderTLS: over TLS the session cookie is Secure too.
func TestSecureCookieUnderTLS(t *testing.T) {
	e := MustEnv(t)
	tls := httptest.NewTLSServer(e.srv.Config.Handler)
	defer tls.Close()
	cl := tls.Client()
	cl.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	res, err := cl.PostForm(tls.URL+"/login", url.Values{"name": {"jp-analyst"}, "password": {password}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	var ok bool
	for _, c := range res.Cookies() {
		if c.Name == "article5_session" {
			ok = c.Secure && c.HttpOnly && c.SameSite == http.SameSiteLaxMode
		}
	}
	if res.StatusCode != http.StatusSeeOther || !ok {
		t.Errorf("login over TLS: %d, session cookie Secure, HttpOnly, SameSite=Lax: %v", res.StatusCode, ok)
	}
}

// TestUploadReports: a bundle uploaded through the form is stored as the
// API stores it, and the page reports what was accepted and what was
// rejected, naming the object and the property at fault; an observer may
// not upload.
func TestUploadReports(t *testing.T) {
	e := MustEnv(t)
	c := e.client(t, "en")
	c.MustLogin(t, "jp-analyst")
	upload := func(c *client, data []byte) response {
		t.Helper()
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		fw, _ := mw.CreateFormFile("bundle", "bundle.json")
		fw.Write(data)
		mw.Close()
		req, _ := http.NewRequest("POST", e.srv.URL+"/incidents/upload", &body)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("Accept-Language", "en")
		res, err := c.c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return response{status: res.StatusCode, body: string(b), header: res.Header}
	}
	var b map[string]any
	json.Unmarshal(MustExample(t, "port-ransomware"), &b)
	objs := b["objects"].([]any)
	bad := objs[len(objs)-1].(map[string]any)
	bad["created"] = "yesterday"
	data, _ := json.Marshal(b)
	r := upload(c, data)
	if r.status != 200 || !strings.Contains(r.body, "Rejected: 1 objects") || !strings.Contains(r.body, `id="rejected"`) ||
		!strings.Contains(r.body, bad["id"].(string)) || !strings.Contains(r.body, "/created") {
		t.Errorf("upload with one bad object: %d %s", r.status, r.body[strings.Index(r.body, "<main"):])
	}
	if !strings.Contains(r.body, fmt.Sprintf("Accepted: %d objects", len(objs)-1)) {
		t.Errorf("upload does not report %d accepted", len(objs)-1)
	}
	e.MustRunJobs(t)
	if p := c.get(t, "/search?q=Nagoya"); !strings.Contains(p.body, `href="/cases/`) {
		t.Errorf("the uploaded case is not found")
	}
	o := e.client(t, "en")
	o.MustLogin(t, "jp-observer")
	if r := upload(o, data); r.status != http.StatusForbidden {
		t.Errorf("observer upload: %d", r.status)
	}
}

// TestUnmarkedIncidentShowsDefaultTLP: an incident without a TLP marking
// is listed at the node's default level, said to be the default, as the
// page's banner counts it (it read "—" under a TLP:AMBER banner).
func TestUnmarkedIncidentShowsDefaultTLP(t *testing.T) {
	e := MustEnv(t)
	e.MustIngest(t, "jp-analyst", []byte(`{"type":"bundle","id":"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d","objects":[
		{"type":"incident","spec_version":"2.1","id":"incident--7e3d1c2b-0a9f-4e6d-8c5b-4a3f2e1d0c9b","created":"`+time.Now().UTC().Format("2006-01-02T15:04:05.000Z")+`","modified":"`+time.Now().UTC().Format("2006-01-02T15:04:05.000Z")+`","name":"Unmarked outage"}]}`))
	c := e.client(t, "en")
	c.MustLogin(t, "jp-analyst")
	for _, path := range []string{"/", "/search?q=Unmarked"} {
		p := c.get(t, path)
		if p.status != 200 || !strings.Contains(p.body, "Unmarked outage") || !strings.Contains(p.body, "<td>AMBER <small>(unmarked: the node") {
			t.Errorf("%s: %d %.2000s", path, p.status, p.body)
		}
	}
}
