package web

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"

	"article5"
	"article5/authz"

	"github.com/google/uuid"
)

// evidenceBundle answers GET /cases/{id}/evidence.json: the case's evidence
// (its grouping and every object the node assesses it on, node.CaseEvidence)
// as a STIX 2.1 bundle, each object's latest version exactly as stored, for
// the analyst who filed it through the form to keep or send on. The case is
// released as on the case page (an unreadable case answers like a missing
// one) and each object passes the release gate on its own too, so the
// bundle never holds an object the caller could not read by id.
func (h *handler) evidenceBundle(w http.ResponseWriter, r *http.Request, me *who) {
	ctx := r.Context()
	id := r.PathValue("id")
	if err := authz.Check(authz.Request{User: me.authz, Action: article5.ActionReadCase}); err != nil {
		h.fail(w, r, err)
		return
	}
	if _, err := me.gate.CaseByID(ctx, id); err != nil {
		h.fail(w, r, notFound(err))
		return
	}
	ids, err := h.n.CaseEvidence(ctx, id)
	if err != nil {
		h.fail(w, r, notFound(err))
		return
	}
	var buf bytes.Buffer
	buf.WriteString(`{"type":"bundle","id":"bundle--` + uuid.NewString() + `","objects":[`)
	n := 0
	for _, oid := range ids {
		vs, err := h.n.Store.FindObjectVersions(ctx, oid)
		if article5.ErrorCode(err) == article5.ENOTFOUND {
			continue
		}
		if err != nil {
			h.fail(w, r, err)
			return
		}
		o := vs[len(vs)-1]
		ok, err := me.gate.Object(ctx, o)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		if !ok {
			continue
		}
		if n > 0 {
			buf.WriteByte(',')
		}
		if err := json.Compact(&buf, o.Raw); err != nil {
			h.fail(w, r, article5.Internal("web: stored object "+oid, err))
			return
		}
		n++
	}
	buf.WriteString("]}\n")
	w.Header().Set("Content-Type", "application/stix+json;version=2.1")
	w.Header().Set("Content-Disposition", `attachment; filename="`+strings.TrimPrefix(id, "grouping--")+`.evidence.stix.json"`)
	w.Header().Set("Cache-Control", "no-store")
	w.Write(buf.Bytes())
}
