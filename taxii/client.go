package taxii

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"article5"
)

// Client defaults.
const (
	// DefaultMaxResponse bounds a response body the client reads: 64 MiB.
	DefaultMaxResponse = 64 << 20
	// DefaultRetries is how many times a request is retried after a
	// transient fault (a network error, 429, 500, 502, 503, 504).
	DefaultRetries = 4
	// DefaultBackoff is the first retry's ceiling; each retry doubles it
	// up to DefaultMaxBackoff, and waits a random time below it ("full
	// jitter").
	DefaultBackoff    = 250 * time.Millisecond
	DefaultMaxBackoff = 30 * time.Second
	// DefaultTimeout bounds one request, body included.
	DefaultTimeout = 60 * time.Second
	// MaxEmptyPages bounds the empty pages with more to come that Pull
	// follows in a row before it gives up on the pass.
	MaxEmptyPages = 100
)

// Client is a TAXII 2.1 client of one API root. Set APIRoot and
// Authorize; the rest have defaults. A Client is safe for concurrent use
// once set up.
type Client struct {
	// APIRoot is the API root's URL, ending in "/":
	// "https://node.example/taxii2/article5/".
	APIRoot string
	// HTTP is the transport (its TLS config holds the partner's CA or
	// pinned certificate); nil: http.DefaultClient.
	HTTP *http.Client
	// Authorize sets the request's credentials: see Bearer and Basic.
	Authorize func(*http.Request)
	// Retries, Backoff, MaxBackoff: see DefaultRetries. Retries < 0: none.
	Retries    int
	Backoff    time.Duration
	MaxBackoff time.Duration
	// MaxResponse bounds a response body; 0: DefaultMaxResponse.
	MaxResponse int64
	// Timeout bounds one request; 0: DefaultTimeout.
	Timeout time.Duration
	// Sleep waits between retries; nil: a timer that ctx cancels.
	Sleep func(ctx context.Context, d time.Duration) error
}

// Bearer returns an Authorize that sends an API token.
func Bearer(token string) func(*http.Request) {
	return func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+token) }
}

// Basic returns an Authorize that sends HTTP Basic credentials.
func Basic(name, password string) func(*http.Request) {
	return func(r *http.Request) { r.SetBasicAuth(name, password) }
}

// Collection is a collection as a server describes it (TAXII 2.1 §5.2.1).
type Collection struct {
	ID          string   `json:"id"`
	Title       string   `json:"title"`
	Description string   `json:"description,omitempty"`
	Alias       string   `json:"alias,omitempty"`
	CanRead     bool     `json:"can_read"`
	CanWrite    bool     `json:"can_write"`
	MediaTypes  []string `json:"media_types,omitempty"`
}

// Page is one page of objects: the objects as received, whether more
// follow and the next token, and the X-TAXII-Date-Added-First/Last
// headers ("" on an empty page).
type Page struct {
	Objects        []json.RawMessage
	More           bool
	Next           string
	DateAddedFirst string
	DateAddedLast  string
}

// Status is a status resource (TAXII 2.1 §4.3.1).
type Status struct {
	ID           string         `json:"id"`
	Status       string         `json:"status"`
	TotalCount   int            `json:"total_count"`
	SuccessCount int            `json:"success_count"`
	Successes    []StatusDetail `json:"successes,omitempty"`
	FailureCount int            `json:"failure_count"`
	Failures     []StatusDetail `json:"failures,omitempty"`
	PendingCount int            `json:"pending_count"`
	Pendings     []StatusDetail `json:"pendings,omitempty"`
}

// StatusDetail is one object version in a Status.
type StatusDetail struct {
	ID      string `json:"id"`
	Version string `json:"version"`
	Message string `json:"message,omitempty"`
}

// Query is a list request's filters (TAXII 2.1 §3.4); zero values are
// left out.
type Query struct {
	AddedAfter  string
	IDs         []string
	Types       []string
	Versions    []string
	SpecVersion []string
	Limit       int
	Next        string
}

func (q Query) values() url.Values {
	v := url.Values{}
	if q.AddedAfter != "" {
		v.Set("added_after", q.AddedAfter)
	}
	for name, list := range map[string][]string{"match[id]": q.IDs, "match[type]": q.Types, "match[version]": q.Versions, "match[spec_version]": q.SpecVersion} {
		if len(list) > 0 {
			v.Set(name, strings.Join(list, ","))
		}
	}
	if q.Limit > 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	if q.Next != "" {
		v.Set("next", q.Next)
	}
	return v
}

// Collections lists the API root's collections.
func (c *Client) Collections(ctx context.Context) ([]Collection, error) {
	var out struct {
		Collections []Collection `json:"collections"`
	}
	if _, err := c.do(ctx, "GET", "collections/", nil, nil, &out); err != nil {
		return nil, err
	}
	return out.Collections, nil
}

// Objects reads one page of a collection's objects.
func (c *Client) Objects(ctx context.Context, collection string, q Query) (*Page, error) {
	var env struct {
		More    bool              `json:"more"`
		Next    string            `json:"next"`
		Objects []json.RawMessage `json:"objects"`
	}
	h, err := c.do(ctx, "GET", "collections/"+url.PathEscape(collection)+"/objects/", q.values(), nil, &env)
	if err != nil {
		return nil, err
	}
	if env.More && env.Next == "" {
		return nil, article5.Errorf(article5.EINVALID, "taxii: the server said more but gave no next")
	}
	return &Page{Objects: env.Objects, More: env.More, Next: env.Next,
		DateAddedFirst: h.Get("X-TAXII-Date-Added-First"), DateAddedLast: h.Get("X-TAXII-Date-Added-Last")}, nil
}

// Add posts objects to a collection and returns the status.
func (c *Client) Add(ctx context.Context, collection string, objs []json.RawMessage) (*Status, error) {
	body, err := json.Marshal(map[string]any{"objects": objs})
	if err != nil {
		return nil, article5.Errorf(article5.EINVALID, "taxii: envelope: %v", err)
	}
	var st Status
	if _, err := c.do(ctx, "POST", "collections/"+url.PathEscape(collection)+"/objects/", nil, body, &st); err != nil {
		return nil, err
	}
	return &st, nil
}

// Pull reads every object version of a collection added after `after` (a
// X-TAXII-Date-Added-Last kept from an earlier pull, or "" for all),
// following next within this one pass, in pages of limit (0: the
// server's default). For each page it calls each with the page and the
// cursor it is safe to keep once the page is handled: a date added such
// that every object added up to it has been handed to each, so that a pull
// resumed from it after a crash loses nothing (it may hand again some
// objects of a date added that straddled pages). Pull returns the cursor
// to keep after the pass: the last page's X-TAXII-Date-Added-Last, or
// after when nothing was new. A pass with nothing new costs one request.
// An error of each stops the pull and is returned.
func (c *Client) Pull(ctx context.Context, collection, after string, limit int, each func(p *Page, safe string) error) (string, error) {
	// Every version, not only the latest: a partner holds the versions
	// this node holds, so both assess a case on the same evidence
	// (docs/federation.md, "Consulting across two nodes").
	q := Query{AddedAfter: after, Limit: limit, Versions: []string{"all"}}
	safe := after
	empty := 0 // empty pages in a row with more to come
	for pages := 0; ; pages++ {
		p, err := c.Objects(ctx, collection, q)
		if err != nil {
			return safe, err
		}
		if len(p.Objects) > 0 && (p.DateAddedFirst == "" || p.DateAddedLast == "") {
			return safe, article5.Errorf(article5.EINVALID, "taxii: a page without X-TAXII-Date-Added-First/Last")
		}
		switch {
		case !p.More || len(p.Objects) > 0:
			empty = 0
		case empty >= MaxEmptyPages:
			return safe, article5.Errorf(article5.EINVALID, "taxii: %s answered %d empty pages in a row, each with more to come", collection, empty+1)
		default:
			empty++
		}
		if p.More && p.Next == q.Next {
			// The page names the token it was asked with: following it
			// would never end (a replayed response, or a looping server).
			return safe, article5.Errorf(article5.EINVALID, "taxii: page %d of %s answered with the next token it was asked with", pages+1, collection)
		}
		switch {
		case !p.More && p.DateAddedLast != "":
			safe = p.DateAddedLast
		case p.More && p.DateAddedFirst != p.DateAddedLast:
			// Every object added at First is on this page or before it.
			safe = p.DateAddedFirst
		}
		if err := each(p, safe); err != nil {
			return safe, err
		}
		if !p.More {
			return safe, nil
		}
		q = Query{AddedAfter: after, Limit: limit, Versions: []string{"all"}, Next: p.Next}
	}
}

// Error is a TAXII error message from a server, with the HTTP status.
type Error struct {
	Status      int
	Title       string `json:"title"`
	Description string `json:"description"`
	ErrorCode   string `json:"error_code"`
}

func (e *Error) Error() string {
	msg := e.Title
	if e.Description != "" {
		msg += ": " + e.Description
	}
	return fmt.Sprintf("taxii: %d %s", e.Status, msg)
}

// codeOf maps a server's HTTP status to article5's error code.
func codeOf(status int) string {
	switch status {
	case http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType, http.StatusNotAcceptable:
		return article5.EINVALID
	case http.StatusNotFound:
		return article5.ENOTFOUND
	case http.StatusUnauthorized:
		return article5.EUNAUTHORIZED
	case http.StatusForbidden:
		return article5.EFORBIDDEN
	case http.StatusConflict:
		return article5.ECONFLICT
	}
	return article5.EINTERNAL
}

func transient(status int) bool {
	switch status {
	case http.StatusTooManyRequests, http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// do sends one request (retrying transient faults with backoff and
// jitter) and decodes a 2xx body into out. Errors are *article5.Error
// wrapping an *Error for a server's answer.
func (c *Client) do(ctx context.Context, method, path string, q url.Values, body []byte, out any) (http.Header, error) {
	if !strings.HasSuffix(c.APIRoot, "/") {
		return nil, article5.Errorf(article5.EINVALID, "taxii: the API root %q must end in /", c.APIRoot)
	}
	u := c.APIRoot + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	retries := c.Retries
	if retries == 0 {
		retries = DefaultRetries
	}
	backoff, maxBackoff := c.Backoff, c.MaxBackoff
	if backoff <= 0 {
		backoff = DefaultBackoff
	}
	if maxBackoff <= 0 {
		maxBackoff = DefaultMaxBackoff
	}
	var last error
	for attempt := 0; ; attempt++ {
		h, status, wait, err := c.once(ctx, method, u, body, out)
		if err == nil {
			return h, nil
		}
		last = err
		if ctx.Err() != nil || (status != 0 && !transient(status)) || attempt >= retries {
			return nil, last
		}
		d := min(backoff<<attempt, maxBackoff)
		d = time.Duration(rand.Int64N(int64(d) + 1))
		if wait > d {
			d = min(wait, maxBackoff)
		}
		if err := c.sleep(ctx, d); err != nil {
			return nil, last
		}
	}
}

func (c *Client) sleep(ctx context.Context, d time.Duration) error {
	if c.Sleep != nil {
		return c.Sleep(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// once sends one request. status is the HTTP status of an answer (0 for a
// fault before one), wait its Retry-After.
func (c *Client) once(ctx context.Context, method, u string, body []byte, out any) (http.Header, int, time.Duration, error) {
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return nil, 0, 0, article5.Errorf(article5.EINVALID, "taxii: %v", err)
	}
	req.Header.Set("Accept", MediaTAXII)
	if body != nil {
		req.Header.Set("Content-Type", MediaTAXII)
	}
	if c.Authorize != nil {
		c.Authorize(req)
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	res, err := hc.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // its text repeats the URL with the query (a next token)
		}
		return nil, 0, 0, article5.Internal("taxii: "+method+" "+redact(u), err)
	}
	defer res.Body.Close()
	limit := c.MaxResponse
	if limit <= 0 {
		limit = DefaultMaxResponse
	}
	data, err := io.ReadAll(io.LimitReader(res.Body, limit+1))
	if err != nil {
		return nil, 0, 0, article5.Internal("taxii: read "+redact(u), err)
	}
	if int64(len(data)) > limit {
		return nil, res.StatusCode, 0, article5.Errorf(article5.EINVALID, "taxii: the response to %s is larger than %d bytes", redact(u), limit)
	}
	if res.StatusCode < 200 || res.StatusCode > 299 {
		te := &Error{Status: res.StatusCode}
		_ = json.Unmarshal(data, te)
		if te.Title == "" {
			te.Title = http.StatusText(res.StatusCode)
		}
		wait := time.Duration(0)
		if s, err := strconv.Atoi(res.Header.Get("Retry-After")); err == nil && s > 0 {
			wait = time.Duration(s) * time.Second
		}
		return nil, res.StatusCode, wait, &article5.Error{Code: codeOf(res.StatusCode), Message: te.Error(), Err: te}
	}
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/taxii+json") {
		return nil, res.StatusCode, 0, article5.Errorf(article5.EINVALID, "taxii: %s answered %q, not application/taxii+json", redact(u), ct)
	}
	if err := json.Unmarshal(data, out); err != nil {
		return nil, res.StatusCode, 0, article5.Errorf(article5.EINVALID, "taxii: %s answered malformed JSON: %v", redact(u), err)
	}
	return res.Header, res.StatusCode, 0, nil
}

// redact drops the query (a next token) from a URL shown in an error.
func redact(u string) string {
	if i := strings.IndexByte(u, '?'); i >= 0 {
		return u[:i]
	}
	return u
}

// IsTransient reports whether err is a fault a later retry may not see.
func IsTransient(err error) bool {
	var te *Error
	if errors.As(err, &te) {
		return transient(te.Status)
	}
	return article5.ErrorCode(err) == article5.EINTERNAL
}

// Status reads a status resource (TAXII 2.1 §4.3).
func (c *Client) Status(ctx context.Context, id string) (*Status, error) {
	var st Status
	if _, err := c.do(ctx, "GET", "status/"+url.PathEscape(id)+"/", nil, nil, &st); err != nil {
		return nil, err
	}
	return &st, nil
}

// MaxStatusPolls bounds how often AddAndWait reads a pending status.
const MaxStatusPolls = 20

// AddAndWait posts objects to a collection (Add) and, while the server
// reports the status pending, reads it again (Status) after a backoff
// that doubles from Backoff up to MaxBackoff, at most MaxStatusPolls
// times: then it returns the last status, still pending, with an
// EINTERNAL error. Transient faults are retried as for every request.
func (c *Client) AddAndWait(ctx context.Context, collection string, objs []json.RawMessage) (*Status, error) {
	st, err := c.Add(ctx, collection, objs)
	if err != nil {
		return nil, err
	}
	backoff, maxBackoff := c.Backoff, c.MaxBackoff
	if backoff <= 0 {
		backoff = DefaultBackoff
	}
	if maxBackoff <= 0 {
		maxBackoff = DefaultMaxBackoff
	}
	for poll := 0; st.Status != "complete"; poll++ {
		if poll >= MaxStatusPolls {
			return st, article5.Errorf(article5.EINTERNAL, "taxii: status %s still %q after %d reads", st.ID, st.Status, poll)
		}
		if err := c.sleep(ctx, min(backoff<<poll, maxBackoff)); err != nil {
			return st, err
		}
		if st, err = c.Status(ctx, st.ID); err != nil {
			return nil, err
		}
	}
	return st, nil
}
