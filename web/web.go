// Package web is article5's browser user interface: server-rendered
// html/template pages, one file per page (templates/*.html, one Go file per
// page beside it), embedded and parsed once when the package starts, in
// Japanese and English (messages/*.json; legal terms from
// messages/glossary.json). It is mounted by `article5 serve` beside the JSON
// API on the same listener (api.Options.UI) and shares the API's login
// sessions (api.Sessions).
//
// Every page reads stored content through the same release control as the
// API: a node.Gate for the logged-in user (release.Recipient{Party, Org,
// Communities, Subject}), and store queries given the gate's Audience, so
// that every count, list, map and chart is computed only from what the user
// may see; actions are decided by package authz. A case, incident or object
// the user may not see answers exactly like one that does not exist.
//
// Pages render completely without JavaScript. Responses carry a Content
// Security Policy without 'unsafe-inline' or 'unsafe-eval' (default-src
// 'self'); htmx (npm htmx.org, vendored in static/ with its licence) only
// enhances forms, configured by a meta tag with includeIndicatorStyles and
// allowEval off. State-changing requests a browser marks as cross-origin
// are refused (net/http.CrossOriginProtection). Every page shows the TLP
// banner of the most restrictive marking among what it shows.
package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"article5"
	"article5/api"
	"article5/authz"
	"article5/node"
	"article5/release"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// HTMXVersion is the version of the vendored htmx (npm htmx.org), in
// static/htmx-<version>.min.js.
const HTMXVersion = "2.0.8"

// CSP is the Content-Security-Policy of every response: only the node's
// own scripts, styles, images and forms; no inline script or style, no
// eval, no framing.
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; font-src 'self'; " +
	"connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// Pages are the names of the pages, each rendered from templates/<name>.html
// inside templates/layout.html.
var Pages = []string{"login", "dashboard", "case", "brief", "intake", "upload", "search", "error", "passphrase",
	"admin_users", "admin_keys", "admin_tokens", "admin_webhooks", "admin_doctrines", "admin_doctrine"}

// pages holds the parsed templates, one per page, parsed once.
var pages = mustParse()

// ParsePages parses the embedded templates: the layout with each page of
// Pages. It fails naming a page without its template.
func ParsePages() (map[string]*template.Template, error) {
	return parse(templateFS)
}

func parse(fsys fs.FS) (map[string]*template.Template, error) {
	base, err := template.New("layout.html").Funcs(funcs).ParseFS(fsys, "templates/layout.html")
	if err != nil {
		return nil, fmt.Errorf("web: parse layout: %w", err)
	}
	out := map[string]*template.Template{}
	for _, p := range Pages {
		t, err := template.Must(base.Clone()).ParseFS(fsys, "templates/"+p+".html")
		if err != nil {
			return nil, fmt.Errorf("web: page %q: %w", p, err)
		}
		if t.Lookup("content") == nil {
			return nil, fmt.Errorf("web: page %q: templates/%s.html defines no \"content\"", p, p)
		}
		out[p] = t
	}
	return out, nil
}

func mustParse() map[string]*template.Template {
	p, err := ParsePages()
	if err != nil {
		panic(err)
	}
	return p
}

// Options configures the user interface.
type Options struct {
	// Log receives the detail of internal errors (pages show a safe
	// message). nil: discard.
	Log *slog.Logger
	// Now is the clock of "recent" and of dates shown; nil: time.Now.
	Now func() time.Time
	// Chromium is the headless browser that prints briefs to PDF (GET
	// /cases/{id}/brief.pdf): a path, or "" to look for chromium,
	// chromium-browser, google-chrome and headless-shell on PATH. When
	// none is found the PDF answers 503.
	Chromium string
	// PDFTimeout bounds the making of one PDF; 0: 30 seconds.
	PDFTimeout time.Duration
	// OIDC are the Parties' identity providers users may log in with
	// (oidc.go); none: password login only.
	OIDC []OIDCProvider
	// OIDCClient makes the calls to the providers; nil: http.DefaultClient.
	OIDCClient *http.Client
}

// handler serves the pages.
type handler struct {
	n    *node.Node
	s    api.Sessions
	opts Options
	log  *slog.Logger
	mux  *http.ServeMux
	// places caches what the map needs of each assessment (dashboard.go).
	places *placeCache
	// pdfSlots bounds the PDFs made at once (pdf.go).
	pdfSlots chan struct{}
	// oidc holds the identity providers and logins in progress (oidc.go).
	oidc *oidcLogins
	// timelines caches the dashboard's timeline per audience (dashboard.go).
	timelines timelineCache
}

// New returns the user interface of node n, logging in through s, as one
// handler for GET / (dashboard), GET and POST /login, GET /login/oidc/{party} and its /callback (oidc.go), POST /logout, POST
// /lang, GET /cases/{id}, GET /cases/{id}/brief and /cases/{id}/brief.pdf, GET /cases/{id}/proofs/{index}.json (trail.go), POST /cases/{id}/{action} (open, request,
// position, rfi, answer, sign, close), GET and POST /incidents/new and
// /incidents/upload, GET /search, GET and POST /account/passphrase (passphrase.go), the
// administration pages (admin.go: /admin/…, /doctrines…) and GET /static/…; any other path
// gets the "not found" page.
// State-changing requests a browser marks as cross-origin get 403
// (net/http.CrossOriginProtection), and every response carries the
// security headers (CSP and others).
func New(n *node.Node, s api.Sessions, opts Options) http.Handler {
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	h := &handler{n: n, s: s, opts: opts, log: opts.Log, mux: http.NewServeMux(), places: &placeCache{m: map[string][]incidentPlace{}}, pdfSlots: make(chan struct{}, maxPDFs), oidc: newOIDCLogins(opts.OIDC)}
	static, _ := fs.Sub(staticFS, "static")
	h.mux.Handle("GET /static/", http.StripPrefix("/static/", cacheStatic(http.FileServerFS(static))))
	h.mux.HandleFunc("GET /login", h.loginPage)
	h.mux.HandleFunc("POST /login", h.loginPost)
	h.mux.HandleFunc("POST /logout", h.logoutPost)
	h.mux.HandleFunc("GET /login/oidc/{party}", h.oidcStart)
	h.mux.HandleFunc("GET /login/oidc/{party}/callback", h.oidcCallback)
	h.mux.HandleFunc("POST /lang", h.langPost)
	h.mux.HandleFunc("GET /{$}", h.user(h.dashboard))
	h.mux.HandleFunc("GET /cases/{id}", h.user(h.casePage))
	h.mux.HandleFunc("GET /cases/{id}/brief", h.user(h.briefPage))
	h.mux.HandleFunc("GET /cases/{id}/brief.pdf", h.caller(h.briefPDF))
	h.mux.HandleFunc("GET /cases/{id}/evidence.json", h.user(h.evidenceBundle))
	h.mux.HandleFunc("GET /cases/{id}/proofs/{file}", h.user(h.caseProof))
	h.mux.HandleFunc("POST /cases/{id}/{action}", h.user(h.caseAction))
	h.mux.HandleFunc("GET /incidents/new", h.user(h.intakePage))
	h.mux.HandleFunc("POST /incidents/new", h.user(h.intakePost))
	h.mux.HandleFunc("GET /incidents/upload", h.user(h.uploadPage))
	h.mux.HandleFunc("POST /incidents/upload", h.user(h.uploadPost))
	h.mux.HandleFunc("GET /search", h.user(h.searchPage))
	h.adminRoutes() // admin.go
	h.mux.HandleFunc("GET /account/passphrase", h.user(h.passphrasePage))
	h.mux.HandleFunc("POST /account/passphrase", h.user(h.passphrasePost))
	h.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		h.fail(w, r, article5.Errorf(article5.ENOTFOUND, "no such page"))
	})
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.fail(w, r, article5.Errorf(article5.EFORBIDDEN, "cross-origin request refused"))
	}))
	return secure(cop.Handler(h.mux))
}

// secure sets the security headers of every response.
func secure(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", CSP)
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "same-origin")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Cross-Origin-Opener-Policy", "same-origin")
		next.ServeHTTP(w, r)
	})
}

// cacheStatic lets browsers keep the static files for a day.
func cacheStatic(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=86400")
		next.ServeHTTP(w, r)
	})
}

// who is the logged-in user of a request, with their release gate.
type who struct {
	user  *article5.User
	authz authz.User
	gate  *node.Gate
}

// user adapts a page that needs a logged-in user: without a valid session
// a GET is sent to the login page (with the page to come back to), any
// other request gets 401.
func (h *handler) user(page func(http.ResponseWriter, *http.Request, *who)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		u, err := h.s.User(r)
		if err != nil {
			if article5.ErrorCode(err) != article5.EUNAUTHORIZED {
				h.fail(w, r, err)
				return
			}
			if r.Method == http.MethodGet {
				http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			h.fail(w, r, err)
			return
		}
		rcp := release.Recipient{Party: u.Party, Org: u.Org, Communities: u.Communities, Subject: u.ID}
		page(w, r, &who{user: u, authz: authz.User{ID: u.ID, Party: u.Party, Roles: u.Roles, Org: u.Org}, gate: h.n.Gate(rcp)})
	}
}

// caller adapts a page a script may fetch with an API token
// (Sessions.Caller) as well as a logged-in user: without either, a GET
// is sent to the login page, any other request gets 401; an unknown or
// revoked token gets 401.
func (h *handler) caller(page func(http.ResponseWriter, *http.Request, *who)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") == "" {
			h.user(page)(w, r)
			return
		}
		u, err := h.s.Caller(r)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		rcp := release.Recipient{Party: u.Party, Org: u.Org, Communities: u.Communities, Subject: u.ID}
		page(w, r, &who{user: u, authz: authz.User{ID: u.ID, Party: u.Party, Roles: u.Roles, Org: u.Org}, gate: h.n.Gate(rcp)})
	}
}

// view is what every template gets: the language, the user, the page's
// TLP banner and the page's own data.
type view struct {
	loc   *locale
	Lang  string
	Other string // the other language
	Path  string // the request's path and query, for the language switch
	User  *article5.User
	// TLP is the banner: the most restrictive TLP of what the page shows
	// (an empty page: CLEAR).
	TLP  string
	Page string
	Data any
}

// T returns the message key in the page's language (see locale.T).
func (v *view) T(key string, args ...any) string { return v.loc.T(key, args...) }

// Has reports whether the catalogue has key.
func (v *view) Has(key string) bool { _, ok := v.loc.m[key]; return ok }

// Time formats t in JST and UTC: "2026-12-05 08:30 JST (2026-12-04 23:30 UTC)".
func (v *view) Time(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.In(jst).Format("2006-01-02 15:04") + " JST (" + t.UTC().Format("2006-01-02 15:04") + " UTC)"
}

// jst is Japan Standard Time (UTC+9, no daylight saving time).
var jst = time.FixedZone("JST", 9*60*60)

// render writes page with data as HTML, status, in the request's language.
func (h *handler) render(w http.ResponseWriter, r *http.Request, status int, page string, u *article5.User, tlp string, data any) {
	loc := localeOf(r)
	buf, err := h.html(r, page, u, tlp, data)
	if err != nil {
		h.log.ErrorContext(r.Context(), "render page", "page", page, "err", err.Error())
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Language", loc.lang)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Vary", "Cookie, Accept-Language")
	w.WriteHeader(status)
	_, _ = w.Write(buf)
}

// html renders page with data in the request's language: the document
// render writes.
func (h *handler) html(r *http.Request, page string, u *article5.User, tlp string, data any) ([]byte, error) {
	loc := localeOf(r)
	if tlp == "" {
		tlp = "CLEAR"
	}
	v := &view{loc: loc, Lang: loc.lang, Other: otherLang(loc.lang), Path: backPath(r), User: u, TLP: tlp, Page: page, Data: data}
	var buf bytes.Buffer
	if err := pages[page].ExecuteTemplate(&buf, "layout.html", v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// fail renders the error page for err: its status, and a safe message (an
// internal error's detail goes to the log only).
func (h *handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	status := http.StatusInternalServerError
	key := "error.internal"
	switch article5.ErrorCode(err) {
	case article5.ENOTFOUND:
		status, key = http.StatusNotFound, "error.notfound"
	case article5.EFORBIDDEN:
		status, key = http.StatusForbidden, "error.forbidden"
	case article5.EUNAUTHORIZED:
		status, key = http.StatusUnauthorized, "error.unauthorized"
	case article5.EINVALID:
		status, key = http.StatusBadRequest, "error.invalid"
	case article5.ECONFLICT:
		status, key = http.StatusConflict, "error.conflict"
	default:
		h.log.ErrorContext(r.Context(), "web page", "path", r.URL.Path, "err", err.Error())
	}
	var u *article5.User
	if status != http.StatusUnauthorized {
		u, _ = h.s.User(r)
	}
	h.render(w, r, status, "error", u, "", map[string]any{"Key": key, "Status": status})
}

// backPath is where the language switch returns to: the page itself, or,
// for the answer to a form (a POST), the same-site page the form was on
// (Referer), else the dashboard.
func backPath(r *http.Request) string {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return r.URL.RequestURI()
	}
	if ref, err := url.Parse(r.Referer()); err == nil && ref.Host == r.Host {
		return localPath(ref.RequestURI())
	}
	return "/"
}

// localPath returns p if it is a path on this site ("/…", not "//…"),
// else "/": the only places a form may send the browser back to.
func localPath(p string) string {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.HasPrefix(p, "/\\") || strings.ContainsAny(p, "\r\n") {
		return "/"
	}
	return p
}
