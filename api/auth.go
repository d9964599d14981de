package api

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"strings"

	"article5"
	"article5/authz"
	"article5/node"
	"article5/release"
)

// NewToken returns a new API token secret (32 bytes from crypto/rand,
// base64url without padding) and its hash as stored (HashToken). Only the
// hash is kept at rest; the secret is shown once.
func NewToken() (secret string, hash string) {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	secret = base64.RawURLEncoding.EncodeToString(b)
	return secret, HashToken(secret)
}

// HashToken returns the hex sha256 of a token secret: the form in which
// article5.TokenService stores and finds tokens.
func HashToken(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

type ctxKey int

const (
	infoKey ctxKey = iota
	gateKey
	principalKey
)

// reqInfo is what the request log needs from inner handlers.
type reqInfo struct {
	principal string // the API token id or the session user id
}

func withInfo(ctx context.Context, i *reqInfo) context.Context {
	return context.WithValue(ctx, infoKey, i)
}

// principal is who a request is authenticated as: a session's user or an
// API token. authz is the user the authorisation layer decides for.
type principal struct {
	user    *article5.User    // nil for a token
	session *article5.Session // nil for a token
	token   *article5.Token   // nil for a session
	authz   authz.User
}

// authenticate resolves the caller and puts their release gate and
// principal in the request context. An Authorization header must be
// "Bearer <secret>" of a known, unrevoked API token; without one, a valid
// login session cookie (article5_session) is accepted. EUNAUTHORIZED
// otherwise.
//
// A session's user is released content as release.Recipient{Party, Org,
// Communities, Subject: user id} and authorised as themselves. An API
// token is released content as its recipient and, for authorisation, acts
// as an analyst of its party (tokens are how feeds and scripts ingest).
func (s *server) authenticate(r *http.Request) (*http.Request, error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		if c, err := r.Cookie(SessionCookie); err == nil && c.Value != "" {
			return s.authenticateSession(r, c.Value)
		}
		return r, article5.Errorf(article5.EUNAUTHORIZED, "an API token or a login session is required: Authorization: Bearer <token>, or POST /api/v1/login")
	}
	scheme, secret, ok := strings.Cut(h, " ")
	secret = strings.TrimSpace(secret)
	if !ok || !strings.EqualFold(scheme, "Bearer") || secret == "" {
		return r, article5.Errorf(article5.EUNAUTHORIZED, "the Authorization header must be: Bearer <token>")
	}
	tok, err := s.n.Store.FindTokenByHash(r.Context(), HashToken(secret))
	if article5.ErrorCode(err) == article5.ENOTFOUND {
		return r, article5.Errorf(article5.EUNAUTHORIZED, "unknown or revoked API token")
	}
	if err != nil {
		return r, err
	}
	if i, ok := r.Context().Value(infoKey).(*reqInfo); ok {
		i.principal = tok.ID
	}
	rcp := release.Recipient{Party: tok.Party, Org: tok.Org, Communities: tok.Communities, Subject: tok.ID}
	p := &principal{token: tok, authz: authz.User{ID: tok.ID, Party: tok.Party, Roles: tokenRoles, Org: tok.Org}}
	return s.withPrincipal(r, rcp, p), nil
}

// tokenRoles are the roles an API token acts with: analyst.
var tokenRoles = []article5.Role{article5.RoleAnalyst}

// authenticateSession resolves a session cookie's secret to its user.
func (s *server) authenticateSession(r *http.Request, secret string) (*http.Request, error) {
	sess, err := s.n.Store.FindSessionByHash(r.Context(), HashToken(secret))
	if article5.ErrorCode(err) == article5.ENOTFOUND {
		return r, article5.Errorf(article5.EUNAUTHORIZED, "unknown or expired session: log in again")
	}
	if err != nil {
		return r, err
	}
	u, err := s.n.Store.FindUserByID(r.Context(), sess.UserID)
	if article5.ErrorCode(err) == article5.ENOTFOUND || (err == nil && u.Disabled) {
		return r, article5.Errorf(article5.EUNAUTHORIZED, "unknown or expired session: log in again")
	}
	if err != nil {
		return r, err
	}
	if i, ok := r.Context().Value(infoKey).(*reqInfo); ok {
		i.principal = u.ID
	}
	rcp := release.Recipient{Party: u.Party, Org: u.Org, Communities: u.Communities, Subject: u.ID}
	p := &principal{user: u, session: sess, authz: authz.User{ID: u.ID, Party: u.Party, Roles: u.Roles, Org: u.Org}}
	return s.withPrincipal(r, rcp, p), nil
}

func (s *server) withPrincipal(r *http.Request, rcp release.Recipient, p *principal) *http.Request {
	ctx := context.WithValue(r.Context(), gateKey, s.n.Gate(rcp))
	return r.WithContext(context.WithValue(ctx, principalKey, p))
}

// authorize asks the authorisation layer (authz.Check) whether the
// request's principal may do a; EFORBIDDEN if not, EUNAUTHORIZED when the
// request is not authenticated.
func (s *server) authorize(r *http.Request, a article5.Action) error {
	p, ok := r.Context().Value(principalKey).(*principal)
	if !ok {
		return article5.Errorf(article5.EUNAUTHORIZED, "authentication is required")
	}
	return authz.Check(authz.Request{User: p.authz, Action: a})
}

// authorizeFor is authorize for an action done for a party (record or sign
// its position, send or answer an RFI on its behalf, manage its users or
// keys) or, for change-doctrine, on a doctrine that party owns.
func (s *server) authorizeFor(r *http.Request, a article5.Action, party article5.Party) error {
	p, ok := r.Context().Value(principalKey).(*principal)
	if !ok {
		return article5.Errorf(article5.EUNAUTHORIZED, "authentication is required")
	}
	return authz.Check(authz.Request{User: p.authz, Action: a, Party: party, DoctrineOwner: party})
}

// article5 returns the principal as the node records it (submitter of
// what it ingests): the token or user id and its organisation.
func (p *principal) article5() article5.Principal {
	switch {
	case p.user != nil:
		return article5.Principal{ID: p.user.ID, Org: p.user.Org}
	case p.token != nil:
		return article5.Principal{ID: p.token.ID, Org: p.token.Org}
	}
	return article5.Principal{}
}

// principalOf returns the request's authenticated principal; EUNAUTHORIZED
// if there is none.
func principalOf(r *http.Request) (*principal, error) {
	p, ok := r.Context().Value(principalKey).(*principal)
	if !ok {
		return nil, article5.Errorf(article5.EUNAUTHORIZED, "authentication is required")
	}
	return p, nil
}

// gate returns the request's release gate. A request without one (a bug:
// every content route authenticates) gets a gate for nobody, which
// releases only CLEAR content.
func (s *server) gate(r *http.Request) *node.Gate {
	if g, ok := r.Context().Value(gateKey).(*node.Gate); ok {
		return g
	}
	return s.n.Gate(release.Recipient{})
}
