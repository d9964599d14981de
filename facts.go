package article5

import (
	"sort"
	"time"
)

// FactType is the value type of a fact as doctrines see it (a CEL type).
type FactType string

// Fact types. In a doctrine every fact is a CEL optional of this type:
// an absent fact is optional.none(), never zero.
const (
	FactBool    FactType = "bool"
	FactInt     FactType = "int"
	FactDouble  FactType = "double"
	FactString  FactType = "string"
	FactStrings FactType = "list(string)"
)

// Accumulation says how a fact of several incidents adds up when a
// doctrine accumulates them (DESIGN.md §3.5; Tallinn Manual 2.0, commentary
// to Rule 71).
type Accumulation string

// Accumulation modes.
const (
	AccSum           Accumulation = "sum"            // counts and amounts add up
	AccMax           Accumulation = "max"            // numbers and ordinal values: the greatest
	AccMin           Accumulation = "min"            // e.g. attribution confidence: the weakest link
	AccOr            Accumulation = "or"             // true if any is true, false only if all are known false
	AccUnion         Accumulation = "union"          // sets: the union
	AccIntervalUnion Accumulation = "interval-union" // durations: the length of the union of the effect intervals
	AccSame          Accumulation = "same"           // known only if every incident has the same value
	AccAnd           Accumulation = "and"            // true only if all are known true, false if any is false
	AccDerived       Accumulation = "derived"        // recomputed from the added-up facts (DeriveFacts)
)

// FactDef defines one fact of the catalogue that doctrines are written
// against. Values, when set, lists a closed vocabulary in ascending order
// (ordinal: a later value is graver).
type FactDef struct {
	Name       string
	Type       FactType
	Unit       string   // "persons", "percent", "hours", "USD", "" for none
	Values     []string // closed vocabulary, ascending
	Accumulate Accumulation
	Doc        string // what the fact means and where it is read from
	// Label names the fact in plain words for reports ("confirmed direct
	// deaths"); Noun is the singular and plural of what a count counts
	// ("death", "deaths"), empty for facts that are not counts.
	Label string
	Noun  [2]string
}

// Ordinal returns the position of v in d.Values (0-based), or -1.
func (d FactDef) Ordinal(v string) int {
	for i, s := range d.Values {
		if s == v {
			return i
		}
	}
	return -1
}

// Fact names (the CEL variable names doctrines use).
const (
	FactDeaths                = "deaths"
	FactDeathsIndirect        = "deaths_indirect"
	FactDeathsSuspected       = "deaths_suspected"
	FactInjuries              = "injuries"
	FactInjuriesSuspected     = "injuries_suspected"
	FactPhysicalDamage        = "physical_damage"
	FactAvailabilityLoss      = "availability_loss"
	FactIntegrityAlteration   = "integrity_alteration"
	FactDataLoss              = "data_loss"
	FactRecoverability        = "recoverability"
	FactDurationHours         = "duration_hours"
	FactEffectsDuration       = "effects_duration"
	FactPeopleAffected        = "people_affected"
	FactEconomicLossUSD       = "economic_loss_usd"
	FactCISectors             = "ci_sectors"
	FactGeographicExtent      = "geographic_extent"
	FactMilitaryTarget        = "military_target"
	FactUSFacility            = "us_facility"
	FactAffectedParties       = "affected_parties"
	FactDomain                = "domain"
	FactSpaceObject           = "space_object"
	FactOperationType         = "operation_type"
	FactActivity              = "activity"
	FactThreatOfForce         = "threat_of_force"
	FactArmedConflict         = "armed_conflict"
	FactOrganisedAndPlanned   = "organised_and_planned"
	FactDetermination         = "determination"
	FactCriticality           = "criticality"
	FactStateNexus            = "state_nexus"
	FactLegalBasis            = "legal_basis"
	FactAttributionConfidence = "attribution_confidence"
	FactStateNexusConfidence  = "state_nexus_confidence"
	FactScope                 = "scope"
	FactDeliberate            = "deliberate"
	FactVictimsIntended       = "victims_intended"
	FactConsent               = "consent"
	FactFarEastSecurity       = "far_east_security"
	FactThreatActorTypes      = "threat_actor_types"
	FactPrimaryMotivation     = "primary_motivation"
	FactIncidentTypes         = "incident_types"
	FactStateParty            = "state_party"
	FactIncidentCount         = "incident_count"
	FactCISectorCount         = "ci_sector_count"
	FactEffectsHours          = "effects_hours"
)

// Extension identifiers and the article5 extension vocabulary.
const (
	// ExtensionID is article5's STIX extension-definition (extension/extension-definition.json).
	ExtensionID = "extension-definition--7e1ad871-e324-4401-b26f-04600fa74dcd"
	// ExtensionCreatorID is the identity that publishes ExtensionID.
	ExtensionCreatorID = "identity--7d4fb387-0ee1-4f98-bd07-1be0bcc507f1"
	// IncidentCoreID is the OASIS Incident Core Extension (cti-stix-common-objects, v2.0).
	IncidentCoreID = "extension-definition--ef765651-680c-498d-9894-99799f2fa126"
	// ImpactID is the Incident Core Extension's impact object (new SDO "impact").
	ImpactID = "extension-definition--7cc33dd6-f6a1-489b-98ea-522d351d71b9"
	// Namespace is article5's UUIDv5 namespace (case ids, importer ids).
	Namespace = "529d8507-09ce-4313-8ee2-b66340fd8165"
)

// Legal bases of attribution carried by article5's extension on an
// attributed-to relationship. Sources: ARSIWA (2001) Arts 4, 5, 8, 11;
// UNGA Res. 3314 (XXIX), Definition of Aggression, Art. 3(g).
var LegalBases = []string{
	"state-organ",                          // ARSIWA Art. 4
	"governmental-authority",               // ARSIWA Art. 5
	"state-instructions-direction-control", // ARSIWA Art. 8
	"state-acknowledged",                   // ARSIWA Art. 11
	"armed-bands",                          // Definition of Aggression Art. 3(g)
	"non-state-actor",                      // no State nexus
	"unknown",
}

// StateNexusBases are the legal bases that make conduct attributable to a State.
var StateNexusBases = map[string]bool{
	"state-organ": true, "governmental-authority": true,
	"state-instructions-direction-control": true, "state-acknowledged": true,
	"armed-bands": true,
}

var factCatalogue = []FactDef{
	{Name: FactDeaths, Type: FactInt, Unit: "persons", Accumulate: AccSum,
		Doc: "deaths confirmed as a direct result (article5 extension casualties: outcome death, causation direct, status confirmed)"},
	{Name: FactDeathsIndirect, Type: FactInt, Unit: "persons", Accumulate: AccSum,
		Doc: "deaths confirmed as an indirect result, e.g. through loss of heating or of hospital systems (causation indirect, status confirmed)"},
	{Name: FactDeathsSuspected, Type: FactInt, Unit: "persons", Accumulate: AccSum,
		Doc: "deaths suspected but not confirmed to result from the operation, direct or indirect (status suspected)"},
	{Name: FactInjuries, Type: FactInt, Unit: "persons", Accumulate: AccSum,
		Doc: "injuries confirmed, direct or indirect"},
	{Name: FactInjuriesSuspected, Type: FactInt, Unit: "persons", Accumulate: AccSum,
		Doc: "injuries suspected"},
	{Name: FactPhysicalDamage, Type: FactString, Accumulate: AccMax,
		Values: []string{"none", "damaged-functional", "damaged-nonfunctional", "destruction"},
		Doc:    "gravest physical impact (Incident Core impact, physical.impact_type)"},
	{Name: FactAvailabilityLoss, Type: FactInt, Unit: "percent", Accumulate: AccMax,
		Doc: "greatest loss of function of the systems hit, 0–100 (Incident Core impact, availability.availability_impact)"},
	{Name: FactIntegrityAlteration, Type: FactString, Accumulate: AccMax,
		Values: []string{"none", "potential-modification", "partial-modification", "full-modification", "potential-destruction", "partial-destruction", "full-destruction"},
		Doc:    "gravest alteration of data or control logic (Incident Core impact, integrity.alteration)"},
	{Name: FactDataLoss, Type: FactString, Accumulate: AccMax,
		Values: []string{"none", "contained", "suspected-loss", "exploited-loss", "confirmed-loss"},
		Doc:    "gravest loss of confidentiality (Incident Core impact, confidentiality.loss_type)"},
	{Name: FactRecoverability, Type: FactString, Accumulate: AccMax,
		Values: []string{"not-applicable", "regular", "supplemented", "extended", "not-recoverable"},
		Doc:    "scope of effort needed to recover (Incident Core recoverability, on the incident or its impacts)"},
	{Name: FactDurationHours, Type: FactDouble, Unit: "hours", Accumulate: AccIntervalUnion,
		Doc: "length of the union of the effect intervals (impact start_time … end_time); unknown if no impact has both"},
	{Name: FactEffectsDuration, Type: FactString, Accumulate: AccMax,
		Values: []string{"hours", "days", "weeks", "months"},
		Doc:    "duration class of the effects where exact times are unknown (article5 extension effects_duration): hours < 24 h, days 1–7 d, weeks 1–4 w, months > 4 w"},
	{Name: FactPeopleAffected, Type: FactInt, Unit: "persons", Accumulate: AccSum,
		Doc: "individuals affected (Incident Core impacted_entity_counts.individual, the entity-type-ov key, or individuals; greatest of incident and impacts)"},
	{Name: FactEconomicLossUSD, Type: FactDouble, Unit: "USD", Accumulate: AccSum,
		Doc: "economic loss: sum of monetary impacts' max_amount in USD (other currencies through conversion_rate)"},
	{Name: FactCISectors, Type: FactStrings, Accumulate: AccUnion,
		Doc: "critical-infrastructure sectors hit, as \"jp-nisc:<sector>\" or \"us-ppd-21:<sector>\" (article5 extension critical_infrastructure)"},
	{Name: FactGeographicExtent, Type: FactString, Accumulate: AccMax,
		Values: []string{"local", "regional", "national", "international"},
		Doc:    "extent of the effects (article5 extension geographic_extent)"},
	{Name: FactMilitaryTarget, Type: FactBool, Accumulate: AccOr,
		Doc: "armed forces, military facilities or systems of a Party were targeted (article5 extension military_target, or a place inside a U.S. facility in Japan)"},
	{Name: FactUSFacility, Type: FactBool, Accumulate: AccOr,
		Doc: "a location of the incident lies within a facility or area of U.S. forces in Japan"},
	{Name: FactAffectedParties, Type: FactStrings, Accumulate: AccUnion,
		Doc: "treaty Parties affected, \"JP\" and/or \"US\" (article5 extension affected_parties; \"US\" also when a U.S. facility is hit)"},
	{Name: FactDomain, Type: FactString, Accumulate: AccSame,
		Values: []string{"cyber", "electromagnetic", "space"},
		Doc:    "domain of the hostile means (article5 extension domain)"},
	{Name: FactSpaceObject, Type: FactBool, Accumulate: AccOr,
		Doc: "a space object is identified by COSPAR or NORAD id (article5 extension space_objects)"},
	{Name: FactOperationType, Type: FactString, Accumulate: AccMax,
		Values: []string{"probing", "espionage", "influence", "disruption", "destruction"},
		Doc:    "purpose of the operation: the analyst's operation_type, else derived from the impacts (destruction > disruption > espionage)"},
	{Name: FactActivity, Type: FactString, Accumulate: AccSame,
		Values: []string{"ended", "ongoing", "imminent"},
		Doc:    "whether the operation is imminent, ongoing or over (article5 extension activity)"},
	{Name: FactThreatOfForce, Type: FactBool, Accumulate: AccOr,
		Doc: "the operation threatens force (article5 extension threat_of_force; Tallinn Manual 2.0 Rule 70)"},
	{Name: FactArmedConflict, Type: FactBool, Accumulate: AccOr,
		Doc: "an armed conflict already exists (article5 extension armed_conflict)"},
	{Name: FactOrganisedAndPlanned, Type: FactBool, Accumulate: AccOr,
		Doc: "carried out in an organised and planned way (article5 extension organised_and_planned)"},
	{Name: FactDetermination, Type: FactString, Accumulate: AccSame,
		Values: []string{"false-positive", "low-value", "blocked", "failed-attempt", "suspected", "successful-attempt"},
		Doc:    "Incident Core determination"},
	{Name: FactCriticality, Type: FactInt, Unit: "0-100", Accumulate: AccMax,
		Doc: "Incident Core criticality of the incident"},
	{Name: FactStateNexus, Type: FactBool, Accumulate: AccSame,
		Doc: "the conduct is attributed to a State on an ARSIWA basis (true) or to a non-State actor without one (false); unknown without attribution"},
	{Name: FactLegalBasis, Type: FactString, Accumulate: AccSame,
		Values: LegalBases,
		Doc:    "legal basis of the attribution (article5 extension legal_basis on attributed-to)"},
	{Name: FactAttributionConfidence, Type: FactInt, Unit: "0-100", Accumulate: AccMin,
		Doc: "confidence that the attributed actor did it: the STIX confidence of the incident's attributed-to relationship"},
	{Name: FactStateNexusConfidence, Type: FactInt, Unit: "0-100", Accumulate: AccMin,
		Doc: "confidence of the link to the State: the lowest STIX confidence on the attributed-to path from the incident to the State; unknown when no State is reached"},
	{Name: FactScope, Type: FactString, Accumulate: AccMax,
		Values: []string{string(ScopeOut), string(ScopeUncertain), string(ScopeSpaceConsultative), string(ScopeIn)},
		Doc:    "the incident's scope (always known)"},
	{Name: FactDeliberate, Type: FactBool, Accumulate: AccAnd,
		Doc: "the conduct was intended, not an accident or malfunction (article5 extension deliberate; false also when the responsible threat actor's or intrusion set's primary_motivation is accidental, its threat_actor_types include insider-accidental, or the Incident Core incident_types include unintentional)"},
	{Name: FactVictimsIntended, Type: FactBool, Accumulate: AccOr,
		Doc: "the operation was aimed at the Party whose persons or systems were hit (article5 extension victims_intended; false for effects that spread to victims the operation was not aimed at; ICJ Oil Platforms (2003) §64)"},
	{Name: FactConsent, Type: FactBool, Accumulate: AccAnd,
		Doc: "the territorial State consented to the conduct, e.g. activity of the other Party's forces under the Status of Forces Agreement (article5 extension consent; ARSIWA Art. 20)"},
	{Name: FactFarEastSecurity, Type: FactBool, Accumulate: AccOr,
		Doc: "the incident threatens the security of Japan or international peace and security in the Far East, so that Article IV consultations apply (article5 extension far_east_security; for the area, the Government of Japan's unified view of 26 February 1960)"},
	{Name: FactThreatActorTypes, Type: FactStrings, Accumulate: AccUnion,
		Doc: "threat_actor_types of the threat actors on the incident's attributed-to path (STIX 2.1 threat-actor-type-ov)"},
	{Name: FactPrimaryMotivation, Type: FactString, Accumulate: AccSame,
		Doc: "primary_motivation of the attributed intrusion set or threat actor nearest the incident (STIX 2.1 threat-actor-motivation-ov)"},
	{Name: FactIncidentTypes, Type: FactStrings, Accumulate: AccUnion,
		Doc: "Incident Core incident_types (event-type-ov), e.g. denial-of-service, destruction, data-exfiltration, unintentional"},
	{Name: FactStateParty, Type: FactString, Accumulate: AccSame,
		Values: []string{"none", "JP", "US"},
		Doc:    "the treaty Party whose State the conduct is attributed to: JP or US, none for another State; from the country of the State identity's located-at location; unknown without a State"},
	{Name: FactIncidentCount, Type: FactInt, Accumulate: AccSum,
		Doc: "number of incidents the facts describe: 1 for one incident, more for an accumulated group of coordinated incidents"},
	{Name: FactCISectorCount, Type: FactInt, Accumulate: AccDerived,
		Doc: "number of distinct critical-infrastructure sectors hit, a sector listed on both Japan's and the U.S. lists counting once (derived from ci_sectors)"},
	{Name: FactEffectsHours, Type: FactDouble, Unit: "hours", Accumulate: AccDerived,
		Doc: "how long the effects are known to have lasted at least: duration_hours, else the lower bound of effects_duration (days 24 h, weeks 168 h, months 720 h); derived"},
}

var factIndex = func() map[string]int {
	m := make(map[string]int, len(factCatalogue))
	for i, d := range factCatalogue {
		m[d.Name] = i
	}
	return m
}()

// FactCatalogue returns the facts doctrines can use, in a fixed order; the
// position of a fact is its index in Facts.Values.
func FactCatalogue() []FactDef { return factCatalogue }

// FactIndex returns the catalogue position of the named fact.
func FactIndex(name string) (int, bool) {
	i, ok := factIndex[name]
	return i, ok
}

// Evidence names what a finding rests on: a STIX object id and the RFC 6901
// JSON pointer of the property inside it.
type Evidence struct {
	Object  string `json:"object"`
	Pointer string `json:"pointer,omitempty"`
}

// SortEvidence returns ev without repeats, sorted by object id then
// pointer; never nil.
func SortEvidence(ev []Evidence) []Evidence {
	seen := make(map[Evidence]bool, len(ev))
	out := make([]Evidence, 0, len(ev))
	for _, e := range ev {
		if !seen[e] {
			seen[e] = true
			out = append(out, e)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Object != out[j].Object {
			return out[i].Object < out[j].Object
		}
		return out[i].Pointer < out[j].Pointer
	})
	return out
}

// FactValue is one fact of one incident. Value is int64, float64, bool,
// string or []string by the fact's type; it is meaningless when Known is false.
type FactValue struct {
	Known    bool
	Value    any
	Evidence []Evidence
}

// Interval is a time interval of effects [Start, End].
type Interval struct{ Start, End time.Time }

// Facts is what article5 knows of one incident (or of an accumulated group
// of incidents), indexed like FactCatalogue.
type Facts struct {
	Incident  string      // incident STIX id, or "" for an accumulated group
	Values    []FactValue // len(FactCatalogue())
	Intervals []Interval  // closed effect intervals, for duration and accumulation
	Start     time.Time   // earliest effect start, zero if unknown
	End       time.Time   // latest effect end (or start), zero if unknown
	Actor     *Ref        // the attributed actor (threat-actor, intrusion-set, or State identity), nil if unattributed
	State     *Ref        // the State the conduct is attributed to, nil if none
}

// Ref is a STIX object reference with a display name.
type Ref struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
}

// NewFacts returns an all-unknown fact set for an incident.
func NewFacts(incident string) *Facts {
	return &Facts{Incident: incident, Values: make([]FactValue, len(factCatalogue))}
}

// Set records a known fact value with its evidence. It panics on an unknown
// name (a programming error).
func (f *Facts) Set(name string, v any, ev ...Evidence) {
	i, ok := factIndex[name]
	if !ok {
		panic("article5: unknown fact " + name)
	}
	f.Values[i] = FactValue{Known: true, Value: v, Evidence: ev}
}

// Get returns the named fact.
func (f *Facts) Get(name string) FactValue {
	i, ok := factIndex[name]
	if !ok {
		return FactValue{}
	}
	return f.Values[i]
}
