package web

import (
	"errors"
	"io"
	"net/http"
	"strconv"

	"article5"
	"article5/authz"
	"article5/stix"
)

// maxUpload is the largest bundle file the upload form takes: 32 MiB.
const maxUpload = 32 << 20

// uploadData is the upload page's data: the form, then the ingest's report.
type uploadData struct {
	Error    string // message key
	Detail   string // the node's message (English), shown as such
	Details  []article5.Detail
	Result   *article5.IngestResult
	FileName string
	Atomic   bool
}

func (h *handler) uploadPage(w http.ResponseWriter, r *http.Request, me *who) {
	if err := authz.Check(authz.Request{User: me.authz, Action: article5.ActionIngest}); err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "upload", me.user, "", uploadData{})
}

// uploadPost stores an uploaded STIX 2.1 bundle (form field bundle, a
// file; atomic) through the API's ingest (api.Sessions.Ingest) and reports
// what was accepted, found unchanged and rejected (object, pointer,
// reason). The cases it changes are assessed by the node's worker.
func (h *handler) uploadPost(w http.ResponseWriter, r *http.Request, me *who) {
	if err := authz.Check(authz.Request{User: me.authz, Action: article5.ActionIngest}); err != nil {
		h.fail(w, r, err)
		return
	}
	d := uploadData{}
	r.Body = http.MaxBytesReader(w, r.Body, maxUpload+64<<10)
	if err := r.ParseMultipartForm(8 << 20); err != nil {
		var mb *http.MaxBytesError
		d.Error = "upload.err.read"
		if errors.As(err, &mb) {
			d.Error = "upload.err.toolarge"
		}
		h.render(w, r, http.StatusBadRequest, "upload", me.user, "", d)
		return
	}
	defer r.MultipartForm.RemoveAll()
	d.Atomic = r.FormValue("atomic") != ""
	f, hdr, err := r.FormFile("bundle")
	if err != nil {
		d.Error = "upload.err.nofile"
		h.render(w, r, http.StatusBadRequest, "upload", me.user, "", d)
		return
	}
	defer f.Close()
	d.FileName = hdr.Filename
	data, err := io.ReadAll(io.LimitReader(f, maxUpload+1))
	if err != nil || len(data) > maxUpload {
		d.Error = "upload.err.toolarge"
		h.render(w, r, http.StatusBadRequest, "upload", me.user, "", d)
		return
	}
	res, wait, err := h.s.Ingest(r, data, d.Atomic)
	switch {
	case wait > 0:
		d.Error = "intake.err.quota"
		w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds()+0.999)))
		h.render(w, r, http.StatusTooManyRequests, "upload", me.user, "", d)
		return
	case article5.ErrorCode(err) == article5.EINVALID || article5.ErrorCode(err) == article5.ECONFLICT:
		d.Error, d.Detail = "upload.err.refused", article5.ErrorMessage(err)
		var ae *article5.Error
		if errors.As(err, &ae) {
			d.Details = ae.Details
		}
		h.render(w, r, http.StatusBadRequest, "upload", me.user, "", d)
		return
	case err != nil:
		h.fail(w, r, err)
		return
	}
	d.Result = res
	status := http.StatusOK
	if len(res.Accepted) == 0 && len(res.Unchanged) == 0 {
		status = http.StatusUnprocessableEntity
	}
	// The report names the objects just sent: the banner is the most
	// restrictive marking among them.
	tlp := h.tracker()
	if b, err := stix.Parse(data); err == nil {
		for _, o := range b.Objects {
			tlp.add(tlpName(o))
		}
	}
	h.render(w, r, status, "upload", me.user, tlp.banner(), d)
}
