package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"time"

	"article5"
	"article5/node"
	"article5/sign"
	"article5/workflow"
)

// maxConsultBody limits the body of a consultation request (a position's
// reasons, an RFI, a key): 1 MiB.
const maxConsultBody = 1 << 20

// decodeBody decodes a JSON object body into v (a pointer to a struct)
// with decodeStrict: unknown properties are refused by pointer, a value of
// the wrong type names its pointer, bodies over max get 413. The accepted
// properties are v's json tags. what names the expected shape for other
// targets (a json.RawMessage), which are decoded as one JSON value.
func decodeBody(w http.ResponseWriter, r *http.Request, max int64, v any, what string) error {
	if t := reflect.TypeOf(v); t.Kind() == reflect.Pointer && t.Elem().Kind() == reflect.Struct {
		var props []string
		for f := range t.Elem().Fields() {
			if name, _, _ := strings.Cut(f.Tag.Get("json"), ","); name != "" && name != "-" {
				props = append(props, name)
			}
		}
		return decodeStrict(w, r, max, v, props...)
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, max))
	if err := dec.Decode(v); err != nil {
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			return tooLarge(max)
		}
		return article5.Invalid("the request body must be "+what, article5.Detail{Message: err.Error()})
	}
	if dec.More() {
		return article5.Invalid("the request body must be one JSON value: " + what)
	}
	return nil
}

// consultationJSON is a consultation as the API shows it.
type consultationJSON struct {
	Case           string                          `json:"case"`
	Name           string                          `json:"name"`
	State          article5.CaseState              `json:"state"`
	AssessmentHash string                          `json:"assessment_hash"`
	DoctrineTiers  map[string]article5.Tier        `json:"doctrine_tiers"` // the current assessment's tier per doctrine id (jp, us)
	Scope          article5.Scope                  `json:"scope,omitempty"`
	EvidenceDigest string                          `json:"evidence_digest"`
	Doctrines      []article5.DoctrineRef          `json:"doctrines"`
	Positions      map[article5.Party]positionJSON `json:"positions"`
	RFIs           []rfiJSON                       `json:"rfis"`
	Determination  *determinationJSON              `json:"determination,omitempty"`
	Past           []determinationJSON             `json:"past_determinations"`
	Signed         []positionJSON                  `json:"signed_positions"`
	Log            []transitionJSON                `json:"log"`
	Users          map[string]string               `json:"users"` // user id → login name, for every user the consultation names
	// Withheld lists, on a node with partners, the evidence the
	// consultation does not cover (a partner may not receive it), as far
	// as the caller may read it.
	Withheld []node.WithheldObject `json:"withheld,omitempty"`
}

type positionJSON struct {
	Party          article5.Party `json:"party"`
	Tier           article5.Tier  `json:"tier"`
	Opinion        string         `json:"opinion"`
	Reasons        string         `json:"reasons"`
	ReasonsSHA256  string         `json:"reasons_sha256"`
	AssessmentHash string         `json:"assessment_hash"`
	Signed         bool           `json:"signed"`
	KeyID          string         `json:"key_id,omitempty"`
	SignedAt       string         `json:"signed_at,omitempty"`
	SignedBy       string         `json:"signed_by,omitempty"`
	Recorded       time.Time      `json:"recorded"`
}

type rfiJSON struct {
	ID         string         `json:"id"`
	From       article5.Party `json:"from"`
	To         article5.Party `json:"to"`
	Question   string         `json:"question"`
	AskedBy    string         `json:"asked_by"`
	Asked      time.Time      `json:"asked"`
	Answer     string         `json:"answer,omitempty"`
	AnsweredBy string         `json:"answered_by,omitempty"`
	Answered   *time.Time     `json:"answered,omitempty"`
}

type determinationJSON struct {
	ID             string                           `json:"id"`
	AssessmentHash string                           `json:"assessment_hash"`
	Outcome        article5.Outcome                 `json:"outcome"`
	Tiers          map[article5.Party]article5.Tier `json:"tiers"`
	At             time.Time                        `json:"at"`
}

type transitionJSON struct {
	From   article5.CaseState `json:"from"`
	To     article5.CaseState `json:"to"`
	Action article5.Action    `json:"action"`
	User   string             `json:"user"`
	Party  article5.Party     `json:"party"`
	At     time.Time          `json:"at"`
	Note   string             `json:"note"`
}

func viewPosition(p article5.Position) positionJSON {
	return positionJSON{Party: p.Payload.Party, Tier: p.Payload.Tier, Opinion: p.Payload.Opinion, Reasons: p.Reasons,
		ReasonsSHA256: p.Payload.ReasonsSHA256, AssessmentHash: p.Payload.AssessmentHash, Signed: p.Signature != nil,
		KeyID: p.Payload.KeyID, SignedAt: p.Payload.SignedAt, SignedBy: p.SignedBy, Recorded: p.Recorded}
}

func viewDetermination(d workflow.Determination) determinationJSON {
	tiers := map[article5.Party]article5.Tier{}
	for party, p := range d.Positions {
		tiers[party] = p.Payload.Tier
	}
	return determinationJSON{ID: sign.DeterminationID(d.Case, d.AssessmentHash), AssessmentHash: d.AssessmentHash,
		Outcome: d.Outcome, Tiers: tiers, At: d.At}
}

func viewConsultation(c *workflow.Case) consultationJSON {
	v := consultationJSON{Case: c.ID, State: c.State, AssessmentHash: c.AssessmentHash, EvidenceDigest: c.EvidenceDigest,
		Doctrines: c.Doctrines, Positions: map[article5.Party]positionJSON{}, RFIs: []rfiJSON{},
		Past: []determinationJSON{}, Signed: []positionJSON{}, Log: []transitionJSON{}}
	for party, p := range c.Positions {
		v.Positions[party] = viewPosition(*p)
	}
	for _, r := range c.RFIs {
		rj := rfiJSON{ID: r.ID, From: r.From, To: r.To, Question: r.Question, AskedBy: r.AskedBy, Asked: r.Asked,
			Answer: r.Answer, AnsweredBy: r.AnsweredBy}
		if !r.Answered.IsZero() {
			t := r.Answered
			rj.Answered = &t
		}
		v.RFIs = append(v.RFIs, rj)
	}
	if c.Determination != nil {
		d := viewDetermination(*c.Determination)
		v.Determination = &d
	}
	for _, d := range c.Past {
		v.Past = append(v.Past, viewDetermination(d))
	}
	for _, sp := range c.Signed {
		v.Signed = append(v.Signed, viewPosition(sp.Position))
	}
	for _, t := range c.Log {
		v.Log = append(v.Log, transitionJSON{From: t.From, To: t.To, Action: t.Action, User: t.User, Party: t.Party, At: t.At, Note: t.Note})
	}
	return v
}

// visibleCase answers ENOTFOUND (404) unless the case exists and may be
// released to the caller: nobody acts on, or learns of, a case they
// cannot see.
func (s *server) visibleCase(r *http.Request, id string) error {
	_, err := s.gate(r).CaseByID(r.Context(), id)
	return notFoundAs(err, "no such case")
}

// writeConsultation answers with the consultation's view, with the case's
// name and its current assessment's tiers.
func (s *server) writeConsultation(w http.ResponseWriter, r *http.Request, status int, c *workflow.Case) error {
	v := viewConsultation(c)
	cs, err := s.n.Store.FindCaseByID(r.Context(), c.ID)
	if err != nil {
		return err
	}
	v.Name, v.Scope = cs.Name, cs.Scope
	if cs.Hash == c.AssessmentHash {
		v.DoctrineTiers = cs.Tiers
	}
	v.Users = map[string]string{}
	name := func(id string) {
		if _, done := v.Users[id]; done || id == "" {
			return
		}
		if u, err := s.n.Store.FindUserByID(r.Context(), id); err == nil {
			v.Users[id] = u.Name
		} else {
			v.Users[id] = id // the worker, or a user since removed
		}
	}
	for _, p := range c.Positions {
		name(p.SignedBy)
	}
	for _, sp := range c.Signed {
		name(sp.Position.SignedBy)
	}
	for _, q := range c.RFIs {
		name(q.AskedBy)
		name(q.AnsweredBy)
	}
	for _, t := range c.Log {
		name(t.User)
	}
	held, err := s.n.Withheld(r.Context(), c.ID)
	if err != nil {
		return err
	}
	gate := s.gate(r)
	for _, o := range held {
		ok, err := gate.Visible(r.Context(), o.ID)
		if err != nil {
			return err
		}
		if ok {
			v.Withheld = append(v.Withheld, o)
		}
	}
	writeJSON(w, status, v)
	return nil
}

// createCase opens a case from incidents: {"name", "incidents", "markings"?,
// "request_consultation"? (default true)}. The grouping is created by the
// caller's organisation, assessed at once, and its consultation opened
// (and requested). 201 with the consultation.
func (s *server) createCase(w http.ResponseWriter, r *http.Request) error {
	p, err := principalOf(r)
	if err != nil {
		return err
	}
	if err := s.authorize(r, article5.ActionOpenCase); err != nil {
		return err
	}
	var in struct {
		Name      string   `json:"name"`
		Incidents []string `json:"incidents"`
		Markings  []string `json:"markings"`
		Request   *bool    `json:"request_consultation"`
	}
	if err := decodeBody(w, r, maxConsultBody, &in, `{"name","incidents":[…]}`); err != nil {
		return err
	}
	ctx := context.WithoutCancel(r.Context())
	id, err := s.n.CreateCase(ctx, p.authz, node.CaseRequest{Name: in.Name, Incidents: in.Incidents, Markings: in.Markings,
		Principal: p.article5(), Recipient: s.gate(r).Recipient()})
	if err != nil {
		return err
	}
	c, err := s.n.OpenConsultation(ctx, p.authz, id)
	if err != nil {
		return err
	}
	if in.Request == nil || *in.Request {
		if c, err = s.n.RequestConsultation(ctx, p.authz, id); err != nil {
			return err
		}
	}
	w.Header().Set("Location", "/api/v1/cases/"+id+"/consultation")
	return s.writeConsultation(w, r, http.StatusCreated, c)
}

// openConsultation opens the consultation of a case the node already holds
// and has assessed; {"request_consultation": true} also requests it.
func (s *server) openConsultation(w http.ResponseWriter, r *http.Request) error {
	p, err := principalOf(r)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	if err := s.visibleCase(r, id); err != nil {
		return err
	}
	var in struct {
		Request bool `json:"request_consultation"`
	}
	if r.ContentLength != 0 {
		if err := decodeBody(w, r, maxConsultBody, &in, `{"request_consultation": true|false}`); err != nil {
			return err
		}
	}
	ctx := context.WithoutCancel(r.Context())
	c, err := s.n.OpenConsultation(ctx, p.authz, id)
	if err != nil {
		return err
	}
	if in.Request {
		if c, err = s.n.RequestConsultation(ctx, p.authz, id); err != nil {
			return err
		}
	}
	return s.writeConsultation(w, r, http.StatusCreated, c)
}

// getConsultation shows a case's consultation.
func (s *server) getConsultation(w http.ResponseWriter, r *http.Request) error {
	if err := s.authorize(r, article5.ActionReadCase); err != nil {
		return err
	}
	id := r.PathValue("id")
	if err := s.visibleCase(r, id); err != nil {
		return err
	}
	c, _, err := s.n.Consultation(r.Context(), id)
	if err != nil {
		return err
	}
	return s.writeConsultation(w, r, http.StatusOK, c)
}

// requestConsultation moves an open consultation to in-consultation.
func (s *server) requestConsultation(w http.ResponseWriter, r *http.Request) error {
	return s.consultAction(w, r, func(ctx context.Context, p *principal, id string) (*workflow.Case, error) {
		return s.n.RequestConsultation(ctx, p.authz, id)
	})
}

// closeCase closes a concluded case.
func (s *server) closeCase(w http.ResponseWriter, r *http.Request) error {
	return s.consultAction(w, r, func(ctx context.Context, p *principal, id string) (*workflow.Case, error) {
		return s.n.CloseCase(ctx, p.authz, id)
	})
}

// consultAction runs one consultation operation on a visible case and
// answers with the consultation.
func (s *server) consultAction(w http.ResponseWriter, r *http.Request, op func(ctx context.Context, p *principal, id string) (*workflow.Case, error)) error {
	p, err := principalOf(r)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	if err := s.visibleCase(r, id); err != nil {
		return err
	}
	c, err := op(context.WithoutCancel(r.Context()), p, id)
	if err != nil {
		return err // the case is visible to the caller, so its errors may name it
	}
	return s.writeConsultation(w, r, http.StatusOK, c)
}

// partyParam reads the {party} path value: JP or US (case-insensitive).
func partyParam(r *http.Request) (article5.Party, error) {
	switch strings.ToUpper(r.PathValue("party")) {
	case "JP":
		return article5.PartyJP, nil
	case "US":
		return article5.PartyUS, nil
	}
	return "", article5.Invalid("unknown Party", article5.Detail{Pointer: "/party", Message: fmt.Sprintf("%q: expected JP or US", r.PathValue("party"))})
}

// putPosition records a Party's position: {"tier","opinion","reasons"}.
func (s *server) putPosition(w http.ResponseWriter, r *http.Request) error {
	party, err := partyParam(r)
	if err != nil {
		return err
	}
	var in struct {
		Tier    article5.Tier `json:"tier"`
		Opinion string        `json:"opinion"`
		Reasons string        `json:"reasons"`
	}
	return s.consultAction(w, r, func(ctx context.Context, p *principal, id string) (*workflow.Case, error) {
		if err := decodeBody(w, r, maxConsultBody, &in, `{"tier","opinion","reasons"}`); err != nil {
			return nil, err
		}
		return s.n.RecordPosition(ctx, p.authz, id, party, in.Tier, in.Opinion, in.Reasons)
	})
}

// signPosition signs a Party's recorded position: {"password"}. The
// approver re-enters their login password; it is checked like a login
// (throttled per session, with the login backoff: LoginFreeFailures) and
// then unseals their signing key for this one signature.
func (s *server) signPosition(w http.ResponseWriter, r *http.Request) error {
	party, err := partyParam(r)
	if err != nil {
		return err
	}
	return s.consultAction(w, r, func(ctx context.Context, p *principal, id string) (*workflow.Case, error) {
		if p.user == nil {
			return nil, article5.Errorf(article5.EFORBIDDEN, "sign-position refused: only an approver's login session can sign, not an API token")
		}
		var in struct {
			Password string `json:"password"`
		}
		if err := decodeBody(w, r, maxLoginBody, &in, `{"password"}`); err != nil {
			return nil, err
		}
		if in.Password == "" {
			return nil, article5.Invalid("re-enter your password to sign", article5.Detail{Pointer: "/password", Message: "required"})
		}
		if wait, err := s.passwordAgain(ctx, p, in.Password, nil); wait > 0 {
			return nil, tooManyAttempts(w, wait, "too many wrong passwords")
		} else if err != nil {
			return nil, err
		}
		return s.n.SignPosition(ctx, p.authz, id, party, []byte(in.Password))
	})
}

// postRFI sends a request for information to the other Party:
// {"question"}. The Location header names the new RFI.
func (s *server) postRFI(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Question string `json:"question"`
	}
	return s.consultAction(w, r, func(ctx context.Context, p *principal, id string) (*workflow.Case, error) {
		if err := decodeBody(w, r, maxConsultBody, &in, `{"question"}`); err != nil {
			return nil, err
		}
		c, rfi, err := s.n.SendRFI(ctx, p.authz, id, in.Question)
		if err == nil {
			w.Header().Set("Location", "/api/v1/cases/"+id+"/consultation#"+rfi)
		}
		return c, err
	})
}

// answerRFI answers a request for information sent to the caller's Party:
// {"answer"}.
func (s *server) answerRFI(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Answer string `json:"answer"`
	}
	return s.consultAction(w, r, func(ctx context.Context, p *principal, id string) (*workflow.Case, error) {
		if err := decodeBody(w, r, maxConsultBody, &in, `{"answer"}`); err != nil {
			return nil, err
		}
		return s.n.AnswerRFI(ctx, p.authz, id, r.PathValue("rfi"), in.Answer)
	})
}

// getRecord exports the signed record of a case (`article5 case export`):
// ?assessment=HASH picks a past assessment.
func (s *server) getRecord(w http.ResponseWriter, r *http.Request) error {
	if err := s.authorize(r, article5.ActionExportRecord); err != nil {
		return err
	}
	id := r.PathValue("id")
	if err := s.visibleCase(r, id); err != nil {
		return err
	}
	hash := r.URL.Query().Get("assessment")
	if hash != "" && !isHex64(hash) {
		return article5.Invalid("invalid assessment hash", article5.Detail{Pointer: "/assessment", Message: fmt.Sprintf("%q: expected 64 lowercase hex digits", hash)})
	}
	switch f := r.URL.Query().Get("format"); f {
	case "", "record":
	case "stix":
		b, err := s.n.RecordBundle(r.Context(), id, hash)
		if err != nil {
			return err
		}
		w.Header().Set("Content-Type", "application/stix+json;version=2.1")
		w.Header().Set("Content-Disposition", `attachment; filename="`+strings.TrimPrefix(id, "grouping--")+`.record.stix.json"`)
		w.WriteHeader(http.StatusOK)
		_, err = w.Write(b)
		return err
	default:
		return article5.Invalid("unknown record format", article5.Detail{Pointer: "/format", Message: fmt.Sprintf("%q: expected record or stix", f)})
	}
	rec, err := s.n.Record(r.Context(), id, hash)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(rec); err != nil {
		return internalErr("encode record", err)
	}
	w.Header().Set("Content-Disposition", `attachment; filename="`+strings.TrimPrefix(id, "grouping--")+`.record.json"`)
	writeRaw(w, http.StatusOK, buf.Bytes())
	return nil
}

// isHex64 reports whether s is 64 lowercase hex digits (a sha256).
func isHex64(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !('0' <= s[i] && s[i] <= '9' || 'a' <= s[i] && s[i] <= 'f') {
			return false
		}
	}
	return true
}

// passwordAgain checks a password the session's user re-enters (to sign),
// throttled per session: only the holder of this session is slowed, never
// the user's other sessions. wait > 0: nothing was checked. EFORBIDDEN for
// a wrong password.
//
// also, when not nil, is another secret the user may enter instead (a
// signing passphrase: also reports whether password is one).
func (s *server) passwordAgain(ctx context.Context, p *principal, password string, also func(string) bool) (time.Duration, error) {
	now := s.now()
	ticket, wait, err := s.limiter.attemptKey(ctx, now, "sign\x00"+p.user.ID+"\x00"+p.session.ID)
	if err != nil {
		return 0, err
	}
	if wait > 0 {
		return wait, nil
	}
	if !CheckPassword(p.user.PasswordHash, password) && (also == nil || !also(password)) {
		return 0, article5.Errorf(article5.EFORBIDDEN, "wrong password: re-enter your login password to sign")
	}
	if err := s.limiter.succeed(ctx, now, ticket); err != nil {
		return 0, err
	}
	return 0, nil
}
