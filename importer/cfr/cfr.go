// Package cfr imports the Council on Foreign Relations' Cyber Operations
// Tracker (cite as "CFR Cyber Operations Tracker"): 768 publicly reported,
// State-sponsored cyber operations, 2005–2022, one CSV row each. The export
// is undated; it runs to December 2022, hence Version "2022-12".
//
// Each data row becomes one STIX 2.1 incident (record id: the 1-based data
// row, CFR has none) with the OASIS Incident Core Extension and article5's
// extension, an identity for its victims, country locations found in the
// Victims text, and the attribution CFR codes: a threat-actor from
// Affiliations and a State identity from Sponsor, linked by attributed-to
// relationships carrying article5's legal_basis. Every mapping is a table in
// tables.go; every value no table holds is counted in the report.
//
// CFR codes no effects: no deaths, injuries, damage, duration or sectors of
// critical infrastructure. None are written — no impact objects, no
// casualties, no critical_infrastructure. A fact a dataset does not code
// stays absent, never zero or false.
//
// Places. CFR does not code receiver countries, but the Victims text often
// names them ("Japanese defense contractors", "Japan, Taiwan"). A
// country-level location (country ISO2 only, id importer.ID("location",
// "country", ISO2)) joined by incident --located-at--> location is how a
// receiver country is placed. article5's geo treats country JP as Japan's
// administered territory (scope in) and any other country as out. Country
// names are matched whole-word and case-sensitively against the English
// names of github.com/biter777/countries plus a small alias table
// (countryAlias), in the Victims text only: nothing is ever keyed on the
// Title or Description.
package cfr

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"article5"
	"article5/importer"
)

// Dataset is the report's dataset name.
const Dataset = "cfr"

// Version is the export's vintage: the file is undated and runs to
// December 2022.
const Version = "2022-12"

// Timestamp is the created and modified time of every object. It is fixed
// (the day after the export's last month) so that a re-import is
// byte-identical; CFR gives no per-row revision time.
const Timestamp = "2023-01-01T00:00:00.000Z"

// Citation is how the dataset is cited.
const Citation = "CFR Cyber Operations Tracker"

// Columns is the header the importer requires.
var Columns = []string{"Title", "Date", "Affiliations", "Description", "Response", "Victims", "Sponsor", "Type", "Category", "Sources_1", "Sources_2", "Sources_3"}

// DatasetIdentity is the id of the identity every object is created by.
var DatasetIdentity = importer.ID("identity", "cfr", "dataset")

// Import reads the CFR CSV from r (name used in messages) and writes one
// STIX 2.1 bundle to w; it streams the CSV (bounded memory), maps each row,
// reports unmapped values and rejected rows in the returned report.
// EINVALID for a wrong header, malformed CSV (truncated quote), non-UTF-8
// cells, naming row and column; a row that cannot be mapped is rejected
// (reported with its row and reason) and the rest proceeds.
func Import(ctx context.Context, name string, r io.Reader, w io.Writer) (*importer.Report, error) {
	rd, err := importer.NewReader(name, r, Columns)
	if err != nil {
		return nil, err
	}
	rep := importer.NewReport(Dataset)
	m := &mapper{s: importer.NewStream(w, "cfr/"+Version), rep: rep, seen: map[string]int{}}
	m.s.Shared(datasetIdentity())
	for {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		row, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return rep, err
		}
		rep.Rows++
		m.rec = &importer.Record{}
		if reason := m.row(row); reason != "" {
			rep.Reject(row.N, "row "+strconv.Itoa(row.N), reason)
			continue
		}
		m.s.Write(m.rec)
		rep.Imported++
	}
	if err := m.s.Close(); err != nil {
		return rep, article5.Internal("cfr: write bundle", err)
	}
	return rep, nil
}

func datasetIdentity() map[string]any {
	o := importer.Object("identity", DatasetIdentity, Timestamp, DatasetIdentity)
	o["name"] = "Council on Foreign Relations, Cyber Operations Tracker"
	o["identity_class"] = "organization"
	o["description"] = "CFR Cyber Operations Tracker (https://www.cfr.org/cyber-operations/): publicly known State-sponsored cyber operations since 2005; undated export up to December 2022."
	return o
}

// mapper maps rows onto a stream: each row's objects are written together
// (record order), shared ones (actors, States, countries) once on first
// use; memory grows only with those and the (Title, Date) keys seen.
type mapper struct {
	s    *importer.Stream
	rec  *importer.Record // the row being mapped
	rep  *importer.Report
	seen map[string]int // Title\x1fDate → first row
}

// IncidentID is the id of the incident of a data row.
func IncidentID(row int) string {
	return importer.ID("incident", "cfr", Version, strconv.Itoa(row))
}

// row maps one data row; it returns a reason when the row is rejected, in
// which case nothing of the row has been added.
func (m *mapper) row(row *importer.Row) string {
	get := func(c string) string { return strings.TrimSpace(row.Get(c)) }
	if reason := shifted(row); reason != "" {
		return reason
	}
	title := row.Get("Title")
	if strings.TrimSpace(title) == "" {
		return "column Title: empty; an incident needs a name"
	}
	firstSeen := ""
	date := get("Date")
	if date != "" {
		t, err := time.Parse("1/2/2006", date)
		if err != nil {
			return fmt.Sprintf("column Date: %q is not a M/D/YYYY date", date)
		}
		firstSeen = t.Format("2006-01-02") + "T00:00:00Z"
	}
	n := row.N
	rs := strconv.Itoa(n)

	// Facts that are only counted once the row is known to be importable.
	if date == "" {
		m.rep.Note("Date empty: no first_seen")
	}
	key := title + "\x1f" + date
	if first, ok := m.seen[key]; ok {
		m.rep.Note(fmt.Sprintf("row %d: repeated (Title, Date) with row %d", n, first))
	} else {
		m.seen[key] = n
	}

	// Type → operation_type and determination.
	typ := get("Type")
	tm, ok := typeTable[typ]
	if !ok {
		m.rep.Unmap("Type", typ)
		tm = typeMapping{determination: "suspected"}
	}
	if tm.note != "" {
		m.rep.Note(tm.note)
	}

	// Response → investigation_status and the confidence it adds.
	lead, respURLs := splitResponse(row.Get("Response"))
	rm, ok := responseTable[lead]
	if !ok {
		m.rep.Unmap("Response", lead)
		rm = responseMapping{status: "open"}
	}

	// Category → sectors and military_target.
	var sectors []string
	military := false
	for _, item := range strings.Split(get("Category"), ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		cm, ok := categoryTable[item]
		if !ok {
			m.rep.Unmap("Category", item)
			continue
		}
		if cm.note != "" {
			m.rep.Note(cm.note)
		}
		if cm.sector != "" && !slices.Contains(sectors, cm.sector) {
			sectors = append(sectors, cm.sector)
		}
		military = military || cm.military
	}
	slices.Sort(sectors)

	// The incident.
	id := IncidentID(n)
	inc := importer.Object("incident", id, Timestamp, DatasetIdentity)
	inc["name"] = title
	if d := row.Get("Description"); strings.TrimSpace(d) != "" {
		inc["description"] = d
	}
	refs := []any{map[string]any{"source_name": Citation, "external_id": "row " + rs, "description": Citation + ", data row " + rs}}
	for _, c := range []string{"Sources_1", "Sources_2", "Sources_3"} {
		// A cell may hold several URLs separated by ";".
		for _, v := range importer.Semi(row.Get(c)) {
			if isURL(v) {
				refs = append(refs, map[string]any{"source_name": "cfr-source", "url": v})
			} else {
				m.rep.Unmap(c, v)
			}
		}
	}
	for _, u := range respURLs {
		refs = append(refs, map[string]any{"source_name": "cfr-response", "url": u})
	}
	inc["external_references"] = refs
	ext, _, a5 := importer.Extensions(tm.determination, rm.status, "cyber")
	if tm.operationType != "" {
		a5["operation_type"] = tm.operationType
	}
	if firstSeen != "" {
		a5["first_seen"] = firstSeen
	}
	if military {
		a5["military_target"] = true
	}
	inc["extensions"] = ext
	m.rec.Add(inc)

	// The victims.
	victims := get("Victims")
	vid := importer.ID("identity", "cfr", Version, "victims", rs)
	v := importer.Object("identity", vid, Timestamp, DatasetIdentity)
	if victims != "" {
		v["name"] = row.Get("Victims")
	} else {
		v["name"] = "Victims of CFR row " + rs
		m.rep.Note("Victims empty: victims identity named after the row")
	}
	// CFR's Victims text describes a set of victims ("Japanese defense
	// contractors"), so the identity is a class.
	v["identity_class"] = "class"
	if len(sectors) > 0 {
		v["sectors"] = sectors
	}
	m.rec.Add(v)
	m.rec.Add(importer.Relationship("targets", id, vid, Timestamp, DatasetIdentity))

	// Places named in the Victims text.
	places := FindCountries(victims)
	for _, iso := range places {
		lid := importer.ID("location", "country", iso)
		loc := importer.Object("location", lid, Timestamp, DatasetIdentity)
		loc["name"] = CountryName(iso)
		loc["country"] = iso
		m.s.Shared(loc)
		m.rec.Add(importer.Relationship("located-at", id, lid, Timestamp, DatasetIdentity))
	}

	m.attribute(row, id, rm, places)
	return ""
}

// attribute writes the attributed-to relationships of a row.
func (m *mapper) attribute(row *importer.Row, incident string, rm responseMapping, places []string) {
	states := m.sponsors(row.Get("Sponsor"))
	for _, iso := range states {
		if slices.Contains(places, iso) {
			// Kept as coded; flagged for review (a domestic operation, or the
			// victim's country written as Sponsor).
			m.rep.Note("Sponsor " + iso + " also named in Victims (domestic operation or miscoded Sponsor)")
		}
	}
	raw := row.Get("Affiliations")
	aff := ParseAffiliation(raw)
	switch aff.Kind {
	case KindNone:
	case KindAssociated:
		m.rep.Note("Affiliations names only a related actor or tool: no threat-actor")
	case KindUnparsed:
		m.rep.Unmap("Affiliations", strings.TrimSpace(raw))
	case KindUnknown:
		m.rep.Note("Affiliations says the actor is unknown: no threat-actor")
	}
	conf := max(aff.Confidence, rm.confidence)
	switch aff.Kind {
	case KindActor:
		aid := importer.ID("threat-actor", importer.Normalize(aff.Name))
		if !m.s.Written(aid) {
			ta := importer.Object("threat-actor", aid, Timestamp, DatasetIdentity)
			ta["name"] = aff.Name
			m.s.Shared(ta)
		}
		rel := importer.Relationship("attributed-to", incident, aid, Timestamp, DatasetIdentity)
		rel["confidence"] = conf
		rel["description"] = "CFR Affiliations: " + strings.TrimSpace(raw)
		// The legal basis is carried by the link that reaches the State.
		importer.A5Relationship(rel, "unknown")
		m.rec.Add(rel)
		// The State link is this record's: from the incident, not from the
		// shared actor, so one row's sponsor never leaks into another's.
		// CFR codes a suspected sponsor: ARSIWA Art. 8 at most.
		for _, iso := range states {
			srel := importer.Relationship("attributed-to", incident, m.state(iso), Timestamp, DatasetIdentity)
			srel["confidence"] = min(conf, sponsorConfidence)
			srel["description"] = "CFR codes " + CountryName(iso) + " as the suspected State sponsor of " + aff.Name
			importer.A5Relationship(srel, "state-instructions-direction-control")
			m.rec.Add(srel)
		}
	case KindGovernment, KindState:
		if len(states) == 0 {
			m.rep.Note("Affiliations names a State but Sponsor is empty: no attribution")
			return
		}
		basis := "state-instructions-direction-control"
		if aff.Kind == KindGovernment {
			// "the work of China's government": conduct of the State's
			// organs (ARSIWA Art. 4).
			basis = "state-organ"
		}
		for _, iso := range states {
			rel := importer.Relationship("attributed-to", incident, m.state(iso), Timestamp, DatasetIdentity)
			rel["confidence"] = conf
			rel["description"] = "CFR Affiliations: " + strings.TrimSpace(raw)
			importer.A5Relationship(rel, basis)
			m.rec.Add(rel)
		}
	default:
		// No named actor: CFR's suspected State sponsor, under the State's
		// instructions, direction or control (ARSIWA Art. 8).
		for _, iso := range states {
			rel := importer.Relationship("attributed-to", incident, m.state(iso), Timestamp, DatasetIdentity)
			rel["confidence"] = max(sponsorConfidence, rm.confidence)
			rel["description"] = "CFR codes " + CountryName(iso) + " as the suspected State sponsor"
			importer.A5Relationship(rel, "state-instructions-direction-control")
			m.rec.Add(rel)
		}
	}
}

// sponsors resolves the Sponsor cell to ISO2 codes, counting unknown names.
func (m *mapper) sponsors(cell string) []string {
	cell = strings.TrimSpace(cell)
	if cell == "" {
		return nil
	}
	if iso, ok := countryByName[cell]; ok {
		return []string{iso}
	}
	var out []string
	for _, p := range strings.Split(cell, ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		iso, ok := countryByName[p]
		if !ok {
			m.rep.Unmap("Sponsor", p)
			continue
		}
		if !slices.Contains(out, iso) {
			out = append(out, iso)
		}
	}
	return out
}

// state adds the identity of a State's government and returns its id.
func (m *mapper) state(iso string) string {
	sid := importer.ID("identity", "state", iso)
	if !m.s.Written(sid) {
		o := importer.Object("identity", sid, Timestamp, DatasetIdentity)
		the := ""
		if withArticle[iso] {
			the = "the "
		}
		o["name"] = "Government of " + the + CountryName(iso)
		o["identity_class"] = "organization"
		o["sectors"] = []string{"government-national"}
		m.s.Shared(o)
	}
	return sid
}

// shifted detects rows whose cells hold another column's values (the
// export shifted some rows by one or more columns): such a row cannot be
// mapped and is rejected with the column at fault.
func shifted(row *importer.Row) string {
	get := func(c string) string { return strings.TrimSpace(row.Get(c)) }
	isCategory := func(v string) bool {
		for _, item := range strings.Split(v, ",") {
			if _, ok := categoryTable[strings.TrimSpace(item)]; ok {
				return true
			}
		}
		return false
	}
	typ, cat, sp := get("Type"), get("Category"), get("Sponsor")
	if typ != "" {
		if _, ok := typeTable[typ]; !ok && (isURL(typ) || isCategory(typ)) {
			return fmt.Sprintf("column Type: %q is not an operation type (columns shifted)", trunc(typ))
		}
	}
	if cat != "" {
		if _, ok := typeTable[cat]; ok || isURL(cat) {
			return fmt.Sprintf("column Category: %q is not a victim category (columns shifted)", trunc(cat))
		}
	}
	if sp != "" {
		if _, ok := typeTable[sp]; ok || isCategory(sp) || strings.Contains(sp, "\"") {
			return fmt.Sprintf("column Sponsor: %q is not a State (columns shifted)", trunc(sp))
		}
	}
	return ""
}

func trunc(s string) string {
	if r := []rune(s); len(r) > 60 {
		return string(r[:60]) + "…"
	}
	return s
}

func isURL(s string) bool {
	return (strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://")) && !strings.ContainsAny(s, " \t\n")
}

// splitResponse returns the leading words of a Response cell (before the
// first URL, trimmed) and its URLs.
func splitResponse(cell string) (lead string, urls []string) {
	fields := strings.Fields(cell)
	var words []string
	for _, f := range fields {
		if isURL(f) {
			urls = append(urls, f)
			continue
		}
		if len(urls) == 0 {
			words = append(words, f)
		}
	}
	return strings.Join(words, " "), urls
}
