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
	// Physical effects and their extent.
	extent := ""
	if v := row.Get("physical_effects_temporal"); !importer.Missing(v) {
		if t, ok := physicalTemporal[v]; ok {
			if t != "" {
				impact("physical", map[string]any{"impact_type": t, "asset_type": "equipment controlled by the systems hit (EuRepoC physical effects)"})
				setOp("destruction")
				effects = true
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
	if row.Get("has_disruption") == "True" {
		effects = true
	}
	// Economic loss: amounts in dollars count; euro amounts are kept with
	// their currency (article5 sums USD only); 0.0 where economic_impact is
	// not coded means "not coded", not zero.
	if amount, err := strconv.ParseFloat(strings.TrimSpace(row.Get("economic_impact_exact_value")), 64); err == nil && amount > 0 {
		cur := map[string]string{"dollar": "USD", "euro": "EUR"}[row.Get("economic_impact_currency")]
		if cur == "" {
			m.rep.Unmap("economic_impact_currency", row.Get("economic_impact_currency"))
		} else {
			impact("monetary", map[string]any{"variety": "economic loss (EuRepoC economic_impact)", "currency": cur, "min_amount": amount, "max_amount": amount})
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
	var impactRefs []any
	for _, o := range impacts {
		rec.Add(o)
		impactRefs = append(impactRefs, o["id"])
	}
	if len(impactRefs) > 0 {
		core["impact_refs"] = impactRefs
	}

	// Receivers: one identity per (country, category list), located at its country.
	japan := m.receivers(row, rec, rid, incID, a5, extent)
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
// reports whether Japan is a receiver.
func (m *mapper) receivers(row *importer.Row, rec *importer.Record, rid, incID string, a5 map[string]any, extent string) bool {
	names, err := importer.PyList(row.Get("receiver_country"))
	if err != nil {
		m.rep.Unmap("receiver_country", row.Get("receiver_country"))
	}
	cats, _ := importer.PyNested(row.Get("receiver_category"))
	subs, _ := importer.PyNested(row.Get("receiver_category_subcode"))
	var usCI, jpCI []string
	military, japan, us := false, false, false
	codes := map[string]bool{}
	for i, cname := range names {
		code, ok := countryCode(cname)
		if !ok && !importer.Missing(cname) {
			m.rep.Unmap("receiver_country", cname)
		}
		var sectors []string
		var catNames []string
		if i < len(cats) {
			for _, c := range cats[i] {
				if importer.Missing(c) {
					continue
				}
				catNames = append(catNames, c)
				s, ok := receiverCategory[c]
				if !ok {
					m.rep.Unmap("receiver_category", c)
				} else if s != "" {
					sectors = appendUnique(sectors, s)
				}
			}
		}
		if i < len(subs) {
			for _, sc := range subs[i] {
				if importer.Missing(sc) {
					continue
				}
				s, ok := receiverSubcode[sc]
				if !ok {
					m.rep.Unmap("receiver_category_subcode", sc)
					continue
				}
				if s.stix != "" {
					sectors = appendUnique(sectors, s.stix)
				}
				if s.us != "" {
					usCI = appendUnique(usCI, s.us)
				}
				if s.jp != "" && code == "JP" {
					jpCI = appendUnique(jpCI, s.jp)
				}
				military = military || s.military
			}
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
	var ci []any
	sort.Strings(usCI)
	sort.Strings(jpCI)
	for _, s := range jpCI {
		ci = append(ci, map[string]any{"list": "jp-nisc", "sector": s})
	}
	for _, s := range usCI {
		ci = append(ci, map[string]any{"list": "us-ppd-21", "sector": s})
	}
	if len(ci) > 0 {
		a5["critical_infrastructure"] = ci
	}
	if military {
		a5["military_target"] = true
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
	switch {
	case len(codes) > 1:
		a5["geographic_extent"] = "international"
	case extent != "":
		a5["geographic_extent"] = extent
	}
	return japan
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
