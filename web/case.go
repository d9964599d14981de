package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"

	"article5"
	"article5/assess"
	"article5/authz"
	"article5/stix"
	"article5/workflow"
)

// caseData is the case page's data.
type caseData struct {
	Case      *article5.CaseSummary
	Report    *article5.Report
	Doctrines []string // doctrine ids, the user's Party's first
	Factors   []factorRow
	Criteria  []criterionRow
	Findings  []findingRow
	Consult   *workflow.Case
	Positions []positionView
	Can       map[string]bool // action → the user's role allows it now
	Party     article5.Party
	Tiers     []article5.Tier
	Opinions  []string
	// ToSign is the user's Party's recorded, unsigned position when the
	// user may sign it: the sign form shows exactly what is signed.
	ToSign *article5.Position
	Flash  string // message key of the outcome of an action
	Detail string // the action's error message (English), shown as such
	// Trail is the case's audit trail with inclusion proofs (trail.go);
	// nil when the store keeps no log.
	Trail *trailData
	// Determinations are the case's determinations, the current one
	// first, then those on earlier assessments.
	Determinations []determinationRow
	// LiveURL and LiveTypes are the event stream the page listens to and
	// the event types it reloads on (static/live.js, live.go).
	LiveURL, LiveTypes string
}

// factorRow is one Schmitt factor under every doctrine.
type factorRow struct {
	Name  string
	Cells []factorCell
}

// chartBar is one bar of a factor's chart at X (SVG units).
type chartBar struct {
	X  int
	On bool
}

type factorCell struct {
	Doctrine string
	Known    bool
	Score    int
	Bars     []chartBar // the chart: 3 bars, filled up to Score
	Reasons  string
	Source   string
	Evidence []article5.Evidence
}

// criterionRow is one armed-attack gravity criterion under every doctrine.
type criterionRow struct {
	Name  string
	Cells []criterionCell
}

type criterionCell struct {
	Doctrine string
	Known    bool
	Met      bool
	Reasons  string
	Source   string
}

// findingRow is one doctrine's headline: tier, self-defence, what would
// change it, presumptions, cumulative finding.
type findingRow struct {
	Doctrine string
	A        *article5.DoctrineAssessment
}

// myPosition returns the position of the user's Party on the current
// assessment, or nil.
func (d *caseData) myPosition() *article5.Position {
	if d.Consult == nil {
		return nil
	}
	return d.Consult.Positions[d.Party]
}

type positionView struct {
	Party article5.Party
	P     *article5.Position
}

func (h *handler) casePage(w http.ResponseWriter, r *http.Request, me *who) {
	h.showCase(w, r, me, http.StatusOK, r.URL.Query().Get("done"), "")
}

// showCase renders the case page; flash and detail report an action.
func (h *handler) showCase(w http.ResponseWriter, r *http.Request, me *who, status int, flash, detail string) {
	d, tlp, err := h.loadCase(r.Context(), me, r.PathValue("id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d.Detail = detail
	if flash == "ok" || flash == "filed" || flash == "wait" || flash == "password" || flash == "error" || flash == "invalid" || flash == "conflict" || flash == "forbidden" {
		d.Flash = "case.flash." + flash
	}
	cons := d.Consult
	can := func(a article5.Action) bool {
		return authz.Check(authz.Request{User: me.authz, Action: a, Party: me.user.Party}) == nil
	}
	state := article5.CaseState("")
	if cons != nil {
		state = cons.State
	}
	d.Can["open"] = state == "" && can(article5.ActionOpenCase)
	d.Can["request"] = state == article5.StateOpen && can(article5.ActionRequestConsult)
	d.Can["position"] = (state == article5.StateOpen || state == article5.StateInConsultation) && can(article5.ActionRecordPosition)
	d.Can["rfi"] = state == article5.StateInConsultation && can(article5.ActionSendRFI)
	d.Can["answer"] = state == article5.StateInConsultation && can(article5.ActionAnswerRFI)
	if mine := d.myPosition(); mine != nil && mine.Signature == nil && state == article5.StateInConsultation && can(article5.ActionSignPosition) {
		d.Can["sign"] = true
		d.ToSign = mine
	}
	d.Can["close"] = (state == article5.StateConcurred || state == article5.StateDiverged) && can(article5.ActionCloseCase)
	d.Can["export"] = can(article5.ActionExportRecord)
	d.Determinations = determinations(cons)
	if d.Trail, err = h.loadTrail(r.Context(), me, d.Case.ID); err != nil {
		h.fail(w, r, err)
		return
	}
	d.LiveURL, d.LiveTypes = h.liveURL(r.Context(), me), liveTypes
	h.render(w, r, status, "case", me.user, tlp.banner(), d)
}

// loadCase reads what the case page and the brief show of case id, as user
// me may see it: the case (ENOTFOUND, saying only "not found", when the user
// may not read it or it does not exist), its assessment laid out by doctrine,
// its consultation, and the TLP of all that.
func (h *handler) loadCase(ctx context.Context, me *who, id string) (*caseData, tlpTracker, error) {
	tlp := h.tracker()
	if err := authz.Check(authz.Request{User: me.authz, Action: article5.ActionReadCase}); err != nil {
		return nil, tlp, err
	}
	c, err := me.gate.CaseByID(ctx, id)
	if err != nil {
		return nil, tlp, notFound(err)
	}
	d := &caseData{Case: c, Party: me.user.Party, Tiers: assess.Tiers, Opinions: workflow.Opinions, Can: map[string]bool{}}

	raw, err := h.n.Store.FindAssessment(ctx, id)
	switch {
	case article5.ErrorCode(err) == article5.ENOTFOUND:
	case err != nil:
		return nil, tlp, err
	default:
		var rep article5.Report
		if err := json.Unmarshal(raw, &rep); err != nil {
			return nil, tlp, article5.Internal("web: read assessment of "+id, err)
		}
		d.Report = &rep
		d.Doctrines = doctrineOrder(rep.Assessments, doctrineOf(me.user))
		d.Factors, d.Criteria, d.Findings = rows(&rep, d.Doctrines)
	}
	if d.Report != nil {
		if err := h.evidenceTLP(ctx, me, d.Report, &tlp); err != nil {
			return nil, tlp, err
		}
	}
	cons, _, err := h.n.Consultation(ctx, id)
	switch {
	case article5.ErrorCode(err) == article5.ENOTFOUND:
	case err != nil:
		return nil, tlp, err
	default:
		d.Consult = cons
		for _, p := range workflow.Parties {
			d.Positions = append(d.Positions, positionView{Party: p, P: cons.Positions[p]})
		}
	}
	return d, tlp, nil
}

// evidenceTLP adds the markings of the objects the report's findings rest
// on (and its incidents) to the page's TLP: the case page shows findings
// drawn from all of them.
func (h *handler) evidenceTLP(ctx context.Context, me *who, rep *article5.Report, t *tlpTracker) error {
	ids := reportObjects(rep)
	aud := me.gate.Audience()
	for chunk := range slices.Chunk(ids, 500) {
		page, err := h.n.Store.FindObjects(ctx, article5.ObjectFilter{IDs: chunk, Limit: 1000, Audience: &aud})
		if err != nil {
			return err
		}
		for _, o := range page.Objects {
			p, err := stix.ParseObject(o.Raw)
			if err != nil {
				t.add("RED")
				continue
			}
			t.add(tlpName(p))
		}
	}
	return nil
}

// doctrineOrder lists the doctrine ids of as, first the lead one if present.
func doctrineOrder(as map[string]*article5.DoctrineAssessment, lead string) []string {
	var ids []string
	for id := range as {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool {
		if (ids[i] == lead) != (ids[j] == lead) {
			return ids[i] == lead
		}
		return ids[i] < ids[j]
	})
	return ids
}

// rows lays the case-level findings of every doctrine side by side.
func rows(rep *article5.Report, ids []string) ([]factorRow, []criterionRow, []findingRow) {
	var factors []factorRow
	var criteria []criterionRow
	var findings []findingRow
	fi, ci := map[string]int{}, map[string]int{}
	for _, id := range ids {
		a := rep.Assessments[id]
		findings = append(findings, findingRow{Doctrine: id, A: a})
		for _, f := range a.UseOfForce.Factors {
			if _, ok := fi[f.Name]; !ok {
				fi[f.Name] = len(factors)
				factors = append(factors, factorRow{Name: f.Name, Cells: make([]factorCell, len(ids))})
			}
		}
		for _, c := range a.ArmedAttack.Criteria {
			if _, ok := ci[c.Name]; !ok {
				ci[c.Name] = len(criteria)
				criteria = append(criteria, criterionRow{Name: c.Name, Cells: make([]criterionCell, len(ids))})
			}
		}
	}
	for j, id := range ids {
		a := rep.Assessments[id]
		for _, f := range a.UseOfForce.Factors {
			bars := []chartBar{{0, f.Score >= 1}, {23, f.Score >= 2}, {46, f.Score >= 3}}
			factors[fi[f.Name]].Cells[j] = factorCell{Doctrine: id, Known: true, Score: f.Score, Bars: bars, Reasons: f.Reasons, Source: f.Source, Evidence: f.Evidence}
		}
		for _, c := range a.ArmedAttack.Criteria {
			criteria[ci[c.Name]].Cells[j] = criterionCell{Doctrine: id, Known: true, Met: c.Met, Reasons: c.Reasons, Source: c.Source}
		}
		for i := range factors {
			factors[i].Cells[j].Doctrine = id
		}
		for i := range criteria {
			criteria[i].Cells[j].Doctrine = id
		}
	}
	return factors, criteria, findings
}

// caseAction runs one consultation action from the case page's forms:
// open, request, position (tier, opinion, reasons for the user's Party),
// rfi (question), answer (rfi, answer), close. The case must be visible
// to the user (else 404, as if it did not exist); the action is decided by
// the node's workflow and authz. Success returns to the case page.
func (h *handler) caseAction(w http.ResponseWriter, r *http.Request, me *who) {
	ctx := r.Context()
	id := r.PathValue("id")
	if _, err := me.gate.CaseByID(ctx, id); err != nil {
		h.fail(w, r, notFound(err))
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 256<<10)
	if err := r.ParseForm(); err != nil {
		h.fail(w, r, article5.Invalid("unreadable form"))
		return
	}
	f := r.PostForm
	octx := context.WithoutCancel(ctx)
	var err error
	switch r.PathValue("action") {
	case "open":
		_, err = h.n.OpenConsultation(octx, me.authz, id)
	case "request":
		_, err = h.n.RequestConsultation(octx, me.authz, id)
	case "position":
		_, err = h.n.RecordPosition(octx, me.authz, id, me.user.Party, article5.Tier(f.Get("tier")), f.Get("opinion"), f.Get("reasons"))
	case "rfi":
		_, _, err = h.n.SendRFI(octx, me.authz, id, f.Get("question"))
	case "answer":
		_, err = h.n.AnswerRFI(octx, me.authz, id, f.Get("rfi"), f.Get("answer"))
	case "close":
		_, err = h.n.CloseCase(octx, me.authz, id)
	case "sign":
		// The login password, or the signing passphrase (passphrase.go),
		// is checked as the API checks the password (throttled per
		// session), then unseals the approver's key for this signature.
		pw := f.Get("password")
		wait, perr := h.s.SecretAgain(r, pw, func(secret string) bool {
			ok, err := h.n.OpensSigningKey(octx, me.user, []byte(secret))
			return err == nil && ok
		})
		switch {
		case wait > 0:
			w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds()+0.999)))
			h.showCase(w, r, me, http.StatusTooManyRequests, "wait", "")
			return
		case perr != nil && article5.ErrorCode(perr) == article5.EFORBIDDEN:
			h.showCase(w, r, me, http.StatusForbidden, "password", "")
			return
		case perr != nil:
			err = perr
		default:
			_, err = h.n.SignPosition(octx, me.authz, id, me.user.Party, []byte(pw))
			if article5.ErrorCode(err) == article5.EFORBIDDEN && strings.Contains(article5.ErrorMessage(err), "does not open") {
				// The login password, but the key is sealed with a
				// signing passphrase.
				h.showCase(w, r, me, http.StatusForbidden, "password", "")
				return
			}
		}
	default:
		h.fail(w, r, article5.Errorf(article5.ENOTFOUND, "no such action"))
		return
	}
	if err != nil {
		flash, status := "error", http.StatusInternalServerError
		switch article5.ErrorCode(err) {
		case article5.EINVALID:
			flash, status = "invalid", http.StatusBadRequest
		case article5.ECONFLICT:
			flash, status = "conflict", http.StatusConflict
		case article5.EFORBIDDEN:
			flash, status = "forbidden", http.StatusForbidden
		case article5.ENOTFOUND: // e.g. no such request for information
			flash, status = "invalid", http.StatusNotFound
		default:
			h.log.ErrorContext(ctx, "case action", "case", id, "err", err.Error())
			h.showCase(w, r, me, status, flash, "")
			return
		}
		h.showCase(w, r, me, status, flash, article5.ErrorMessage(err))
		return
	}
	http.Redirect(w, r, "/cases/"+url.PathEscape(id)+"?done=ok#consultation", http.StatusSeeOther)
}

// notFound makes any ENOTFOUND say only "not found".
func notFound(err error) error {
	if article5.ErrorCode(err) == article5.ENOTFOUND {
		return article5.Errorf(article5.ENOTFOUND, "not found")
	}
	return err
}

// reportObjects returns the ids of every object a report's findings name,
// sorted and unique.
func reportObjects(rep *article5.Report) []string {
	set := map[string]bool{rep.Case: true}
	addEv := func(evs []article5.Evidence) {
		for _, e := range evs {
			set[e.Object] = true
		}
	}
	addA := func(a *article5.DoctrineAssessment) {
		if a == nil {
			return
		}
		for _, f := range a.UseOfForce.Factors {
			addEv(f.Evidence)
		}
		for _, c := range a.ArmedAttack.Criteria {
			addEv(c.Evidence)
		}
		addEv(a.Attribution.Evidence)
		for _, p := range a.Presumptions {
			addEv(p.Evidence)
		}
	}
	addEv(rep.Scope.Evidence)
	for _, a := range rep.Assessments {
		addA(a)
	}
	for _, inc := range rep.Incidents {
		set[inc.ID] = true
		addEv(inc.Scope.Evidence)
		for _, a := range inc.Assessments {
			addA(a)
		}
	}
	delete(set, "")
	out := make([]string, 0, len(set))
	for id := range set {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}
