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
)

// reqInfo is what the request log needs from inner handlers.
type reqInfo struct {
	token string
}

func withInfo(ctx context.Context, i *reqInfo) context.Context {
	return context.WithValue(ctx, infoKey, i)
}

// authenticate resolves "Authorization: Bearer <secret>" to the token's
// recipient and puts the recipient's release gate in the request context.
// EUNAUTHORIZED for a missing, malformed, unknown or revoked token.
func (s *server) authenticate(r *http.Request) (*http.Request, error) {
	h := r.Header.Get("Authorization")
	scheme, secret, ok := strings.Cut(h, " ")
	secret = strings.TrimSpace(secret)
	if h == "" {
		return r, article5.Errorf(article5.EUNAUTHORIZED, "an API token is required: Authorization: Bearer <token>")
	}
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
		i.token = tok.ID
	}
	rcp := release.Recipient{Party: tok.Party, Org: tok.Org, Communities: tok.Communities, Subject: tok.ID}
	return r.WithContext(context.WithValue(r.Context(), gateKey, s.n.Gate(rcp))), nil
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
