package cfr

import (
	"strings"

	"article5/importer"
)

// Kind is what an Affiliations cell names.
type Kind int

// Kinds of Affiliations text.
const (
	KindNone       Kind = iota // empty: no actor named
	KindActor                  // a threat actor, e.g. "APT 28"
	KindGovernment             // the State's government or a named organ of it, e.g. "China's government", "Hong Kong police"
	KindState                  // a State or its people without an actor, e.g. "Russia", "Chinese state-sponsored hackers"
	KindAssociated             // a related actor or tool, not the perpetrator, e.g. "Possibly linked to OilRig"
	KindUnknown                // says the actor is unknown, e.g. "Unknown"
	KindUnparsed               // free text no rule reads: counted as unmapped
)

// Affiliation is the reading of an Affiliations cell.
type Affiliation struct {
	Kind       Kind
	Name       string // the actor's name for KindActor
	Confidence int    // confidence the wording gives (prefixTable, plainConfidence)
}

// descriptiveWords mark a description of people rather than an actor's
// name ("a Russian hacking group", "Chinese military hackers"): the text
// points at a State without naming an actor.
var descriptiveWords = []string{
	"hackers",       // "Chinese state-sponsored hackers"
	"hacking group", // "a Russian hacking group"
	"hacker group",  // "Russian hacker group Snake" is cut at no delimiter; the State is what is named
	"actors",        // "Iranian actors"
	"operatives",    // "Chinese operatives working for the Ministry of State Security"
	"authorities",   // "North Korean authorities"
	"unnamed",       // "Unnamed state-sponsored APT"
	"apts associated with",
}

// delimiters end the first name in an Affiliations text; what follows names
// aliases or other actors.
var delimiters = []string{". ", ",", ";", " also known as", " or ", " and ", " with ", " is ", " according"}

// maxNameWords: a longer "name" is a sentence no rule reads (KindUnparsed).
const maxNameWords = 5

// ParseAffiliation reads an Affiliations cell. Matching ignores case and
// the "?" the export left where characters were lost.
func ParseAffiliation(raw string) Affiliation {
	s := strings.Join(strings.Fields(strings.ReplaceAll(raw, "?", " ")), " ")
	if s == "" {
		return Affiliation{Kind: KindNone}
	}
	if importer.Missing(s) {
		return Affiliation{Kind: KindUnknown}
	}
	conf := plainConfidence
	for _, p := range prefixTable {
		if len(s) >= len(p.prefix) && strings.EqualFold(s[:len(p.prefix)], p.prefix) {
			if p.associated {
				return Affiliation{Kind: KindAssociated}
			}
			s = strings.TrimSpace(s[len(p.prefix):])
			conf = p.confidence
			break
		}
	}
	lower := strings.ToLower(s)
	first := lower
	if i := strings.Index(first, ","); i >= 0 {
		first = first[:i]
	}
	if strings.Contains(first, "government") {
		return Affiliation{Kind: KindGovernment, Confidence: conf}
	}
	for _, w := range descriptiveWords {
		if strings.Contains(lower, w) {
			return Affiliation{Kind: KindState, Confidence: conf}
		}
	}
	cut := len(s)
	for _, d := range delimiters {
		if i := strings.Index(lower, d); i >= 0 && i < cut {
			cut = i
		}
	}
	name := strings.TrimRight(strings.TrimSpace(s[:cut]), ". ")
	for _, art := range []string{"the ", "The "} {
		name = strings.TrimPrefix(name, art)
	}
	if a, ok := actorAlias[importer.Normalize(name)]; ok {
		name = a
	}
	// An organ is looked for in the name and in the text up to the first
	// comma ("U.S. Cyber Command" is cut at its ". ").
	ln := strings.ToLower(name)
	for _, o := range organTerms {
		if (o.exact && ln == o.term) || (!o.exact && (strings.Contains(ln, o.term) || strings.Contains(first, o.term))) {
			return Affiliation{Kind: KindGovernment, Confidence: conf}
		}
	}
	switch {
	case name == "":
		return Affiliation{Kind: KindUnparsed}
	case importer.Missing(name):
		return Affiliation{Kind: KindUnknown}
	case len(strings.Fields(name)) > maxNameWords:
		return Affiliation{Kind: KindUnparsed}
	}
	if _, ok := countryByName[name]; ok {
		return Affiliation{Kind: KindState, Confidence: conf}
	}
	return Affiliation{Kind: KindActor, Name: name, Confidence: conf}
}
