package taxii

import (
	"encoding/json"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"article5/api"
	"article5/node"
)

// Media types of TAXII 2.1 §1.6.8.
const (
	// MediaTAXII is the media type of every TAXII response body.
	MediaTAXII = "application/taxii+json;version=2.1"
	// MediaSTIX is the media type of the STIX 2.1 objects a collection
	// holds, as a manifest names it.
	MediaSTIX = "application/stix+json;version=2.1"
)

// Prefix is where the server is mounted: discovery is at /taxii2/.
const Prefix = "/taxii2/"

// RootName is the name of the one API root: /taxii2/article5/.
const RootName = "article5"

// Page sizes: DefaultPage objects when a request gives no limit; a larger
// limit than MaxPage is served as MaxPage (TAXII 2.1 §3.4.1 lets a server
// return fewer than asked).
const (
	DefaultPage = 100
	MaxPage     = 1000
)

// Options configures the server.
type Options struct {
	// Edge is the API's edge: authentication, quotas, body limits.
	Edge api.Edge
	// Title, Description and Contact are shown by discovery and the API
	// root; "" leaves Description and Contact out and titles the server
	// "article5".
	Title       string
	Description string
	Contact     string
	// BaseURL is the server's public origin, "https://node.example" (no
	// path), used in discovery's API root URLs; "": the request's scheme
	// and Host.
	BaseURL string
	// MaxContentLength is the largest request body the API root
	// announces (the API's MaxBodyBytes); 0: api.DefaultMaxBodyBytes.
	MaxContentLength int64
	// StatusTTL is how long a status resource is kept; 0: DefaultStatusTTL.
	StatusTTL time.Duration
	// Now is the clock of status resources; nil: time.Now.
	Now func() time.Time
	// RequireClientCert refuses (401) every request that did not present
	// a TLS client certificate verified against the server's client CAs
	// (serve --tls-client-ca), before its credentials are looked at: the
	// certificate is a second factor, the token or password still names
	// the principal (docs/taxii.md, "Mutual TLS").
	RequireClientCert bool
}

type server struct {
	n    *node.Node
	opts Options
}

// New returns the TAXII 2.1 handler of node n, to mount at Prefix on the
// API's mux (api.Surface). Every route needs authentication (401 with a
// TAXII error and both challenges, Basic and Bearer); every response body
// is MediaTAXII, given only to a request whose Accept admits it (406
// otherwise); errors are TAXII error messages (TAXII 2.1 §3.6.1).
func New(n *node.Node, opts Options) http.Handler {
	if opts.Title == "" {
		opts.Title = "article5"
	}
	if opts.MaxContentLength <= 0 {
		opts.MaxContentLength = api.DefaultMaxBodyBytes
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.StatusTTL <= 0 {
		opts.StatusTTL = DefaultStatusTTL
	}
	s := &server{n: n, opts: opts}
	root := Prefix + "{root}/"
	col := root + "collections/{cid}/"
	obj := col + "objects/{oid}/"
	mux := http.NewServeMux()
	for _, rt := range []struct {
		path    string
		methods map[string]handler
	}{
		{Prefix + "{$}", map[string]handler{"GET": (*server).discovery}},
		{root + "{$}", map[string]handler{"GET": (*server).apiRoot}},
		{root + "status/{sid}/{$}", map[string]handler{"GET": (*server).status}},
		{root + "collections/{$}", map[string]handler{"GET": (*server).listCollections}},
		{col + "{$}", map[string]handler{"GET": (*server).getCollection}},
		{col + "objects/{$}", map[string]handler{"GET": (*server).getObjects, "POST": (*server).postObjects}},
		{obj + "{$}", map[string]handler{"GET": (*server).getObject, "DELETE": (*server).deleteObject}},
		{obj + "versions/{$}", map[string]handler{"GET": (*server).getVersions}},
		{col + "manifest/{$}", map[string]handler{"GET": (*server).getManifest}},
		{root + HeadPath + "{$}", map[string]handler{"GET": (*server).getHead}},
	} {
		var allow []string
		for m, h := range rt.methods {
			mux.Handle(m+" "+rt.path, s.endpoint(h, m != "DELETE"))
			allow = append(allow, m)
		}
		if _, ok := rt.methods["GET"]; ok {
			allow = append(allow, "HEAD")
		}
		allowed := strings.Join(sorted(allow), ", ")
		mux.Handle(rt.path, s.endpoint(func(s *server, w http.ResponseWriter, r *http.Request, _ *api.Caller) error {
			w.Header().Set("Allow", allowed)
			return &taxiiError{status: http.StatusMethodNotAllowed, msg: r.Method + " is not allowed here; allowed: " + allowed}
		}, false))
	}
	mux.Handle(Prefix, s.endpoint(func(s *server, w http.ResponseWriter, r *http.Request, _ *api.Caller) error {
		return &taxiiError{status: http.StatusNotFound, msg: "no such TAXII resource: " + r.URL.Path}
	}, false))
	return mux
}

// handler serves one route for an authenticated caller.
type handler func(*server, http.ResponseWriter, *http.Request, *api.Caller) error

// endpoint authenticates (the API's edge, which also charges the
// caller's request quota), then checks Accept when the route answers with
// a body (negotiate), then runs h; an error is written as a TAXII error.
func (s *server) endpoint(h handler, negotiated bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.opts.RequireClientCert && (r.TLS == nil || len(r.TLS.VerifiedChains) == 0) {
			s.writeError(w, r, &taxiiError{status: http.StatusUnauthorized, msg: "a TLS client certificate this node trusts is required"})
			return
		}
		r, c, err := s.opts.Edge.Authenticate(r)
		if err == nil && negotiated {
			err = negotiate(r.Header.Values("Accept"))
		}
		if err == nil {
			err = h(s, w, r, c)
		}
		if err != nil {
			s.writeError(w, r, err)
		}
	})
}

// negotiate accepts a request whose Accept admits MediaTAXII: no Accept
// header, application/taxii+json with no version or version 2.1,
// application/*, or */*, at a q above 0 (RFC 9110 §12.5.1). Else 406.
func negotiate(accept []string) error {
	if len(accept) == 0 {
		return nil
	}
	for _, h := range accept {
		for _, part := range strings.Split(h, ",") {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			mt, params, err := mime.ParseMediaType(part)
			if err != nil {
				continue
			}
			if q, ok := params["q"]; ok {
				if f, err := strconv.ParseFloat(q, 64); err != nil || f <= 0 {
					continue
				}
			}
			switch mt {
			case "*/*", "application/*":
				return nil
			case "application/taxii+json":
				if v, ok := params["version"]; !ok || v == "2.1" {
					return nil
				}
			}
		}
	}
	return &taxiiError{status: http.StatusNotAcceptable,
		msg: "this server answers only with " + MediaTAXII + " (or application/taxii+json); Accept admits neither"}
}

// contentType checks that a request body is a TAXII 2.1 envelope: 415
// otherwise.
func contentType(ct string) error {
	mt, params, err := mime.ParseMediaType(ct)
	if err == nil && mt == "application/taxii+json" {
		if v, ok := params["version"]; !ok || v == "2.1" {
			return nil
		}
	}
	return &taxiiError{status: http.StatusUnsupportedMediaType, msg: "Content-Type must be " + MediaTAXII}
}

// writeTAXII writes v as a TAXII response body with status.
func writeTAXII(w http.ResponseWriter, status int, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		data = []byte(`{"title":"Internal Server Error","http_status":"500"}`)
	}
	w.Header().Set("Content-Type", MediaTAXII)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(data)
	_, _ = w.Write([]byte("\n"))
}

// taxiiError is an error of the TAXII edge itself, with a status
// article5's codes do not name (405, 406, 415).
type taxiiError struct {
	status int
	msg    string
}

func (e *taxiiError) Error() string { return e.msg }

// errorMessage is the TAXII 2.1 error message (§3.6.1). http_status is a
// string, as the specification has it.
type errorMessage struct {
	Title       string         `json:"title"`
	Description string         `json:"description,omitempty"`
	ErrorID     string         `json:"error_id,omitempty"`
	ErrorCode   string         `json:"error_code,omitempty"`
	HTTPStatus  string         `json:"http_status"`
	Details     map[string]any `json:"details,omitempty"`
}

// writeError writes err as a TAXII error message, with the status the
// API would give it (api.Edge.Fault); internal errors are logged by the
// edge and shown as "internal error". error_id is a new random UUID per
// error, for correlating a report with the server's log.
func (s *server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var f api.Fault
	if te, ok := err.(*taxiiError); ok {
		f = api.Fault{Status: te.status, Message: te.msg}
	} else {
		f = s.opts.Edge.Fault(w, r, err)
	}
	m := errorMessage{Title: http.StatusText(f.Status), Description: f.Message, ErrorID: uuid.NewString(),
		ErrorCode: f.Code, HTTPStatus: strconv.Itoa(f.Status)}
	if len(f.Details) > 0 {
		m.Details = map[string]any{"problems": f.Details}
	}
	if f.Status == http.StatusUnauthorized {
		w.Header().Add("WWW-Authenticate", `Basic realm="article5 TAXII"`)
		w.Header().Add("WWW-Authenticate", `Bearer realm="article5 TAXII"`)
	}
	writeTAXII(w, f.Status, m)
}

// baseURL is the origin discovery names API roots under.
func (s *server) baseURL(r *http.Request) string {
	if s.opts.BaseURL != "" {
		return strings.TrimRight(s.opts.BaseURL, "/")
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func sorted(ss []string) []string {
	slices.Sort(ss)
	return ss
}
