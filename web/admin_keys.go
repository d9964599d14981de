package web

import (
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"

	"article5"
)

// maxKeyFile bounds each file of the approver-key forms (a sealed key, a
// certificate, a revocation): 64 KiB.
const maxKeyFile = 64 << 10

// adminKeysData is the page of one user's approver signing keys.
type adminKeysData struct {
	adminData
	Target *article5.User
	Keys   []*article5.ApproverKey
	Detail string // the node's reason for a refused file (English), shown as such
}

func (h *handler) adminKeysPage(w http.ResponseWriter, r *http.Request, me *who) {
	h.renderKeys(w, r, me, http.StatusOK, adminKeysData{adminData: adminData{Done: done(r, "key", "keyrevoked")}})
}

func (h *handler) renderKeys(w http.ResponseWriter, r *http.Request, me *who, status int, d adminKeysData) {
	u, keys, err := h.s.UserKeys(r, r.PathValue("id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d.Section, d.Target, d.Keys = "users", u, keys
	if d.Errors == nil {
		d.Errors = map[string]string{}
	}
	h.render(w, r, status, "admin_keys", me.user, "", d)
}

// keyFile reads the uploaded file field of a multipart form (at most
// maxKeyFile bytes); nil when none was chosen.
func keyFile(r *http.Request, field string) ([]byte, error) {
	f, _, err := r.FormFile(field)
	if errors.Is(err, http.ErrMissingFile) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxKeyFile+1))
	if err == nil && len(b) > maxKeyFile {
		err = errors.New("too large")
	}
	return b, err
}

// parseKeyForm reads a multipart form of key files.
func parseKeyForm(w http.ResponseWriter, r *http.Request) (*multipart.Form, error) {
	r.Body = http.MaxBytesReader(w, r.Body, 3*maxKeyFile+16<<10)
	if err := r.ParseMultipartForm(3 * maxKeyFile); err != nil {
		return nil, article5.Errorf(article5.EINVALID, "the form could not be read")
	}
	return r.MultipartForm, nil
}

// adminKeysAdd registers an approver's signing key: the key file (field
// key) and its certificate (field cert).
func (h *handler) adminKeysAdd(w http.ResponseWriter, r *http.Request, me *who) {
	if err := mayAdmin(me); err != nil {
		h.fail(w, r, err)
		return
	}
	form, err := parseKeyForm(w, r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	defer form.RemoveAll()
	sealed, err1 := keyFile(r, "key")
	cert, err2 := keyFile(r, "cert")
	if err1 != nil || err2 != nil {
		h.renderKeys(w, r, me, http.StatusBadRequest, adminKeysData{adminData: adminData{Errors: map[string]string{"key": "admin.err.keyfile"}}})
		return
	}
	_, err = h.s.AddKey(r, r.PathValue("id"), sealed, cert)
	switch article5.ErrorCode(err) {
	case "":
		http.Redirect(w, r, "/admin/users/"+url.PathEscape(r.PathValue("id"))+"/keys?done=key", http.StatusSeeOther)
	case article5.EINVALID, article5.ECONFLICT, article5.EFORBIDDEN:
		h.renderKeys(w, r, me, http.StatusBadRequest, adminKeysData{adminData: adminData{Errors: map[string]string{"key": "admin.err.key"}}, Detail: article5.ErrorMessage(err)})
	default:
		h.fail(w, r, err)
	}
}

// adminKeysRevoke records a root-signed revocation (field revocation) of
// a key of the admin's Party.
func (h *handler) adminKeysRevoke(w http.ResponseWriter, r *http.Request, me *who) {
	if err := mayAdmin(me); err != nil {
		h.fail(w, r, err)
		return
	}
	form, err := parseKeyForm(w, r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	defer form.RemoveAll()
	rev, err := keyFile(r, "revocation")
	if err != nil || len(rev) == 0 {
		h.renderKeys(w, r, me, http.StatusBadRequest, adminKeysData{adminData: adminData{Errors: map[string]string{"revocation": "admin.err.keyfile"}}})
		return
	}
	k, err := h.s.RevokeKey(r, rev)
	switch article5.ErrorCode(err) {
	case "":
		http.Redirect(w, r, "/admin/users/"+url.PathEscape(k.UserID)+"/keys?done=keyrevoked", http.StatusSeeOther)
	case article5.EINVALID, article5.EFORBIDDEN, article5.ECONFLICT:
		h.renderKeys(w, r, me, http.StatusBadRequest, adminKeysData{adminData: adminData{Errors: map[string]string{"revocation": "admin.err.revocation"}}, Detail: article5.ErrorMessage(err)})
	default:
		h.fail(w, r, err)
	}
}
