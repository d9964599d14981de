package eurepoc

import "sort"

// Mapping tables: every coded value EuRepoC uses, what article5 makes of it
// and why. A value absent from a table is counted in the import report,
// never guessed. Facts EuRepoC does not code stay absent (never zero):
// it codes no casualties (the column is empty in every row), no percentage
// of lost function, and no exact effect times.

// Dataset facts.
const (
	Dataset = "eurepoc"
	Version = "1.1"
	// Timestamp is the created/modified of every object: the first day
	// after the data's coverage (incidents up to August 2023), so that a
	// re-import is byte-identical.
	Timestamp = "2023-09-01T00:00:00.000Z"
	Citation  = "EuRepoC Global Database 1.1"
)

// incidentTypes maps incident_type parts to article5's operation_type; the
// gravest part of a row wins (destruction > disruption > influence >
// espionage > probing).
var incidentTypes = map[string]string{
	"Disruption":               "disruption", // coded disruption of function
	"Ransomware":               "disruption", // encryption for extortion stops function; destruction only where data destruction is coded too
	"Data theft":               "espionage",  // exfiltration: espionage, presumptively lawful (Tallinn 2.0 Rule 32)
	"Data theft & Doxing":      "influence",  // exfiltration published to harm or shame: an influence operation
	"Hijacking with Misuse":    "disruption", // systems taken over and misused: their normal function is disrupted
	"Hijacking without Misuse": "probing",    // access gained, not used ("empowerment"): DCID 1
}

// opRank orders operation types by gravity.
var opRank = map[string]int{"probing": 0, "espionage": 1, "influence": 2, "disruption": 3, "destruction": 4}

// mitreImpact maps MITRE ATT&CK impact techniques to an Incident Core
// integrity alteration; "" means the technique is noted but alters no data.
var mitreImpact = map[string]string{
	"Data Destruction":           "full-destruction",     // T1485: data destroyed
	"Disk Wipe":                  "full-destruction",     // T1561: disks wiped
	"Firmware Corruption":        "full-destruction",     // T1495: device firmware destroyed
	"Inhibit System Recovery":    "partial-destruction",  // T1490: backups and recovery deleted
	"Data Encrypted for Impact":  "full-modification",    // T1486: data made unusable by encryption (recoverable with the key)
	"Data Manipulation":          "partial-modification", // T1565: data altered
	"Defacement":                 "partial-modification", // T1491: content replaced
	"Account Access Removal":     "partial-modification", // T1531: accounts altered to lock users out
	"Data Exfiltration":          "",                     // exfiltration is a confidentiality impact (data_theft), not integrity
	"Network Denial of Service":  "",                     // T1498: availability only
	"Endpoint Denial of Service": "",                     // T1499: availability only
	"Service Stop":               "",                     // T1489: availability only
	"System Shutdown/Reboot":     "",                     // T1529: availability only
	"Resource Hijacking":         "",                     // T1496: misuse of resources, covered by hijacking
}

// dataTheft maps data_theft to an Incident Core confidentiality loss_type
// and information_type.
var dataTheft = map[string][2]string{
	"none": {"none", ""}, // coded: no data theft
	"For private / commercial targets: non-sensitive information (incident scores 1 point in intensity)": {"confirmed-loss", "non-sensitive information"},
	"For private / commercial targets: sensitive information (incident scores 2 points in intensity)":    {"confirmed-loss", "sensitive information"},
	"For political targets: non-sensitive information (incident scores 1 point in intensity)":            {"confirmed-loss", "non-sensitive information"},
	"For political targets: sensitive information (incident scores 2 points in intensity)":               {"confirmed-loss", "sensitive information"},
}

// hijacking maps hijacking to an Incident Core integrity alteration.
var hijacking = map[string]string{
	"none": "none", // coded: no hijacking
	"Hijacking, not used - empowerment (incident scores 1 point in intensity)":                                       "potential-modification", // access to alter, not used
	"Hijacking, system misuse, e.g., through data theft and / or disruption (incident scores 2 points in intensity)": "partial-modification",   // systems altered and misused
}

// disruption maps disruption to article5's effects_duration class.
var disruption = map[string]string{
	"none": "", // coded: no disruption
	"Short-term disruption (< 24h; incident scores 1 point in intensity)": "hours", // under a day
	"Long-term disruption (> 24h; incident scores 2 points in intensity)": "days",  // over a day: at least "days"
}

// functionalImpact refines the duration class where EuRepoC coded it.
var functionalImpact = map[string]string{
	"No system interference/disruption": "",       // coded: no interference
	"Day (< 24h)":                       "hours",  // under a day
	"Days (< 7 days)":                   "days",   // one to seven days
	"Weeks (< 4 weeks)":                 "weeks",  // one to four weeks
	"Months":                            "months", // over four weeks
}

// physicalTemporal maps physical_effects_temporal to an Incident Core
// physical impact_type (lasting physical effects put equipment out of use)
// and to the duration class of the effects (article5 effects_duration).
var physicalTemporal = map[string]struct{ impact, duration string }{
	"none": {}, // coded: no physical effects
	"Short duration (< 24h; incident scores 1 point in intensity)":        {"damaged-functional", "hours"},   // physical effects that passed within a day
	"Long lasting effects (> 24h; incident scores 2 points in intensity)": {"damaged-nonfunctional", "days"}, // equipment out of use beyond a day: at least "days"
}

// durationRank orders the duration classes (article5 effects_duration).
var durationRank = map[string]int{"": 0, "hours": 1, "days": 2, "weeks": 3, "months": 4}

// durationBounds gives, for each class of at least a day, the span in days
// between start_date and end_date that the class allows; only a span inside
// it is read as the effect interval (effectInterval). "months" stops at a
// year: longer spans are campaigns, not the length of one disruption.
var durationBounds = map[string][2]int{"days": {1, 7}, "weeks": {7, 28}, "months": {28, 366}}

// currencies maps economic_impact_currency to ISO 4217.
var currencies = map[string]string{
	"dollar": "USD", // U.S. dollars: counted as coded
	"euro":   "EUR", // converted to USD at the annual average rate (importer/rates.csv)
}

// physicalSpatial maps physical_effects_spatial to article5's geographic_extent.
var physicalSpatial = map[string]string{
	"none": "", // coded: no physical effects
	"Local effects, e.g., affecting only one restricted area of a country or region (incident scores 1 point in intensity)":            "local",
	"Widespread effects, e.g., affecting different regions of country or a country as a whole (incident scores 2 points in intensity)": "national",
}

// intelligenceImpact maps intelligence_impact to an integrity alteration
// (data corruption) and a confidentiality loss.
var intelligenceImpact = map[string][2]string{
	"No data breach/exfiltration or data corruption (deletion/altering) and/or leaking of data":                                                                                  {"none", "none"},                          // coded: nothing taken or altered
	"Minor data breach/exfiltration (no critical/sensitive information), but no data corruption (deletion/altering) or leaking of data":                                          {"none", "confirmed-loss"},                // minor exfiltration only
	"Data corruption (deletion/altering) but no leaking of data, no data breach/exfiltration OR major data breach / exfiltration, but no data corruption and/or leaking of data": {"", ""},                                  // corruption OR a major breach: neither is certain, so neither is coded
	"Minor data breach/exfiltration (no critical/sensitive information), data corruption (deletion/altering) and/or leaking of data":                                             {"partial-destruction", "confirmed-loss"}, // minor breach with corruption or leak: corruption taken as partial destruction
	"Major data breach/exfiltration (critical/sensitive information) & data corruption (deletion/altering) and/or leaking of data":                                               {"partial-destruction", "confirmed-loss"}, // major breach with corruption or leak
}

// category is what a receiver_category says of a receiver: its STIX
// industry-sector-ov sector ("" = none fits; the category is kept in the
// identity's name) and whether it is known not to be armed forces or a
// military facility of a State (military_target false), always or only when
// its subcode is coded.
type category struct {
	stix               string
	civilian           bool
	civilianIfSubcoded bool
}

// receiverCategory maps receiver_category.
var receiverCategory = map[string]category{
	"State institutions / political system": {stix: "government-national", civilianIfSubcoded: true}, // civilian unless the subcode is Military or Intelligence, unknown without one
	"Critical infrastructure":               {stix: "infrastructure", civilian: true},                // operators of critical infrastructure (defence industry included) are not armed forces
	"Corporate Targets (corporate targets only coded if the respective company is not part of the critical infrastructure definition)": {stix: "commercial", civilian: true},
	"Social groups": {stix: "non-profit", civilian: true},
	"Media":         {stix: "communications", civilian: true},
	"Science":       {stix: "education", civilian: true},
	"End user(s) / specially protected groups":   {civilian: true},
	"International / supranational organization": {stix: "government-international"}, // may be a military alliance: unknown
	"Other":   {}, // unknown
	"Unknown": {}, // unknown
}

// sector is what a receiver subcode means: a STIX industry sector, the
// U.S. PPD-21 and Japan NISC critical-infrastructure sectors, whether the
// target is military (article5 military_target), and whether that is left
// open (notCivilian: an intelligence agency may be a military one).
type sector struct {
	stix, us, jp string
	military     bool
	notCivilian  bool
}

// receiverSubcode maps receiver_category_subcode (CI sectors and State
// institutions). A CI sector is recorded once per incident: on Japan's NISC
// list where a Japanese receiver has it and the list has it, otherwise on
// the U.S. PPD-21 list (ciSectors).
var receiverSubcode = map[string]sector{
	"Government / ministries":        {stix: "government-national", us: "government-facilities"},
	"Military":                       {stix: "defense", military: true},
	"Telecommunications":             {stix: "telecommunications", us: "communications", jp: "information-communication"},
	"Energy":                         {stix: "energy", us: "energy", jp: "electric-power"},
	"Defence industry":               {stix: "defense", us: "defense-industrial-base"},
	"Finance":                        {stix: "financial-services", us: "financial-services", jp: "finance"},
	"Civil service / administration": {stix: "government-public-services", us: "government-facilities", jp: "government-administrative-services"},
	"Transportation":                 {stix: "transportation", us: "transportation-systems", jp: "logistics"},
	"Health":                         {stix: "healthcare", us: "healthcare-public-health", jp: "medical"},
	"Police":                         {stix: "government-public-services", us: "emergency-services"},
	"Chemicals":                      {stix: "chemical", us: "chemical", jp: "chemicals"},
	"Water":                          {stix: "water", us: "water-wastewater", jp: "water"},
	"Food":                           {stix: "agriculture", us: "food-agriculture"},
	"Critical Manufacturing":         {stix: "manufacturing", us: "critical-manufacturing"},
	"Space":                          {stix: "aerospace", us: "communications"}, // space systems serve communications and navigation
	"Election infrastructure / related systems": {stix: "government-national", us: "government-facilities"},
	"Intelligence agencies":                     {stix: "government-national", notCivilian: true}, // civilian or military intelligence: military_target unknown
	"Legislative":                               {stix: "government-national"},
	"Judiciary":                                 {stix: "government-national"},
	"Political parties":                         {stix: "non-profit"},
	"Advocacy / activists (e.g. human rights organizations)": {stix: "non-profit"},
	"Political opposition / dissidents / expats":             {stix: "non-profit"},
	"Religious":               {stix: "non-profit"},
	"Ethnic":                  {stix: "non-profit"},
	"Other social groups":     {stix: "non-profit"},
	"Terrorist":               {},
	"Criminal":                {},
	"Hacktivist":              {},
	"Other (e.g., embassies)": {stix: "government-national"},
}

// actorCategory maps attributed_initiator_category: the legal basis of
// attributing the conduct to a State (ARSIWA), a rank to choose the
// strongest attribution, and a cap on confidence where EuRepoC itself says
// the State link is only suggested.
var actorCategory = map[string]struct {
	basis string
	rank  int
	cap   int
}{
	"State": {basis: "state-organ", rank: 4, cap: 100}, // a State organ (ARSIWA Art. 4)
	"Non-state actor, state-affiliation suggested": {basis: "state-instructions-direction-control", rank: 3, cap: 40}, // affiliation suggested, not shown (ARSIWA Art. 8 at most)
	"Non-state-group":          {basis: "non-state-actor", rank: 2, cap: 100}, // no State nexus
	"Individual hacker(s)":     {basis: "non-state-actor", rank: 1, cap: 100}, // no State nexus
	"Unknown - not attributed": {basis: "", rank: 0},                          // no attribution
}

// stateResponsibility refines the legal basis where EuRepoC coded it.
var stateResponsibility = map[string]string{
	"Direct (official members of state entities / agencies / units responsible)":                                                                                        "state-organ",                          // ARSIWA Art. 4
	"Indirect (knowingly sanctioning / ordering / ideological / material support by official members of state entities/agencies/units for officially non-state-actors)": "state-instructions-direction-control", // ARSIWA Art. 8
	"None/Negligent": "", // no State responsibility beyond due diligence: keep the category's basis
}

// attributionBasis maps attribution_basis to STIX confidence (0–100): who
// attributed. A row's confidence is the highest of its bases.
var attributionBasis = map[string]int{
	"Attribution by receiver government / state entity": 80, // the victim State's own attribution
	"Attribution by EU institution/agency":              80, // a formal public attribution
	"Attribution by international organization":         75,
	"Attacker confirms":                                 70, // self-attribution (may be a false flag)
	"Receiver attributes attacker":                      65, // a non-State receiver's attribution
	"IT-security community attributes attacker":         60, // technical attribution
	"Attribution by third-party":                        50,
	"Media-based attribution":                           40,
	"Contested attribution":                             25, // attribution disputed
	"None":                                              0,  // coded: no basis
}

// attributionType maps attribution_type (the form the attribution took) to
// a STIX confidence floor; a row's confidence is the highest of its bases
// and types, then capped by the actor category.
var attributionType = map[string]int{
	"Political statement/report and indictment / sanctions":                                                                                                             85, // a State acted on it in law or sanctions
	"Statement in media report and indictment / sanctions":                                                                                                              80, // legal or sanctions action reported
	"Domestic legal action":                                                                                                                                             80, // an indictment or court case
	"Political statement / report (e.g., on government / state agency websites)":                                                                                        75, // an official public attribution
	"Statement in media report and political statement/technical report":                                                                                                70, // corroborated by an official or technical source
	"Self-attribution in the course of the attack (e.g., via defacement statements on websites)":                                                                        65, // self-attribution (may be a false flag)
	"Technical report (e.g., by IT-companies, Citizen Lab, EFF)":                                                                                                        60, // technical attribution
	"Direct statement in media report (e.g., Reuters article cites the attribution statements by a person) / self-attribution via social media":                         50, // a named person's statement
	"Media report (e.g., Reuters makes an attribution statement, without naming further sources)":                                                                       40, // the outlet's own attribution
	"Anonymous statement in media report (e.g., Reuters article cites the attribution statements of unnamed officials, or persons with knowledge into the matter etc.)": 40, // unnamed sources
	"Attribution given, type unclear":                                                                                                                                   30, // form unknown
	"None":                                                                                                                                                              0,  // coded: no attribution
}

// countryAliases resolves receiver and initiator country names the country
// library does not know; "" marks a region, which gets no location.
var countryAliases = map[string]string{
	"Palestine, State of":               "PS",
	"Venezuela, Bolivarian Republic of": "VE",
	// Regions: several unnamed countries, no location.
	"Global (region)": "", "EU (region)": "", "NATO (region)": "", "Africa (region)": "", "Asia (region)": "",
	"Europe (region)": "", "Middle East (region)": "", "Mena Region (region)": "", "Latin America (region)": "",
	"Central America (region)": "", "Balkans (region)": "", "Eastern Asia (region)": "", "Northeast Asia (region)": "",
	"South China Sea (region)": "", "Southeast Asia (region)": "", "South Asia (region)": "", "Oceania (region)": "", "Western Balkans (region)": "", "Gulf Countries (region)": "", "Central Asia (region)": "",
	"Eastern Europe": "", "Western Europe": "", "Northern Europe": "", "Africa": "", "North America": "", "South America": "", "Caucasus": "",
	// International organisations: no territory of their own.
	"United Nations": "", "United Nations Organization": "", "United Nations Economic and Social Council": "",
	"United Nations Environment Programme": "", "UNICEF": "", "Interpol": "", "Organization for Security and Cooperation in Europe": "",
	"International Association of Athletics Federations": "", "World Anti-Doping Agency": "",
	// A non-State armed group named where a country is expected.
	"ISIS": "",
}

// unusedColumns are coded columns article5 does not map, with the reason;
// each coded (non-empty) cell is counted in the import report, so nothing
// is dropped silently.
var unusedColumns = map[string]string{
	"IL_breach_indicator":                "EuRepoC's own legal conclusion (sovereignty, use of force …), not a fact: the doctrines draw their own",
	"IL_breach_indicator_subcode":        "EuRepoC's own legal conclusion, not a fact",
	"legal_response_indicator":           "the legal response to the incident, not a fact of it",
	"legal_response_type":                "the legal response to the incident, not a fact of it",
	"political_response_type":            "the political response to the incident, not a fact of it",
	"offline_conflict_intensity":         "an offline conflict (HIIK) is not shown to be an armed conflict between the States concerned",
	"political_impact_affected_entities": "a count of politically affected entities, not of people or systems hit",
	"political_impact_third_countries":   "third countries politically affected, not receivers",
	"zero_days":                          "the means of the operation, not its effects",
	"MITRE_initial_access":               "the means of the operation, not its effects",
	"user_interaction":                   "the means of the operation, not its effects",
	"unweighted_cyber_intensity":         "EuRepoC's own score, derived from the coded effects article5 maps one by one",
	"weighted_cyber_intensity":           "EuRepoC's own score, derived from the coded effects article5 maps one by one",
	"target_multiplier":                  "EuRepoC's own weighting of political importance",
	"impact_indicator":                   "EuRepoC's own summary score",
	"impact_indicator_value":             "EuRepoC's own summary score",
	"evidence_for_sanctions_indicator":   "a response to the incident, not a fact of it",
}

// ciSectors collects the critical-infrastructure sectors of one incident,
// each once. The key is the U.S. PPD-21 sector, which every CI subcode has,
// so that subcodes meaning one sector ("Telecommunications" and "Space" are
// both communications) and receivers in several countries add one entry.
// The entry is on Japan's NISC list when a Japanese receiver has the
// sector and the NISC list names it, otherwise on the PPD-21 list: one
// sector on both lists is one sector, never two.
type ciSectors map[string]string // PPD-21 sector → NISC sector ("" = use PPD-21)

func (c ciSectors) add(s sector, japanese bool) {
	if s.us == "" {
		return
	}
	if japanese && s.jp != "" {
		c[s.us] = s.jp
	} else if _, ok := c[s.us]; !ok {
		c[s.us] = ""
	}
}

// list returns the article5 critical_infrastructure entries, sorted by
// list then sector.
func (c ciSectors) list() []any {
	var jp, us []string
	for u, j := range c {
		if j != "" {
			jp = append(jp, j)
		} else {
			us = append(us, u)
		}
	}
	sort.Strings(jp)
	sort.Strings(us)
	var out []any
	for _, s := range jp {
		out = append(out, map[string]any{"list": "jp-nisc", "sector": s})
	}
	for _, s := range us {
		out = append(out, map[string]any{"list": "us-ppd-21", "sector": s})
	}
	return out
}
