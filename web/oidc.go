package web

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"article5"
)

// OIDCProvider is a Party's OpenID Connect identity provider: its users
// log in to the web interface with it (authorization code flow with
// state, nonce and PKCE S256) instead of a password. A user must exist
// on the node (created by `article5 user create`, of the provider's
// Party): the ID token's claim names them, through Users or as their
// user name; their roles are the node's.
type OIDCProvider struct {
	// Party is the Party whose users the provider authenticates; a user
	// of the other Party is refused. Its lower case names the provider
	// in its paths: /login/oidc/jp.
	Party article5.Party
	// Label is the login button's text ("" : the issuer's host).
	Label string
	// Issuer is the provider's issuer URL (discovery at
	// <Issuer>/.well-known/openid-configuration).
	Issuer string
	// ClientID and ClientSecret are the node's registration at the
	// provider.
	ClientID, ClientSecret string
	// RedirectURL is the callback registered at the provider,
	// https://<node>/login/oidc/<party>/callback; "": made from the
	// request's host (and TLS).
	RedirectURL string
	// Claim is the ID token claim that names the user: "sub" (default)
	// or "email" (taken only when email_verified is true).
	Claim string
	// Users maps a claim value to the node's user name; a value not in
	// it is taken as the user name itself.
	Users map[string]string
}

// oidcFlowTTL bounds the time from the login button to the callback;
// maxOIDCFlows bounds the flows held at once.
const (
	oidcFlowTTL  = 10 * time.Minute
	maxOIDCFlows = 10000
	oidcCookie   = "article5_oidc"
)

// oidcFlow is one login in progress, held by its state value.
type oidcFlow struct {
	party    string
	nonce    string
	verifier string // PKCE
	next     string
	redirect string
	expires  time.Time
}

// oidcLogins holds the providers (discovered on first use) and the
// logins in progress.
type oidcLogins struct {
	mu        sync.Mutex
	byParty   map[string]*OIDCProvider
	providers map[string]*oidc.Provider
	flows     map[string]oidcFlow
}

func newOIDCLogins(ps []OIDCProvider) *oidcLogins {
	o := &oidcLogins{byParty: map[string]*OIDCProvider{}, providers: map[string]*oidc.Provider{}, flows: map[string]oidcFlow{}}
	for i := range ps {
		o.byParty[strings.ToLower(string(ps[i].Party))] = &ps[i]
	}
	return o
}

// oidcButton is one login button of the login page.
type oidcButton struct {
	Href, Label string
}

// buttons lists the providers' login buttons, returning to next.
func (o *oidcLogins) buttons(next string) []oidcButton {
	var out []oidcButton
	for _, p := range []string{"jp", "us"} {
		c := o.byParty[p]
		if c == nil {
			continue
		}
		label := c.Label
		if label == "" {
			if u, err := url.Parse(c.Issuer); err == nil {
				label = u.Host
			}
		}
		out = append(out, oidcButton{Href: "/login/oidc/" + p + "?next=" + url.QueryEscape(next), Label: label})
	}
	return out
}

// provider discovers (once) the provider of party.
func (h *handler) oidcProvider(ctx context.Context, party string) (*OIDCProvider, *oidc.Provider, error) {
	o := h.oidc
	o.mu.Lock()
	c := o.byParty[party]
	p := o.providers[party]
	o.mu.Unlock()
	if c == nil {
		return nil, nil, article5.Errorf(article5.ENOTFOUND, "no such page")
	}
	if p != nil {
		return c, p, nil
	}
	dctx, cancel := context.WithTimeout(h.oidcContext(ctx), 15*time.Second)
	defer cancel()
	p, err := oidc.NewProvider(dctx, c.Issuer)
	if err != nil {
		return nil, nil, article5.Internal("web: discover OIDC provider "+c.Issuer, err)
	}
	o.mu.Lock()
	o.providers[party] = p
	o.mu.Unlock()
	return c, p, nil
}

// oidcContext carries Options.OIDCClient to the oidc and oauth2 calls.
func (h *handler) oidcContext(ctx context.Context) context.Context {
	if h.opts.OIDCClient != nil {
		return oidc.ClientContext(ctx, h.opts.OIDCClient)
	}
	return ctx
}

func (h *handler) oauthConfig(c *OIDCProvider, p *oidc.Provider, redirect string) *oauth2.Config {
	return &oauth2.Config{ClientID: c.ClientID, ClientSecret: c.ClientSecret, Endpoint: p.Endpoint(),
		RedirectURL: redirect, Scopes: []string{oidc.ScopeOpenID, "email", "profile"}}
}

func randomToken() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// oidcStart serves GET /login/oidc/{party}: it sends the browser to the
// Party's provider with a fresh state (also in a cookie for this path),
// nonce and PKCE challenge.
func (h *handler) oidcStart(w http.ResponseWriter, r *http.Request) {
	party := r.PathValue("party")
	c, p, err := h.oidcProvider(r.Context(), party)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	redirect := c.RedirectURL
	if redirect == "" {
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		redirect = scheme + "://" + r.Host + "/login/oidc/" + party + "/callback"
	}
	f := oidcFlow{party: party, nonce: randomToken(), verifier: oauth2.GenerateVerifier(), next: localPath(r.URL.Query().Get("next")),
		redirect: redirect, expires: h.opts.Now().Add(oidcFlowTTL)}
	state := randomToken()
	o := h.oidc
	o.mu.Lock()
	now := h.opts.Now()
	for k, v := range o.flows {
		if now.After(v.expires) {
			delete(o.flows, k)
		}
	}
	full := len(o.flows) >= maxOIDCFlows
	if !full {
		o.flows[state] = f
	}
	o.mu.Unlock()
	if full {
		w.Header().Set("Retry-After", "60")
		h.render(w, r, http.StatusTooManyRequests, "login", nil, "", loginData{Next: f.next, Error: "login.oidc.busy", OIDC: o.buttons(f.next)})
		return
	}
	http.SetCookie(w, &http.Cookie{Name: oidcCookie, Value: state, Path: "/login/oidc/" + party, MaxAge: int(oidcFlowTTL / time.Second),
		HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode})
	to := h.oauthConfig(c, p, redirect).AuthCodeURL(state, oidc.Nonce(f.nonce), oauth2.S256ChallengeOption(f.verifier))
	http.Redirect(w, r, to, http.StatusFound)
}

// oidcCallback serves GET /login/oidc/{party}/callback: it checks the
// state against the cookie and the flow held, exchanges the code (with
// the PKCE verifier), verifies the ID token (signature by the provider's
// keys, issuer, audience, expiry, nonce), finds the node's user the
// claim names (of the provider's Party) and starts a session as a
// password login does. Any failure shows the login page saying the
// login through the provider failed; nothing is logged in.
func (h *handler) oidcCallback(w http.ResponseWriter, r *http.Request) {
	party := r.PathValue("party")
	q := r.URL.Query()
	state := q.Get("state")
	o := h.oidc
	o.mu.Lock()
	f, ok := o.flows[state]
	delete(o.flows, state)
	o.mu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: oidcCookie, Value: "", Path: "/login/oidc/" + party, MaxAge: -1, HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode})
	refuse := func(why string, err error) {
		h.log.WarnContext(r.Context(), "oidc login refused", "party", party, "why", why, "err", errString(err))
		h.render(w, r, http.StatusUnauthorized, "login", nil, "", loginData{Next: f.next, Error: "login.oidc.failed", OIDC: o.buttons(f.next)})
	}
	ck, err := r.Cookie(oidcCookie)
	switch {
	case !ok || state == "":
		refuse("unknown state", nil)
		return
	case err != nil || ck.Value != state:
		refuse("state does not match the browser's cookie", err)
		return
	case f.party != party:
		refuse("state of another provider", nil)
		return
	case h.opts.Now().After(f.expires):
		refuse("login took too long", nil)
		return
	case q.Get("error") != "":
		refuse("provider refused: "+q.Get("error"), nil)
		return
	}
	c, p, err := h.oidcProvider(r.Context(), party)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	ctx := h.oidcContext(r.Context())
	tok, err := h.oauthConfig(c, p, f.redirect).Exchange(ctx, q.Get("code"), oauth2.VerifierOption(f.verifier))
	if err != nil {
		refuse("code exchange", err)
		return
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		refuse("no id_token", nil)
		return
	}
	idt, err := p.Verifier(&oidc.Config{ClientID: c.ClientID, Now: h.opts.Now}).Verify(ctx, raw)
	if err != nil {
		refuse("id token", err)
		return
	}
	if idt.Nonce != f.nonce {
		refuse("nonce", nil)
		return
	}
	var claims struct {
		Email         string `json:"email"`
		EmailVerified *bool  `json:"email_verified"`
	}
	if err := idt.Claims(&claims); err != nil {
		refuse("claims", err)
		return
	}
	value := idt.Subject
	if c.Claim == "email" {
		if claims.EmailVerified == nil || !*claims.EmailVerified || claims.Email == "" {
			refuse("email not verified", nil)
			return
		}
		value = claims.Email
	}
	name := value
	if n, ok := c.Users[value]; ok {
		name = n
	}
	if u, err := h.n.Store.FindUserByName(r.Context(), name); err != nil || u.Party != c.Party {
		refuse("no user of the provider's Party on the node: "+name, err)
		return
	}
	if _, err := h.s.LoginVerified(w, r, name); err != nil {
		refuse("no such user on the node: "+name, err)
		return
	}
	http.Redirect(w, r, f.next, http.StatusSeeOther)
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
