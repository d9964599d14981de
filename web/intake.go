package web

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"article5"
	"article5/assess"
	"article5/authz"
	"article5/stix"
)

// The vocabularies of the intake form: article5's extension schema
// (extension/schema.json) and STIX 2.1.
var (
	domains        = []string{"cyber", "space", "electromagnetic"}
	operationTypes = []string{"probing", "espionage", "influence", "disruption", "destruction"}
	activities     = []string{"imminent", "ongoing", "ended"}
	extents        = []string{"local", "regional", "national", "international"}
	durations      = []string{"hours", "days", "weeks", "months"}
	sectorsJP      = []string{"information-communication", "finance", "aviation", "airports", "railways", "electric-power", "gas",
		"government-administrative-services", "medical", "water", "logistics", "chemicals", "credit-cards", "petroleum", "ports"}
	sectorsUS = []string{"chemical", "commercial-facilities", "communications", "critical-manufacturing", "dams", "defense-industrial-base",
		"emergency-services", "energy", "financial-services", "food-agriculture", "government-facilities", "healthcare-public-health",
		"information-technology", "nuclear", "transportation-systems", "water-wastewater"}
	legalBases = article5.LegalBases
	tlps       = []string{"CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED"}
	tlpIDs     = map[string]string{"CLEAR": stix.TLPClearID, "GREEN": stix.TLPGreenID, "AMBER": stix.TLPAmberID, "AMBER+STRICT": stix.TLPAmberStrictID, "RED": stix.TLPRedID}
	triState   = []string{"", "true", "false"}
	// physicalDamage, recoverabilities: the Incident Core Extension's
	// physical impact_type and recoverability (article5.FactPhysicalDamage,
	// article5.FactRecoverability), least grave first.
	physicalDamage   = article5.FactCatalogue()[mustFact(article5.FactPhysicalDamage)].Values
	recoverabilities = article5.FactCatalogue()[mustFact(article5.FactRecoverability)].Values
	// currencies the economic loss may be given in; the facts count USD
	// (article5.FactEconomicLossUSD), so another currency needs its rate.
	currencies = []string{"USD", "JPY", "EUR"}
	// assetTypes: the Incident Core Extension's asset-type-ov (Incident
	// Extension Suite §4.1), the physical impact's asset_type, which the
	// suite requires unless impact_type is none.
	assetTypes = []string{"building-doors", "building-windows", "buildings", "computers-mobile", "computers-personal",
		"computers-server", "environment", "ics-actuator", "ics-engineering-workstation", "ics-historian", "ics-hmi",
		"ics-other", "ics-plc", "ics-safety-system", "ics-sensor", "inventory", "network-device",
		"private-infrastructure", "public-infrastructure", "security-containers", "vehicles"}
)

// The economic loss the form accepts: up to maxLoss in its currency and in
// US dollars (10^15, over ten times the world's yearly output), and at
// least one US cent once converted; amounts are stored in whole cents.
const maxLoss = 1e15

func mustFact(name string) int {
	i, ok := article5.FactIndex(name)
	if !ok {
		panic("web: unknown fact " + name)
	}
	return i
}

// intakeForm is the incident intake form as submitted: every field as
// text, so that a refused form comes back as the user typed it.
type intakeForm struct {
	Name, Description, Domain                     string
	PartyJP, PartyUS                              bool
	Start, End                                    string // datetime-local, JST
	Lat, Lon, Precision                           string
	Deaths, DeathsSuspected, Injuries             string
	DeathsIndirect, InjuriesSuspected, People     string
	Physical, Availability, Recoverability        string
	AssetType                                     string // asset-type-ov, for physical damage
	Loss, Currency, Rate                          string // economic loss: amount, currency, USD per unit
	Organised                                     string // "", "true", "false"
	SectorJP, SectorUS                            string
	Military, Deliberate                          string // "", "true", "false"
	Operation, Activity, Extent, Duration         string
	Actor, LegalBasis, Confidence, StateName, TLP string
	CaseName                                      string
}

// intakeData is the intake page's data.
type intakeData struct {
	F          intakeForm
	Errors     map[string]string // field → message key
	Detail     []article5.Rejection
	Preview    *article5.Report
	PreviewErr string
	Doctrine   string
	Lists      map[string][]string
	// Map is the base map to click a location on (static/intake.js), with
	// its projection and the pin of the coordinates entered.
	Map  *baseMap
	Proj projection
	Pin  pin
	// Loss is the economic loss as converted to US dollars, shown in the
	// preview so that a rate given the wrong way round is seen; nil when
	// no valid loss is given.
	Loss *lossView
}

// lossView is the economic loss as the preview shows it: the amount and
// currency entered, the rate (US dollars per unit) and the result in US
// dollars, each already formatted.
type lossView struct {
	Amount, Currency, Rate, USD string
	Converted                   bool
}

// projection is the map's projection for the page's script.
type projection struct{ MinLon, MaxLat, ScaleX, ScaleY float64 }

// pin is the mark of the entered coordinates on the map.
type pin struct {
	X, Y float64
	Set  bool
}

// withMap adds the map, and a pin where f's coordinates are on it.
func (d *intakeData) withMap() {
	d.Map = theBaseMap()
	d.Proj = projection{MinLon: mapBound.Min[0], MaxLat: mapBound.Max[1], ScaleX: mapScaleX, ScaleY: mapScaleY}
	lat, err1 := strconv.ParseFloat(d.F.Lat, 64)
	lon, err2 := strconv.ParseFloat(d.F.Lon, 64)
	if err1 == nil && err2 == nil {
		if x, y, ok := markerAt(lat, lon); ok {
			d.Pin = pin{X: x, Y: y, Set: true}
		}
	}
}

func intakeLists() map[string][]string {
	return map[string][]string{"domain": domains, "operation": operationTypes, "activity": activities, "extent": extents,
		"duration": durations, "sectorJP": sectorsJP, "sectorUS": sectorsUS, "legalBasis": legalBases, "tlp": tlps, "tri": triState,
		"physical": physicalDamage, "recoverability": recoverabilities, "currency": currencies, "asset": assetTypes}
}

func (h *handler) intakePage(w http.ResponseWriter, r *http.Request, me *who) {
	if err := authz.Check(authz.Request{User: me.authz, Action: article5.ActionIngest}); err != nil {
		h.fail(w, r, err)
		return
	}
	d := intakeData{F: intakeForm{TLP: "AMBER", Domain: "cyber", Activity: "ended", Currency: "USD"}, Errors: map[string]string{},
		Doctrine: doctrineOf(me.user), Lists: intakeLists()}
	d.withMap()
	if me.user.Party == article5.PartyUS {
		d.F.PartyUS = true
	} else {
		d.F.PartyJP = true
	}
	h.render(w, r, http.StatusOK, "intake", me.user, "", d)
}

// intakePost validates the form and, with action=preview, assesses it in
// memory with the doctrines in force and shows the tier (the page's
// preview box asks for this through htmx as the form changes); otherwise it
// stores the incident as STIX 2.1 with article5's extension through the
// API's ingest (api.Sessions.Ingest: the same checks, quota and node path
// as POST /api/v1/bundles, atomic), assesses
// its case and opens the case page.
func (h *handler) intakePost(w http.ResponseWriter, r *http.Request, me *who) {
	ctx := r.Context()
	if err := authz.Check(authz.Request{User: me.authz, Action: article5.ActionIngest}); err != nil {
		h.fail(w, r, err)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 256<<10)
	if err := r.ParseForm(); err != nil {
		h.fail(w, r, article5.Invalid("unreadable form"))
		return
	}
	f := readIntake(r.PostForm)
	d := intakeData{F: f, Errors: map[string]string{}, Doctrine: doctrineOf(me.user), Lists: intakeLists()}
	d.withMap()
	bundle, caseID := f.bundle(me.user, h.opts.Now(), d.Errors)
	d.Loss = f.lossView()
	tlp := h.tracker()
	tlp.add(f.TLP)
	preview := r.PostForm.Get("action") == "preview"
	if len(d.Errors) > 0 {
		status := http.StatusBadRequest
		if preview && r.Header.Get("HX-Request") == "true" {
			// The live preview (htmx) replaces only its box, which then
			// says the facts are not complete yet: a normal answer.
			status = http.StatusOK
		}
		h.render(w, r, status, "intake", me.user, tlp.banner(), d)
		return
	}
	if preview {
		b, err := stix.Parse(bundle)
		if err == nil {
			d.Preview, err = assess.Assess(ctx, assess.Options{Doctrines: h.n.InForce(), Workers: 1}, b)
		}
		if err != nil {
			d.PreviewErr = article5.ErrorMessage(err)
		}
		h.render(w, r, http.StatusOK, "intake", me.user, tlp.banner(), d)
		return
	}
	res, wait, err := h.s.Ingest(r, bundle, true)
	if wait > 0 {
		d.Errors["form"] = "intake.err.quota"
		w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds()+0.999)))
		h.render(w, r, http.StatusTooManyRequests, "intake", me.user, tlp.banner(), d)
		return
	}
	if err != nil {
		if article5.ErrorCode(err) == article5.ECONFLICT || article5.ErrorCode(err) == article5.EINVALID {
			d.Errors["form"] = "intake.err.refused"
			var ae *article5.Error
			if errors.As(err, &ae) {
				for _, dt := range ae.Details {
					d.Detail = append(d.Detail, article5.Rejection{ID: dt.Object, Reason: dt.Pointer + " " + dt.Message})
				}
			}
			h.render(w, r, http.StatusBadRequest, "intake", me.user, tlp.banner(), d)
			return
		}
		h.fail(w, r, err)
		return
	}
	if len(res.Rejected) > 0 {
		d.Errors["form"] = "intake.err.refused"
		d.Detail = res.Rejected
		h.render(w, r, http.StatusBadRequest, "intake", me.user, tlp.banner(), d)
		return
	}
	// Assess now, so that the case page opens on its assessment; the
	// worker would do the same a moment later.
	if _, err := h.n.AssessCase(context.WithoutCancel(ctx), caseID); err != nil {
		h.log.WarnContext(ctx, "assess filed case", "case", caseID, "err", err.Error())
	}
	http.Redirect(w, r, "/cases/"+url.PathEscape(caseID)+"?done=filed", http.StatusSeeOther)
}

func readIntake(v url.Values) intakeForm {
	g := func(k string) string { return strings.TrimSpace(v.Get(k)) }
	return intakeForm{Name: g("name"), Description: g("description"), Domain: g("domain"),
		PartyJP: v.Get("party_jp") != "", PartyUS: v.Get("party_us") != "",
		Start: g("start"), End: g("end"), Lat: g("lat"), Lon: g("lon"), Precision: g("precision"),
		Deaths: g("deaths"), DeathsSuspected: g("deaths_suspected"), Injuries: g("injuries"),
		DeathsIndirect: g("deaths_indirect"), InjuriesSuspected: g("injuries_suspected"), People: g("people_affected"),
		Physical: g("physical_damage"), AssetType: g("asset_type"), Availability: g("availability_loss"), Recoverability: g("recoverability"),
		Loss: g("economic_loss"), Currency: g("currency"), Rate: g("conversion_rate"), Organised: g("organised"),
		SectorJP: g("sector_jp"), SectorUS: g("sector_us"), Military: g("military"), Deliberate: g("deliberate"),
		Operation: g("operation"), Activity: g("activity"), Extent: g("extent"), Duration: g("duration"),
		Actor: g("actor"), LegalBasis: g("legal_basis"), Confidence: g("confidence"), StateName: g("state_name"),
		TLP: g("tlp"), CaseName: g("case_name")}
}

// maxText bounds the free-text fields (bytes).
const (
	maxName = 300
	maxDesc = 10000
)

// bundle validates f and returns it as a STIX 2.1 bundle: a grouping (the
// case), the incident with article5's extension (casualties,
// effects_duration from the start and end) and, when effects are given,
// the Incident Core Extension with its impacts (availability and physical
// over the effects' interval, monetary in USD), its location and
// located-at relationship, and, when an actor is named, a threat-actor
// (and its State's identity) with an attributed-to relationship carrying
// the legal basis and confidence. Faults go to errs (field → message key).
func (f intakeForm) bundle(u *article5.User, now time.Time, errs map[string]string) ([]byte, string) {
	inList := func(field, v string, list []string, required bool) {
		if v == "" {
			if required {
				errs[field] = "intake.err.required"
			}
			return
		}
		for _, x := range list {
			if x == v {
				return
			}
		}
		errs[field] = "intake.err.choice"
	}
	switch {
	case f.Name == "":
		errs["name"] = "intake.err.required"
	case len(f.Name) > maxName:
		errs["name"] = "intake.err.toolong"
	}
	if len(f.Description) > maxDesc {
		errs["description"] = "intake.err.toolong"
	}
	if len(f.CaseName) > maxName {
		errs["case_name"] = "intake.err.toolong"
	}
	inList("domain", f.Domain, domains, true)
	inList("operation", f.Operation, operationTypes, false)
	inList("activity", f.Activity, activities, false)
	inList("extent", f.Extent, extents, false)
	inList("duration", f.Duration, durations, false)
	inList("sector_jp", f.SectorJP, sectorsJP, false)
	inList("sector_us", f.SectorUS, sectorsUS, false)
	inList("military", f.Military, triState[1:], false)
	inList("deliberate", f.Deliberate, triState[1:], false)
	inList("legal_basis", f.LegalBasis, legalBases, false)
	inList("tlp", f.TLP, tlps, true)
	if !f.PartyJP && !f.PartyUS {
		errs["parties"] = "intake.err.party"
	}
	start, okStart := parseLocal(f.Start)
	if f.Start == "" {
		errs["start"] = "intake.err.required"
	} else if !okStart {
		errs["start"] = "intake.err.time"
	}
	end, okEnd := parseLocal(f.End)
	if f.End != "" && !okEnd {
		errs["end"] = "intake.err.time"
	} else if okEnd && okStart && end.Before(start) {
		errs["end"] = "intake.err.endbefore"
	}
	lat, latErr := number(f.Lat, -90, 90)
	lon, lonErr := number(f.Lon, -180, 180)
	prec, precErr := number(f.Precision, 0, 1e7)
	if latErr != "" {
		errs["lat"] = latErr
	}
	if lonErr != "" {
		errs["lon"] = lonErr
	}
	if precErr != "" {
		errs["precision"] = precErr
	}
	if (f.Lat == "") != (f.Lon == "") {
		if f.Lat == "" {
			errs["lat"] = "intake.err.pair"
		} else {
			errs["lon"] = "intake.err.pair"
		}
	}
	if f.Lat == "" && f.Domain != "space" && errs["lat"] == "" {
		errs["lat"] = "intake.err.where"
	}
	counted := func(field, v string) int64 {
		n, e := count(v)
		if e != "" {
			errs[field] = e
		}
		return n
	}
	deaths := counted("deaths", f.Deaths)
	suspected := counted("deaths_suspected", f.DeathsSuspected)
	indirect := counted("deaths_indirect", f.DeathsIndirect)
	injuries := counted("injuries", f.Injuries)
	injSuspected := counted("injuries_suspected", f.InjuriesSuspected)
	people := counted("people_affected", f.People)
	inList("physical_damage", f.Physical, physicalDamage, false)
	inList("recoverability", f.Recoverability, recoverabilities, false)
	inList("organised", f.Organised, triState[1:], false)
	avail, aErr := number(f.Availability, 0, 100)
	if aErr != "" || avail != math.Trunc(avail) {
		errs["availability_loss"] = "intake.err.percent"
	}
	inList("asset_type", f.AssetType, assetTypes, false)
	if f.Physical != "" && f.Physical != "none" && f.AssetType == "" && errs["asset_type"] == "" {
		errs["asset_type"] = "intake.err.assettype"
	} else if f.AssetType != "" && (f.Physical == "" || f.Physical == "none") && errs["asset_type"] == "" {
		errs["asset_type"] = "intake.err.assetnodamage"
	}
	if f.Currency == "" {
		f.Currency = "USD"
	}
	inList("currency", f.Currency, currencies, true)
	_, rate, lossUSD := f.economicLoss(errs)
	// The duration class of the effects: from the start and end when both
	// are given (extension/schema.json effects_duration: hours < 24 h,
	// days 1–7 d, weeks 1–4 w, months > 4 w); one chosen must agree.
	durClass := f.Duration
	if okStart && okEnd && !end.Before(start) {
		c := durationClass(end.Sub(start))
		if f.Duration != "" && f.Duration != c && errs["duration"] == "" {
			errs["duration"] = "intake.err.durationclass"
		}
		durClass = c
	}
	conf, cErr := number(f.Confidence, 0, 100)
	if cErr != "" {
		errs["confidence"] = cErr
	} else if f.Confidence != "" && conf != float64(int(conf)) {
		errs["confidence"] = "intake.err.integer"
	}
	if f.Actor == "" && (f.LegalBasis != "" || f.Confidence != "" || f.StateName != "") {
		errs["actor"] = "intake.err.actor"
	}
	if f.Actor != "" && f.LegalBasis == "" {
		errs["legal_basis"] = "intake.err.required"
	}
	if len(f.Actor) > maxName || len(f.StateName) > maxName {
		errs["actor"] = "intake.err.toolong"
	}
	if len(errs) > 0 {
		return nil, ""
	}

	ts := now.UTC().Format("2006-01-02T15:04:05.000Z")
	id := func(typ string) string { return typ + "--" + uuid.NewString() }
	common := func(typ, oid string) map[string]any {
		o := map[string]any{"type": typ, "spec_version": "2.1", "id": oid, "created": ts, "modified": ts,
			"object_marking_refs": []string{tlpIDs[f.TLP]}}
		if u.Org != "" {
			o["created_by_ref"] = u.Org
		}
		return o
	}
	incID := id("incident")
	ext := map[string]any{"extension_type": "property-extension", "domain": f.Domain}
	var parties []string
	if f.PartyJP {
		parties = append(parties, "JP")
	}
	if f.PartyUS {
		parties = append(parties, "US")
	}
	ext["affected_parties"] = parties
	var cas []map[string]any
	if f.Deaths != "" {
		cas = append(cas, map[string]any{"outcome": "death", "count": deaths, "causation": "direct", "status": "confirmed"})
	}
	if f.DeathsSuspected != "" {
		cas = append(cas, map[string]any{"outcome": "death", "count": suspected, "causation": "direct", "status": "suspected"})
	}
	if f.DeathsIndirect != "" {
		cas = append(cas, map[string]any{"outcome": "death", "count": indirect, "causation": "indirect", "status": "confirmed"})
	}
	if f.Injuries != "" {
		cas = append(cas, map[string]any{"outcome": "injury", "count": injuries, "causation": "direct", "status": "confirmed"})
	}
	if f.InjuriesSuspected != "" {
		cas = append(cas, map[string]any{"outcome": "injury", "count": injSuspected, "causation": "direct", "status": "suspected"})
	}
	if len(cas) > 0 {
		ext["casualties"] = cas
	}
	var ci []map[string]any
	if f.SectorJP != "" {
		ci = append(ci, map[string]any{"list": "jp-nisc", "sector": f.SectorJP})
	}
	if f.SectorUS != "" {
		ci = append(ci, map[string]any{"list": "us-ppd-21", "sector": f.SectorUS})
	}
	if len(ci) > 0 {
		ext["critical_infrastructure"] = ci
	}
	setBool := func(k, v string) {
		if v != "" {
			ext[k] = v == "true"
		}
	}
	setBool("military_target", f.Military)
	setBool("deliberate", f.Deliberate)
	setBool("organised_and_planned", f.Organised)
	for k, v := range map[string]string{"operation_type": f.Operation, "activity": f.Activity, "geographic_extent": f.Extent, "effects_duration": durClass} {
		if v != "" {
			ext[k] = v
		}
	}
	ext["first_seen"] = start.UTC().Format("2006-01-02T15:04:05.000Z")
	if okEnd {
		ext["last_seen"] = end.UTC().Format("2006-01-02T15:04:05.000Z")
	}
	inc := common("incident", incID)
	inc["name"] = f.Name
	if f.Description != "" {
		inc["description"] = f.Description
	}
	inc["extensions"] = map[string]any{article5.ExtensionID: ext}
	objs := []any{inc}
	// The effects as Incident Core impacts, as an analyst's bundle carries
	// them (examples/winter-grid-deaths.json): loss of function and
	// physical damage over the effects' interval (start … end), which
	// gives duration_hours; the economic loss as a monetary impact. The
	// start and end alone give the duration class (effects_duration).
	impact := func(category string, sub map[string]any, timed bool) {
		im := common("impact", id("impact"))
		im["impact_category"] = category
		if timed {
			im["start_time"] = ext["first_seen"]
			if okEnd {
				im["end_time"] = ext["last_seen"]
			}
		}
		// Every impact carries the sub-extension of its category
		// (Incident Extension Suite, impact): an effect of unknown kind
		// is no impact, and its end gives only the duration class.
		im["extensions"] = map[string]any{article5.ImpactID: map[string]any{"extension_type": "new-sdo"}, category: sub}
		if f.Recoverability != "" && timed {
			im["recoverability"] = f.Recoverability
		}
		objs = append(objs, im)
	}
	// No loss and no damage is no effect that lasts: untimed.
	if f.Availability != "" {
		impact("availability", map[string]any{"availability_impact": int(avail)}, avail > 0)
	}
	if f.Physical != "" {
		p := map[string]any{"impact_type": f.Physical}
		if f.AssetType != "" {
			p["asset_type"] = f.AssetType
		}
		impact("physical", p, f.Physical != "none")
	}
	if f.Loss != "" {
		// variety: the form does not ask what the loss is made of, so it
		// is uncategorized (monetary-impact-type-ov: "losses incurred that
		// have not been categorized yet").
		m := map[string]any{"variety": "uncategorized", "currency": "USD", "min_amount": lossUSD, "max_amount": lossUSD}
		if f.Currency != "USD" {
			// The rate is the one the user gave for the incident: it
			// holds at the start of the incident, the instant stored.
			m["currency_actual"], m["conversion_rate"] = f.Currency, rate
			m["conversion_time"] = ext["first_seen"]
		}
		impact("monetary", m, false)
	}
	// The Incident Core Extension requires determination and
	// investigation_status: an incident just filed is open, and it is a
	// successful attempt when the form records an effect that happened
	// (a person killed, injured or affected, a loss of function, damage,
	// an economic loss), else only suspected.
	core := map[string]any{"extension_type": "property-extension"}
	var refs []string
	for _, o := range objs[1:] {
		refs = append(refs, o.(map[string]any)["id"].(string))
	}
	if len(refs) > 0 {
		core["impact_refs"] = refs
	}
	if f.Recoverability != "" {
		core["recoverability"] = f.Recoverability
	}
	if f.People != "" {
		core["impacted_entity_counts"] = map[string]any{"individual": people}
	}
	if len(core) > 1 {
		core["investigation_status"] = "open"
		core["determination"] = "suspected"
		if deaths+suspected+indirect+injuries+injSuspected+people > 0 || avail > 0 || lossUSD > 0 ||
			slices.Contains([]string{"damaged-functional", "damaged-nonfunctional", "destruction"}, f.Physical) {
			core["determination"] = "successful-attempt"
		}
		inc["extensions"].(map[string]any)[article5.IncidentCoreID] = core
	}
	if f.Lat != "" {
		loc := common("location", id("location"))
		loc["latitude"], loc["longitude"] = lat, lon
		if f.Precision != "" {
			loc["precision"] = prec
		}
		objs = append(objs, loc)
		rel := common("relationship", id("relationship"))
		rel["relationship_type"], rel["source_ref"], rel["target_ref"] = "located-at", incID, loc["id"]
		objs = append(objs, rel)
	}
	if f.Actor != "" {
		ta := common("threat-actor", id("threat-actor"))
		ta["name"] = f.Actor
		objs = append(objs, ta)
		rel := common("relationship", id("relationship"))
		rel["relationship_type"], rel["source_ref"], rel["target_ref"] = "attributed-to", incID, ta["id"]
		if f.Confidence != "" {
			rel["confidence"] = int(conf)
		}
		rel["extensions"] = map[string]any{article5.ExtensionID: map[string]any{"extension_type": "property-extension", "legal_basis": f.LegalBasis}}
		objs = append(objs, rel)
		if f.StateName != "" {
			st := common("identity", id("identity"))
			st["name"], st["identity_class"] = f.StateName, "organization"
			st["sectors"] = []string{"government-national"}
			objs = append(objs, st)
			r2 := common("relationship", id("relationship"))
			r2["relationship_type"], r2["source_ref"], r2["target_ref"] = "attributed-to", ta["id"], st["id"]
			if f.Confidence != "" {
				r2["confidence"] = int(conf)
			}
			r2["extensions"] = map[string]any{article5.ExtensionID: map[string]any{"extension_type": "property-extension", "legal_basis": f.LegalBasis}}
			objs = append(objs, r2)
		}
	}
	caseID := id("grouping")
	g := common("grouping", caseID)
	g["name"] = f.CaseName
	if f.CaseName == "" {
		g["name"] = f.Name
	}
	g["context"] = "suspicious-activity"
	g["object_refs"] = []string{incID}
	objs = append([]any{g}, objs...)
	b, _ := json.Marshal(map[string]any{"type": "bundle", "id": id("bundle"), "objects": objs})
	return b, caseID
}

// durationClass is the duration class of effects lasting d
// (extension/schema.json effects_duration): hours under 24 h, days up to
// 7 days, weeks up to 4 weeks, months beyond.
func durationClass(d time.Duration) string {
	switch {
	case d < 24*time.Hour:
		return "hours"
	case d < 7*24*time.Hour:
		return "days"
	case d <= 28*24*time.Hour:
		return "weeks"
	default:
		return "months"
	}
}

// parseLocal parses an HTML datetime-local value as Japan Standard Time.
func parseLocal(s string) (time.Time, bool) {
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05"} {
		if t, err := time.ParseInLocation(layout, s, jst); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// number parses an optional decimal in [min, max]; the message key of a
// fault, "" if none (or empty).
func number(s string, min, max float64) (float64, string) {
	if s == "" {
		return 0, ""
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, "intake.err.number"
	}
	if v < min || v > max {
		return 0, "intake.err.range"
	}
	return v, ""
}

// count parses an optional count of persons (a non-negative integer).
func count(s string) (int64, string) {
	if s == "" {
		return 0, ""
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v < 0 || v > 1<<53-1 {
		return 0, "intake.err.count"
	}
	return v, ""
}

// amountRE is an amount as the form takes it: digits, with an optional
// decimal fraction; no sign, exponent or thousands separator.
var amountRE = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?$`)

// expRE is an amount in exponent notation (1e300), refused, but told apart
// when it is too large.
var expRE = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?[eE]\+?[0-9]+$`)

// economicLoss checks the economic loss (amount, currency, rate) and
// returns the amount, the rate (US dollars per unit; 0 for USD) and the
// loss in US dollars rounded to the cent (Incident Extension Suite,
// monetary impact: currency, currency_actual, conversion_rate), as the
// importer does. Faults go to errs beside economic_loss or
// conversion_rate; a bad rate is refused even without an amount.
func (f intakeForm) economicLoss(errs map[string]string) (loss, rate, usd float64) {
	cur := f.Currency
	if cur == "" {
		cur = "USD"
	}
	switch v, err := strconv.ParseFloat(f.Loss, 64); {
	case f.Loss == "":
	case amountRE.MatchString(f.Loss) && v > maxLoss:
		errs["economic_loss"] = "intake.err.amountlarge"
	case amountRE.MatchString(f.Loss) && v == 0:
		errs["economic_loss"] = "intake.err.amount"
	case amountRE.MatchString(f.Loss):
		loss = v
	case expRE.MatchString(f.Loss) && (err == nil || errors.Is(err, strconv.ErrRange)) && v > maxLoss:
		errs["economic_loss"] = "intake.err.amountlarge"
	case strings.HasPrefix(f.Loss, "-"):
		errs["economic_loss"] = "intake.err.amount"
	default:
		errs["economic_loss"] = "intake.err.amountdigits"
	}
	switch {
	case f.Rate != "" && cur == "USD":
		errs["conversion_rate"] = "intake.err.rateusd"
	case f.Rate != "":
		r, rErr := number(f.Rate, 0, 1e6)
		if rErr != "" || r <= 0 {
			errs["conversion_rate"] = "intake.err.rate"
		}
		rate = r
	case cur != "USD" && f.Loss != "":
		errs["conversion_rate"] = "intake.err.rate"
	}
	if loss == 0 || errs["conversion_rate"] != "" {
		return 0, 0, 0
	}
	usd = loss
	if cur != "USD" {
		usd = loss * rate
	}
	usd = math.Round(usd*100) / 100
	switch {
	case usd > maxLoss:
		errs["economic_loss"] = "intake.err.amountlarge"
		return 0, 0, 0
	case usd < 0.01:
		errs["economic_loss"] = "intake.err.amounttiny"
		return 0, 0, 0
	}
	return loss, rate, usd
}

// lossView is the economic loss of f for the preview, nil when there is
// none or it is refused.
func (f intakeForm) lossView() *lossView {
	errs := map[string]string{}
	loss, rate, usd := f.economicLoss(errs)
	if len(errs) > 0 || usd == 0 {
		return nil
	}
	cur := f.Currency
	if cur == "" {
		cur = "USD"
	}
	v := &lossView{Amount: grouped(loss), Currency: cur, USD: grouped(usd), Converted: cur != "USD"}
	if v.Converted {
		v.Rate = strconv.FormatFloat(rate, 'f', -1, 64)
	}
	return v
}

// grouped formats a non-negative amount with thousands separators and at
// most two decimals (cents).
func grouped(v float64) string {
	s := strconv.FormatFloat(math.Round(v*100)/100, 'f', -1, 64)
	whole, frac, hasFrac := strings.Cut(s, ".")
	var b strings.Builder
	for i, c := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if hasFrac {
		b.WriteString("." + frac)
	}
	return b.String()
}
