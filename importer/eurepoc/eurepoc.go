// Package eurepoc imports the European Repository of Cyber Incidents
// (EuRepoC Global Database 1.1, Zenodo record 7848941; 1,643 politically
// relevant cyber incidents, 2000 – August 2023) as STIX 2.1 with the OASIS
// Incident Core Extension and article5's extension.
//
// Each row becomes an incident with its coded effects as Incident Core
// impacts, its receivers as identities (STIX sectors, critical-
// infrastructure sectors) located at their countries, and its strongest
// attribution as attributed-to relationships to a threat-actor and, where a
// State is named, to that State's identity, with the legal basis (ARSIWA)
// and confidence the coding supports. The mapping tables are in tables.go.
//
// Receiver countries are country-level locations (STIX country, no
// coordinates): article5's geo takes country JP as Japan's administered
// territory (scope in) and any other country as out. No mapping, rule or
// score keys on an incident's name, id or description. Facts EuRepoC does
// not code stay absent.
package eurepoc

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"article5"
	"article5/importer"

	"github.com/biter777/countries"
)

var required = []string{"ID", "name", "description", "start_date", "end_date", "inclusion_criteria", "incident_type",
	"receiver_name", "receiver_country", "receiver_category", "receiver_category_subcode",
	"initiator_name", "initiator_country", "initiator_category",
	"attribution_basis", "attribution_type", "attributed_initiator", "attributed_initiator_country", "attributed_initiator_category",
	"has_disruption", "data_theft", "disruption", "hijacking", "physical_effects_spatial", "physical_effects_temporal",
	"functional_impact", "intelligence_impact", "economic_impact", "economic_impact_exact_value", "economic_impact_currency",
	"state_responsibility_indicator", "MITRE_impact", "casualties"}

// Import reads the EuRepoC CSV from r (name is used in messages), streaming
// it in bounded memory, and writes one STIX 2.1 bundle to w, sorted and
// byte-identical for the same input. EINVALID names the row and column for
// a wrong header, malformed CSV (a truncated quoted field), or a cell that
// is not UTF-8; a record that cannot be mapped is rejected with its row and
// reason in the report and the rest proceeds.
func Import(ctx context.Context, name string, r io.Reader, w io.Writer) (*importer.Report, error) {
	rd, err := importer.NewReader(name, r, required)
	if err != nil {
		return nil, err
	}
	m := &mapper{s: importer.NewStream(w, Dataset+"/"+Version), rep: importer.NewReport(Dataset + " " + Version), seen: map[string]int{}}
	m.creator = importer.ID("identity", "dataset", Dataset)
	creator := importer.Object("identity", m.creator, Timestamp, "")
	creator["name"] = "EuRepoC (European Repository of Cyber Incidents)"
	creator["identity_class"] = "organization"
	creator["description"] = Citation + ": Heidelberg University, Innsbruck University, SWP, Cyber Policy Institute; Zenodo record 7848941."
	m.s.Shared(creator)
	for {
		if err := ctx.Err(); err != nil {
			return nil, article5.Errorf(article5.EINTERNAL, "import cancelled")
		}
		row, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		m.rep.Rows++
		for col, why := range unusedColumns {
			if v := strings.TrimSpace(row.Get(col)); !importer.Missing(v) && v != "none" && v != "None" && v != "0" && v != "0.0" {
				m.rep.Note("coded but not used: " + col + " (" + why + ")")
			}
		}
		rec := &importer.Record{}
		if reason := m.row(row, rec); reason != "" {
			m.rep.Reject(row.N, row.Get("ID"), reason)
			continue
		}
		m.s.Write(rec)
		m.rep.Imported++
	}
	if err := m.s.Close(); err != nil {
		return nil, article5.Internal("write bundle", err)
	}
	return m.rep, nil
}

// mapper maps rows onto a stream; memory grows only with the shared
// objects (actors, States, countries) and the set of record ids seen.
type mapper struct {
	s       *importer.Stream
	rep     *importer.Report
	creator string
	seen    map[string]int // record id → first row, to refuse a repeated ID
}

func (m *mapper) obj(typ, id string) map[string]any {
	return importer.Object(typ, id, Timestamp, m.creator)
}

// row maps one record; it returns a reason when the record cannot be mapped.
func (m *mapper) row(row *importer.Row, rec *importer.Record) string {
	rid := strings.TrimSpace(row.Get("ID"))
	if _, err := strconv.Atoi(rid); err != nil {
		return fmt.Sprintf("column ID: expected a record number, got %q", rid)
	}
	if first, dup := m.seen[rid]; dup {
		return fmt.Sprintf("column ID: record %s already imported from row %d", rid, first)
	}
	m.seen[rid] = row.N
	incID := importer.ID("incident", Dataset, Version, rid)
	start, okStart := date(row.Get("start_date"))
	if !okStart && !importer.Missing(row.Get("start_date")) {
		return fmt.Sprintf("column start_date: expected YYYY-MM-DD, got %q", row.Get("start_date"))
	}
	end, okEnd := date(row.Get("end_date"))

	// Effects.
	effects := false
	op, opRankV := "", -1
	setOp := func(o string) {
		if opRank[o] > opRankV {
			op, opRankV = o, opRank[o]
		}
	}
	for _, t := range importer.Semi(row.Get("incident_type")) {
		if o, ok := incidentTypes[t]; ok {
			setOp(o)
		} else {
			m.rep.Unmap("incident_type", t)
		}
	}
	var impacts []map[string]any
	impact := func(cat string, sub map[string]any) {
		id := importer.ID("impact", Dataset, Version, rid, cat)
		o := importer.Impact(id, Timestamp, m.creator, cat, sub)
		if okStart {
			o["start_time"] = start
			o["start_time_fidelity"] = "day"
		}
		impacts = append(impacts, o)
	}
	// Integrity: hijacking, MITRE impact techniques, data corruption; the gravest wins.
	integrity := ""
	integrityRank := map[string]int{"none": 0, "potential-modification": 1, "partial-modification": 2, "full-modification": 3, "potential-destruction": 4, "partial-destruction": 5, "full-destruction": 6}
	setIntegrity := func(a string) {
		if a != "" && (integrity == "" || integrityRank[a] > integrityRank[integrity]) {
			integrity = a
		}
	}
	if v := row.Get("hijacking"); !importer.Missing(v) {
		if a, ok := hijacking[v]; ok {
			setIntegrity(a)
			effects = effects || a != "none"
		} else {
			m.rep.Unmap("hijacking", v)
		}
	}
	for _, t := range importer.Semi(row.Get("MITRE_impact")) {
		if importer.Missing(t) {
			continue
		}
		a, ok := mitreImpact[t]
		if !ok {
			m.rep.Unmap("MITRE_impact", t)
			continue
		}
		setIntegrity(a)
		if a == "full-destruction" || a == "partial-destruction" {
			setOp("destruction")
		}
	}
	loss, info := "", ""
	if v := row.Get("data_theft"); !importer.Missing(v) {
		if d, ok := dataTheft[v]; ok {
			loss, info = d[0], d[1]
			effects = effects || loss != "none"
		} else {
			m.rep.Unmap("data_theft", v)
		}
	}
	if v := strings.TrimSpace(row.Get("intelligence_impact")); !importer.Missing(v) {
		if d, ok := intelligenceImpact[v]; ok {
			setIntegrity(d[0])
			if d[1] == "confirmed-loss" && loss != "confirmed-loss" {
				loss = "confirmed-loss"
			}
		} else {
			m.rep.Unmap("intelligence_impact", v)
		}
	}
	if integrity != "" {
		impact("integrity", map[string]any{"alteration": integrity})
	}
	if loss != "" {
		sub := map[string]any{"loss_type": loss}
		if info != "" {
			sub["information_type"] = info
		}
		impact("confidentiality", sub)
	}
	// Physical effects, their duration class and their extent.
	extent, physDuration := "", ""
	if v := row.Get("physical_effects_temporal"); !importer.Missing(v) {
		if t, ok := physicalTemporal[v]; ok {
			if t.impact != "" {
				impact("physical", map[string]any{"impact_type": t.impact, "asset_type": "equipment controlled by the systems hit (EuRepoC physical effects)"})
				setOp("destruction")
				effects = true
				physDuration = t.duration
			}
		} else {
			m.rep.Unmap("physical_effects_temporal", v)
		}
	}
	if v := row.Get("physical_effects_spatial"); !importer.Missing(v) {
		if e, ok := physicalSpatial[v]; ok {
			extent = e
		} else {
			m.rep.Unmap("physical_effects_spatial", v)
		}
	}
	// Duration of disruption.
	duration := ""
	if v := row.Get("disruption"); !importer.Missing(v) {
		if d, ok := disruption[v]; ok {
			duration = d
			effects = effects || d != ""
		} else {
			m.rep.Unmap("disruption", v)
		}
	}
	if v := row.Get("functional_impact"); !importer.Missing(v) {
		if d, ok := functionalImpact[v]; ok {
			if d != "" {
				duration = d
			}
		} else {
			m.rep.Unmap("functional_impact", v)
		}
	}
	// The effects last as long as the longest of them: a physical effect
	// coded as lasting can lengthen a shorter disruption class.
	if durationRank[physDuration] > durationRank[duration] {
		duration = physDuration
	}
	if row.Get("has_disruption") == "True" {
		effects = true
	}
	// Economic loss, in USD: an amount in another currency is converted at
	// the annual average rate of the incident's start year (importer/rates.csv)
	// and the impact records the rate, its date and its source. Without a
	// start date or a rate the amount is kept in its own currency, which
	// article5 does not add up, and the report counts it. 0.0 where
	// economic_impact is not coded means "not coded", not zero.
	if amount, err := strconv.ParseFloat(strings.TrimSpace(row.Get("economic_impact_exact_value")), 64); err == nil && amount > 0 {
		cur := currencies[row.Get("economic_impact_currency")]
		variety := "economic loss (EuRepoC economic_impact)"
		switch {
		case cur == "":
			m.rep.Unmap("economic_impact_currency", row.Get("economic_impact_currency"))
		case !okStart:
			m.rep.Note("loss not converted to USD: no start_date to date the rate")
			impact("monetary", map[string]any{"variety": variety, "currency": cur, "min_amount": amount, "max_amount": amount})
		default:
			day, _ := time.Parse("2006-01-02T15:04:05Z", start)
			sub, rate, err := importer.MonetaryUSD(variety, amount, cur, day)
			if err != nil {
				m.rep.Note(fmt.Sprintf("loss not converted to USD: no %s rate for %d", cur, day.Year()))
				impact("monetary", map[string]any{"variety": variety, "currency": cur, "min_amount": amount, "max_amount": amount})
				break
			}
			impact("monetary", sub)
			if cur != "USD" {
				o := impacts[len(impacts)-1]
				o["description"] = fmt.Sprintf("EuRepoC codes a loss of %s %s; converted at %s USD per %s, the %d annual average (%s).",
					strconv.FormatFloat(amount, 'f', -1, 64), cur, strconv.FormatFloat(rate.USDPerUnit, 'f', -1, 64), cur, rate.Year, rate.Source.Name)
				o["external_references"] = []any{rate.Reference()}
				m.rep.Note(fmt.Sprintf("loss converted to USD from %s at the %d annual average", cur, rate.Year))
			}
		}
	}
	if v := row.Get("casualties"); strings.TrimSpace(v) != "" {
		m.rep.Unmap("casualties", v) // empty in every row of 1.1; any value would need a mapping
	}

	// Incident.
	determination := "suspected"
	if effects {
		determination = "successful-attempt" // EuRepoC codes effects that occurred
	}
	ext, core, a5 := importer.Extensions(determination, "", "cyber")
	if op != "" {
		a5["operation_type"] = op
	}
	if duration != "" {
		a5["effects_duration"] = duration
	}
	if okStart {
		a5["first_seen"] = start
		if okEnd {
			if end < start {
				m.rep.Note("end_date before start_date: last_seen left out")
			} else {
				a5["last_seen"] = end
			}
		}
	} else {
		m.rep.Note("start_date missing: no first_seen")
	}
	inc := m.obj("incident", incID)
	inc["name"] = strings.TrimSpace(row.Get("name"))
	if d := strings.TrimSpace(row.Get("description")); d != "" {
		inc["description"] = d
	}
	inc["external_references"] = []any{map[string]any{"source_name": Citation, "external_id": rid,
		"description": fmt.Sprintf("%s, incident ID %s (data row %d)", Citation, rid, row.N)}}
	inc["extensions"] = ext

	// Receivers: one identity per (country, category list), located at its country.
	japan, receiverIDs := m.receivers(row, rec, rid, incID, a5, extent)

	// The effect interval, where the coded dates can be trusted to bound
	// the effects (effectInterval), on the impacts that stand for them.
	if okStart && okEnd && duration != "" {
		m.effectInterval(start, end, duration, impacts)
	}
	var impactRefs []any
	for _, o := range impacts {
		if len(receiverIDs) > 0 {
			o["impacted_refs"] = receiverIDs // EuRepoC codes effects for the record's receivers together
		}
		rec.Add(o)
		impactRefs = append(impactRefs, o["id"])
	}
	if len(impactRefs) > 0 {
		core["impact_refs"] = impactRefs
	}
	// Attribution.
	status := m.attribution(row, rec, incID)
	core["investigation_status"] = status
	if japan {
		m.rep.Note("receiver Japan")
	}
	rec.Add(inc)
	return ""
}

// receivers adds identities and locations for the receivers and the facts
// they carry (sectors, military target, affected party, extent); it
// reports whether Japan is a receiver and returns the receiver identities.
func (m *mapper) receivers(row *importer.Row, rec *importer.Record, rid, incID string, a5 map[string]any, extent string) (bool, []any) {
	names, err := importer.PyList(row.Get("receiver_country"))
	if err != nil {
		m.rep.Unmap("receiver_country", row.Get("receiver_country"))
	}
	cats, _ := importer.PyNested(row.Get("receiver_category"))
	subs, _ := importer.PyNested(row.Get("receiver_category_subcode"))
	ci := ciSectors{}
	military, japan, us := false, false, false
	civilian := len(names) > 0 // every receiver known to be civilian (military_target false)
	codes := map[string]bool{}
	var ids []any
	for i, cname := range names {
		code, ok := countryCode(cname)
		if !ok && !importer.Missing(cname) {
			m.rep.Unmap("receiver_country", cname)
		}
		var sectors []string
		var catNames []string
		var catList, subList []string
		if i < len(cats) {
			catList = cats[i]
		}
		if i < len(subs) {
			subList = subs[i]
		}
		if len(catList) == 0 {
			civilian = false // an uncoded receiver may be anything
		}
		for j, c := range catList {
			sc := ""
			if j < len(subList) && !importer.Missing(subList[j]) {
				sc = subList[j]
			}
			if importer.Missing(c) {
				civilian = false
				continue
			}
			catNames = append(catNames, c)
			rc, ok := receiverCategory[c]
			if !ok {
				m.rep.Unmap("receiver_category", c)
				civilian = false
			} else {
				if rc.stix != "" {
					sectors = appendUnique(sectors, rc.stix)
				}
				civilian = civilian && (rc.civilian || (rc.civilianIfSubcoded && sc != ""))
			}
		}
		for _, sc := range subList {
			if importer.Missing(sc) {
				continue
			}
			s, ok := receiverSubcode[sc]
			if !ok {
				m.rep.Unmap("receiver_category_subcode", sc)
				civilian = false
				continue
			}
			if s.stix != "" {
				sectors = appendUnique(sectors, s.stix)
			}
			ci.add(s, code == "JP")
			military = military || s.military
			civilian = civilian && !s.military && !s.notCivilian
		}
		label := strings.Join(catNames, ", ")
		if label == "" {
			label = "unspecified receiver"
		}
		where := cname
		idID := importer.ID("identity", Dataset, Version, rid, "receiver", strconv.Itoa(i))
		idObj := m.obj("identity", idID)
		idObj["name"] = fmt.Sprintf("%s in %s (EuRepoC %s)", label, where, rid)
		idObj["identity_class"] = "organization"
		if len(sectors) > 0 {
			sort.Strings(sectors)
			idObj["sectors"] = sectors
		}
		rec.Add(idObj)
		ids = append(ids, idID)
		rec.Add(importer.Relationship("targets", incID, idID, Timestamp, m.creator))
		if code != "" {
			locID := importer.ID("location", "country", code)
			if !m.s.Written(locID) {
				loc := m.obj("location", locID)
				loc["name"] = countries.ByName(code).String()
				loc["country"] = code
				m.s.Shared(loc)
			}
			rec.Add(importer.Relationship("located-at", idID, locID, Timestamp, m.creator))
			codes[code] = true
			japan = japan || code == "JP"
			us = us || code == "US"
		}
	}
	if list := ci.list(); len(list) > 0 {
		a5["critical_infrastructure"] = list
	}
	switch {
	case military:
		a5["military_target"] = true
	case civilian:
		a5["military_target"] = false
	}
	var parties []any
	if japan {
		parties = append(parties, "JP")
	}
	if us {
		parties = append(parties, "US")
	}
	if len(parties) > 0 {
		a5["affected_parties"] = parties
	}
	// The extent of the effects comes from the coded physical extent only.
	// Receivers in several countries are several targets, not effects of
	// international extent: an espionage campaign against ten States has
	// no international effect, so nothing is inferred from their number.
	if extent != "" {
		a5["geographic_extent"] = extent
	} else if len(codes) > 1 {
		m.rep.Note("several receiver countries: geographic_extent not inferred from their number")
	}
	return japan, ids
}

// effectInterval writes end_time on the impacts that stand for the
// effects (integrity alterations other than none, and physical effects) when EuRepoC's
// start_date and end_date can be read as the bounds of the effects: the
// record codes a duration class of at least days, end_date falls after
// start_date, and the span between them fits that class (days: 1–7 days;
// weeks: 7–28 days; months: 28–366 days). Otherwise the dates describe the
// operation (often a campaign over years, or an end_date that stands for a
// month or a year) rather than its effects, and no interval is written.
// With day fidelity the interval is exact to within a day either way.
func (m *mapper) effectInterval(start, end, class string, impacts []map[string]any) {
	s, err1 := time.Parse(time.RFC3339, start)
	e, err2 := time.Parse(time.RFC3339, end)
	bounds, long := durationBounds[class]
	if err1 != nil || err2 != nil || !long {
		return
	}
	days := int(e.Sub(s).Hours() / 24)
	if days < bounds[0] || days > bounds[1] {
		m.rep.Note("effect interval left out: start_date and end_date do not fit the coded duration class")
		return
	}
	n := 0
	for _, o := range impacts {
		cat, _ := o["impact_category"].(string)
		if cat != "integrity" && cat != "physical" {
			continue
		}
		if sub, _ := o["extensions"].(map[string]any)[cat].(map[string]any); sub["alteration"] == "none" {
			continue // coded as no alteration: not an effect that lasts
		}
		o["end_time"] = end
		o["end_time_fidelity"] = "day"
		n++
	}
	if n == 0 {
		m.rep.Note("effect interval left out: the dates fit the duration class but no effect impact carries them")
		return
	}
	m.rep.Note("effect interval written from start_date and end_date")
}

// attribution adds the strongest attribution of the row and returns the
// investigation status.
func (m *mapper) attribution(row *importer.Row, rec *importer.Record, incID string) string {
	actors := importer.Semi(row.Get("attributed_initiator"))
	ctrs := importer.Semi(row.Get("attributed_initiator_country"))
	catsA := importer.Semi(row.Get("attributed_initiator_category"))
	best, bestRank := -1, -1
	for i, c := range catsA {
		ac, ok := actorCategory[c]
		if !ok {
			if !importer.Missing(c) && c != "None" {
				m.rep.Unmap("attributed_initiator_category", c)
			}
			continue
		}
		if ac.rank > bestRank {
			best, bestRank = i, ac.rank
		}
	}
	if best < 0 || bestRank == 0 {
		return "not attributed"
	}
	cat := actorCategory[catsA[best]]
	basis := cat.basis
	if sr := strings.TrimSpace(row.Get("state_responsibility_indicator")); !importer.Missing(sr) {
		if b, ok := stateResponsibility[sr]; !ok {
			m.rep.Unmap("state_responsibility_indicator", sr)
		} else if b != "" && basis != "non-state-actor" {
			basis = b
		}
	}
	conf := -1
	for _, bs := range importer.Semi(row.Get("attribution_basis")) {
		c, ok := attributionBasis[bs]
		if !ok {
			m.rep.Unmap("attribution_basis", bs)
			continue
		}
		if c > conf {
			conf = c
		}
	}
	for _, ty := range importer.Semi(row.Get("attribution_type")) {
		if importer.Missing(ty) {
			continue
		}
		c, ok := attributionType[ty]
		if !ok {
			m.rep.Unmap("attribution_type", ty)
			continue
		}
		if c > conf {
			conf = c
		}
	}
	if conf > cat.cap {
		conf = cat.cap
	}
	actor := ""
	if best < len(actors) {
		actor = actors[best]
	}
	country := ""
	if best < len(ctrs) {
		country = ctrs[best]
	}
	code, okCode := countryCode(country)
	if !okCode && !importer.Missing(country) {
		m.rep.Unmap("attributed_initiator_country", country)
	}
	stateID := ""
	if okCode && code != "" && basis != "non-state-actor" {
		stateID = importer.ID("identity", "state", code)
		if !m.s.Written(stateID) {
			st := m.obj("identity", stateID)
			st["name"] = "Government of " + countries.ByName(code).String()
			st["identity_class"] = "organization"
			st["sectors"] = []any{"government-national"}
			m.s.Shared(st)
		}
	}
	withConf := func(rel map[string]any) {
		if conf >= 0 {
			rel["confidence"] = conf
		}
	}
	if importer.Missing(actor) || actor == "None" {
		if stateID != "" && catsA[best] == "State" {
			rel := importer.Relationship("attributed-to", incID, stateID, Timestamp, m.creator)
			withConf(rel)
			importer.A5Relationship(rel, basis)
			rec.Add(rel)
			return "attributed"
		}
		actor = fmt.Sprintf("unnamed %s (%s)", strings.ToLower(catsA[best]), orUnknown(country))
	}
	taID := importer.ID("threat-actor", importer.Normalize(actor))
	if !m.s.Written(taID) {
		ta := m.obj("threat-actor", taID)
		ta["name"] = actor
		switch catsA[best] {
		case "State":
			ta["threat_actor_types"] = []any{"nation-state"}
		case "Individual hacker(s)":
			ta["threat_actor_types"] = []any{"individual"}
		case "Non-state-group":
			ta["threat_actor_types"] = []any{"activist"}
		}
		m.s.Shared(ta)
	}
	rel := importer.Relationship("attributed-to", incID, taID, Timestamp, m.creator)
	withConf(rel)
	importer.A5Relationship(rel, basis)
	rec.Add(rel)
	if stateID != "" {
		// The State link is this record's coding, so it runs from the
		// incident, not from the shared actor: one record's State can never
		// leak into another record naming the same actor.
		link := importer.Relationship("attributed-to", incID, stateID, Timestamp, m.creator)
		withConf(link)
		importer.A5Relationship(link, basis)
		rec.Add(link)
		importer.A5Relationship(rel, "unknown") // the actor link names who; the State link carries the basis
	}
	return "attributed"
}

func orUnknown(s string) string {
	if importer.Missing(s) {
		return "country unknown"
	}
	return s
}

// countryCode resolves a country name to ISO 3166-1 alpha-2 with the
// aliases first; ok is false for unknown names; a region gives ("", true).
func countryCode(name string) (string, bool) {
	name = strings.TrimSpace(name)
	if importer.Missing(name) {
		return "", false
	}
	if c, ok := countryAliases[name]; ok {
		return c, true
	}
	c := countries.ByName(name)
	if c == countries.Unknown {
		return "", false
	}
	return c.Alpha2(), true
}

// date parses YYYY-MM-DD into a STIX timestamp at midnight UTC.
func date(s string) (string, bool) {
	s = strings.TrimSpace(s)
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return "", false
	}
	return t.Format("2006-01-02") + "T00:00:00Z", true
}

func appendUnique(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}
