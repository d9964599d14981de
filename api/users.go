package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"article5"
)

// MinPasswordLen is the shortest password a user may be given, in
// characters: NIST SP 800-63B-4 §3.1.1.2 asks for at least 15 when a
// password is the only authentication factor. maxPasswordLen bounds the
// work of hashing one.
const (
	MinPasswordLen = 15
	maxPasswordLen = 1024
	maxUserBody    = 64 << 10
)

// adminUserJSON is a user as an admin sees it: userJSON and whether the
// user is disabled (never the password hash).
type adminUserJSON struct {
	userJSON
	Disabled bool `json:"disabled"`
}

func viewAdminUser(u *article5.User) adminUserJSON {
	return adminUserJSON{userJSON: viewUser(u), Disabled: u.Disabled}
}

// decodeStrict decodes a JSON object body of at most limit bytes into v,
// refusing properties not named in props. Faults are EINVALID naming the
// property (JSON pointer); a body over limit is 413.
func decodeStrict(w http.ResponseWriter, r *http.Request, limit int64, v any, props ...string) error {
	msg := "the request body must be a JSON object with " + strings.Join(props, ", ")
	var obj map[string]json.RawMessage
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, limit))
	err := dec.Decode(&obj)
	var mb *http.MaxBytesError
	switch {
	case errors.As(err, &mb):
		return tooLarge(limit)
	case errors.Is(err, io.EOF):
		return article5.Invalid(msg)
	case err != nil || obj == nil || dec.More():
		return article5.Invalid(msg, article5.Detail{Message: "not a JSON object"})
	}
	var bad []article5.Detail
	for k := range obj {
		if !slices.Contains(props, k) {
			bad = append(bad, article5.Detail{Pointer: "/" + pointerEscape(k), Message: "unknown property"})
		}
	}
	if len(bad) > 0 {
		slices.SortFunc(bad, func(a, b article5.Detail) int { return strings.Compare(a.Pointer, b.Pointer) })
		return article5.Invalid(msg, bad...)
	}
	data, _ := json.Marshal(obj)
	var te *json.UnmarshalTypeError
	if err := json.Unmarshal(data, v); errors.As(err, &te) {
		return article5.Invalid(msg, article5.Detail{Pointer: "/" + strings.ReplaceAll(te.Field, ".", "/"),
			Message: "expected " + te.Type.String() + ", got a JSON " + te.Value})
	} else if err != nil {
		return article5.Invalid(msg, article5.Detail{Message: err.Error()})
	}
	return nil
}

// pointerEscape escapes a property name for a JSON pointer (RFC 6901 §3).
func pointerEscape(s string) string {
	return strings.NewReplacer("~", "~0", "/", "~1").Replace(s)
}

// checkRoles checks a list of roles at pointer ptr: at least one, each
// known; duplicates are dropped.
func checkRoles(roles []article5.Role, ptr string) ([]article5.Role, []article5.Detail) {
	if len(roles) == 0 {
		return nil, []article5.Detail{{Pointer: ptr, Message: "at least one role: analyst, legal, approver, observer or admin"}}
	}
	var out []article5.Role
	var bad []article5.Detail
	for i, r := range roles {
		if !slices.Contains(article5.Roles, r) {
			bad = append(bad, article5.Detail{Pointer: ptr + "/" + strconv.Itoa(i),
				Message: fmt.Sprintf("unknown role %q: want analyst, legal, approver, observer or admin", r)})
			continue
		}
		if !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	return out, bad
}

// listUsers lists the users of the caller's party, by name: {"users":[…],
// "total":n}, with ?limit (default 100) and ?offset. Admins only
// (manage-users for their own party).
func (s *server) listUsers(w http.ResponseWriter, r *http.Request) error {
	p, err := principalOf(r)
	if err != nil {
		return err
	}
	if err := s.authorizeFor(r, article5.ActionManageUsers, p.authz.Party); err != nil {
		return err
	}
	limit, err := limitParam(r, 100)
	if err != nil {
		return err
	}
	offset := 0
	if v := r.URL.Query().Get("offset"); v != "" {
		if offset, err = strconv.Atoi(v); err != nil || offset < 0 {
			return article5.Invalid("offset must be a non-negative integer", article5.Detail{Pointer: "?offset", Message: "got " + strconv.Quote(v)})
		}
	}
	us, total, err := s.n.Store.FindUsers(r.Context(), article5.UserFilter{Party: p.authz.Party, Limit: limit, Offset: offset})
	if err != nil {
		return err
	}
	out := make([]adminUserJSON, len(us))
	for i, u := range us {
		out[i] = viewAdminUser(u)
	}
	writeJSON(w, http.StatusOK, map[string]any{"users": out, "total": total})
	return nil
}

// createUser creates a user of the caller's party from {name, party,
// roles, org, communities, password}: 201 {"user":…}. The password (at
// least MinPasswordLen characters) is kept only as its argon2id hash
// (HashPassword). 400 names each faulty property; 403 for another party;
// 409 if the name is taken.
func (s *server) createUser(w http.ResponseWriter, r *http.Request) error {
	p, err := principalOf(r)
	if err != nil {
		return err
	}
	if err := s.authorizeFor(r, article5.ActionManageUsers, p.authz.Party); err != nil {
		return err
	}
	var in NewUser
	if err := decodeStrict(w, r, maxUserBody, &in, "name", "party", "roles", "org", "communities", "password"); err != nil {
		return err
	}
	u, err := s.addUser(r, in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/users/"+u.ID)
	writeJSON(w, http.StatusCreated, map[string]any{"user": viewAdminUser(u)})
	return nil
}

// NewUser is a user to create (POST /api/v1/users, and the
// administration pages): login name, Party, roles, organisation (STIX
// identity id), communities and password.
type NewUser struct {
	Name        string          `json:"name"`
	Party       article5.Party  `json:"party"`
	Roles       []article5.Role `json:"roles"`
	Org         string          `json:"org"`
	Communities []string        `json:"communities"`
	Password    string          `json:"password"`
}

// addUser checks in and creates the user for r's principal: EINVALID
// naming each faulty property, EFORBIDDEN for another party, an
// organisation or a community the admin may not grant, ECONFLICT for a
// name taken.
func (s *server) addUser(r *http.Request, in NewUser) (*article5.User, error) {
	p, err := principalOf(r)
	if err != nil {
		return nil, err
	}
	if err := s.authorizeFor(r, article5.ActionManageUsers, p.authz.Party); err != nil {
		return nil, err
	}
	var bad []article5.Detail
	switch {
	case in.Name == "":
		bad = append(bad, article5.Detail{Pointer: "/name", Message: "a login name is required"})
	case len(in.Name) > maxLoginName || !utf8.ValidString(in.Name) || strings.TrimSpace(in.Name) != in.Name:
		bad = append(bad, article5.Detail{Pointer: "/name", Message: fmt.Sprintf("at most %d bytes of UTF-8, without leading or trailing spaces", maxLoginName)})
	}
	if in.Party != article5.PartyJP && in.Party != article5.PartyUS {
		bad = append(bad, article5.Detail{Pointer: "/party", Message: fmt.Sprintf("JP or US, got %q", in.Party)})
	}
	roles, rbad := checkRoles(in.Roles, "/roles")
	bad = append(bad, rbad...)
	if !strings.HasPrefix(in.Org, "identity--") {
		bad = append(bad, article5.Detail{Pointer: "/org", Message: fmt.Sprintf("a STIX identity id (identity--…), got %q", in.Org)})
	}
	for i, c := range in.Communities {
		if c == "" {
			bad = append(bad, article5.Detail{Pointer: "/communities/" + strconv.Itoa(i), Message: "a community id, not empty"})
		}
	}
	if n := utf8.RuneCountInString(in.Password); n < MinPasswordLen || len(in.Password) > maxPasswordLen {
		bad = append(bad, article5.Detail{Pointer: "/password", Message: fmt.Sprintf("at least %d characters and at most %d bytes", MinPasswordLen, maxPasswordLen)})
	}
	if len(bad) > 0 {
		return nil, article5.Invalid("the user is not valid", bad...)
	}
	if err := s.authorizeFor(r, article5.ActionManageUsers, in.Party); err != nil {
		return nil, err
	}
	// The organisation and communities decide what release control lets
	// the user see: an admin may grant only their own, or organisations
	// the node lists for their Party.
	if p.user == nil {
		return nil, article5.Errorf(article5.EFORBIDDEN, "manage-users refused: only an admin's login session can create users")
	}
	if err := s.mayGrant(p.user, in.Org, in.Communities); err != nil {
		return nil, err
	}
	u := &article5.User{Name: in.Name, Party: in.Party, Roles: roles, Org: in.Org, Communities: in.Communities,
		PasswordHash: HashPassword(in.Password), Created: s.now()}
	if err := s.n.Store.CreateUser(r.Context(), u); err != nil {
		return nil, err
	}
	s.log.InfoContext(r.Context(), "user created", "user", u.ID, "name", u.Name, "party", u.Party, "roles", u.Roles, "by", p.authz.ID)
	return u, nil
}

// mayGrant checks that admin may give a user or token organisation org
// and communities: their own organisation or one the node lists for their
// Party (serve config "organisations"), and only communities they belong
// to. EFORBIDDEN otherwise (communities named by JSON pointer).
func (s *server) mayGrant(admin *article5.User, org string, communities []string) error {
	if org != admin.Org && !slices.Contains(s.n.Organisations[admin.Party], org) {
		return article5.Errorf(article5.EFORBIDDEN, "organisation %s is neither yours nor one this node lists for %s (serve config \"organisations\"): it would decide what the user may see", org, admin.Party)
	}
	for i, c := range communities {
		if !slices.Contains(admin.Communities, c) {
			return &article5.Error{Code: article5.EFORBIDDEN, Message: "a user can be given only communities their admin belongs to",
				Details: []article5.Detail{{Pointer: "/communities/" + strconv.Itoa(i), Message: fmt.Sprintf("%q is not one of yours", c)}}}
		}
	}
	return nil
}

// patchUser changes a user's roles and/or disables or enables them, from
// {roles?, disabled?}: 200 {"user":…}. Disabling ends the user's sessions.
// Only an admin of the user's party may (403 for a caller who is no admin;
// 404, as for an id that does not exist, for another party's user); an admin cannot
// remove their own admin role or disable themselves (409), so that a party
// always keeps an admin.
func (s *server) patchUser(w http.ResponseWriter, r *http.Request) error {
	p, err := principalOf(r)
	if err != nil {
		return err
	}
	if err := s.authorizeFor(r, article5.ActionManageUsers, p.authz.Party); err != nil {
		return err
	}
	var in UserUpdate
	if err := decodeStrict(w, r, maxUserBody, &in, "roles", "disabled"); err != nil {
		return err
	}
	u, err := s.updateUser(r, r.PathValue("id"), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"user": viewAdminUser(u)})
	return nil
}

// UserUpdate is a change to a user (PATCH /api/v1/users/{id}, and the
// administration pages): new roles, disabled or enabled; nil leaves
// either as it is.
type UserUpdate struct {
	Roles    *[]article5.Role `json:"roles"`
	Disabled *bool            `json:"disabled"`
}

// updateUser changes user id for r's principal and returns the user as
// changed: EINVALID for nothing to change or unknown roles, EFORBIDDEN for
// a caller who may not manage users, ENOTFOUND for no such user or one of
// another party (the same answer), ECONFLICT for removing one's
// own admin role or disabling oneself.
func (s *server) updateUser(r *http.Request, id string, in UserUpdate) (*article5.User, error) {
	p, err := principalOf(r)
	if err != nil {
		return nil, err
	}
	if err := s.authorizeFor(r, article5.ActionManageUsers, p.authz.Party); err != nil {
		return nil, err
	}
	if in.Roles == nil && in.Disabled == nil {
		return nil, article5.Invalid("nothing to change: give roles, disabled or both",
			article5.Detail{Pointer: "/roles", Message: "the user's new roles"}, article5.Detail{Pointer: "/disabled", Message: "true or false"})
	}
	var roles []article5.Role
	if in.Roles != nil {
		var bad []article5.Detail
		if roles, bad = checkRoles(*in.Roles, "/roles"); len(bad) > 0 {
			return nil, article5.Invalid("the roles are not valid", bad...)
		}
	}
	u, err := s.n.Store.FindUserByID(r.Context(), id)
	if err != nil {
		return nil, notFoundAs(err, "no such user")
	}
	if err := s.authorizeFor(r, article5.ActionManageUsers, u.Party); err != nil {
		// An admin of one party is refused another party's user exactly as
		// an id that does not exist: the answer does not tell it is held.
		return nil, article5.Errorf(article5.ENOTFOUND, "no such user")
	}
	if u.ID == p.authz.ID {
		if roles != nil && !slices.Contains(roles, article5.RoleAdmin) {
			return nil, article5.Errorf(article5.ECONFLICT, "you cannot remove your own admin role: another admin of your party must, so that the party keeps an admin")
		}
		if in.Disabled != nil && *in.Disabled {
			return nil, article5.Errorf(article5.ECONFLICT, "you cannot disable yourself: another admin of your party must, so that the party keeps an admin")
		}
	}
	ctx := r.Context()
	if roles != nil && !slices.Equal(roles, u.Roles) {
		if err := s.n.Store.SetUserRoles(ctx, u.ID, roles); err != nil {
			return nil, err
		}
		s.log.InfoContext(ctx, "user roles changed", "user", u.ID, "from", u.Roles, "to", roles, "by", p.authz.ID)
	}
	if in.Disabled != nil && *in.Disabled != u.Disabled {
		if err := s.n.Store.SetUserDisabled(ctx, u.ID, *in.Disabled); err != nil {
			return nil, err
		}
		s.log.InfoContext(ctx, "user disabled changed", "user", u.ID, "disabled", *in.Disabled, "by", p.authz.ID)
	}
	return s.n.Store.FindUserByID(ctx, u.ID)
}
