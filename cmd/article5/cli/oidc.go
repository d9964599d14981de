package cli

import (
	"fmt"
	"net/url"
	"os"
	"strings"

	"article5"
	"article5/web"
)

// oidcConfig is one Party's identity provider in serve's --config
// (section oidc, a list): users of that Party log in to the web
// interface with it (web.OIDCProvider).
//
//	oidc:
//	  - party: JP
//	    issuer: https://id.example.go.jp
//	    client-id: article5-web
//	    client-secret-file: /etc/article5/oidc-jp.secret
//	    claim: email                 # or sub (default)
//	    users: {analyst@example.go.jp: jp-analyst}
//	    label: 政府共通 ID
//	    redirect-url: https://article5.example.go.jp/login/oidc/jp/callback
type oidcConfig struct {
	Party            string            `yaml:"party"`
	Issuer           string            `yaml:"issuer"`
	ClientID         string            `yaml:"client-id"`
	ClientSecretFile string            `yaml:"client-secret-file"`
	Claim            string            `yaml:"claim"`
	Users            map[string]string `yaml:"users"`
	Label            string            `yaml:"label"`
	RedirectURL      string            `yaml:"redirect-url"`
}

// oidcProviders checks the config's providers and reads their secrets:
// EINVALID naming the entry and the property at fault.
func oidcProviders(cs []oidcConfig) ([]web.OIDCProvider, error) {
	var out []web.OIDCProvider
	seen := map[article5.Party]bool{}
	for i, c := range cs {
		bad := func(prop, msg string) error {
			return article5.Invalid("config oidc: invalid identity provider", article5.Detail{Object: fmt.Sprintf("oidc[%d]", i), Pointer: "/" + prop, Message: msg})
		}
		p := article5.Party(strings.ToUpper(c.Party))
		if p != article5.PartyJP && p != article5.PartyUS {
			return nil, bad("party", fmt.Sprintf("must be JP or US, got %q", c.Party))
		}
		if seen[p] {
			return nil, bad("party", "one identity provider per Party")
		}
		seen[p] = true
		u, err := url.Parse(c.Issuer)
		if err != nil || u.Host == "" || (u.Scheme != "https" && !(u.Scheme == "http" && (u.Hostname() == "127.0.0.1" || u.Hostname() == "localhost" || u.Hostname() == "::1"))) {
			return nil, bad("issuer", fmt.Sprintf("must be an https URL (http only on loopback), got %q", c.Issuer))
		}
		if c.ClientID == "" {
			return nil, bad("client-id", "the node's client id at the provider is required")
		}
		if c.ClientSecretFile == "" {
			return nil, bad("client-secret-file", "a file holding the client secret is required")
		}
		secret, err := os.ReadFile(c.ClientSecretFile)
		if err != nil || strings.TrimSpace(string(secret)) == "" {
			return nil, bad("client-secret-file", fmt.Sprintf("cannot read a secret from %s: %v", c.ClientSecretFile, err))
		}
		switch c.Claim {
		case "":
			c.Claim = "sub"
		case "sub", "email":
		default:
			return nil, bad("claim", fmt.Sprintf("must be sub or email, got %q", c.Claim))
		}
		if c.RedirectURL != "" {
			if r, err := url.Parse(c.RedirectURL); err != nil || r.Host == "" || !strings.HasSuffix(r.Path, "/login/oidc/"+strings.ToLower(string(p))+"/callback") {
				return nil, bad("redirect-url", fmt.Sprintf("must be the node's URL ending in /login/oidc/%s/callback, got %q", strings.ToLower(string(p)), c.RedirectURL))
			}
		}
		out = append(out, web.OIDCProvider{Party: p, Label: c.Label, Issuer: c.Issuer, ClientID: c.ClientID,
			ClientSecret: strings.TrimSpace(string(secret)), RedirectURL: c.RedirectURL, Claim: c.Claim, Users: c.Users})
	}
	return out, nil
}
