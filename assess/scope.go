package assess

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"article5"
	"article5/geo"
	"article5/stix"
)

// scope decides where the incident falls (DESIGN.md §3.1). Space objects
// make it space-consultative (SCC joint statement, 11 January 2023), keyed
// by object id, never by geometry; otherwise the locations of the targeted
// systems and their effects decide: any location in → in; else any
// uncertain → uncertain; else out; no location → uncertain.
func (r *reader) scope(f *article5.Facts, inc *stix.Object) article5.ScopeFinding {
	locs, missing := r.locations(inc)
	sf := article5.ScopeFinding{Evidence: []article5.Evidence{}}
	var in, unc *article5.LocationScope
	var facility *geo.Facility
	var facilityLoc string
	for _, lo := range locs {
		d, err := r.juris.Decide(geoLocation(lo))
		if err != nil {
			r.details = append(r.details, errDetails(err, lo.ID)...)
			continue
		}
		ls := article5.LocationScope{Location: lo.ID, Value: d.Scope, Basis: d.Basis}
		sf.Locations = append(sf.Locations, ls)
		sf.Evidence = append(sf.Evidence, article5.Evidence{Object: lo.ID})
		if d.Facility != nil && facility == nil {
			facility, facilityLoc = d.Facility, lo.ID
		}
		switch d.Scope {
		case article5.ScopeIn:
			if in == nil {
				in = &sf.Locations[len(sf.Locations)-1]
				sf.Place = d.Place
			}
		case article5.ScopeUncertain:
			if unc == nil {
				unc = &sf.Locations[len(sf.Locations)-1]
				if in == nil {
					sf.Place = d.Place
				}
			}
		default:
			if in == nil && unc == nil && sf.Place == "" {
				sf.Place = d.Place
			}
		}
	}
	if facility != nil {
		ev := article5.Evidence{Object: facilityLoc}
		f.Set(article5.FactUSFacility, true, ev)
		sf.Facility = facility.Name
		parties := []string{"US"}
		if v := f.Get(article5.FactAffectedParties); v.Known {
			parties = v.Value.([]string)
			if !contains(parties, "US") {
				parties = append(append([]string(nil), parties...), "US")
				sort.Strings(parties)
			}
			f.Set(article5.FactAffectedParties, parties, append(v.Evidence, ev)...)
		} else {
			f.Set(article5.FactAffectedParties, parties, ev)
		}
	} else if len(locs) > 0 {
		f.Set(article5.FactUSFacility, false, sf.Evidence...)
	}
	switch {
	case f.Get(article5.FactSpaceObject).Known:
		sf.Value = article5.ScopeSpaceConsultative
		sf.Basis = "space objects are involved (" + spaceIDs(inc) + "): attacks to, from or within space could lead to invoking Article V, decided case by case (SCC joint statement, 11 January 2023); keyed by object id, not by geometry"
		sf.Evidence = append(sf.Evidence, f.Get(article5.FactSpaceObject).Evidence...)
	case in != nil:
		sf.Value, sf.Basis = article5.ScopeIn, in.Basis
	case unc != nil:
		sf.Value, sf.Basis = article5.ScopeUncertain, unc.Basis
	case len(sf.Locations) > 0:
		sf.Value = article5.ScopeOut
		sf.Basis = sf.Locations[0].Basis
	default:
		sf.Value = article5.ScopeUncertain
		sf.Basis = "no location of the targeted systems or their effects is in the evidence (located-at or targets a location)"
		if len(missing) > 0 {
			sf.Basis += "; referenced but not in the evidence: " + strings.Join(missing, ", ")
		}
	}
	farEast := f.Get(article5.FactFarEastSecurity)
	sf.Article = article(sf.Value, farEast)
	// The place as a presumption: outside the territories, in the Far East
	// area of the unified view of 26 February 1960, Article IV is presumed
	// unless an analyst states that neither the security of Japan nor that
	// of the Far East is threatened.
	if sf.Article == ArticleToBeDecided && sf.Value == article5.ScopeOut && !farEast.Known {
		for _, lo := range locs {
			if geo.InFarEast(geoLocation(lo)) {
				sf.Article = ArticleIV
				sf.Basis += "; Article IV presumed: the place lies in the Far East (" + geo.FarEastDescription + "; " + geo.FarEastSource +
					", as article5 draws it); rebutted if an analyst states that neither the security of Japan nor peace and security in the Far East is threatened"
				sf.Evidence = append(sf.Evidence, article5.Evidence{Object: lo.ID})
				break
			}
		}
	}
	if facility != nil {
		if strings.Contains(sf.Basis, facility.Name) {
			sf.Basis += "; the U.S. is an affected Party"
		} else {
			sf.Basis += fmt.Sprintf("; a location lies within %s, a facility of U.S. forces in Japan: the U.S. is an affected Party", facility.Name)
		}
	}
	return sf
}

// Treaty articles as the scope finding names them.
const (
	ArticleV           = "V"
	ArticleIV          = "IV"
	ArticleNone        = "none"
	ArticleToBeDecided = "to be decided"
)

// article names the Treaty article an incident engages. In scope, or
// attacks to, from or within space: Article V. Elsewhere Article IV
// consultations apply only when the security of Japan or international
// peace and security in the Far East is threatened (for the area, the
// Government of Japan's unified view of 26 February 1960): "IV" when the
// far_east_security fact is true, "none" when it is false, "to be decided"
// when it is unknown. An uncertain place is V if it proves to be inside,
// else as out: "to be decided".
func article(s article5.Scope, farEast article5.FactValue) string {
	switch s {
	case article5.ScopeIn, article5.ScopeSpaceConsultative:
		return ArticleV
	case article5.ScopeOut:
		if !farEast.Known {
			return ArticleToBeDecided
		}
		if farEast.Value.(bool) {
			return ArticleIV
		}
		return ArticleNone
	}
	return ArticleToBeDecided
}

func spaceIDs(inc *stix.Object) string {
	ext, _ := inc.Map("extensions")[extA5].(map[string]any)
	list, _ := ext["space_objects"].([]any)
	var ids []string
	for _, x := range list {
		m, _ := x.(map[string]any)
		var parts []string
		if n, ok := m["name"].(string); ok {
			parts = append(parts, n)
		}
		if c, ok := m["cospar_id"].(string); ok {
			parts = append(parts, "COSPAR "+c)
		}
		if n, ok := asInt(m["norad_id"]); ok {
			parts = append(parts, fmt.Sprintf("NORAD %d", n))
		}
		ids = append(ids, strings.Join(parts, ", "))
	}
	return strings.Join(ids, "; ")
}

// locations gathers the places of the targeted systems and their effects:
// incident located-at / targets a location; incident targets an identity
// or infrastructure located-at a location; impacts' impacted_refs likewise.
func (r *reader) locations(inc *stix.Object) ([]*stix.Object, []string) {
	seen := map[string]bool{}
	var out []*stix.Object
	var missing []string
	addLoc := func(id string) {
		if seen[id] {
			return
		}
		seen[id] = true
		o := r.ev.Object(id)
		switch {
		case o == nil:
			missing = append(missing, id)
		case o.Type == "location":
			out = append(out, o)
		}
	}
	via := func(id string) {
		o := r.ev.Object(id)
		if o == nil {
			return
		}
		if o.Type == "location" {
			addLoc(id)
			return
		}
		for _, rel := range r.ev.Relationships(id, "located-at") {
			addLoc(rel.String("target_ref"))
		}
	}
	for _, rel := range r.ev.Relationships(inc.ID, "located-at") {
		addLoc(rel.String("target_ref"))
	}
	for _, rel := range r.ev.Relationships(inc.ID, "targets") {
		via(rel.String("target_ref"))
	}
	for _, rel := range r.ev.Relationships(inc.ID, "impacts") {
		via(rel.String("target_ref"))
	}
	core, _ := inc.Map("extensions")[extCore].(map[string]any)
	refs, _ := core["impact_refs"].([]any)
	for _, x := range refs {
		id, _ := x.(string)
		if imp := r.ev.Object(id); imp != nil {
			for _, t := range imp.Strings("impacted_refs") {
				via(t)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	sort.Strings(missing)
	return out, missing
}

func geoLocation(o *stix.Object) geo.Location {
	l := geo.Location{ID: o.ID, Region: o.String("region"), Country: o.String("country"),
		AdministrativeArea: o.String("administrative_area"), City: o.String("city")}
	if v, ok := asFloat(o.Props["latitude"]); ok {
		l.Latitude = &v
	}
	if v, ok := asFloat(o.Props["longitude"]); ok {
		l.Longitude = &v
	}
	if v, ok := asFloat(o.Props["precision"]); ok {
		l.Precision = &v
	}
	return l
}

func errDetails(err error, obj string) []article5.Detail {
	var e *article5.Error
	if ok := asError(err, &e); ok && len(e.Details) > 0 {
		return e.Details
	}
	return []article5.Detail{{Object: obj, Message: article5.ErrorMessage(err)}}
}

func asError(err error, target **article5.Error) bool { return errors.As(err, target) }
