package web

import (
	"context"
	"net/http"
	"strconv"

	"article5"
	"article5/authz"
	"article5/node"
)

// passphraseData is the signing passphrase page's data.
type passphraseData struct {
	Done   bool
	Errors map[string]string // field → message key
	Wait   int               // seconds, for passphrase.err.wait
}

// passphrasePage shows the form that sets an approver's signing
// passphrase (GET /account/passphrase); other roles get 403.
func (h *handler) passphrasePage(w http.ResponseWriter, r *http.Request, me *who) {
	if err := authz.Check(authz.Request{User: me.authz, Action: article5.ActionSignPosition, Party: me.user.Party}); err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "passphrase", me.user, "", passphraseData{Done: r.URL.Query().Get("done") == "ok", Errors: map[string]string{}})
}

// passphrasePost sets the signing passphrase (POST /account/passphrase:
// current, passphrase, confirm): the current secret is checked with the
// same throttle as the signing form's (Sessions.SecretAgain), then every
// signing key it opens is sealed again with the new passphrase
// (node.SetSigningPassphrase). Nothing changes unless all is valid.
func (h *handler) passphrasePost(w http.ResponseWriter, r *http.Request, me *who) {
	if err := authz.Check(authz.Request{User: me.authz, Action: article5.ActionSignPosition, Party: me.user.Party}); err != nil {
		h.fail(w, r, err)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		h.fail(w, r, article5.Invalid("unreadable form"))
		return
	}
	f := r.PostForm
	d := passphraseData{Errors: map[string]string{}}
	cur, next := f.Get("current"), f.Get("passphrase")
	switch {
	case len(next) < node.MinPassphrase:
		d.Errors["passphrase"] = "passphrase.err.short"
	case f.Get("confirm") != next:
		d.Errors["confirm"] = "passphrase.err.confirm"
	}
	if len(d.Errors) > 0 {
		h.render(w, r, http.StatusBadRequest, "passphrase", me.user, "", d)
		return
	}
	ctx := context.WithoutCancel(r.Context())
	wait, err := h.s.SecretAgain(r, cur, func(secret string) bool {
		ok, err := h.n.OpensSigningKey(ctx, me.user, []byte(secret))
		return err == nil && ok
	})
	if wait > 0 {
		d.Errors["current"], d.Wait = "passphrase.err.wait", int(wait.Seconds()+0.999)
		w.Header().Set("Retry-After", strconv.Itoa(d.Wait))
		h.render(w, r, http.StatusTooManyRequests, "passphrase", me.user, "", d)
		return
	}
	if err == nil {
		_, err = h.n.SetSigningPassphrase(ctx, me.user, []byte(cur), []byte(next))
	}
	switch article5.ErrorCode(err) {
	case "":
		http.Redirect(w, r, "/account/passphrase?done=ok", http.StatusSeeOther)
		return
	case article5.EFORBIDDEN:
		d.Errors["current"] = "passphrase.err.wrong"
		h.render(w, r, http.StatusForbidden, "passphrase", me.user, "", d)
	case article5.ENOTFOUND:
		d.Errors["current"] = "passphrase.err.nokey"
		h.render(w, r, http.StatusConflict, "passphrase", me.user, "", d)
	default:
		h.fail(w, r, err)
	}
}
