package web

import (
	"net/http"
	"strconv"

	"article5"
)

// loginData is the login page's data.
type loginData struct {
	Name  string
	Next  string
	Error string // message key
	Wait  int    // seconds, for error.wait
	OIDC  []oidcButton
}

// loginPage shows the login form; a logged-in user goes to the dashboard.
func (h *handler) loginPage(w http.ResponseWriter, r *http.Request) {
	next := localPath(r.URL.Query().Get("next"))
	if _, err := h.s.User(r); err == nil {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	h.render(w, r, http.StatusOK, "login", nil, "", loginData{Next: next, OIDC: h.oidc.buttons(next)})
}

// loginPost checks the form (name, password, next) through the API's login
// (same throttling) and sends the browser to next.
func (h *handler) loginPost(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		h.fail(w, r, article5.Invalid("unreadable form"))
		return
	}
	d := loginData{Name: r.PostForm.Get("name"), Next: localPath(r.PostForm.Get("next"))}
	d.OIDC = h.oidc.buttons(d.Next)
	_, wait, err := h.s.Login(w, r, d.Name, r.PostForm.Get("password"))
	switch {
	case wait > 0:
		d.Error, d.Wait = "login.wait", int(wait.Seconds()+0.999)
		w.Header().Set("Retry-After", strconv.Itoa(d.Wait))
		h.render(w, r, http.StatusTooManyRequests, "login", nil, "", d)
		return
	case article5.ErrorCode(err) == article5.EUNAUTHORIZED || article5.ErrorCode(err) == article5.EINVALID:
		d.Error = "login.bad"
		h.render(w, r, http.StatusUnauthorized, "login", nil, "", d)
		return
	case err != nil:
		h.fail(w, r, err)
		return
	}
	http.Redirect(w, r, d.Next, http.StatusSeeOther)
}

// logoutPost ends the session and shows the login page.
func (h *handler) logoutPost(w http.ResponseWriter, r *http.Request) {
	h.s.Logout(w, r)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}
