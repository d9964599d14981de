package assess

import (
	"sort"

	"article5"
	"article5/stix"
)

// stixSectorCI maps STIX 2.1 industry-sector-ov values to sectors of the
// U.S. critical-infrastructure list (PPD-21, kept by NSM-22), so that an
// ordinary STIX victim identity counts as critical infrastructure without
// article5's extension. Values with no clear counterpart (education,
// infrastructure, mining, non-profit, …) are left out.
var stixSectorCI = map[string]string{
	"agriculture":                   "food-agriculture",
	"aerospace":                     "critical-manufacturing",
	"automotive":                    "critical-manufacturing",
	"manufacturing":                 "critical-manufacturing",
	"chemical":                      "chemical",
	"commercial":                    "commercial-facilities",
	"entertainment":                 "commercial-facilities",
	"hospitality-leisure":           "commercial-facilities",
	"retail":                        "commercial-facilities",
	"communications":                "communications",
	"telecommunications":            "communications",
	"technology":                    "information-technology",
	"dams":                          "dams",
	"defense":                       "defense-industrial-base",
	"government-emergency-services": "emergency-services",
	"energy":                        "energy",
	"utilities":                     "energy",
	"financial-services":            "financial-services",
	"insurance":                     "financial-services",
	"government":                    "government-facilities",
	"government-national":           "government-facilities",
	"government-regional":           "government-facilities",
	"government-local":              "government-facilities",
	"government-public-services":    "government-facilities",
	"healthcare":                    "healthcare-public-health",
	"pharmaceuticals":               "healthcare-public-health",
	"nuclear":                       "nuclear",
	"transportation":                "transportation-systems",
	"water":                         "water-wastewater",
}

// targetFacts reads what core STIX says of the victims when article5's
// extension does not: the sectors of the identities the incident targets
// or impacts (targets / impacts relationships, impacts' impacted_refs)
// become critical-infrastructure sectors of the U.S. list.
func (r *reader) targetFacts(f *article5.Facts, inc *stix.Object) {
	if f.Get(article5.FactCISectors).Known {
		return
	}
	var ids []string
	for _, rt := range []string{"targets", "impacts"} {
		for _, rel := range r.ev.Relationships(inc.ID, rt) {
			ids = append(ids, rel.String("target_ref"))
		}
	}
	core, _ := inc.Map("extensions")[extCore].(map[string]any)
	refs, _ := core["impact_refs"].([]any)
	for _, x := range refs {
		id, _ := x.(string)
		if imp := r.ev.Object(id); imp != nil {
			ids = append(ids, imp.Strings("impacted_refs")...)
		}
	}
	sort.Strings(ids)
	var sectors []string
	var evs []article5.Evidence
	for i, id := range ids {
		if i > 0 && ids[i-1] == id {
			continue
		}
		o := r.ev.Object(id)
		if o == nil || o.Type != "identity" {
			continue
		}
		found := false
		for _, s := range o.Strings("sectors") {
			ci, ok := stixSectorCI[s]
			if !ok {
				continue
			}
			found = true
			if key := "us-ppd-21:" + ci; !contains(sectors, key) {
				sectors = append(sectors, key)
			}
		}
		if found {
			evs = append(evs, article5.Evidence{Object: o.ID, Pointer: ptr("sectors")})
		}
	}
	if len(sectors) > 0 {
		sort.Strings(sectors)
		f.Set(article5.FactCISectors, sectors, evs...)
	}
}
