package web_test

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"article5"
	"article5/web"
)

// idp is an OpenID Connect provider on loopback, written for the tests:
// discovery, JWKS, an authorization endpoint that logs in whoever the test
// says (no form) and a token endpoint that checks the code, the redirect
// URI, the client's secret and the PKCE verifier, and signs an ID token
// (RS256) with its key.
type idp struct {
	srv *httptest.Server
	key *rsa.PrivateKey

	mu sync.Mutex
	// who the next login is: claims of the ID token (sub, email, …).
	claims map[string]any
	// tamper changes the next ID token: "nonce", "key", "audience".
	tamper string
	codes  map[string]idpCode
	// seen is what the last authorization request carried.
	seen url.Values
}

type idpCode struct {
	nonce, challenge, redirect string
}

func newIDP(t *testing.T) *idp {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	p := &idp{key: key, codes: map[string]idpCode{}}
	mux := http.NewServeMux()
	p.srv = httptest.NewServer(mux)
	t.Cleanup(p.srv.Close)
	b64 := base64.RawURLEncoding.EncodeToString
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{"issuer": p.srv.URL, "authorization_endpoint": p.srv.URL + "/authorize",
			"token_endpoint": p.srv.URL + "/token", "jwks_uri": p.srv.URL + "/jwks", "response_types_supported": []string{"code"},
			"subject_types_supported": []string{"public"}, "id_token_signing_alg_values_supported": []string{"RS256"},
			"code_challenge_methods_supported": []string{"S256"}})
	})
	mux.HandleFunc("GET /jwks", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{"keys": []any{map[string]any{"kty": "RSA", "kid": "k1", "use": "sig", "alg": "RS256",
			"n": b64(key.N.Bytes()), "e": b64(big.NewInt(int64(key.E)).Bytes())}}})
	})
	mux.HandleFunc("GET /authorize", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		p.mu.Lock()
		p.seen = q
		code := b64([]byte(q.Get("state") + "-code"))
		p.codes[code] = idpCode{nonce: q.Get("nonce"), challenge: q.Get("code_challenge"), redirect: q.Get("redirect_uri")}
		p.mu.Unlock()
		if q.Get("client_id") != "article5-web" || q.Get("response_type") != "code" || q.Get("code_challenge_method") != "S256" {
			http.Error(w, "bad authorization request", http.StatusBadRequest)
			return
		}
		http.Redirect(w, r, q.Get("redirect_uri")+"?code="+url.QueryEscape(code)+"&state="+url.QueryEscape(q.Get("state")), http.StatusFound)
	})
	mux.HandleFunc("POST /token", func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		id, secret, ok := r.BasicAuth()
		if !ok {
			id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
		}
		p.mu.Lock()
		c, found := p.codes[r.PostForm.Get("code")]
		delete(p.codes, r.PostForm.Get("code"))
		claims, tamper := p.claims, p.tamper
		p.tamper = ""
		p.mu.Unlock()
		sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
		if !found || id != "article5-web" || secret != "s3cret" || r.PostForm.Get("redirect_uri") != c.redirect || b64(sum[:]) != c.challenge {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			w.Write([]byte(`{"error":"invalid_grant"}`))
			return
		}
		now := time.Now()
		body := map[string]any{"iss": p.srv.URL, "aud": "article5-web", "iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(), "nonce": c.nonce}
		for k, v := range claims {
			body[k] = v
		}
		signer := key
		switch tamper {
		case "nonce":
			body["nonce"] = "another"
		case "audience":
			body["aud"] = "another-client"
		case "key":
			signer, _ = rsa.GenerateKey(rand.Reader, 2048)
		}
		hdr, _ := json.Marshal(map[string]string{"alg": "RS256", "kid": "k1", "typ": "JWT"})
		pl, _ := json.Marshal(body)
		signing := b64(hdr) + "." + b64(pl)
		h := sha256.Sum256([]byte(signing))
		sig, err := rsa.SignPKCS1v15(rand.Reader, signer, crypto.SHA256, h[:])
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"access_token": "at", "token_type": "Bearer", "expires_in": 300, "id_token": signing + "." + b64(sig)})
	})
	return p
}

func (p *idp) as(claims map[string]any, tamper string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.claims, p.tamper = claims, tamper
}

// oidcLogin runs a browser's login through the provider: the login
// button, the provider, the callback. It returns the callback's answer.
func oidcLogin(t *testing.T, c *client, p *idp, next string) response {
	t.Helper()
	r := c.get(t, "/login/oidc/jp?next="+url.QueryEscape(next))
	if r.status != http.StatusFound || !strings.HasPrefix(r.header.Get("Location"), p.srv.URL+"/authorize?") {
		t.Fatalf("login button: %d %s", r.status, r.header.Get("Location"))
	}
	res, err := c.c.Get(r.header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	cb, err := url.Parse(res.Header.Get("Location"))
	if err != nil || res.StatusCode != http.StatusFound {
		t.Fatalf("provider: %d %v", res.StatusCode, err)
	}
	return c.get(t, cb.RequestURI())
}

// TestOIDCLogin: a user of the node logs in with their Party's identity
// provider (a real OIDC flow on loopback: discovery, authorization code
// with state, nonce and PKCE S256, token endpoint, ID token signed by the
// provider's JWKS key), gets a session like a password login's, with
// their node roles; a forged state, a replayed code, a token with another
// nonce, audience or key, an unverified email, a user of the other Party
// and an unknown user are each refused without a session.
func TestOIDCLogin(t *testing.T) {
	p := newIDP(t)
	e := MustEnv(t, web.Options{OIDC: []web.OIDCProvider{{Party: article5.PartyJP, Label: "JP ID", Issuer: p.srv.URL,
		ClientID: "article5-web", ClientSecret: "s3cret", Claim: "email",
		Users: map[string]string{"observer@example.jp": "jp-observer", "us@example.jp": "us-analyst"}}}})
	c := e.client(t, "en")
	if l := c.get(t, "/login"); !strings.Contains(l.body, `href="/login/oidc/jp?next=%2F"`) || !strings.Contains(l.body, "Log in with JP ID") {
		t.Fatalf("no login button: %.600s", l.body)
	}
	p.as(map[string]any{"sub": "u-1", "email": "observer@example.jp", "email_verified": true}, "")
	r := oidcLogin(t, c, p, "/search")
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/search" {
		t.Fatalf("callback: %d %s %.300s", r.status, r.header.Get("Location"), r.body)
	}
	p.mu.Lock()
	seen := p.seen
	p.mu.Unlock()
	if seen.Get("state") == "" || seen.Get("nonce") == "" || len(seen.Get("code_challenge")) != 43 || !strings.Contains(seen.Get("scope"), "openid") {
		t.Errorf("authorization request lacks state, nonce or PKCE: %v", seen)
	}
	if d := c.get(t, "/"); d.status != 200 || !strings.Contains(d.body, "jp-observer") {
		t.Fatalf("after the OIDC login the dashboard is not the observer's: %d", d.status)
	}
	if me := c.get(t, "/api/v1/me"); me.status != 200 || !strings.Contains(me.body, `"observer"`) {
		t.Errorf("the API does not see the session with the node's roles: %d %.200s", me.status, me.body)
	}
	// The same callback again (a replayed code and state): refused.
	refusedNoSession := func(name string, r response) {
		t.Helper()
		if r.status != http.StatusUnauthorized || !strings.Contains(r.body, "login through the identity provider failed") {
			t.Errorf("%s: %d, want the login page refusing: %.300s", name, r.status, r.body)
		}
		for _, ck := range r.header.Values("Set-Cookie") {
			if strings.HasPrefix(ck, "article5_session=") && !strings.Contains(ck, "Max-Age=0") {
				t.Errorf("%s: a session cookie was set: %s", name, ck)
			}
		}
	}
	fresh := func() *client { return e.client(t, "en") }
	// A callback whose state the browser did not start (login CSRF).
	a, b := fresh(), fresh()
	r1 := a.get(t, "/login/oidc/jp")
	res, err := a.c.Get(r1.header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	cb, _ := url.Parse(res.Header.Get("Location"))
	refusedNoSession("another browser's callback", b.get(t, cb.RequestURI()))
	refusedNoSession("a replayed callback", a.get(t, cb.RequestURI()))
	refusedNoSession("no state", fresh().get(t, "/login/oidc/jp/callback?code=x"))
	for _, tamper := range []string{"nonce", "audience", "key"} {
		p.as(map[string]any{"sub": "u-1", "email": "observer@example.jp", "email_verified": true}, tamper)
		refusedNoSession("ID token with another "+tamper, oidcLogin(t, fresh(), p, "/"))
	}
	p.as(map[string]any{"sub": "u-1", "email": "observer@example.jp", "email_verified": false}, "")
	refusedNoSession("unverified email", oidcLogin(t, fresh(), p, "/"))
	p.as(map[string]any{"sub": "u-2", "email": "us@example.jp", "email_verified": true}, "")
	refusedNoSession("a U.S. user through the JP provider", oidcLogin(t, fresh(), p, "/"))
	p.as(map[string]any{"sub": "u-3", "email": "nobody@example.jp", "email_verified": true}, "")
	refusedNoSession("a user the node does not have", oidcLogin(t, fresh(), p, "/"))
	if r := fresh().get(t, "/login/oidc/us"); r.status != http.StatusNotFound {
		t.Errorf("a Party without a provider: %d", r.status)
	}
	// An open redirect through next is not possible.
	p.as(map[string]any{"sub": "u-1", "email": "observer@example.jp", "email_verified": true}, "")
	if r := oidcLogin(t, fresh(), p, "//evil.example/"); r.header.Get("Location") != "/" {
		t.Errorf("next=//evil.example/ sent the browser to %q", r.header.Get("Location"))
	}
}
