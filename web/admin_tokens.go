package web

import (
	"net/http"

	"article5"
)

// adminTokensData is the API tokens page's data. Secret is set only in
// the answer to the form that created Created: it is shown this once.
type adminTokensData struct {
	adminData
	Tokens    []*article5.Token
	Orgs      []string
	Comms     []string
	Created   *article5.Token
	Secret    string
	Name, Org string
	FormComms map[string]bool
}

func (h *handler) adminTokensPage(w http.ResponseWriter, r *http.Request, me *who) {
	h.renderTokens(w, r, me, http.StatusOK, adminTokensData{adminData: adminData{Done: done(r, "revoked")}})
}

func (h *handler) renderTokens(w http.ResponseWriter, r *http.Request, me *who, status int, d adminTokensData) {
	toks, err := h.s.Tokens(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d.Section, d.Tokens, d.Orgs, d.Comms = "tokens", toks, h.grantable(me.user), me.user.Communities
	if d.Errors == nil {
		d.Errors = map[string]string{}
	}
	if d.FormComms == nil {
		d.FormComms = map[string]bool{}
	}
	if d.Secret != "" {
		// The page holds a secret: no cache may keep it.
		w.Header().Set("Cache-Control", "no-store")
	}
	h.render(w, r, status, "admin_tokens", me.user, "", d)
}

// adminTokensCreate creates an API token of the admin's Party (name, org,
// communities) and shows its secret once.
func (h *handler) adminTokensCreate(w http.ResponseWriter, r *http.Request, me *who) {
	if err := mayAdmin(me); err != nil {
		h.fail(w, r, err)
		return
	}
	if err := parseAdminForm(w, r); err != nil {
		h.fail(w, r, err)
		return
	}
	f := r.PostForm
	d := adminTokensData{Name: f.Get("name"), Org: f.Get("org"), FormComms: map[string]bool{}}
	comms := []string{}
	for _, c := range f["communities"] {
		comms = append(comms, c)
		d.FormComms[c] = true
	}
	t, secret, err := h.s.CreateToken(r, d.Name, d.Org, comms)
	switch article5.ErrorCode(err) {
	case "":
		h.renderTokens(w, r, me, http.StatusCreated, adminTokensData{adminData: adminData{Done: "admin.done.token"}, Created: t, Secret: secret})
	case article5.EINVALID:
		d.Errors = fieldErrors(err, map[string]string{"name": "admin.err.tokenname", "org": "admin.err.org"}, "admin.err.invalid")
		h.renderTokens(w, r, me, http.StatusBadRequest, d)
	case article5.EFORBIDDEN:
		d.Errors = grantErrors(err)
		h.renderTokens(w, r, me, http.StatusForbidden, d)
	default:
		h.fail(w, r, err)
	}
}

// adminTokensRevoke revokes a token of the admin's Party.
func (h *handler) adminTokensRevoke(w http.ResponseWriter, r *http.Request, me *who) {
	if err := mayAdmin(me); err != nil {
		h.fail(w, r, err)
		return
	}
	if err := h.s.RevokeToken(r, r.PathValue("id")); err != nil {
		h.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/tokens?done=revoked", http.StatusSeeOther)
}
