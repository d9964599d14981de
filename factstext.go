package article5

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// factWords holds each fact's plain-word label and, for counts, the noun
// counted (singular, plural). Reports use them in sentences; the JSON keeps
// the fact names.
var factWords = map[string]struct {
	label string
	noun  [2]string
}{
	FactDeaths:                {"confirmed direct deaths", [2]string{"death", "deaths"}},
	FactDeathsIndirect:        {"confirmed indirect deaths", [2]string{"death", "deaths"}},
	FactDeathsSuspected:       {"suspected deaths", [2]string{"death", "deaths"}},
	FactInjuries:              {"confirmed injuries", [2]string{"injury", "injuries"}},
	FactInjuriesSuspected:     {"suspected injuries", [2]string{"injury", "injuries"}},
	FactPhysicalDamage:        {"physical damage", [2]string{}},
	FactAvailabilityLoss:      {"loss of function of the systems hit", [2]string{}},
	FactIntegrityAlteration:   {"alteration of data or control logic", [2]string{}},
	FactDataLoss:              {"loss of confidential data", [2]string{}},
	FactRecoverability:        {"effort needed to recover", [2]string{}},
	FactDurationHours:         {"duration of the effects", [2]string{"hour", "hours"}},
	FactEffectsDuration:       {"duration class of the effects", [2]string{}},
	FactPeopleAffected:        {"people affected", [2]string{"person", "people"}},
	FactEconomicLossUSD:       {"economic loss", [2]string{}},
	FactCISectors:             {"critical-infrastructure sectors hit", [2]string{}},
	FactGeographicExtent:      {"geographic extent of the effects", [2]string{}},
	FactMilitaryTarget:        {"whether armed forces or military systems were targeted", [2]string{}},
	FactUSFacility:            {"whether a U.S. facility in Japan was hit", [2]string{}},
	FactAffectedParties:       {"Parties affected", [2]string{}},
	FactDomain:                {"domain of the hostile means", [2]string{}},
	FactSpaceObject:           {"whether a space object is involved", [2]string{}},
	FactOperationType:         {"character of the operation", [2]string{}},
	FactActivity:              {"whether the operation is over, ongoing or imminent", [2]string{}},
	FactThreatOfForce:         {"whether force was threatened", [2]string{}},
	FactArmedConflict:         {"whether an armed conflict already exists", [2]string{}},
	FactOrganisedAndPlanned:   {"whether the operation was organised and planned", [2]string{}},
	FactDetermination:         {"determination of the incident", [2]string{}},
	FactCriticality:           {"criticality", [2]string{}},
	FactStateNexus:            {"whether the conduct is attributable to a State", [2]string{}},
	FactLegalBasis:            {"legal basis of the attribution", [2]string{}},
	FactAttributionConfidence: {"confidence in the attribution to the actor", [2]string{}},
	FactStateNexusConfidence:  {"confidence in the link to the State", [2]string{}},
	FactScope:                 {"scope", [2]string{}},
	FactDeliberate:            {"whether the conduct was deliberate", [2]string{}},
	FactVictimsIntended:       {"whether the operation was aimed at the Party hit", [2]string{}},
	FactConsent:               {"whether the territorial State consented", [2]string{}},
	FactFarEastSecurity:       {"whether the security of Japan or of the Far East is threatened", [2]string{}},
	FactThreatActorTypes:      {"kind of threat actor", [2]string{}},
	FactPrimaryMotivation:     {"primary motivation of the actor", [2]string{}},
	FactIncidentTypes:         {"incident types", [2]string{}},
	FactStateParty:            {"whether the State is a treaty Party", [2]string{}},
	FactIncidentCount:         {"number of coordinated incidents", [2]string{"incident", "incidents"}},
	FactCISectorCount:         {"number of critical-infrastructure sectors hit", [2]string{"sector", "sectors"}},
	FactEffectsHours:          {"known duration of the effects", [2]string{"hour", "hours"}},
}

// valueWords renders closed-vocabulary values in plain words.
var valueWords = map[string]map[string]string{
	FactPhysicalDamage: {"none": "none", "damaged-functional": "damage that left the objects working",
		"damaged-nonfunctional": "damage that put the objects out of use", "destruction": "destruction"},
	FactIntegrityAlteration: {"none": "none", "potential-modification": "possible modification", "partial-modification": "partial modification",
		"full-modification": "full modification", "potential-destruction": "possible destruction", "partial-destruction": "partial destruction",
		"full-destruction": "full destruction"},
	FactDataLoss: {"none": "none", "contained": "contained", "suspected-loss": "suspected loss", "exploited-loss": "loss, exploited",
		"confirmed-loss": "confirmed loss"},
	FactRecoverability: {"not-applicable": "not applicable", "regular": "regular effort", "supplemented": "supplemented resources",
		"extended": "extended, outside help", "not-recoverable": "not recoverable"},
	FactOperationType: {"probing": "probing", "espionage": "espionage", "influence": "an influence operation",
		"disruption": "disruptive", "destruction": "destructive"},
	FactLegalBasis: {"state-organ": "conduct of a State organ (ARSIWA Art. 4)",
		"governmental-authority":               "conduct of a person exercising governmental authority (ARSIWA Art. 5)",
		"state-instructions-direction-control": "conduct on a State's instructions or under its direction or control (ARSIWA Art. 8)",
		"state-acknowledged":                   "conduct a State acknowledged as its own (ARSIWA Art. 11)",
		"armed-bands":                          "sending of armed bands by a State (Definition of Aggression Art. 3(g))",
		"non-state-actor":                      "a non-State actor without a State nexus",
		"unknown":                              "unknown"},
	FactStateParty: {"none": "another State", "JP": "Japan", "US": "the United States"},
}

func init() {
	for i := range factCatalogue {
		w, ok := factWords[factCatalogue[i].Name]
		if !ok {
			panic("article5: no words for fact " + factCatalogue[i].Name)
		}
		factCatalogue[i].Label, factCatalogue[i].Noun = w.label, w.noun
	}
}

// FactLabel returns the plain-word label of a fact, or name itself for a
// name outside the catalogue.
func FactLabel(name string) string {
	if i, ok := factIndex[name]; ok {
		return factCatalogue[i].Label
	}
	return name
}

// FormatValue renders a fact value for a sentence: counts with thousands
// separators and their noun in the right number ("1 death", "1,000,000
// people", "none"), percent, hours, USD amounts, confidences out of 100,
// vocabulary values and sectors in plain words. nil renders "unknown".
func FormatValue(d FactDef, v any) string {
	if v == nil {
		return "unknown"
	}
	switch x := v.(type) {
	case int:
		return formatCount(d, float64(x))
	case int64:
		return formatCount(d, float64(x))
	case float64:
		return formatCount(d, x)
	case bool:
		if x {
			return "yes"
		}
		return "no"
	case string:
		if w, ok := valueWords[d.Name][x]; ok {
			return w
		}
		return strings.ReplaceAll(x, "-", " ")
	case []string:
		parts := make([]string, len(x))
		for i, s := range x {
			if d.Name == FactCISectors {
				parts[i] = SectorLabel(s)
			} else {
				parts[i] = strings.ReplaceAll(s, "-", " ")
			}
		}
		return strings.Join(parts, ", ")
	}
	return fmt.Sprint(v)
}

func formatCount(d FactDef, x float64) string {
	switch d.Unit {
	case "percent":
		return FormatNumber(x) + "%"
	case "USD":
		return "USD " + FormatNumber(x)
	case "0-100":
		return FormatNumber(x) + "/100"
	}
	if d.Noun[0] == "" {
		return FormatNumber(x)
	}
	if x == 0 && d.Unit == "persons" {
		return "none"
	}
	noun := d.Noun[1]
	if x == 1 {
		noun = d.Noun[0]
	}
	return FormatNumber(x) + " " + noun
}

// FormatNumber writes x with comma thousands separators and at most one
// decimal ("1,000,000", "36.5").
func FormatNumber(x float64) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return fmt.Sprint(x)
	}
	neg := x < 0
	x = math.Abs(x)
	r := math.Round(x*10) / 10
	whole := math.Floor(r)
	frac := int(math.Round((r - whole) * 10))
	digits := strconv.FormatFloat(whole, 'f', 0, 64)
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if frac != 0 {
		b.WriteByte('.')
		b.WriteString(strconv.Itoa(frac))
	}
	return b.String()
}

// SectorLabel renders a ci_sectors entry ("jp-nisc:electric-power") in
// plain words: "electric power (Japan's list)".
func SectorLabel(s string) string {
	list, sector, ok := strings.Cut(s, ":")
	if !ok {
		return s
	}
	name := strings.ReplaceAll(sector, "-", " ")
	switch list {
	case "jp-nisc":
		return name + " (Japan's list)"
	case "us-ppd-21":
		return name + " (U.S. list)"
	}
	return name
}

// usSectorCovers maps each sector of the U.S. list (PPD-21, kept by
// NSM-22) to the sectors of Japan's list (NISC, 2024) that lie within it,
// so that one sector named on both lists counts once.
var usSectorCovers = map[string][]string{
	"communications":           {"information-communication"},
	"information-technology":   {"information-communication"},
	"financial-services":       {"finance", "credit-cards"},
	"transportation-systems":   {"aviation", "airports", "railways", "logistics", "ports"},
	"energy":                   {"electric-power", "gas", "petroleum"},
	"water-wastewater":         {"water"},
	"chemical":                 {"chemicals"},
	"healthcare-public-health": {"medical"},
	"government-facilities":    {"government-administrative-services"},
}

// CountSectors returns the number of distinct critical-infrastructure
// sectors in a ci_sectors list: every sector of Japan's list, plus each
// U.S. sector that no listed Japanese sector lies within. Electric power
// on Japan's list and energy on the U.S. list are one sector; railways and
// airports on Japan's list are two, even though the U.S. list has one
// transportation sector for both.
func CountSectors(sectors []string) int {
	jp := map[string]bool{}
	for _, s := range sectors {
		if sec, ok := strings.CutPrefix(s, "jp-nisc:"); ok {
			jp[sec] = true
		}
	}
	n := len(jp)
	seen := map[string]bool{}
	for _, s := range sectors {
		sec, ok := strings.CutPrefix(s, "us-ppd-21:")
		if !ok || seen[sec] {
			continue
		}
		seen[sec] = true
		covered := false
		for _, j := range usSectorCovers[sec] {
			covered = covered || jp[j]
		}
		if !covered {
			n++
		}
	}
	return n
}

// effectsClassHours is the lower bound in hours of each effects_duration
// class.
var effectsClassHours = map[string]float64{"hours": 0, "days": 24, "weeks": 168, "months": 720}

// DeriveFacts recomputes the derived facts (Accumulate AccDerived) of f
// from the facts they follow from: ci_sector_count from ci_sectors, and
// effects_hours from duration_hours, else from the lower bound of
// effects_duration. A derived fact is unknown when what it follows from is.
func DeriveFacts(f *Facts) {
	set := func(name string, known bool, v any, ev []Evidence) {
		i, ok := factIndex[name]
		if !ok {
			panic("article5: unknown fact " + name)
		}
		if !known {
			f.Values[i] = FactValue{}
			return
		}
		f.Values[i] = FactValue{Known: true, Value: v, Evidence: ev}
	}
	if s := f.Get(FactCISectors); s.Known {
		list, _ := s.Value.([]string)
		set(FactCISectorCount, true, int64(CountSectors(list)), s.Evidence)
	} else {
		set(FactCISectorCount, false, nil, nil)
	}
	d, c := f.Get(FactDurationHours), f.Get(FactEffectsDuration)
	switch {
	case d.Known:
		h, _ := d.Value.(float64)
		if cs, ok := c.Value.(string); c.Known && ok && effectsClassHours[cs] > h {
			set(FactEffectsHours, true, effectsClassHours[cs], c.Evidence)
		} else {
			set(FactEffectsHours, true, h, d.Evidence)
		}
	case c.Known:
		cs, _ := c.Value.(string)
		set(FactEffectsHours, true, effectsClassHours[cs], c.Evidence)
	default:
		set(FactEffectsHours, false, nil, nil)
	}
}

// Clone returns a copy of f whose Values can be changed without touching f.
func (f *Facts) Clone() *Facts {
	g := *f
	g.Values = append([]FactValue(nil), f.Values...)
	return &g
}
