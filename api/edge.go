package api

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"article5"
	"article5/authz"
	"article5/release"
)

// Surface is another protocol surface (TAXII) served on the API's mux,
// behind the same edge: connection deadlines, request logging, metrics,
// panic recovery and cross-origin protection. New builds its handler on
// the API's Edge, which authenticates as the API does.
type Surface struct {
	// Pattern is the ServeMux pattern the surface is mounted at, "/taxii2/".
	Pattern string
	// New returns the surface's handler.
	New func(Edge) http.Handler
}

// Edge is what a Surface shares with the API: its authentication, quotas,
// body limits and error mapping, so that a principal is the same principal,
// with the same quota, on every surface of the node.
type Edge struct{ s *server }

// Caller is an authenticated principal as a Surface sees it.
type Caller struct {
	// ID is the API token or user id: whom cursors and status resources
	// belong to.
	ID string
	// Principal is what the node records as submitter of what it ingests.
	Principal article5.Principal
	// Recipient is what the caller may read (release.Policy.Releasable).
	Recipient release.Recipient
	// Authz is whom package authz decides for.
	Authz authz.User
}

// basicCacheTTL is how long a name and password checked by HTTP Basic are
// remembered (by an HMAC under a key of the process, never in clear), so
// that a client sending them on every request does not pay argon2id each
// time; the user is still looked up on every request, so a disabled user
// is refused at once.
const basicCacheTTL = 5 * time.Minute

// maxBasicCache bounds the remembered Basic credentials.
const maxBasicCache = 10000

type basicCache struct {
	mu  sync.Mutex
	key []byte
	m   map[string]basicEntry
}

type basicEntry struct {
	user    string
	expires time.Time
}

func newBasicCache() *basicCache {
	k := make([]byte, 32)
	_, _ = rand.Read(k) // crypto/rand.Read never fails (Go 1.24+)
	return &basicCache{key: k, m: map[string]basicEntry{}}
}

func (c *basicCache) mac(name, password string) string {
	m := hmac.New(sha256.New, c.key)
	m.Write([]byte(name))
	m.Write([]byte{0})
	m.Write([]byte(password))
	return hex.EncodeToString(m.Sum(nil))
}

func (c *basicCache) get(k string, now time.Time) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[k]
	if !ok || now.After(e.expires) {
		delete(c.m, k)
		return "", false
	}
	return e.user, true
}

func (c *basicCache) put(k, user string, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= maxBasicCache {
		for key, e := range c.m {
			if now.After(e.expires) || len(c.m) >= maxBasicCache {
				delete(c.m, key)
			}
		}
	}
	c.m[k] = basicEntry{user: user, expires: now.Add(basicCacheTTL)}
}

// Authenticate resolves the caller as the API does (a bearer API token, or
// a login session cookie) and also by HTTP Basic (RFC 7617) with the name
// and password of a node user, throttled like POST /api/v1/login (per
// name and per client address: 429 with Retry-After). It then takes one
// request from the caller's quota (on failure, from the client address's).
// It returns the request carrying the principal (the request log names
// it) and the caller. Errors: EUNAUTHORIZED, or 429.
func (e Edge) Authenticate(r *http.Request) (*http.Request, *Caller, error) {
	s := e.s
	var err error
	if scheme, cred, ok := strings.Cut(r.Header.Get("Authorization"), " "); ok && strings.EqualFold(scheme, "Basic") {
		r, err = s.authenticateBasic(r, strings.TrimSpace(cred))
	} else {
		r, err = s.authenticate(r)
	}
	if err != nil {
		if qerr := s.checkRequestQuota(r); qerr != nil {
			err = qerr
		}
		return r, nil, err
	}
	if err := s.checkRequestQuota(r); err != nil {
		return r, nil, err
	}
	p, err := principalOf(r)
	if err != nil {
		return r, nil, err
	}
	return r, &Caller{ID: p.authz.ID, Principal: p.article5(), Recipient: s.gate(r).Recipient(), Authz: p.authz}, nil
}

// authenticateBasic checks HTTP Basic credentials of a node user.
func (s *server) authenticateBasic(r *http.Request, cred string) (*http.Request, error) {
	bad := article5.Errorf(article5.EUNAUTHORIZED, "wrong name or password")
	raw, err := base64.StdEncoding.DecodeString(cred)
	if err != nil {
		return r, article5.Errorf(article5.EUNAUTHORIZED, "the Authorization header must be: Basic base64(name:password)")
	}
	name, password, ok := strings.Cut(string(raw), ":")
	if !ok || name == "" || password == "" || len(name) > maxLoginName {
		return r, bad
	}
	now := s.now()
	key := s.basic.mac(name, password)
	uid, cached := s.basic.get(key, now)
	var u *article5.User
	if cached {
		u, err = s.n.Store.FindUserByID(r.Context(), uid)
		if err != nil && article5.ErrorCode(err) != article5.ENOTFOUND {
			return r, err
		}
		if err != nil || u.Disabled || u.Name != name {
			return r, bad
		}
	} else {
		ticket, wait, err := s.limiter.attempt(r.Context(), now, name, loginClient{addr: clientKey(ClientAddr(r, s.opts.TrustedProxies))})
		if err != nil {
			return r, err
		}
		if wait > 0 {
			secs := int64((wait + time.Second - 1) / time.Second)
			return r, &apiError{status: http.StatusTooManyRequests, code: article5.EUNAUTHORIZED, retryAfter: secs,
				msg: "too many failed logins; try again later"}
		}
		u, err = s.n.Store.FindUserByName(r.Context(), name)
		switch {
		case article5.ErrorCode(err) == article5.ENOTFOUND:
			CheckPassword(dummyHash(), password)
			return r, bad
		case err != nil:
			return r, err
		}
		if !CheckPassword(u.PasswordHash, password) || u.Disabled {
			return r, bad
		}
		if err := s.limiter.succeed(r.Context(), now, ticket); err != nil {
			return r, err
		}
		s.basic.put(key, u.ID, now)
	}
	if i, ok := r.Context().Value(infoKey).(*reqInfo); ok {
		i.principal = u.ID
	}
	rcp := release.Recipient{Party: u.Party, Org: u.Org, Communities: u.Communities, Subject: u.ID}
	return s.withPrincipal(r, rcp, &principal{user: u, authz: authz.User{ID: u.ID, Party: u.Party, Roles: u.Roles, Org: u.Org}}), nil
}

// IngestQuota takes n objects from the ingest quota of the request's
// principal (with take false, only checks that one could be taken): 429
// with Retry-After when over it.
func (e Edge) IngestQuota(r *http.Request, n int, take bool) error {
	return e.s.checkIngestQuota(r, n, take)
}

// ReadBody reads a request body that holds a JSON object with an
// "objects" array (a STIX bundle or a TAXII envelope) under the API's
// limits: 413 over Options.MaxBodyBytes or Limits.MaxBundleObjects, 408
// for a body that misses its minimum rate. It returns the body and the
// count of objects.
func (e Edge) ReadBody(w http.ResponseWriter, r *http.Request) ([]byte, int, error) {
	data, n, err := e.s.readBundle(w, r)
	if err != nil && bodyTimedOut(r) {
		err = e.s.slowBody(w, r)
	}
	return data, n, err
}

// Fault is how an error leaves the node: its HTTP status, its article5
// error code, a message safe to show and the details of bad input.
type Fault struct {
	Status  int
	Code    string
	Message string
	Details []article5.Detail
}

// Fault maps err to its HTTP status once, as the API does (Retry-After is
// set on w for 429), and logs an internal error with its cause; its
// message is then "internal error".
func (e Edge) Fault(w http.ResponseWriter, r *http.Request, err error) Fault {
	var ae *apiError
	var ee *article5.Error
	switch {
	case errors.As(err, &ae):
		if ae.retryAfter > 0 {
			w.Header().Set("Retry-After", strconv.FormatInt(ae.retryAfter, 10))
		}
		return Fault{Status: ae.status, Code: ae.code, Message: ae.msg, Details: ae.details}
	case errors.As(err, &ee) && ee.Code != article5.EINTERNAL && ee.Code != "":
		return Fault{Status: statusOf(ee.Code), Code: ee.Code, Message: ee.Message, Details: ee.Details}
	}
	if !errors.Is(err, context.Canceled) {
		e.s.log.ErrorContext(r.Context(), "internal error", "method", r.Method, "path", r.URL.Path, "err", err.Error())
	}
	return Fault{Status: http.StatusInternalServerError, Code: article5.EINTERNAL, Message: "internal error"}
}
