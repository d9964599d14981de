package web

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pmezard/go-difflib/difflib"

	"article5"
	"article5/node"
)

// maxDoctrineUpload is the largest doctrine file the upload form takes:
// 1 MiB, as PUT /api/v1/doctrines/{id}.
const maxDoctrineUpload = 1 << 20

// diffContext is how many unchanged lines a diff shows around each change.
const diffContext = 3

// docVersion is one version of a doctrine the node knows: the built-in
// one (Key "builtin"), the file loaded at start while it is in force
// ("file"), or a stored version (Key its Seq, "1", "2", …).
type docVersion struct {
	Key       string
	Seq       int64
	Kind      string // builtin, file or stored
	Version   string
	Title     string
	SHA256    string
	Changed   time.Time
	ChangedBy string
	Source    []byte
	InForce   bool
}

// doctrineRow is a doctrine in force on the list.
type doctrineRow struct {
	ID, Title, Version string
	Party              article5.Party
	InForce            docVersion
	Versions           int
}

// doctrinesPage lists the doctrines in force: id, title, owning Party,
// version and where the version in force comes from.
func (h *handler) doctrinesPage(w http.ResponseWriter, r *http.Request, me *who) {
	ctx := r.Context()
	if err := h.n.SyncDoctrines(ctx); err != nil {
		h.fail(w, r, err)
		return
	}
	var rows []doctrineRow
	for _, d := range h.n.InForce() {
		vs, err := h.doctrineVersions(ctx, d.ID)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		row := doctrineRow{ID: d.ID, Title: d.Title, Version: d.Version, Party: d.Party, Versions: len(vs)}
		for _, v := range vs {
			if v.InForce {
				row.InForce = v
			}
		}
		rows = append(rows, row)
	}
	h.render(w, r, http.StatusOK, "admin_doctrines", me.user, "", map[string]any{"Section": "doctrines", "Doctrines": rows})
}

// doctrineVersions returns the versions of doctrine id in force, oldest
// first: the built-in one, the file in force, then the stored ones.
// ENOTFOUND if no doctrine id is in force.
func (h *handler) doctrineVersions(ctx context.Context, id string) ([]docVersion, error) {
	cur, err := h.n.Doctrine(id)
	if err != nil {
		return nil, err
	}
	var out []docVersion
	if d, err := node.BuiltinDoctrine(id); err == nil {
		out = append(out, docVersion{Key: "builtin", Kind: "builtin", Version: d.Version, Title: d.Title, SHA256: d.SHA256, Source: d.Source})
	}
	stored, err := h.n.Store.FindDoctrineVersions(ctx, id)
	if err != nil && article5.ErrorCode(err) != article5.ENOTFOUND {
		return nil, err
	}
	known := slices.ContainsFunc(out, func(v docVersion) bool { return v.SHA256 == cur.SHA256 }) ||
		slices.ContainsFunc(stored, func(v *article5.DoctrineVersion) bool { return v.SHA256 == cur.SHA256 })
	if !known {
		out = append(out, docVersion{Key: "file", Kind: "file", Version: cur.Version, Title: cur.Title, SHA256: cur.SHA256, Source: cur.Source})
	}
	for _, v := range stored {
		out = append(out, docVersion{Key: strconv.FormatInt(v.Seq, 10), Seq: v.Seq, Kind: "stored", Version: v.Version, Title: v.Title,
			SHA256: v.SHA256, Changed: v.Changed, ChangedBy: v.ChangedBy, Source: v.Source})
	}
	for i := len(out) - 1; i >= 0; i-- {
		if out[i].SHA256 == cur.SHA256 {
			out[i].InForce = true
			break
		}
	}
	return out, nil
}

// srcLine is one line of a doctrine's source, with the check's faults on
// it (upload).
type srcLine struct {
	N      int
	Text   string
	Faults []fault
}

// fault is one fault the doctrine check found: its line and column (0:
// not known), the YAML path and the message as the check wrote it.
type fault struct {
	Line, Column int
	Path         string
	Message      string
}

// diffRow is one row of a line diff: Op is "same", "del" or "add"; Old
// and New are the line numbers (0 where the line is not on that side).
// Gap marks the first row after lines left out.
type diffRow struct {
	Op       string
	Old, New int
	Text     string
	Gap      bool
}

// doctrinePageData is the page of one doctrine.
type doctrinePageData struct {
	adminData
	ID        string
	Party     article5.Party
	Versions  []docVersion
	Shown     docVersion
	Lines     []srcLine
	From, To  string
	FromV     docVersion // the versions compared
	ToV       docVersion
	Diff      []diffRow
	Diffed    bool
	MayChange bool
	Source    string // the upload form's text
	Faults    []fault
	Stored    string // the seq of the version just stored
}

// doctrinePage shows doctrine id: its versions, one version's source
// (?v=, default the one in force), a line diff between two versions
// (?from=&to=), and, to an admin of the Party that owns it, the form to
// put a new version.
func (h *handler) doctrinePage(w http.ResponseWriter, r *http.Request, me *who) {
	d, err := h.doctrineData(r, r.PathValue("id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	d.Done = done(r, "uploaded", "unchanged")
	d.Stored = q.Get("seq")
	if _, err := strconv.Atoi(d.Stored); err != nil {
		d.Stored = ""
	}
	status := http.StatusOK
	if k := q.Get("v"); k != "" {
		v, ok := findVersion(d.Versions, k)
		if !ok {
			h.fail(w, r, article5.Errorf(article5.ENOTFOUND, "no such version"))
			return
		}
		d.Shown = v
	}
	d.Lines = lines(d.Shown.Source, nil)
	if d.From, d.To = q.Get("from"), q.Get("to"); d.From != "" || d.To != "" {
		a, okA := findVersion(d.Versions, d.From)
		b, okB := findVersion(d.Versions, d.To)
		if !okA {
			d.Errors["from"] = "admin.err.version"
		}
		if !okB {
			d.Errors["to"] = "admin.err.version"
		}
		if okA && okB {
			d.Diff, d.Diffed, d.FromV, d.ToV = lineDiff(a.Source, b.Source), true, a, b
		} else {
			status = http.StatusBadRequest
		}
	}
	if d.MayChange {
		d.Source = string(d.Shown.Source)
	}
	h.render(w, r, status, "admin_doctrine", me.user, "", d)
}

// doctrineData gathers what every view of doctrine id shows; Shown is
// the version in force.
func (h *handler) doctrineData(r *http.Request, id string) (*doctrinePageData, error) {
	if err := h.n.SyncDoctrines(r.Context()); err != nil {
		return nil, err
	}
	vs, err := h.doctrineVersions(r.Context(), id)
	if err != nil {
		return nil, err
	}
	cur, err := h.n.Doctrine(id)
	if err != nil {
		return nil, err
	}
	d := &doctrinePageData{adminData: adminData{Section: "doctrines", Errors: map[string]string{}}, ID: id, Party: cur.Party,
		Versions: vs, MayChange: h.s.MayChangeDoctrine(r, id)}
	for _, v := range vs {
		if v.InForce {
			d.Shown = v
		}
	}
	return d, nil
}

func findVersion(vs []docVersion, key string) (docVersion, bool) {
	for _, v := range vs {
		if v.Key == key {
			return v, true
		}
	}
	return docVersion{}, false
}

// doctrineUpload puts a new version of doctrine id in force from the
// form (a file, field file, or the text, field source), through
// api.Admin.ChangeDoctrine: the same checks as PUT /api/v1/doctrines/{id}.
// A file that does not parse or check is shown again with each fault
// next to its line (and column where the YAML parser knows it), and
// nothing is stored; so is a file whose version the node already holds
// with another text (409, next to its version line).
func (h *handler) doctrineUpload(w http.ResponseWriter, r *http.Request, me *who) {
	id := r.PathValue("id")
	d, err := h.doctrineData(r, id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if !d.MayChange {
		h.fail(w, r, article5.Errorf(article5.EFORBIDDEN, "changing a doctrine needs the admin role of the Party that owns it"))
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 2*maxDoctrineUpload+64<<10)
	if err := r.ParseMultipartForm(2 * maxDoctrineUpload); err != nil {
		d.Errors[""] = "admin.err.toolarge"
		h.render(w, r, http.StatusRequestEntityTooLarge, "admin_doctrine", me.user, "", d)
		return
	}
	defer r.MultipartForm.RemoveAll()
	var src []byte
	if f, _, err := r.FormFile("file"); err == nil {
		src, err = io.ReadAll(io.LimitReader(f, maxDoctrineUpload+1))
		f.Close()
		if err != nil {
			h.fail(w, r, article5.Errorf(article5.EINVALID, "the file could not be read"))
			return
		}
	}
	if len(src) == 0 {
		// A browser sends a text area's lines ended by CRLF (HTML
		// form submission): the doctrine is kept as written, with LF.
		src = []byte(strings.ReplaceAll(r.FormValue("source"), "\r\n", "\n"))
	}
	d.Source = string(src)
	d.Lines = lines(src, nil)
	if len(bytes.TrimSpace(src)) == 0 {
		d.Errors["source"] = "admin.err.nosource"
		h.render(w, r, http.StatusBadRequest, "admin_doctrine", me.user, "", d)
		return
	}
	if len(src) > maxDoctrineUpload {
		d.Errors["source"] = "admin.err.toolarge"
		h.render(w, r, http.StatusRequestEntityTooLarge, "admin_doctrine", me.user, "", d)
		return
	}
	v, _, err := h.s.ChangeDoctrine(r, id, src)
	switch article5.ErrorCode(err) {
	case "":
		if v == nil {
			http.Redirect(w, r, "/doctrines/"+id+"?done=unchanged", http.StatusSeeOther)
			return
		}
		http.Redirect(w, r, "/doctrines/"+id+"?done=uploaded&seq="+strconv.FormatInt(v.Seq, 10), http.StatusSeeOther)
	case article5.EINVALID:
		d.Faults = faults(err)
		d.Lines = lines(src, d.Faults)
		d.Errors["source"] = "admin.err.doctrine"
		h.render(w, r, http.StatusBadRequest, "admin_doctrine", me.user, "", d)
	case article5.ECONFLICT:
		// Another text under a version the node holds: shown next to the
		// file's version line.
		d.Faults = faults(err)
		for i := range d.Faults {
			d.Faults[i].Line, d.Faults[i].Path = versionLine(src), "version"
		}
		d.Lines = lines(src, d.Faults)
		d.Errors["source"] = "admin.err.versionheld"
		h.render(w, r, http.StatusConflict, "admin_doctrine", me.user, "", d)
	case article5.EFORBIDDEN:
		// The file names another Party than the one that owns the doctrine.
		d.Errors["source"] = "admin.err.party"
		h.render(w, r, http.StatusForbidden, "admin_doctrine", me.user, "", d)
	default:
		h.fail(w, r, err)
	}
}

// versionLine returns the 1-based line of a doctrine's top-level
// `version:`, 0 if it has none.
func versionLine(src []byte) int {
	for i, l := range strings.Split(string(src), "\n") {
		if strings.HasPrefix(l, "version:") {
			return i + 1
		}
	}
	return 0
}

// columnPrefix is how a fault's message gives its column ("column 3: …",
// package doctrine and stix).
var columnPrefix = regexp.MustCompile(`^column (\d+): `)

// faults are the details of the doctrine check's error.
func faults(err error) []fault {
	var ae *article5.Error
	if !errors.As(err, &ae) {
		return nil
	}
	var out []fault
	for _, d := range ae.Details {
		f := fault{Line: d.Line, Path: d.Pointer, Message: d.Message}
		if m := columnPrefix.FindStringSubmatch(f.Message); m != nil {
			f.Column, _ = strconv.Atoi(m[1])
			f.Message = f.Message[len(m[0]):]
		}
		out = append(out, f)
	}
	if len(out) == 0 {
		out = append(out, fault{Message: ae.Message})
	}
	return out
}

// lines numbers the lines of src and puts each fault on its line.
func lines(src []byte, fs []fault) []srcLine {
	text := strings.TrimSuffix(string(src), "\n")
	if text == "" {
		return nil
	}
	parts := strings.Split(text, "\n")
	out := make([]srcLine, len(parts))
	for i, p := range parts {
		out[i] = srcLine{N: i + 1, Text: strings.TrimSuffix(p, "\r")}
	}
	for _, f := range fs {
		if f.Line >= 1 && f.Line <= len(out) {
			out[f.Line-1].Faults = append(out[f.Line-1].Faults, f)
		}
	}
	return out
}

// lineDiff is the line diff from a to b (difflib's grouped opcodes: the
// changes with diffContext unchanged lines around each).
func lineDiff(a, b []byte) []diffRow {
	al := difflib.SplitLines(string(a))
	bl := difflib.SplitLines(string(b))
	trim := func(s string) string { return strings.TrimSuffix(strings.TrimSuffix(s, "\n"), "\r") }
	var out []diffRow
	for _, g := range difflib.NewMatcher(al, bl).GetGroupedOpCodes(diffContext) {
		first := true
		add := func(r diffRow) {
			r.Gap, first = first && len(out) > 0, false
			out = append(out, r)
		}
		for _, op := range g {
			switch op.Tag {
			case 'e':
				for i := op.I1; i < op.I2; i++ {
					add(diffRow{Op: "same", Old: i + 1, New: op.J1 + i - op.I1 + 1, Text: trim(al[i])})
				}
			case 'd', 'r', 'i':
				for i := op.I1; i < op.I2; i++ {
					add(diffRow{Op: "del", Old: i + 1, Text: trim(al[i])})
				}
				for j := op.J1; j < op.J2; j++ {
					add(diffRow{Op: "add", New: j + 1, Text: trim(bl[j])})
				}
			}
		}
	}
	return out
}
