package api

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"article5"
	"article5/node"
)

// Sessions is what a browser user interface mounted beside the API (package
// web, through Options.UI) needs of the API's login sessions, so that both
// share one login model: the same users, session store, throttling of
// failed logins and device cookies.
type Sessions interface {
	// Login checks name and password exactly as POST /api/v1/login does
	// (same throttling, same single answer for a wrong name, a wrong
	// password or a disabled user) and, on success, ends the session r
	// carried and sets a new session cookie and device cookie on w. The
	// session cookie is HttpOnly, Secure when r came over TLS, and
	// SameSite=Lax, so that a link to a page from elsewhere opens it for a
	// logged-in user (state-changing requests are still refused
	// cross-origin, see New). Errors: EINVALID (empty or too long name),
	// EUNAUTHORIZED (wrong name or password); wait > 0 when the client
	// must wait that long before trying again (nothing was checked).
	Login(w http.ResponseWriter, r *http.Request, name, password string) (u *article5.User, wait time.Duration, err error)
	// LoginVerified starts a session, exactly as Login does (the same
	// cookie), for the node's user named name whom an identity provider
	// the node trusts has authenticated (package web's OIDC login): no
	// password is checked. Errors: EUNAUTHORIZED when no such user exists
	// or the user is disabled (one answer for both).
	LoginVerified(w http.ResponseWriter, r *http.Request, name string) (*article5.User, error)
	// Logout ends the session r carries, if any, and clears its cookie.
	Logout(w http.ResponseWriter, r *http.Request)
	// User returns the user of the session cookie r carries (never of an
	// API token: a browser page is for people). EUNAUTHORIZED when there
	// is none, it expired or the user is disabled.
	User(r *http.Request) (*article5.User, error)
	// Caller is User, or, when r carries "Authorization: Bearer <API
	// token>", the token as a user: its id, name, Party, organisation and
	// communities, acting as an analyst (as the API's authorisation has
	// it). For the pages a script may fetch (a brief's PDF). EUNAUTHORIZED
	// for an unknown or revoked token, or no credential.
	Caller(r *http.Request) (*article5.User, error)
	// PasswordAgain checks the password the user of r's session re-enters
	// to sign, exactly as POST …/positions/{party}/signature does
	// (throttled per session). wait > 0: the user must wait that long;
	// nothing was checked. Errors: EUNAUTHORIZED without a session,
	// EFORBIDDEN for a wrong password.
	PasswordAgain(r *http.Request, password string) (wait time.Duration, err error)
	// SecretAgain is PasswordAgain (the same throttle) that also takes a
	// secret for which opens reports true: a signing passphrase that
	// opens the user's signing key, for a user who has none or another
	// password.
	SecretAgain(r *http.Request, secret string, opens func(string) bool) (wait time.Duration, err error)
	// Ingest stores a STIX bundle for the user of r's session exactly as
	// POST /api/v1/bundles does: authorised as ingest, at most
	// Limits.MaxBundleObjects objects, charged to the user's ingest quota,
	// counted in the metrics, then node.Node.Ingest (atomic: any
	// rejection refuses all). wait > 0: the quota is spent for that long;
	// nothing was read or stored. Errors: EUNAUTHORIZED, EFORBIDDEN,
	// EINVALID (too many objects; and Ingest's), ECONFLICT (atomic).
	Ingest(r *http.Request, data []byte, atomic bool) (res *article5.IngestResult, wait time.Duration, err error)
	// Admin manages a Party's users, tokens, webhooks and doctrines for
	// an admin's session (uiadmin.go).
	Admin
}

// UILoginPath is the path of a user interface's login form: the device
// cookie its logins set is scoped to it.
const UILoginPath = "/login"

// uiSessions implements Sessions on the API's server.
type uiSessions struct{ s *server }

func (u uiSessions) Login(w http.ResponseWriter, r *http.Request, name, password string) (*article5.User, time.Duration, error) {
	return u.s.startSession(w, r, name, password, http.SameSiteLaxMode, UILoginPath)
}

func (u uiSessions) LoginVerified(w http.ResponseWriter, r *http.Request, name string) (*article5.User, error) {
	usr, err := u.s.n.Store.FindUserByName(r.Context(), name)
	switch {
	case article5.ErrorCode(err) == article5.ENOTFOUND:
		return nil, errBadLogin()
	case err != nil:
		return nil, err
	case usr.Disabled:
		return nil, errBadLogin()
	}
	if err := u.s.newSession(w, r, usr, http.SameSiteLaxMode); err != nil {
		return nil, err
	}
	return usr, nil
}

func (u uiSessions) Logout(w http.ResponseWriter, r *http.Request) {
	u.s.endSession(r)
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode})
}

func (u uiSessions) User(r *http.Request) (*article5.User, error) {
	_, p, err := u.session(r)
	if err != nil {
		return nil, err
	}
	return p.user, nil
}

func (u uiSessions) Caller(r *http.Request) (*article5.User, error) {
	if r.Header.Get("Authorization") == "" {
		return u.User(r)
	}
	r, err := u.s.authenticate(r)
	if err != nil {
		return nil, err
	}
	p, err := principalOf(r)
	if err != nil {
		return nil, err
	}
	if p.token == nil {
		return nil, article5.Errorf(article5.EUNAUTHORIZED, "an API token is required")
	}
	t := p.token
	return &article5.User{ID: t.ID, Name: t.Name, Party: t.Party, Roles: tokenRoles, Org: t.Org, Communities: t.Communities, Created: t.Created}, nil
}

func (u uiSessions) PasswordAgain(r *http.Request, password string) (time.Duration, error) {
	r, p, err := u.session(r)
	if err != nil {
		return 0, err
	}
	return u.s.passwordAgain(r.Context(), p, password, nil)
}

func (u uiSessions) SecretAgain(r *http.Request, secret string, opens func(string) bool) (time.Duration, error) {
	r, p, err := u.session(r)
	if err != nil {
		return 0, err
	}
	return u.s.passwordAgain(r.Context(), p, secret, opens)
}

// session authenticates r's session cookie (never an API token).
// A request uiQuota has authenticated already carries its session's
// principal.
func (u uiSessions) session(r *http.Request) (*http.Request, *principal, error) {
	if p, ok := r.Context().Value(principalKey).(*principal); ok && p.session != nil {
		return r, p, nil
	}
	c, err := r.Cookie(SessionCookie)
	if err != nil || c.Value == "" {
		return r, nil, article5.Errorf(article5.EUNAUTHORIZED, "log in first")
	}
	r, err = u.s.authenticateSession(r, c.Value)
	if err != nil {
		return r, nil, err
	}
	p, err := principalOf(r)
	return r, p, err
}

// errOverQuota stops an upload over the user's ingest quota before its
// objects are decoded; Ingest answers with the wait instead.
var errOverQuota = errors.New("over the ingest quota")

func (u uiSessions) Ingest(r *http.Request, data []byte, atomic bool) (*article5.IngestResult, time.Duration, error) {
	r, p, err := u.session(r)
	if err != nil {
		return nil, 0, err
	}
	if err := u.s.authorize(r, article5.ActionIngest); err != nil {
		return nil, 0, err
	}
	var wait time.Duration
	admit := func(n int) error {
		if max := u.s.opts.Limits.MaxBundleObjects; n > max {
			return article5.Invalid(fmt.Sprintf("the bundle has %d objects; this node takes at most %d in one bundle: send it in parts", n, max),
				article5.Detail{Pointer: "/objects", Message: fmt.Sprintf("%d objects, at most %d", n, max)})
		}
		if wait = u.s.takeQuota(r.Context(), u.s.quotas.ingest, "ingest", quotaKey(p), max(n, 1), true); wait > 0 {
			return errOverQuota
		}
		return nil
	}
	res, err := u.s.n.Ingest(r.Context(), node.IngestRequest{Principal: p.article5(), Recipient: u.s.gate(r).Recipient(), Data: data, Atomic: atomic, Admit: admit})
	if wait > 0 {
		return nil, wait, nil
	}
	if err != nil {
		return nil, 0, err
	}
	u.s.metrics.ingested.WithLabelValues("accepted").Add(float64(len(res.Accepted)))
	u.s.metrics.ingested.WithLabelValues("unchanged").Add(float64(len(res.Unchanged)))
	u.s.metrics.ingested.WithLabelValues("rejected").Add(float64(len(res.Rejected)))
	return res, 0, nil
}
