package api

import (
	"encoding/json"
	"net/http"
	"strings"
	"unicode/utf8"

	"article5"
	"article5/authz"
)

// Admin is what the administration pages of a user interface (package
// web) need: a Party's users, API tokens, webhooks and doctrines, managed
// for the admin of r's login session with the same checks as the API
// (authz manage-users, or change-doctrine for the doctrine's owner).
// Without a session every method is EUNAUTHORIZED; a user without the
// admin role gets EFORBIDDEN, as from the API. A user, token or webhook
// of another Party answers ENOTFOUND, exactly like one that does not
// exist.
type Admin interface {
	// Users returns the users of the admin's Party, by name (at most
	// limit), and how many there are.
	Users(r *http.Request, limit int) ([]*article5.User, int, error)
	// CreateUser creates a user as POST /api/v1/users does.
	CreateUser(r *http.Request, in NewUser) (*article5.User, error)
	// UpdateUser changes a user's roles or disables or enables them, as
	// PATCH /api/v1/users/{id} does; ECONFLICT for removing one's own
	// admin role or disabling oneself.
	UpdateUser(r *http.Request, id string, in UserUpdate) (*article5.User, error)
	// Tokens returns the unrevoked API tokens of the admin's Party, oldest
	// first (never a secret: only its hash is stored).
	Tokens(r *http.Request) ([]*article5.Token, error)
	// CreateToken creates an API token of the admin's Party with name,
	// organisation and communities the admin may grant (as for a user);
	// secret is returned this once. EINVALID names /name or /org.
	CreateToken(r *http.Request, name, org string, communities []string) (t *article5.Token, secret string, err error)
	// RevokeToken revokes an API token of the admin's Party.
	RevokeToken(r *http.Request, id string) error
	// Webhooks returns the webhooks of the admin's Party, disabled ones
	// included, with their delivery state (never a secret).
	Webhooks(r *http.Request) ([]*article5.Webhook, error)
	// CreateWebhook registers a webhook as POST /api/v1/webhooks does; the
	// webhook returned carries its secret, shown this once.
	CreateWebhook(r *http.Request, url string, events []string) (*article5.Webhook, error)
	// DeleteWebhook disables a webhook as DELETE /api/v1/webhooks/{id}
	// does.
	DeleteWebhook(r *http.Request, id string) error
	// ChangeDoctrine puts src in force as the next version of doctrine id,
	// as PUT /api/v1/doctrines/{id} does: EFORBIDDEN unless the user is
	// an admin of the Party that owns it; EINVALID, with a detail per
	// fault naming its line, when src does not parse or check; ECONFLICT
	// (article5.VersionHeld) when its id and version already name another
	// text (nothing is stored either way). v is nil when src is the
	// version in force.
	ChangeDoctrine(r *http.Request, id string, src []byte) (v *article5.DoctrineVersion, job string, err error)
	// UserKeys returns a user of the admin's Party and their approver
	// keys, newest first (never a sealed key), as GET
	// /api/v1/users/{id}/keys.
	UserKeys(r *http.Request, userID string) (*article5.User, []*article5.ApproverKey, error)
	// AddKey registers an approver's signing key (the key file from
	// `article5 key new` and its certificate from `article5 party
	// certify`), as POST /api/v1/users/{id}/keys.
	AddKey(r *http.Request, userID string, sealed, cert []byte) (*article5.ApproverKey, error)
	// RevokeKey records a root-signed revocation (the file from `article5
	// party revoke`) of a key of the admin's Party, as POST
	// /api/v1/keys/{key}/revocation; it returns the key.
	RevokeKey(r *http.Request, revocation []byte) (*article5.ApproverKey, error)
	// MayChangeDoctrine reports whether the user of r's session may put a
	// new version of doctrine id (change-doctrine for its owner).
	MayChangeDoctrine(r *http.Request, id string) bool
}

// maxTokenName bounds a token's name, in bytes.
const maxTokenName = 200

// admin authenticates r's session and checks manage-users for the user's
// own Party.
func (u uiSessions) admin(r *http.Request) (*http.Request, *principal, error) {
	r, p, err := u.session(r)
	if err != nil {
		return r, nil, err
	}
	if err := u.s.authorizeFor(r, article5.ActionManageUsers, p.authz.Party); err != nil {
		return r, nil, err
	}
	return r, p, nil
}

func (u uiSessions) Users(r *http.Request, limit int) ([]*article5.User, int, error) {
	r, p, err := u.admin(r)
	if err != nil {
		return nil, 0, err
	}
	return u.s.n.Store.FindUsers(r.Context(), article5.UserFilter{Party: p.authz.Party, Limit: limit})
}

func (u uiSessions) CreateUser(r *http.Request, in NewUser) (*article5.User, error) {
	r, _, err := u.admin(r)
	if err != nil {
		return nil, err
	}
	return u.s.addUser(r, in)
}

func (u uiSessions) UpdateUser(r *http.Request, id string, in UserUpdate) (*article5.User, error) {
	r, p, err := u.admin(r)
	if err != nil {
		return nil, err
	}
	// A user of another Party is answered as one that does not exist.
	if t, err := u.s.n.Store.FindUserByID(r.Context(), id); err != nil || t.Party != p.authz.Party {
		return nil, article5.Errorf(article5.ENOTFOUND, "no such user")
	}
	return u.s.updateUser(r, id, in)
}

func (u uiSessions) Tokens(r *http.Request) ([]*article5.Token, error) {
	r, p, err := u.admin(r)
	if err != nil {
		return nil, err
	}
	return u.s.n.Store.FindTokens(r.Context(), p.authz.Party)
}

func (u uiSessions) CreateToken(r *http.Request, name, org string, communities []string) (*article5.Token, string, error) {
	r, p, err := u.admin(r)
	if err != nil {
		return nil, "", err
	}
	var bad []article5.Detail
	switch {
	case strings.TrimSpace(name) == "":
		bad = append(bad, article5.Detail{Pointer: "/name", Message: "a name for the token is required"})
	case len(name) > maxTokenName || !utf8.ValidString(name):
		bad = append(bad, article5.Detail{Pointer: "/name", Message: "at most 200 bytes of UTF-8"})
	}
	if !strings.HasPrefix(org, "identity--") {
		bad = append(bad, article5.Detail{Pointer: "/org", Message: "a STIX identity id (identity--…), got " + quote(org)})
	}
	if len(bad) > 0 {
		return nil, "", article5.Invalid("the token is not valid", bad...)
	}
	if err := u.s.mayGrant(p.user, org, communities); err != nil {
		return nil, "", err
	}
	secret, hash := NewToken()
	t := &article5.Token{Name: strings.TrimSpace(name), Party: p.authz.Party, Org: org, Communities: communities, Hash: hash, Created: u.s.now()}
	if err := u.s.n.Store.CreateToken(r.Context(), t); err != nil {
		return nil, "", err
	}
	u.s.log.InfoContext(r.Context(), "token created", "token", t.ID, "name", t.Name, "party", t.Party, "by", p.authz.ID)
	return t, secret, nil
}

func (u uiSessions) RevokeToken(r *http.Request, id string) error {
	r, p, err := u.admin(r)
	if err != nil {
		return err
	}
	t, err := u.s.n.Store.FindTokenByID(r.Context(), id)
	if err != nil || t.Party != p.authz.Party {
		return article5.Errorf(article5.ENOTFOUND, "no such token")
	}
	if err := u.s.n.Store.RevokeToken(r.Context(), id); err != nil {
		return err
	}
	u.s.log.InfoContext(r.Context(), "token revoked", "token", id, "by", p.authz.ID)
	return nil
}

func (u uiSessions) Webhooks(r *http.Request) ([]*article5.Webhook, error) {
	r, p, err := u.admin(r)
	if err != nil {
		return nil, err
	}
	hooks, _, err := u.s.n.Store.FindWebhooks(r.Context(), article5.WebhookFilter{Party: p.authz.Party})
	return hooks, err
}

func (u uiSessions) CreateWebhook(r *http.Request, url string, events []string) (*article5.Webhook, error) {
	r, _, err := u.admin(r)
	if err != nil {
		return nil, err
	}
	return u.s.addWebhook(r, url, events)
}

func (u uiSessions) DeleteWebhook(r *http.Request, id string) error {
	r, p, err := u.admin(r)
	if err != nil {
		return err
	}
	return u.s.removeWebhook(r, p.authz.Party, id)
}

func (u uiSessions) ChangeDoctrine(r *http.Request, id string, src []byte) (*article5.DoctrineVersion, string, error) {
	r, p, err := u.session(r)
	if err != nil {
		return nil, "", err
	}
	if err := u.s.n.SyncDoctrines(r.Context()); err != nil {
		return nil, "", err
	}
	if len(src) > maxDoctrineBody {
		return nil, "", tooLarge(maxDoctrineBody)
	}
	_, v, job, err := u.s.changeDoctrine(r, p, id, src)
	return v, job, err
}

func (u uiSessions) MayChangeDoctrine(r *http.Request, id string) bool {
	_, p, err := u.session(r)
	if err != nil {
		return false
	}
	d, err := u.s.n.Doctrine(id)
	if err != nil {
		return false
	}
	return authz.Decide(authz.Request{User: p.authz, Action: article5.ActionChangeDoctrine, DoctrineOwner: d.Party}).Allowed
}

// keysAdmin authenticates r's session, checks manage-keys for the user's
// own Party and finds user id of that Party (ENOTFOUND otherwise).
func (u uiSessions) keysAdmin(r *http.Request, id string) (*http.Request, *article5.User, error) {
	r, p, err := u.session(r)
	if err != nil {
		return r, nil, err
	}
	if err := u.s.authorizeFor(r, article5.ActionManageKeys, p.authz.Party); err != nil {
		return r, nil, err
	}
	t, err := u.s.n.Store.FindUserByID(r.Context(), id)
	if err != nil || t.Party != p.authz.Party {
		return r, nil, article5.Errorf(article5.ENOTFOUND, "no such user")
	}
	return r, t, nil
}

func (u uiSessions) UserKeys(r *http.Request, userID string) (*article5.User, []*article5.ApproverKey, error) {
	r, t, err := u.keysAdmin(r, userID)
	if err != nil {
		return nil, nil, err
	}
	keys, err := u.s.n.Store.FindApproverKeys(r.Context(), t.ID)
	return t, keys, err
}

func (u uiSessions) AddKey(r *http.Request, userID string, sealed, cert []byte) (*article5.ApproverKey, error) {
	r, t, err := u.keysAdmin(r, userID)
	if err != nil {
		return nil, err
	}
	if len(sealed) == 0 || len(cert) == 0 {
		return nil, article5.Invalid("the key file and the certificate are required",
			article5.Detail{Pointer: "/sealed_key", Message: "the key file from article5 key new"},
			article5.Detail{Pointer: "/certificate", Message: "the certificate from article5 party certify"})
	}
	return u.s.n.RegisterApproverKey(r.Context(), t, sealed, cert)
}

func (u uiSessions) RevokeKey(r *http.Request, revocation []byte) (*article5.ApproverKey, error) {
	r, p, err := u.session(r)
	if err != nil {
		return nil, err
	}
	if err := u.s.authorizeFor(r, article5.ActionManageKeys, p.authz.Party); err != nil {
		return nil, err
	}
	var v struct {
		KeyID string `json:"key_id"`
	}
	if err := json.Unmarshal(revocation, &v); err != nil || v.KeyID == "" {
		return nil, article5.Invalid("not a revocation from article5 party revoke", article5.Detail{Pointer: "/key_id", Message: "expected a JSON object naming the revoked key"})
	}
	k, err := u.s.n.Store.FindApproverKey(r.Context(), v.KeyID)
	if err != nil || k.Party != p.authz.Party {
		return nil, article5.Errorf(article5.ENOTFOUND, "no such key")
	}
	if _, err := u.s.n.RevokeApproverKey(r.Context(), revocation); err != nil {
		return nil, err
	}
	return u.s.n.Store.FindApproverKey(r.Context(), k.KeyID)
}

func quote(s string) string {
	if len(s) > 80 {
		s = s[:80] + "…"
	}
	return `"` + s + `"`
}

// uiQuota holds a request to the user interface to the request quota of
// its user when it carries a valid login session (the same quota as the
// user's API requests, Limits.RequestRate), else to its client address's
// (Limits.AddressRate), and the session found is kept in the request's
// context for the page: one user cannot spend the quota of everyone behind
// the same address, nor escape theirs by changing address.
func (s *server) uiQuota(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := ""
		if c, err := r.Cookie(SessionCookie); err == nil && c.Value != "" {
			if ar, err := s.authenticateSession(r, c.Value); err == nil {
				if p, err := principalOf(ar); err == nil {
					// The page reuses the session found (uiSessions.session).
					key, r = quotaKey(p), ar
				}
			}
		}
		if key == "" {
			if err := s.checkRequestQuota(r); err != nil {
				s.writeError(w, r, err)
				return
			}
			h.ServeHTTP(w, r)
			return
		}
		if wait := s.takeQuota(r.Context(), s.quotas.requests, "requests", key, 1, true); wait > 0 {
			s.writeError(w, r, tooManyRequests("request quota exceeded for this user", wait))
			return
		}
		h.ServeHTTP(w, r)
	})
}

var _ Admin = uiSessions{}
