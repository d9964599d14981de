// Package api is article5's JSON API under /api/v1, with the node's health,
// readiness and Prometheus endpoints, mounted on one http.ServeMux with Go
// 1.22+ route patterns. One file per resource: bundles (ingest), cases
// (cases, assessments), incidents, objects, events, health. The routes are
// one table (Routes) that both the mux and the OpenAPI 3.1 document served
// at /api/v1/openapi.json are checked against.
//
// Every response that carries stored content goes through a node.Gate for
// the authenticated recipient (an API token, or the user of a login
// session: login.go), so that nothing leaves the node that
// release.Policy.Releasable does not admit. Actions are decided by package
// authz. State-changing requests a browser marks as cross-origin are
// refused (net/http.CrossOriginProtection). Errors have one
// shape, mapped from article5's error codes in one place (errors.go).
//
// Every connection has deadlines and every client a quota (limits.go,
// Limits): a request body must keep a minimum rate (408), a response must
// be written within a write timeout (the event stream excepted), and each
// principal — or, unauthenticated, each client address — has a request
// quota and an ingest quota (429 with Retry-After).
package api

import (
	"crypto/rand"
	"log/slog"
	"net/http"
	"net/netip"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"article5"
	"article5/node"
)

// DefaultMaxBodyBytes is the default limit on a request body: 64 MiB.
const DefaultMaxBodyBytes = 64 << 20

// Options configures the API.
type Options struct {
	// MaxBodyBytes limits request bodies; larger ones get 413. 0: DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// Log receives one JSON line per request and the detail of internal
	// errors. nil: discard.
	Log *slog.Logger
	// Metrics is the registry /metrics serves; nil: a new registry (with
	// the Go and process collectors).
	Metrics *prometheus.Registry
	// Now is the clock of login sessions, login rate limiting and the
	// request and ingest quotas; nil: time.Now.
	Now func() time.Time
	// SessionTTL is how long a login session lasts; 0: DefaultSessionTTL.
	SessionTTL time.Duration
	// StreamPoll is how often GET /api/v1/events/stream looks for new
	// events; 0: DefaultStreamPoll.
	StreamPoll time.Duration
	// StreamKeepAlive is how long the event stream may stay silent before
	// it sends an SSE comment line (": keep-alive"), so that a dead client
	// is found and proxies keep the connection; 0: DefaultStreamKeepAlive.
	StreamKeepAlive time.Duration
	// Limits are the connection deadlines, quotas and bundle limit; zero
	// fields take their defaults (see Limits).
	Limits Limits
	// Shutdown, when closed, ends every open event stream (give it to
	// http.Server.RegisterOnShutdown, or Shutdown would wait for them).
	// nil: streams end only when their client goes away.
	Shutdown <-chan struct{}
	// TrustedProxies are the reverse proxies in front of the API (serve
	// --trusted-proxies): X-Forwarded-For is believed only from them
	// (ClientAddr), for login throttling. nil: none; the connection's peer
	// is the client.
	TrustedProxies []netip.Prefix
	// DeviceKey is the HMAC-SHA256 key of login device cookies
	// (DeviceCookie), at least 32 bytes; keep it secret, across
	// restarts and the same in every process of the node (serve keeps it
	// in <data-dir>/login-device.key on SQLite, and in the store,
	// Store.SharedKey, on PostgreSQL), or known devices are forgotten.
	// nil: a random key for the life of the handler. New panics on a
	// shorter key.
	DeviceKey []byte
	// Webhooks are the webhook dispatcher's options. The API uses their
	// Allow and Resolver to refuse at registration a URL the dispatcher
	// would refuse (node.CheckWebhookDestination).
	Webhooks node.WebhookOptions
	// UI, when set, builds the browser user interface served beside the
	// API (package web): it gets the API's login sessions and its handler
	// answers every path outside /api/, /healthz, /readyz and /metrics,
	// behind the same request logging, metrics, deadlines and
	// cross-origin protection, and the request quota of the session's
	// user (of the client address without a session). nil: those paths get 404.
	UI func(Sessions) http.Handler
	// Version is the article5 version /readyz reports (serve: the
	// binary's build version); "" omits it.
	Version string
	// Surfaces are other protocol surfaces (TAXII) mounted on the same
	// mux behind the same edge (Surface).
	Surfaces []Surface
}

// Route is one route of the API: its method, its path pattern (Go 1.22
// ServeMux syntax, which is also OpenAPI's path template syntax) and
// whether it needs authentication (a bearer token or a login session).
type Route struct {
	Method string
	Path   string
	Auth   bool
}

// Pattern returns the ServeMux pattern, "GET /api/v1/cases".
func (r Route) Pattern() string { return r.Method + " " + r.Path }

type route struct {
	Route
	handle func(*server, http.ResponseWriter, *http.Request) error
}

// table is every route: the mux is built from it and the OpenAPI document
// is tested against it.
var table = []route{
	{Route{"GET", "/api/v1/openapi.json", false}, (*server).openAPI},
	{Route{"POST", "/api/v1/login", false}, (*server).login},
	{Route{"POST", "/api/v1/logout", false}, (*server).logout},
	{Route{"GET", "/api/v1/me", true}, (*server).me},
	{Route{"POST", "/api/v1/bundles", true}, (*server).postBundle},
	{Route{"GET", "/api/v1/cases", true}, (*server).listCases},
	{Route{"GET", "/api/v1/cases/{id}", true}, (*server).getCase},
	{Route{"GET", "/api/v1/cases/{id}/assessment", true}, (*server).getAssessment},
	{Route{"POST", "/api/v1/cases/{id}/assess", true}, (*server).assessCase},
	{Route{"POST", "/api/v1/cases", true}, (*server).createCase},
	{Route{"POST", "/api/v1/cases/{id}/consultation", true}, (*server).openConsultation},
	{Route{"GET", "/api/v1/cases/{id}/consultation", true}, (*server).getConsultation},
	{Route{"POST", "/api/v1/cases/{id}/consultation/request", true}, (*server).requestConsultation},
	{Route{"PUT", "/api/v1/cases/{id}/positions/{party}", true}, (*server).putPosition},
	{Route{"POST", "/api/v1/cases/{id}/positions/{party}/signature", true}, (*server).signPosition},
	{Route{"POST", "/api/v1/cases/{id}/rfis", true}, (*server).postRFI},
	{Route{"POST", "/api/v1/cases/{id}/rfis/{rfi}/answer", true}, (*server).answerRFI},
	{Route{"POST", "/api/v1/cases/{id}/close", true}, (*server).closeCase},
	{Route{"GET", "/api/v1/cases/{id}/record", true}, (*server).getRecord},
	{Route{"POST", "/api/v1/users/{id}/keys", true}, (*server).postKey},
	{Route{"GET", "/api/v1/users/{id}/keys", true}, (*server).listKeys},
	{Route{"POST", "/api/v1/keys/{key}/revocation", true}, (*server).postRevocation},
	{Route{"GET", "/api/v1/incidents", true}, (*server).listIncidents},
	{Route{"GET", "/api/v1/objects/{id}", true}, (*server).getObject},
	{Route{"GET", "/api/v1/objects/{id}/provenance", true}, (*server).getProvenance},
	{Route{"GET", "/api/v1/events", true}, (*server).listEvents},
	{Route{"GET", "/api/v1/events/stream", true}, (*server).streamEvents},
	{Route{"POST", "/api/v1/webhooks", true}, (*server).createWebhook},
	{Route{"GET", "/api/v1/webhooks", true}, (*server).listWebhooks},
	{Route{"DELETE", "/api/v1/webhooks/{id}", true}, (*server).deleteWebhook},
	{Route{"GET", "/api/v1/audit/head", true}, (*server).getAuditHead},
	{Route{"GET", "/api/v1/audit/key", true}, (*server).getAuditKey},
	{Route{"GET", "/api/v1/audit/proof/{index}", true}, (*server).getAuditProof},
	{Route{"GET", "/api/v1/audit/consistency", true}, (*server).getAuditConsistency},
	{Route{"GET", "/api/v1/users", true}, (*server).listUsers},
	{Route{"POST", "/api/v1/users", true}, (*server).createUser},
	{Route{"PATCH", "/api/v1/users/{id}", true}, (*server).patchUser},
	{Route{"GET", "/api/v1/doctrines", true}, (*server).listDoctrines},
	{Route{"GET", "/api/v1/doctrines/{id}", true}, (*server).getDoctrine},
	{Route{"PUT", "/api/v1/doctrines/{id}", true}, (*server).putDoctrine},
	{Route{"GET", "/healthz", false}, (*server).healthz},
	{Route{"GET", "/readyz", false}, (*server).readyz},
	{Route{"GET", "/metrics", false}, nil}, // promhttp, set in New
}

// Routes returns every route the handler of New serves.
func Routes() []Route {
	out := make([]Route, len(table))
	for i, r := range table {
		out[i] = r.Route
	}
	return out
}

type server struct {
	n       *node.Node
	opts    Options
	log     *slog.Logger
	metrics *metrics
	limiter *loginLimiter
	quotas  quotas
	// quotaWarned is when (unix ns) the store last failed a shared quota
	// and it was logged: at most once a minute (takeQuota).
	quotaWarned atomic.Int64
	basic       *basicCache
}

func (s *server) now() time.Time { return s.opts.Now().UTC() }

// New returns the HTTP handler of the API for node n: the routes of Routes
// on one ServeMux, behind cross-origin protection, request logging,
// metrics and panic recovery. Unknown routes get 404 in the error shape.
//
// Cross-origin protection (net/http.CrossOriginProtection) refuses, with
// 403 in the error shape, a state-changing request (any method but GET,
// HEAD, OPTIONS) that a browser marks as cross-origin (Sec-Fetch-Site, or
// an Origin that is not the Host). Requests without those headers (API
// clients, curl) pass: they carry no ambient browser credentials.
func New(n *node.Node, opts Options) http.Handler {
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.SessionTTL <= 0 {
		opts.SessionTTL = DefaultSessionTTL
	}
	if opts.StreamPoll <= 0 {
		opts.StreamPoll = DefaultStreamPoll
	}
	if opts.StreamKeepAlive <= 0 {
		opts.StreamKeepAlive = DefaultStreamKeepAlive
	}
	opts.Limits = opts.Limits.withDefaults()
	switch {
	case len(opts.DeviceKey) == 0:
		opts.DeviceKey = make([]byte, 32)
		_, _ = rand.Read(opts.DeviceKey) // crypto/rand.Read never fails (Go 1.24+)
	case len(opts.DeviceKey) < 32:
		panic("api: Options.DeviceKey is shorter than 32 bytes")
	}
	s := &server{n: n, opts: opts, log: opts.Log, limiter: &loginLimiter{store: n.Store}, quotas: newQuotas(opts.Limits), basic: newBasicCache()}
	s.metrics = newMetrics(opts.Metrics, n)
	mux := http.NewServeMux()
	for _, rt := range table {
		var h http.Handler
		if rt.handle == nil {
			h = s.addressQuota(s.metrics.handler())
		} else {
			h = s.endpoint(rt)
		}
		mux.Handle(rt.Pattern(), h)
	}
	for _, sf := range opts.Surfaces {
		mux.Handle(sf.Pattern, sf.New(Edge{s}))
	}
	noRoute := s.endpoint(route{Route{Path: "/"}, (*server).noRoute})
	if opts.UI != nil {
		mux.Handle("/api/", noRoute)
		mux.Handle("/", s.uiQuota(opts.UI(uiSessions{s})))
	} else {
		mux.Handle("/", noRoute)
	}
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.writeError(w, r, article5.Errorf(article5.EFORBIDDEN, "cross-origin request refused"))
	}))
	return s.outer(cop.Handler(mux))
}

// endpoint adapts a handler that returns an error: authentication first
// when the route needs it, then the request quota of the principal (or,
// unauthenticated, of the client address: a failed authentication is
// charged there too, so that guessing tokens is bounded), then the
// handler; an error is written in the error shape. A request whose body
// missed its deadline gets 408, whatever the handler made of the failed
// read.
func (s *server) endpoint(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rt.Auth {
			var err error
			r, err = s.authenticate(r)
			if err != nil {
				if qerr := s.checkRequestQuota(r); qerr != nil {
					err = qerr
				}
				s.writeError(w, r, err)
				return
			}
		}
		if err := s.checkRequestQuota(r); err != nil {
			s.writeError(w, r, err)
			return
		}
		if err := rt.handle(s, w, r); err != nil {
			if bodyTimedOut(r) {
				err = s.slowBody(w, r)
			}
			s.writeError(w, r, err)
		}
	})
}

// addressQuota holds an unauthenticated handler that is not an endpoint
// (/metrics) to the client address's request quota.
func (s *server) addressQuota(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := s.checkRequestQuota(r); err != nil {
			s.writeError(w, r, err)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// outer wraps the mux: it starts the request's deadlines (guardBody; the
// write deadline from the response's first byte), recovers panics (500 in
// the error shape), counts and logs each request with its route pattern,
// status, duration and token.
func (s *server) outer(mux http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		r = s.guardBody(w, r, start)
		info := &reqInfo{}
		r = r.WithContext(withInfo(r.Context(), info))
		sw := &statusWriter{ResponseWriter: w, writeTimeout: s.opts.Limits.WriteTimeout}
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.ErrorContext(r.Context(), "panic", "method", r.Method, "path", r.URL.Path, "panic", v)
				if !sw.wrote {
					s.writeError(sw, r, internalErr("panic", v))
				}
			}
			pattern := r.Pattern
			if pattern == "" || pattern == "/" {
				pattern = "unmatched"
			}
			status := sw.status
			if status == 0 {
				status = http.StatusOK
			}
			d := time.Since(start)
			s.metrics.observe(pattern, status, d)
			s.log.InfoContext(r.Context(), "request", "method", r.Method, "route", pattern, "path", r.URL.Path,
				"status", status, "duration_ms", float64(d.Microseconds())/1000, "principal", info.principal)
		}()
		mux.ServeHTTP(sw, r)
	})
}

// statusWriter remembers the status written and, at the response's first
// byte, sets the write deadline: writeTimeout from then.
type statusWriter struct {
	http.ResponseWriter
	status       int
	wrote        bool
	writeTimeout time.Duration
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wrote {
		w.first(code)
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if !w.wrote {
		w.first(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) first(code int) {
	w.status, w.wrote = code, true
	if w.writeTimeout > 0 {
		_ = http.NewResponseController(w.ResponseWriter).SetWriteDeadline(time.Now().Add(w.writeTimeout))
	}
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (s *server) noRoute(w http.ResponseWriter, r *http.Request) error {
	return &apiError{status: http.StatusNotFound, code: "not_found", msg: "no such route: " + r.Method + " " + r.URL.Path}
}
