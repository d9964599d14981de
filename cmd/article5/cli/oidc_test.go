package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"article5"
)

// TestServeOIDCConfig: the oidc section of serve's config is checked
// entry by entry, naming the entry and property at fault, and a good one
// gives the provider with its secret read from its file.
func TestServeOIDCConfig(t *testing.T) {
	secret := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(secret, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	good := oidcConfig{Party: "jp", Issuer: "https://id.example.jp", ClientID: "article5", ClientSecretFile: secret, Claim: "email",
		Users: map[string]string{"a@example.jp": "jp-analyst"}}
	ps, err := oidcProviders([]oidcConfig{good})
	if err != nil || len(ps) != 1 || ps[0].Party != article5.PartyJP || ps[0].ClientSecret != "s3cret" || ps[0].Claim != "email" {
		t.Fatalf("good config: %+v %v", ps, err)
	}
	for _, c := range []struct {
		name string
		edit func(*oidcConfig)
		want string
	}{
		{"party", func(c *oidcConfig) { c.Party = "FR" }, "/party"},
		{"issuer http", func(c *oidcConfig) { c.Issuer = "http://id.example.jp" }, "/issuer"},
		{"issuer empty", func(c *oidcConfig) { c.Issuer = "" }, "/issuer"},
		{"client id", func(c *oidcConfig) { c.ClientID = "" }, "/client-id"},
		{"secret missing", func(c *oidcConfig) { c.ClientSecretFile = secret + ".none" }, "/client-secret-file"},
		{"claim", func(c *oidcConfig) { c.Claim = "name" }, "/claim"},
		{"redirect", func(c *oidcConfig) { c.RedirectURL = "https://node.example.jp/elsewhere" }, "/redirect-url"},
	} {
		bad := good
		c.edit(&bad)
		_, err := oidcProviders([]oidcConfig{bad})
		if article5.ErrorCode(err) != article5.EINVALID || !strings.Contains(errorDetails(err), c.want) || !strings.Contains(errorDetails(err), "oidc[0]") {
			t.Errorf("%s: %v, want EINVALID at oidc[0] %s", c.name, err, c.want)
		}
	}
	if _, err := oidcProviders([]oidcConfig{good, good}); article5.ErrorCode(err) != article5.EINVALID {
		t.Errorf("two providers for one Party: %v", err)
	}
}

// errorDetails renders an error with its details.
func errorDetails(err error) string {
	var b strings.Builder
	b.WriteString(article5.ErrorMessage(err))
	if e, ok := err.(*article5.Error); ok {
		for _, d := range e.Details {
			b.WriteString(" " + d.Object + d.Pointer + ": " + d.Message)
		}
	}
	return b.String()
}
