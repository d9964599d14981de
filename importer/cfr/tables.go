package cfr

// The mapping tables. Every value a table does not hold is counted in the
// report (Report.Unmap) and never guessed; facts CFR does not code stay
// absent.

// typeMapping is what a CFR Type says about an incident.
type typeMapping struct {
	operationType string // article5 operation_type; "" leaves it absent
	determination string // Incident Core determination
	note          string // counted in the report when set
}

// typeTable maps the Type column. CFR codes no outcome, so determination is
// "suspected" unless the Type itself names an effect that occurred (the
// operation is listed because the effect was seen), then "successful-attempt".
var typeTable = map[string]typeMapping{
	// Covert collection; CFR's entries are mostly "Targeting of …" campaigns
	// with no coded outcome, so the attempt stays suspected. Espionage weighs
	// against use of force (Tallinn Manual 2.0 Rule 69).
	"Espionage": {operationType: "espionage", determination: "suspected"},
	// CFR: malware disrupting a physical process or system. Disruption, not
	// destruction: CFR codes no physical damage.
	"Sabotage": {operationType: "disruption", determination: "successful-attempt"},
	// Loss of availability of the targeted service.
	"Denial of service": {operationType: "disruption", determination: "successful-attempt"},
	// Data wiped or made unrecoverable: the destructive purpose.
	"Data destruction": {operationType: "destruction", determination: "successful-attempt"},
	// A message shown on the victim's site: influence, no loss of function.
	"Defacement": {operationType: "influence", determination: "successful-attempt"},
	// Theft and publication of private information: the release is overt and
	// aims at embarrassment or coercion, so influence rather than espionage
	// (espionage is covert collection kept secret).
	"Doxing": {operationType: "influence", determination: "successful-attempt"},
	// Theft of money happened, but it is not one of article5's closed
	// operation types (probing … destruction): no operation_type, noted.
	"Financial Theft": {determination: "successful-attempt", note: "Type Financial Theft: no operation_type (not in article5's closed list)"},
	// Empty Type: nothing coded, nothing asserted.
	"": {determination: "suspected", note: "Type empty: no operation_type"},
}

// categoryMapping is what one Category item says about the victims.
type categoryMapping struct {
	sector   string // STIX industry-sector-ov value; "" for none
	military bool   // sets article5 military_target: true
	note     string
}

// categoryTable maps the items of the comma-separated Category column.
var categoryTable = map[string]categoryMapping{
	// State institutions: the national-government sector.
	"Government": {sector: "government-national"},
	// Armed forces and military systems: STIX "defense" and article5's
	// military_target (the only place CFR codes it).
	"Military": {sector: "defense", military: true},
	// STIX industry-sector-ov has no generic private sector; CFR does not say
	// which industry, so no sector is written.
	"Private sector": {note: "Category Private sector: no STIX sector (no generic private sector in industry-sector-ov)"},
	// NGOs, dissidents, journalists, think tanks: the nearest STIX sector.
	"Civil society": {sector: "non-profit"},
}

// responseMapping is what the leading words of the Response column say.
type responseMapping struct {
	status     string // Incident Core investigation_status (investigation-status-ov: new, open, closed)
	confidence int    // confidence the response gives the attribution of the incident; 0 adds none
}

// responseTable maps the words before the first URL of the Response column.
var responseTable = map[string]responseMapping{
	// No response coded: nothing concluded publicly.
	"": {status: "open"},
	// CFR writes "Unknown" where no response is known.
	"Unknown": {status: "open"},
	// The suspected sponsor denied it: no public conclusion, no confidence added.
	"Denial": {status: "open"},
	// A government officially confirmed the attribution (e.g. an NSA/CISA advisory).
	"Confirmation": {status: "closed", confidence: 85},
	// Prosecutors charged named persons: an indictment rests on evidence.
	"Criminal charges": {status: "closed", confidence: 80},
	// Same as criminal charges, as other exports spell it.
	"Indictment": {status: "closed", confidence: 80},
	// A government sanctioned those responsible: a formal attribution.
	"Sanctions": {status: "closed", confidence: 80},
	// A government publicly denounced the named State: a public attribution.
	"Denouncement": {status: "closed", confidence: 80},
	// A counter-operation: it says nothing about who did it.
	"Hack Back": {status: "open"},
}

// prefixMapping is what the wording of the Affiliations column implies.
type prefixMapping struct {
	prefix     string
	confidence int  // confidence that the named actor did it
	associated bool // the text names a related actor, not the perpetrator: no actor
}

// prefixTable is checked in order, first match wins (longer and more
// specific wordings first). Text with no listed prefix names the actor
// plainly (plainConfidence). Matching ignores case and the "?" CFR's export
// left for lost characters.
var prefixTable = []prefixMapping{
	// Descriptions of a relation to another actor or tool: they do not say who did it.
	{prefix: "Believed to be the work of the same", associated: true},
	{prefix: "Believed to be associated with", associated: true},
	{prefix: "Believed to be linked to", associated: true},
	{prefix: "Believed to be closely linked to", associated: true},
	{prefix: "Believed to be connected to", associated: true},
	{prefix: "Believed to be responsible for", associated: true},
	{prefix: "Believed to be behind", associated: true},
	{prefix: "Believed to be a tool used by", associated: true},
	{prefix: "Believed to be based on", associated: true},
	{prefix: "Believed to use similar", associated: true},
	{prefix: "Believed to be linked", associated: true},
	{prefix: "Associated with", associated: true},
	{prefix: "Linked to", associated: true},
	{prefix: "Has links to", associated: true},
	{prefix: "Possibly linked to", associated: true},
	{prefix: "Possible link to", associated: true},
	{prefix: "Possibly uses", associated: true},
	{prefix: "Possibly assisted", associated: true},
	{prefix: "Uses similar", associated: true},
	{prefix: "Used an evolution", associated: true},
	{prefix: "Related to", associated: true},
	{prefix: "Same state sponsor as", associated: true},
	{prefix: "This threat actor is believed", associated: true},
	{prefix: "This is believed be a tool", associated: true},
	{prefix: "This tool is believed", associated: true},
	{prefix: "NOTE:", associated: true},
	{prefix: "Codenamed", associated: true},
	// Hedged authorship: CFR believes it, without a public finding.
	{prefix: "This incident is believed to be the work of", confidence: 40},
	{prefix: "Believed to have been partially the work of", confidence: 30},
	{prefix: "Believed to be partially the work of", confidence: 30},
	{prefix: "Believed to be the work of", confidence: 40},
	{prefix: "Suspected to be the work of", confidence: 40},
	{prefix: "Believed to be", confidence: 40},
	// Weaker still: "possibly".
	{prefix: "Possibly attributed to", confidence: 30},
	// CFR's actor profile: the actor named by its aliases, like a plain name.
	{prefix: "Also known as", confidence: 60},
}

// plainConfidence is the confidence of an actor named without hedging.
const plainConfidence = 60

// sponsorConfidence caps the confidence of the link to the State that CFR
// codes as "suspected State sponsor" (Sponsor column). CFR codes a
// suspicion, not a finding: ARSIWA Art. 8 at most, at 50 at most. No
// outside attribution (of an actor to a State organ) is added: a fact the
// dataset does not code stays absent.
const sponsorConfidence = 50

// organTerm is wording that names a State organ itself (ARSIWA Art. 4:
// any organ, military, intelligence, police, central or territorial).
type organTerm struct {
	term  string // lower-case
	exact bool   // the whole name, not a part of it
}

// organTerms: an Affiliations name holding one of these names the organ, so
// the incident is attributed to the Sponsor State as "state-organ" without
// a threat-actor.
var organTerms = []organTerm{
	{term: "ministry of state security"},      // China's MSS and its provincial departments
	{term: "state security bureau"},           // MSS bureaus, e.g. Tianjin
	{term: "state security department"},       // MSS departments, e.g. Guangdong
	{term: "military intelligence"},           // "Russian military intelligence agency, known as GRU"
	{term: "pla unit"},                        // People's Liberation Army units
	{term: "unit 61398"},                      // PLA Unit 61398 (U.S. DOJ indictment, 19 May 2014)
	{term: "revolutionary guard"},             // Iran's IRGC, an armed force under its constitution (Art. 150)
	{term: "cyber command"},                   // U.S. Cyber Command, a unified combatant command
	{term: "national security agency"},        // NSA
	{term: "federal bureau of investigation"}, // FBI
	{term: "signals directorate"},             // Australian Signals Directorate
	{term: "law enforcement"},                 // "Law enforcement agencies in …"
	{term: "police"},                          // "Hong Kong police", "Pune Police"
	{term: "army"},                            // "Philippine Army"
	{term: "security forces"},                 // "Togolese security forces"
	{term: "nsa", exact: true},                // "NSA, U.S. Cyber Command, FBI, …"
}

// actorAlias folds spellings of one actor to one name (id and display).
var actorAlias = map[string]string{
	"kimusky":         "Kimsuky", // CFR's typo
	"apt37":           "APT 37",  // spacing differs across rows
	"apt29":           "APT 29",
	"turla group":     "Turla",
	"gamaredon group": "Gamaredon",
	"russian state-sponsored group dragonfly": "Dragonfly", // the name inside CFR's description
	"dukes": "The Dukes", // "the Dukes" and "The Dukes" after the leading "the " is cut
}

// countryAlias maps names the country library does not hold (or holds
// under another form) to ISO2. Used for Sponsor and for finding countries
// in the Victims text; matching is case-sensitive and whole-word.
var countryAlias = map[string]string{
	"South Korea":         "KR", // common name
	"Korea (Republic of)": "KR", // CFR's Sponsor spelling
	"Republic of Korea":   "KR", // UN name
	"North Korea":         "KP", // common name
	"Korea (Democratic People's Republic of)": "KP", // CFR's Sponsor spelling (the library's fuzzy ByName gives KR)
	"Taiwan":                   "TW", // common name (library: "Taiwan (Province of China)")
	"Hong Kong":                "HK", // common name (library: long SAR form)
	"Macau":                    "MO", // common name (library: long SAR form)
	"UK":                       "GB", // abbreviation in Victims text
	"United Kingdom":           "GB", // library name, listed for Sponsor lists
	"Britain":                  "GB", // common name
	"US":                       "US", // abbreviation in Victims text
	"U.S.":                     "US", // abbreviation in Victims text
	"United States":            "US", // common name
	"United States of America": "US", // CFR Sponsor spelling
	"Russia":                   "RU", // common name (library: "Russian Federation")
	"Iran":                     "IR", // common name (library: "Iran (Islamic Republic of)")
	"Syria":                    "SY", // common name (library: "Syrian Arab Republic")
	"Palestine, State of":      "PS", // CFR's Sponsor spelling
	"Palestine":                "PS", // common name (library: "Palestinian Territory (Occupied)")
	"The Philippines":          "PH", // CFR Sponsor spelling
	"Vietnam":                  "VN", // library name, also in Sponsor
	"Viet Nam":                 "VN", // UN spelling
	"Czech Republic":           "CZ", // former short name (library: "Czechia")
	"Moldova":                  "MD", // common name
	"Tanzania":                 "TZ", // common name
	"Laos":                     "LA", // common name
	"Ivory Coast":              "CI", // English name (library: "Cote d'Ivoire")
	"Burma":                    "MM", // former name still used
	"UAE":                      "AE", // abbreviation
	// Demonyms CFR's Victims text uses for victims of one country
	// ("Japanese defense contractors"); only unambiguous ones.
	"Japanese":     "JP", // "Japanese defense contractors"
	"South Korean": "KR", // "Japanese, Russian, and South Korean … entities"
	"North Korean": "KP", // before "Korean" could be read alone
	"Taiwanese":    "TW", // "Taiwanese organizations"
	"Ukrainian":    "UA", // "Ukrainian state entities"
	"Vietnamese":   "VN", // "Vietnamese government"
	"Israeli":      "IL", // "Israeli companies"
	"Iranian":      "IR", // "Iranian dissidents"
	"Chinese":      "CN", // "Chinese dissidents"
	"Russian":      "RU", // "Russian and Belarusian websites" ("Russian Federation" is matched first)
}

// ambiguousBase lists the part before "(" of library names that must not be
// matched alone ("Korea" could be either Korea).
var ambiguousBase = map[string]bool{"Korea": true, "Congo": true, "Virgin Islands": true}

// displayName overrides the library's name for locations and States where
// its name is a long UN form ("Taiwan (Province of China)").
var displayName = map[string]string{
	// Common English names instead of the library's UN or long forms.
	"KR": "South Korea",
	"KP": "North Korea",
	"TW": "Taiwan",
	"HK": "Hong Kong",
	"MO": "Macau",
	"IR": "Iran",
	"PS": "Palestine",
	"MD": "Moldova",
	"TZ": "Tanzania",
	"MK": "North Macedonia",
	"VA": "Holy See",
	"TL": "Timor-Leste",
	"FM": "Micronesia",
}

// withArticle lists the States whose name takes "the" after "Government
// of" ("Government of the United States").
var withArticle = map[string]bool{"RU": true, "SY": true, "US": true, "GB": true, "AE": true, "NL": true, "PH": true, "BS": true, "GM": true}
