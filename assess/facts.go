package assess

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"article5"
	"article5/geo"
	"article5/stix"
)

const (
	extA5   = article5.ExtensionID
	extCore = article5.IncidentCoreID
)

// reader extracts facts and records input faults with pointers.
type reader struct {
	ev      *Evidence
	juris   *geo.Jurisdiction
	details []article5.Detail
	warn    []string

	firstSeen, lastSeen time.Time // of the incident being read (article5 extension)
}

func (r *reader) fault(obj, ptr, format string, args ...any) {
	r.details = append(r.details, article5.Detail{Object: obj, Pointer: ptr, Message: fmt.Sprintf(format, args...)})
}

// ptr builds an RFC 6901 JSON pointer from unescaped reference tokens.
// The pointers of the fixed properties the reader cites as evidence come
// from fixedPointers, one string for every incident, rather than a string
// of each incident's own in its facts and findings.
func ptr(parts ...string) string {
	var buf [192]byte
	b := appendPointer(buf[:0], parts)
	if s, ok := fixedPointers[string(b)]; ok {
		return s
	}
	return string(b)
}

// appendPointer appends the pointer of parts to b, escaping '~' and '/'.
func appendPointer(b []byte, parts []string) []byte {
	for _, p := range parts {
		b = append(b, '/')
		for i := 0; i < len(p); i++ {
			switch p[i] {
			case '~':
				b = append(b, '~', '0')
			case '/':
				b = append(b, '~', '1')
			default:
				b = append(b, p[i])
			}
		}
	}
	return b
}

// a5Props are the properties of article5's incident extension
// (extension/schema.json $defs/incident-extension).
var a5Props = []string{"extension_type", "domain", "affected_parties", "casualties", "critical_infrastructure",
	"military_target", "space_objects", "activity", "operation_type", "threat_of_force",
	"armed_conflict", "organised_and_planned", "geographic_extent", "effects_duration",
	"first_seen", "last_seen", "red_recipients", "deliberate", "victims_intended", "consent", "far_east_security"}

// a5Known is a5Props as a set.
var a5Known = func() map[string]bool {
	m := make(map[string]bool, len(a5Props))
	for _, p := range a5Props {
		m[p] = true
	}
	return m
}()

// fixedPointers interns the pointers of fixed properties (see ptr).
var fixedPointers = func() map[string]string {
	var paths [][]string
	for _, p := range a5Props {
		paths = append(paths, []string{"extensions", extA5, p})
	}
	for _, p := range []string{"determination", "recoverability", "criticality", "incident_types"} {
		paths = append(paths, []string{"extensions", extCore, p})
	}
	paths = append(paths,
		[]string{"extensions", extCore, "impacted_entity_counts", "individuals"},
		[]string{"extensions", extCore, "impacted_entity_counts", "individual"},
		[]string{"impacted_entity_counts", "individual"},
		[]string{"primary_motivation"}, []string{"threat_actor_types"}, []string{"sectors"},
		[]string{"extensions", extCore, "impact_refs"},
		[]string{"extensions", extA5, "legal_basis"},
		[]string{"extensions", "availability", "availability_impact"},
		[]string{"extensions", "physical", "impact_type"},
		[]string{"extensions", "integrity", "alteration"},
		[]string{"extensions", "confidentiality", "loss_type"},
		[]string{"extensions", "monetary", "max_amount"},
		[]string{"extensions", "monetary", "min_amount"},
		[]string{"recoverability"},
		[]string{"impacted_entity_counts", "individuals"})
	m := make(map[string]string, len(paths))
	for _, p := range paths {
		s := string(appendPointer(nil, p))
		m[s] = s
	}
	return m
}()

// asInt reads a STIX integer (STIX 2.1 §2.10): a whole number within
// ±(2^53−1); false for anything else (see stix.Integer).
func asInt(v any) (int64, bool) {
	n, err := stix.Integer(v)
	return n, err == nil
}

// asFloat reads a finite JSON number; false for anything else (see
// stix.Number).
func asFloat(v any) (float64, bool) {
	f, err := stix.Number(v)
	return f, err == nil
}

// Counts and amounts saturate at stix.MaxInteger (2^53−1 persons, USD, …)
// when added, never wrap: the sum of valid counts stays a valid STIX
// integer, exact as a double, and the doctrines' own arithmetic on facts
// (e.g. deaths + deaths_indirect + injuries) cannot overflow either.

// addCount returns a+b for counts ≥ 0, saturated at stix.MaxInteger, and
// whether it saturated.
func addCount(a, b int64) (int64, bool) {
	if b > stix.MaxInteger-a {
		return stix.MaxInteger, true
	}
	return a + b, false
}

// addAmount returns a+b for finite amounts ≥ 0, saturated at
// stix.MaxInteger (about 9.0e15 USD, far beyond any real loss), and
// whether it saturated.
func addAmount(a, b float64) (float64, bool) {
	if s := a + b; s <= stix.MaxInteger {
		return s, false
	}
	return stix.MaxInteger, true
}

// maxOrdinal keeps the graver of two ordinal values of a fact.
func maxOrdinal(f *article5.Facts, name, v string, ev article5.Evidence) {
	def := article5.FactCatalogue()[mustIndex(name)]
	cur := f.Get(name)
	if !cur.Known || def.Ordinal(v) > def.Ordinal(cur.Value.(string)) {
		f.Set(name, v, ev)
	} else if def.Ordinal(v) == def.Ordinal(cur.Value.(string)) {
		f.Set(name, v, append(cur.Evidence, ev)...)
	}
}

func maxInt(f *article5.Facts, name string, v int64, ev article5.Evidence) {
	cur := f.Get(name)
	if !cur.Known || v > cur.Value.(int64) {
		f.Set(name, v, ev)
	}
}

func mustIndex(name string) int {
	i, ok := article5.FactIndex(name)
	if !ok {
		panic("unknown fact " + name)
	}
	return i
}

// incidentFacts reads every fact of one incident. Any valid STIX 2.1
// incident is accepted: without article5's extension the facts only it
// carries (casualties, domain, military target, …) are unknown, and the
// rest is read from core STIX and the Incident Core Extension.
func (r *reader) incidentFacts(inc *stix.Object) (*article5.Facts, article5.ScopeFinding) {
	f := article5.NewFacts(inc.ID)
	f.Set(article5.FactIncidentCount, int64(1), article5.Evidence{Object: inc.ID})
	ext := inc.Map("extensions")
	r.coreFacts(f, inc, ext)
	a5, hasA5 := ext[extA5].(map[string]any)
	r.firstSeen, r.lastSeen = time.Time{}, time.Time{}
	if hasA5 {
		r.a5Facts(f, inc, a5)
	}
	r.impactFacts(f, inc, ext)
	if !hasA5 {
		// article5's extension, where present, states the sectors hit.
		r.targetFacts(f, inc)
	}
	// Without impact times, the activity's first/last seen place the
	// incident in time (for accumulation and date filters).
	if f.Start.IsZero() && !r.firstSeen.IsZero() {
		f.Start = r.firstSeen
		f.End = r.firstSeen
		if !r.lastSeen.IsZero() {
			f.End = r.lastSeen
		}
	}
	r.deriveOperationType(f, inc)
	r.attribution(f, inc)
	scope := r.scope(f, inc)
	f.Set(article5.FactScope, string(scope.Value), scope.Evidence...)
	return f, scope
}

func (r *reader) coreFacts(f *article5.Facts, inc *stix.Object, ext map[string]any) {
	core, ok := ext[extCore].(map[string]any)
	if !ok {
		return
	}
	base := func(p ...string) string { return ptr(append([]string{"extensions", extCore}, p...)...) }
	if s, ok := core["determination"].(string); ok {
		f.Set(article5.FactDetermination, s, article5.Evidence{Object: inc.ID, Pointer: base("determination")})
	}
	if s, ok := core["recoverability"].(string); ok {
		maxOrdinal(f, article5.FactRecoverability, s, article5.Evidence{Object: inc.ID, Pointer: base("recoverability")})
	}
	if v, ok := core["criticality"]; ok {
		if n, ok := asInt(v); ok && n >= 0 && n <= 100 {
			f.Set(article5.FactCriticality, n, article5.Evidence{Object: inc.ID, Pointer: base("criticality")})
		} else {
			r.fault(inc.ID, base("criticality"), "expected an integer 0–100, got %v", v)
		}
	}
	if counts, ok := core["impacted_entity_counts"].(map[string]any); ok {
		r.individuals(f, inc.ID, counts, base("impacted_entity_counts"))
	}
	if v, ok := core["incident_types"]; ok {
		list, _ := v.([]any)
		var types []string
		for _, x := range list {
			if s, ok := x.(string); ok && !contains(types, s) {
				types = append(types, s)
			}
		}
		if len(types) > 0 {
			sort.Strings(types)
			ev := article5.Evidence{Object: inc.ID, Pointer: base("incident_types")}
			f.Set(article5.FactIncidentTypes, types, ev)
			if contains(types, "unintentional") {
				f.Set(article5.FactDeliberate, false, ev)
			}
		}
	}
}

var (
	domains     = []string{"cyber", "space", "electromagnetic"}
	activities  = []string{"imminent", "ongoing", "ended"}
	opTypes     = []string{"probing", "espionage", "influence", "disruption", "destruction"}
	extents     = []string{"local", "regional", "national", "international"}
	durations   = []string{"hours", "days", "weeks", "months"}
	jpSectors   = []string{"information-communication", "finance", "aviation", "airports", "railways", "electric-power", "gas", "government-administrative-services", "medical", "water", "logistics", "chemicals", "credit-cards", "petroleum", "ports"}
	usSectors   = []string{"chemical", "commercial-facilities", "communications", "critical-manufacturing", "dams", "defense-industrial-base", "emergency-services", "energy", "financial-services", "food-agriculture", "government-facilities", "healthcare-public-health", "information-technology", "nuclear", "transportation-systems", "water-wastewater"}
	sectorLists = map[string][]string{"jp-nisc": jpSectors, "us-ppd-21": usSectors}
)

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// a5Facts reads article5's extension on the incident, checking each
// property's shape (extension/schema.json) with a pointer on failure.
func (r *reader) a5Facts(f *article5.Facts, inc *stix.Object, a5 map[string]any) {
	p := func(parts ...string) string { return ptr(append([]string{"extensions", extA5}, parts...)...) }
	e := func(parts ...string) article5.Evidence {
		return article5.Evidence{Object: inc.ID, Pointer: p(parts...)}
	}
	keys := make([]string, 0, len(a5))
	for k := range a5 {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !a5Known[k] {
			r.fault(inc.ID, p(k), "unknown property of article5's incident extension (see extension/schema.json)")
		}
	}
	if a5["extension_type"] != "property-extension" {
		r.fault(inc.ID, p("extension_type"), "expected \"property-extension\"")
	}
	enum := func(name string, values []string, fact string) {
		v, ok := a5[name]
		if !ok {
			return
		}
		s, isStr := v.(string)
		if !isStr || !contains(values, s) {
			r.fault(inc.ID, p(name), "expected one of %s, got %v", strings.Join(values, ", "), v)
			return
		}
		if fact != "" {
			f.Set(fact, s, e(name))
		}
	}
	boolean := func(name, fact string) {
		v, ok := a5[name]
		if !ok {
			return
		}
		b, isBool := v.(bool)
		if !isBool {
			r.fault(inc.ID, p(name), "expected true or false, got %v", v)
			return
		}
		f.Set(fact, b, e(name))
	}
	enum("domain", domains, article5.FactDomain)
	enum("activity", activities, article5.FactActivity)
	enum("operation_type", opTypes, article5.FactOperationType)
	enum("geographic_extent", extents, article5.FactGeographicExtent)
	enum("effects_duration", durations, article5.FactEffectsDuration)
	var seen [2]time.Time
	for i, name := range []string{"first_seen", "last_seen"} {
		v, ok := a5[name]
		if !ok {
			continue
		}
		s, _ := v.(string)
		ts, err := stix.ParseTimestamp(s)
		if err != nil {
			r.fault(inc.ID, p(name), "expected a STIX timestamp (RFC 3339, UTC, uppercase Z), got %v", v)
			continue
		}
		seen[i] = ts.Time
	}
	if !seen[0].IsZero() && !seen[1].IsZero() && seen[1].Before(seen[0]) {
		r.fault(inc.ID, p("last_seen"), "expected last_seen at or after first_seen")
	}
	r.firstSeen, r.lastSeen = seen[0], seen[1]
	boolean("military_target", article5.FactMilitaryTarget)
	boolean("threat_of_force", article5.FactThreatOfForce)
	boolean("armed_conflict", article5.FactArmedConflict)
	boolean("organised_and_planned", article5.FactOrganisedAndPlanned)
	boolean("deliberate", article5.FactDeliberate)
	boolean("victims_intended", article5.FactVictimsIntended)
	boolean("consent", article5.FactConsent)
	boolean("far_east_security", article5.FactFarEastSecurity)

	if v, ok := a5["affected_parties"]; ok {
		list, isList := v.([]any)
		var parties []string
		for i, x := range list {
			s, _ := x.(string)
			if s != "JP" && s != "US" {
				r.fault(inc.ID, p("affected_parties", fmt.Sprint(i)), "expected \"JP\" or \"US\", got %v", x)
				continue
			}
			if !contains(parties, s) {
				parties = append(parties, s)
			}
		}
		if !isList || len(list) == 0 {
			r.fault(inc.ID, p("affected_parties"), "expected a non-empty list of \"JP\" and/or \"US\"")
		} else {
			sort.Strings(parties)
			f.Set(article5.FactAffectedParties, parties, e("affected_parties"))
		}
	}

	if v, ok := a5["casualties"]; ok {
		r.casualties(f, inc, v, p)
	}

	if v, ok := a5["critical_infrastructure"]; ok {
		list, isList := v.([]any)
		if !isList || len(list) == 0 {
			r.fault(inc.ID, p("critical_infrastructure"), "expected a non-empty list of {list, sector}")
		}
		var sectors []string
		var evs []article5.Evidence
		for i, x := range list {
			m, _ := x.(map[string]any)
			ls, _ := m["list"].(string)
			sec, _ := m["sector"].(string)
			allowed, okList := sectorLists[ls]
			if !okList {
				r.fault(inc.ID, p("critical_infrastructure", fmt.Sprint(i), "list"), "expected \"jp-nisc\" or \"us-ppd-21\", got %v", m["list"])
				continue
			}
			if !contains(allowed, sec) {
				r.fault(inc.ID, p("critical_infrastructure", fmt.Sprint(i), "sector"), "expected a %s sector (%s), got %v", ls, strings.Join(allowed, ", "), m["sector"])
				continue
			}
			key := ls + ":" + sec
			if !contains(sectors, key) {
				sectors = append(sectors, key)
			}
			evs = append(evs, e("critical_infrastructure", fmt.Sprint(i)))
		}
		if len(sectors) > 0 {
			sort.Strings(sectors)
			f.Set(article5.FactCISectors, sectors, evs...)
		}
	}

	if v, ok := a5["space_objects"]; ok {
		list, isList := v.([]any)
		if !isList || len(list) == 0 {
			r.fault(inc.ID, p("space_objects"), "expected a non-empty list of {cospar_id, norad_id, name}")
		}
		good := 0
		for i, x := range list {
			m, _ := x.(map[string]any)
			cospar, hasC := m["cospar_id"].(string)
			norad, hasN := asInt(m["norad_id"])
			if hasC && !validCOSPAR(cospar) {
				r.fault(inc.ID, p("space_objects", fmt.Sprint(i), "cospar_id"), "expected an international designator YYYY-NNNA…, got %q", cospar)
				continue
			}
			if _, present := m["norad_id"]; present && (!hasN || norad < 1) {
				r.fault(inc.ID, p("space_objects", fmt.Sprint(i), "norad_id"), "expected a positive NORAD catalogue number")
				continue
			}
			if !hasC && !hasN {
				r.fault(inc.ID, p("space_objects", fmt.Sprint(i)), "expected cospar_id or norad_id")
				continue
			}
			good++
		}
		if good > 0 {
			f.Set(article5.FactSpaceObject, true, e("space_objects"))
		}
	}
}

func validCOSPAR(s string) bool {
	if len(s) < 9 || len(s) > 11 || s[4] != '-' {
		return false
	}
	for i, c := range s {
		switch {
		case i < 4 || (i > 4 && i < 8):
			if c < '0' || c > '9' {
				return false
			}
		case i >= 8:
			if c < 'A' || c > 'Z' {
				return false
			}
		}
	}
	return true
}

func (r *reader) casualties(f *article5.Facts, inc *stix.Object, v any, p func(...string) string) {
	list, isList := v.([]any)
	if !isList || len(list) == 0 {
		r.fault(inc.ID, p("casualties"), "expected a non-empty list of {outcome, count, causation, status}")
		return
	}
	type acc struct {
		n         int64
		evs       []article5.Evidence
		set       bool
		saturated bool
	}
	sums := map[string]*acc{}
	add := func(fact string, n int64, ev article5.Evidence) {
		a := sums[fact]
		if a == nil {
			a = &acc{}
			sums[fact] = a
		}
		var sat bool
		if a.n, sat = addCount(a.n, n); sat && !a.saturated {
			a.saturated = true
			r.warn = append(r.warn, fmt.Sprintf("%s %s: %s adds up to more than %d; taken as %d (counts saturate, never wrap)", inc.ID, ev.Pointer, fact, int64(stix.MaxInteger), int64(stix.MaxInteger)))
		}
		a.set = true
		a.evs = append(a.evs, ev)
	}
	for i, x := range list {
		m, _ := x.(map[string]any)
		at := func(k string) string { return p("casualties", fmt.Sprint(i), k) }
		outcome, _ := m["outcome"].(string)
		causation, _ := m["causation"].(string)
		status, _ := m["status"].(string)
		n, okN := asInt(m["count"])
		bad := false
		if outcome != "death" && outcome != "injury" {
			r.fault(inc.ID, at("outcome"), "expected \"death\" or \"injury\", got %v", m["outcome"])
			bad = true
		}
		if causation != "direct" && causation != "indirect" {
			r.fault(inc.ID, at("causation"), "expected \"direct\" or \"indirect\", got %v", m["causation"])
			bad = true
		}
		if status != "confirmed" && status != "suspected" {
			r.fault(inc.ID, at("status"), "expected \"confirmed\" or \"suspected\", got %v", m["status"])
			bad = true
		}
		if !okN || n < 0 {
			r.fault(inc.ID, at("count"), "expected a whole number of persons ≥ 0, got %v", m["count"])
			bad = true
		}
		if bad {
			continue
		}
		ev := article5.Evidence{Object: inc.ID, Pointer: at("count")}
		switch {
		case outcome == "death" && status == "suspected":
			add(article5.FactDeathsSuspected, n, ev)
		case outcome == "death" && causation == "direct":
			add(article5.FactDeaths, n, ev)
		case outcome == "death":
			add(article5.FactDeathsIndirect, n, ev)
		case status == "suspected":
			add(article5.FactInjuriesSuspected, n, ev)
		default:
			add(article5.FactInjuries, n, ev)
		}
	}
	for fact, a := range sums {
		f.Set(fact, a.n, a.evs...)
	}
	// A list that reports an outcome covers it: the combinations of that
	// outcome it leaves out are none so far (twelve suspected deaths and
	// no confirmed death means that no death is confirmed yet). An outcome
	// the list does not mention stays unknown.
	fill := func(facts []string) {
		var evs []article5.Evidence
		for _, fact := range facts {
			if a := sums[fact]; a != nil {
				evs = append(evs, a.evs...)
			}
		}
		if len(evs) == 0 {
			return
		}
		for _, fact := range facts {
			if sums[fact] == nil {
				f.Set(fact, int64(0), evs...)
			}
		}
	}
	fill([]string{article5.FactDeaths, article5.FactDeathsIndirect, article5.FactDeathsSuspected})
	fill([]string{article5.FactInjuries, article5.FactInjuriesSuspected})
}

// individuals reads the entity count of individuals (Incident Core
// Extension entity-count; its entity-type-ov key is "individual", and
// "individuals" is read too) into people_affected. at is the pointer of
// the entity-count object.
func (r *reader) individuals(f *article5.Facts, obj string, counts map[string]any, at string) {
	for _, key := range []string{"individual", "individuals"} {
		v, ok := counts[key]
		if !ok {
			continue
		}
		n, ok := asInt(v)
		if !ok || n < 0 {
			r.fault(obj, at+"/"+key, "expected a whole number of persons ≥ 0, got %v", v)
			continue
		}
		maxInt(f, article5.FactPeopleAffected, n, article5.Evidence{Object: obj, Pointer: ptrIntern(at + "/" + key)})
	}
}

// ptrIntern returns the interned copy of a fixed pointer (see ptr).
func ptrIntern(s string) string {
	if i, ok := fixedPointers[s]; ok {
		return i
	}
	return s
}

// impactFacts reads the Incident Core impacts the incident references.
func (r *reader) impactFacts(f *article5.Facts, inc *stix.Object, ext map[string]any) {
	core, _ := ext[extCore].(map[string]any)
	refs, _ := core["impact_refs"].([]any)
	var econ float64
	var econEv []article5.Evidence
	econKnown, econSaturated := false, false
	for i, x := range refs {
		id, _ := x.(string)
		imp := r.ev.Object(id)
		if imp == nil {
			r.warn = append(r.warn, fmt.Sprintf("%s %s: impact %s is not in the evidence; its effects are unknown", inc.ID, ptr("extensions", extCore, "impact_refs", fmt.Sprint(i)), id))
			continue
		}
		if imp.Type != "impact" {
			r.fault(inc.ID, ptr("extensions", extCore, "impact_refs", fmt.Sprint(i)), "expected a reference to an impact object, got %s", imp.Type)
			continue
		}
		ie := func(parts ...string) article5.Evidence {
			return article5.Evidence{Object: imp.ID, Pointer: ptr(parts...)}
		}
		iext := imp.Map("extensions")
		if m, ok := iext["availability"].(map[string]any); ok {
			if n, ok := asInt(m["availability_impact"]); ok && n >= 0 && n <= 100 {
				maxInt(f, article5.FactAvailabilityLoss, n, ie("extensions", "availability", "availability_impact"))
			} else {
				r.fault(imp.ID, ptr("extensions", "availability", "availability_impact"), "expected an integer 0–100 (percent of function lost)")
			}
		}
		if m, ok := iext["physical"].(map[string]any); ok {
			if s, ok := m["impact_type"].(string); ok && contains(article5.FactCatalogue()[mustIndex(article5.FactPhysicalDamage)].Values, s) {
				maxOrdinal(f, article5.FactPhysicalDamage, s, ie("extensions", "physical", "impact_type"))
			} else {
				r.fault(imp.ID, ptr("extensions", "physical", "impact_type"), "expected damaged-functional, damaged-nonfunctional, destruction or none")
			}
		}
		if m, ok := iext["integrity"].(map[string]any); ok {
			if s, ok := m["alteration"].(string); ok && contains(article5.FactCatalogue()[mustIndex(article5.FactIntegrityAlteration)].Values, s) {
				maxOrdinal(f, article5.FactIntegrityAlteration, s, ie("extensions", "integrity", "alteration"))
			} else {
				r.fault(imp.ID, ptr("extensions", "integrity", "alteration"), "expected an Incident Core integrity alteration (e.g. full-destruction)")
			}
		}
		if m, ok := iext["confidentiality"].(map[string]any); ok {
			if s, ok := m["loss_type"].(string); ok && contains(article5.FactCatalogue()[mustIndex(article5.FactDataLoss)].Values, s) {
				maxOrdinal(f, article5.FactDataLoss, s, ie("extensions", "confidentiality", "loss_type"))
			} else {
				r.fault(imp.ID, ptr("extensions", "confidentiality", "loss_type"), "expected confirmed-loss, exploited-loss, suspected-loss, contained or none")
			}
		}
		if m, ok := iext["monetary"].(map[string]any); ok {
			prop := "max_amount"
			if _, ok := m[prop]; !ok {
				prop = "min_amount"
			}
			raw, hasA := m[prop]
			amt, okA := asFloat(raw)
			cur, _ := m["currency"].(string)
			switch {
			case !hasA:
				// a monetary impact without an amount: the loss stays unknown
			case !okA || amt <= 0:
				r.fault(imp.ID, ptr("extensions", "monetary", prop), "expected an amount greater than 0 (Incident Extension Suite §2.3.2.5), got %v", raw)
			case strings.EqualFold(cur, "USD"):
				var sat bool
				if econ, sat = addAmount(econ, amt); sat && !econSaturated {
					econSaturated = true
					r.warn = append(r.warn, fmt.Sprintf("%s %s: the USD amounts add up to more than %d; taken as %d (amounts saturate)", inc.ID, ptr("extensions", extCore, "impact_refs"), int64(stix.MaxInteger), int64(stix.MaxInteger)))
				}
				econKnown = true
				econEv = append(econEv, ie("extensions", "monetary", "max_amount"))
			default:
				r.warn = append(r.warn, fmt.Sprintf("%s /extensions/monetary/currency: amount in %q not counted (article5 sums USD amounts only)", imp.ID, cur))
			}
		}
		if s := imp.String("recoverability"); s != "" {
			maxOrdinal(f, article5.FactRecoverability, s, ie("recoverability"))
		}
		if counts := imp.Map("impacted_entity_counts"); counts != nil {
			r.individuals(f, imp.ID, counts, "/impacted_entity_counts")
		}
		start, okS := r.time(imp, "start_time")
		end, okE := r.time(imp, "end_time")
		if okS && (f.Start.IsZero() || start.Before(f.Start)) {
			f.Start = start
		}
		if okS && okE {
			if end.Before(start) {
				r.fault(imp.ID, "/end_time", "expected end_time at or after start_time")
				continue
			}
			f.Intervals = append(f.Intervals, article5.Interval{Start: start, End: end})
			if end.After(f.End) {
				f.End = end
			}
		} else if okS && start.After(f.End) {
			f.End = start
		}
	}
	if econKnown {
		f.Set(article5.FactEconomicLossUSD, econ, econEv...)
	}
	if len(f.Intervals) > 0 {
		var evs []article5.Evidence
		for _, id := range refs {
			if s, ok := id.(string); ok {
				if o := r.ev.Object(s); o != nil && o.String("end_time") != "" {
					evs = append(evs, article5.Evidence{Object: s, Pointer: "/end_time"})
				}
			}
		}
		f.Set(article5.FactDurationHours, UnionHours(f.Intervals), evs...)
	}
}

func (r *reader) time(o *stix.Object, prop string) (time.Time, bool) {
	s := o.String(prop)
	if s == "" {
		return time.Time{}, false
	}
	t, err := stix.ParseTimestamp(s)
	if err != nil {
		r.fault(o.ID, "/"+prop, "expected a STIX timestamp, got %q", s)
		return time.Time{}, false
	}
	return t.Time, true
}

// UnionHours returns the length in hours of the union of intervals,
// rounded to 0.01 h so the result is stable across platforms. The length
// is exact for any STIX timestamps (years 0000–9999): it is added up in
// seconds and nanoseconds, never in a time.Duration, which would saturate
// or wrap past 292 years; below that the result is the one
// time.Duration.Hours gives.
func UnionHours(iv []article5.Interval) float64 {
	if len(iv) == 0 {
		return 0
	}
	s := append([]article5.Interval(nil), iv...)
	sort.Slice(s, func(i, j int) bool { return s[i].Start.Before(s[j].Start) })
	var secs, nanos int64 // the union's length so far
	add := func(x article5.Interval) {
		secs += x.End.Unix() - x.Start.Unix()
		nanos += int64(x.End.Nanosecond()) - int64(x.Start.Nanosecond())
	}
	cur := s[0]
	for _, x := range s[1:] {
		if !x.Start.After(cur.End) {
			if x.End.After(cur.End) {
				cur.End = x.End
			}
			continue
		}
		add(cur)
		cur = x
	}
	add(cur)
	secs += nanos / 1e9
	if nanos %= 1e9; nanos < 0 {
		secs, nanos = secs-1, nanos+1e9
	}
	// As time.Duration.Hours: whole hours, plus the rest of the hour.
	hours := float64(secs/3600) + float64((secs%3600)*1e9+nanos)/(60*60e9)
	return math.Round(hours*100) / 100
}

// deriveOperationType fills operation_type from the impacts when the
// analyst did not state it: destruction > disruption > espionage.
func (r *reader) deriveOperationType(f *article5.Facts, inc *stix.Object) {
	if f.Get(article5.FactOperationType).Known {
		return
	}
	pd, ia, av, dl := f.Get(article5.FactPhysicalDamage), f.Get(article5.FactIntegrityAlteration), f.Get(article5.FactAvailabilityLoss), f.Get(article5.FactDataLoss)
	switch {
	case pd.Known && (pd.Value == "destruction" || pd.Value == "damaged-nonfunctional"),
		ia.Known && (ia.Value == "full-destruction" || ia.Value == "partial-destruction"):
		f.Set(article5.FactOperationType, "destruction", append(pd.Evidence, ia.Evidence...)...)
	case av.Known && av.Value.(int64) > 0, pd.Known && pd.Value != "none",
		ia.Known && ia.Value != "none" && ia.Value != "potential-modification" && ia.Value != "potential-destruction":
		f.Set(article5.FactOperationType, "disruption", append(av.Evidence, append(pd.Evidence, ia.Evidence...)...)...)
	case dl.Known && dl.Value != "none" && dl.Value != "contained":
		f.Set(article5.FactOperationType, "espionage", dl.Evidence...)
	default:
		// The Incident Core incident_types (event-type-ov) say what kind
		// of incident it was when no impact does.
		it := f.Get(article5.FactIncidentTypes)
		if !it.Known {
			return
		}
		list := it.Value.([]string)
		for _, m := range incidentTypeOps {
			for _, t := range m.types {
				if contains(list, t) {
					f.Set(article5.FactOperationType, m.op, it.Evidence...)
					return
				}
			}
		}
	}
}

// incidentTypeOps maps Incident Core event-type-ov values to the character
// of the operation, gravest first.
var incidentTypeOps = []struct {
	op    string
	types []string
}{
	{"destruction", []string{"destruction", "deletion-information"}},
	{"disruption", []string{"denial-of-service", "ransomware", "disruption-data-transmission", "packet-flood", "email-flooding",
		"exploit-framework-exhausting-resources", "exploit-tool-exhausting-resources", "modification-information", "vandalism", "compromised-system"}},
	{"espionage", []string{"data-exfiltration", "unauthorized-access-information", "unauthorized-release", "wiretapping", "theft-access-credentials",
		"aggregation-information-phishing-schemes"}},
	{"probing", []string{"network-scanning", "scan-probe", "system-probe", "brute-force-attempt", "dictionary-attack-attempt",
		"exploit-attempt", "password-cracking-attempt", "sql-injection-attempt", "xss-attempt", "file-inclusion-attempt"}},
}
