package eurepoc

// Tables exposes the mapping tables to the external tests: column → keys.
func Tables() map[string][]string {
	keys := func(m any) []string {
		var out []string
		switch t := m.(type) {
		case map[string]string:
			for k := range t {
				out = append(out, k)
			}
		case map[string][2]string:
			for k := range t {
				out = append(out, k)
			}
		case map[string]int:
			for k := range t {
				out = append(out, k)
			}
		case map[string]sector:
			for k := range t {
				out = append(out, k)
			}
		case map[string]category:
			for k := range t {
				out = append(out, k)
			}
		case map[string]struct{ impact, duration string }:
			for k := range t {
				out = append(out, k)
			}
		}
		return out
	}
	cats := []string{}
	for k := range actorCategory {
		cats = append(cats, k)
	}
	return map[string][]string{
		"incident_type":                  keys(map[string]string(incidentTypes)),
		"MITRE_impact":                   keys(map[string]string(mitreImpact)),
		"data_theft":                     keys(dataTheft),
		"hijacking":                      keys(hijacking),
		"disruption":                     keys(disruption),
		"functional_impact":              keys(functionalImpact),
		"physical_effects_temporal":      keys(physicalTemporal),
		"physical_effects_spatial":       keys(physicalSpatial),
		"economic_impact_currency":       keys(currencies),
		"intelligence_impact":            keys(intelligenceImpact),
		"receiver_category":              keys(receiverCategory),
		"receiver_category_subcode":      keys(receiverSubcode),
		"attributed_initiator_category":  cats,
		"state_responsibility_indicator": keys(stateResponsibility),
		"attribution_basis":              keys(attributionBasis),
		"attribution_type":               keys(attributionType),
		"receiver_country":               keys(countryAliases),
	}
}
