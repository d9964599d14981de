package web

import (
	"errors"
	"net/http"
	"slices"
	"strings"

	"article5"
	"article5/api"
	"article5/authz"
)

// The administration pages (admin_*.go, templates/admin_*.html) manage a
// Party's users, API tokens and webhooks, and its doctrine's versions,
// through api.Admin: the same checks as the JSON API. A user without the
// admin role gets the "forbidden" page where the API answers 403; a user,
// token or webhook of another Party answers "no such page", like one that
// never existed. The doctrine pages can be read by every user (as GET
// /api/v1/doctrines can); only an admin of the Party that owns a doctrine
// may put a new version.

// adminRoutes adds the administration pages to the handler's mux.
func (h *handler) adminRoutes() {
	h.mux.HandleFunc("GET /admin/{$}", h.user(func(w http.ResponseWriter, r *http.Request, me *who) {
		http.Redirect(w, r, "/admin/users", http.StatusSeeOther)
	}))
	h.mux.HandleFunc("GET /admin/users", h.user(h.adminUsersPage))
	h.mux.HandleFunc("POST /admin/users", h.user(h.adminUsersCreate))
	h.mux.HandleFunc("POST /admin/users/{id}", h.user(h.adminUsersUpdate))
	h.mux.HandleFunc("GET /admin/users/{id}/keys", h.user(h.adminKeysPage))
	h.mux.HandleFunc("POST /admin/users/{id}/keys", h.user(h.adminKeysAdd))
	h.mux.HandleFunc("POST /admin/users/{id}/keys/revocation", h.user(h.adminKeysRevoke))
	h.mux.HandleFunc("GET /admin/tokens", h.user(h.adminTokensPage))
	h.mux.HandleFunc("POST /admin/tokens", h.user(h.adminTokensCreate))
	h.mux.HandleFunc("POST /admin/tokens/{id}/revoke", h.user(h.adminTokensRevoke))
	h.mux.HandleFunc("GET /admin/webhooks", h.user(h.adminWebhooksPage))
	h.mux.HandleFunc("POST /admin/webhooks", h.user(h.adminWebhooksCreate))
	h.mux.HandleFunc("POST /admin/webhooks/{id}/remove", h.user(h.adminWebhooksRemove))
	h.mux.HandleFunc("GET /doctrines", h.user(h.doctrinesPage))
	h.mux.HandleFunc("GET /doctrines/{id}", h.user(h.doctrinePage))
	h.mux.HandleFunc("POST /doctrines/{id}", h.user(h.doctrineUpload))
}

// IsAdmin reports whether the page's user has the admin role of their
// Party (manage-users): the navigation offers the administration pages.
func (v *view) IsAdmin() bool {
	if v.User == nil {
		return false
	}
	return authz.Decide(authz.Request{User: authz.User{ID: v.User.ID, Party: v.User.Party, Roles: v.User.Roles},
		Action: article5.ActionManageUsers, Party: v.User.Party}).Allowed
}

// mayAdmin answers the pages of a user who may not manage their Party
// exactly as the API would: EFORBIDDEN.
func mayAdmin(me *who) error {
	return authz.Check(authz.Request{User: me.authz, Action: article5.ActionManageUsers, Party: me.user.Party})
}

// maxAdminForm bounds an administration form (not the doctrine upload).
const maxAdminForm = 64 << 10

// parseAdminForm reads a small urlencoded form.
func parseAdminForm(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxAdminForm)
	if err := r.ParseForm(); err != nil {
		return article5.Errorf(article5.EINVALID, "the form could not be read")
	}
	return nil
}

// fieldErrors maps the details of an EINVALID or EFORBIDDEN error to the
// form's fields (the first segment of each JSON pointer: "/roles/1" →
// "roles"), each to the message key keys gives for it (or fallback).
// Details without a known field go under "" (shown above the form).
func fieldErrors(err error, keys map[string]string, fallback string) map[string]string {
	out := map[string]string{}
	var ae *article5.Error
	if !errors.As(err, &ae) || len(ae.Details) == 0 {
		out[""] = fallback
		return out
	}
	for _, d := range ae.Details {
		f, _, _ := strings.Cut(strings.TrimPrefix(d.Pointer, "/"), "/")
		if k, ok := keys[f]; ok {
			out[f] = k
		} else {
			out[""] = fallback
		}
	}
	return out
}

// grantable returns the organisations an admin may give a user or token:
// their own, then those the node lists for their Party.
func (h *handler) grantable(u *article5.User) []string {
	out := []string{u.Org}
	for _, o := range h.n.Organisations[u.Party] {
		if !slices.Contains(out, o) {
			out = append(out, o)
		}
	}
	return out
}

// adminData is what every administration page has: which section it is,
// the flash of the last action (a message key), and the form's errors
// (field → message key; "" above the form).
type adminData struct {
	Section string
	Done    string
	Errors  map[string]string
}

// done returns the flash key named by ?done=, if it is one of keys.
func done(r *http.Request, keys ...string) string {
	d := r.URL.Query().Get("done")
	if slices.Contains(keys, d) {
		return "admin.done." + d
	}
	return ""
}

// adminUsersData is the users page's data.
type adminUsersData struct {
	adminData
	Me        *article5.User
	Users     []*article5.User
	Total     int
	Roles     []article5.Role
	Orgs      []string
	Comms     []string
	MinPass   int
	Form      api.NewUser
	FormRoles map[article5.Role]bool
	FormComms map[string]bool
}

// maxUsersShown bounds the users listed.
const maxUsersShown = 500

func (h *handler) adminUsersPage(w http.ResponseWriter, r *http.Request, me *who) {
	h.renderUsers(w, r, me, http.StatusOK, adminUsersData{adminData: adminData{Done: done(r, "created", "roles", "disabled", "enabled")}})
}

// renderUsers renders the users page with d (its list filled in here).
func (h *handler) renderUsers(w http.ResponseWriter, r *http.Request, me *who, status int, d adminUsersData) {
	users, total, err := h.s.Users(r, maxUsersShown)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d.Section, d.Me, d.Users, d.Total = "users", me.user, users, total
	d.Roles, d.Orgs, d.Comms, d.MinPass = article5.Roles, h.grantable(me.user), me.user.Communities, api.MinPasswordLen
	if d.Errors == nil {
		d.Errors = map[string]string{}
	}
	if d.FormRoles == nil {
		d.FormRoles = map[article5.Role]bool{}
	}
	if d.FormComms == nil {
		d.FormComms = map[string]bool{}
	}
	h.render(w, r, status, "admin_users", me.user, "", d)
}

// adminUsersCreate creates a user of the admin's Party from the form:
// name, password, roles, org, communities.
func (h *handler) adminUsersCreate(w http.ResponseWriter, r *http.Request, me *who) {
	if err := mayAdmin(me); err != nil {
		h.fail(w, r, err)
		return
	}
	if err := parseAdminForm(w, r); err != nil {
		h.fail(w, r, err)
		return
	}
	f := r.PostForm
	in := api.NewUser{Name: f.Get("name"), Party: me.user.Party, Org: f.Get("org"), Password: f.Get("password"), Communities: []string{}}
	d := adminUsersData{Form: in, FormRoles: map[article5.Role]bool{}, FormComms: map[string]bool{}}
	for _, ro := range f["roles"] {
		in.Roles = append(in.Roles, article5.Role(ro))
		d.FormRoles[article5.Role(ro)] = true
	}
	for _, c := range f["communities"] {
		in.Communities = append(in.Communities, c)
		d.FormComms[c] = true
	}
	d.Form.Password = "" // never sent back
	_, err := h.s.CreateUser(r, in)
	switch article5.ErrorCode(err) {
	case "":
		http.Redirect(w, r, "/admin/users?done=created", http.StatusSeeOther)
		return
	case article5.EINVALID:
		d.Errors = fieldErrors(err, map[string]string{"name": "admin.err.name", "password": "admin.err.password",
			"roles": "admin.err.roles", "org": "admin.err.org", "communities": "admin.err.communities"}, "admin.err.invalid")
		h.renderUsers(w, r, me, http.StatusBadRequest, d)
	case article5.ECONFLICT:
		d.Errors = map[string]string{"name": "admin.err.taken"}
		h.renderUsers(w, r, me, http.StatusConflict, d)
	case article5.EFORBIDDEN:
		// An organisation or community the admin may not grant (the
		// admin role itself was checked above).
		d.Errors = grantErrors(err)
		h.renderUsers(w, r, me, http.StatusForbidden, d)
	default:
		h.fail(w, r, err)
	}
}

// adminUsersUpdate changes a user: op=roles (with roles), op=disable or
// op=enable.
func (h *handler) adminUsersUpdate(w http.ResponseWriter, r *http.Request, me *who) {
	if err := mayAdmin(me); err != nil {
		h.fail(w, r, err)
		return
	}
	if err := parseAdminForm(w, r); err != nil {
		h.fail(w, r, err)
		return
	}
	var in api.UserUpdate
	op := r.PostForm.Get("op")
	switch op {
	case "roles":
		roles := []article5.Role{}
		for _, ro := range r.PostForm["roles"] {
			roles = append(roles, article5.Role(ro))
		}
		in.Roles = &roles
	case "disable", "enable":
		v := op == "disable"
		in.Disabled = &v
	default:
		h.fail(w, r, article5.Errorf(article5.EINVALID, "op must be roles, disable or enable"))
		return
	}
	_, err := h.s.UpdateUser(r, r.PathValue("id"), in)
	switch article5.ErrorCode(err) {
	case "":
		flash := map[string]string{"roles": "roles", "disable": "disabled", "enable": "enabled"}[op]
		http.Redirect(w, r, "/admin/users?done="+flash, http.StatusSeeOther)
	case article5.EINVALID:
		h.renderUsers(w, r, me, http.StatusBadRequest, adminUsersData{adminData: adminData{Errors: map[string]string{"": "admin.err.roles"}}})
	case article5.ECONFLICT:
		key := "admin.err.self.roles"
		if op == "disable" {
			key = "admin.err.self.disable"
		}
		h.renderUsers(w, r, me, http.StatusConflict, adminUsersData{adminData: adminData{Errors: map[string]string{"": key}}})
	default:
		h.fail(w, r, err)
	}
}

// grantErrors places the refusal of an organisation or community the
// admin may not grant (EFORBIDDEN from api.Admin) next to its field.
func grantErrors(err error) map[string]string {
	var ae *article5.Error
	if errors.As(err, &ae) && len(ae.Details) > 0 && strings.HasPrefix(ae.Details[0].Pointer, "/communities") {
		return map[string]string{"communities": "admin.err.grant.communities"}
	}
	return map[string]string{"org": "admin.err.grant"}
}

// HasRole reports whether u has role r (the roles form's boxes).
func (v *view) HasRole(u *article5.User, r article5.Role) bool { return slices.Contains(u.Roles, r) }

// Kind names where a doctrine version comes from: built in, the file
// loaded at start, or stored version N.
func (v *view) Kind(d docVersion) string {
	if d.Kind == "stored" {
		return v.T("admin.kind.stored", d.Seq)
	}
	return v.T("admin.kind." + d.Kind)
}

// InAdmin reports whether the page is one of the administration pages
// (the navigation marks its link).
func (v *view) InAdmin() bool { return strings.HasPrefix(v.Page, "admin_") }
