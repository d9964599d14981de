package cfr

// The mapping tables, exported to the external tests so that they can check
// that every row of every table is covered.
var (
	TypeTable     = typeTable
	CategoryTable = categoryTable
	ResponseTable = responseTable
	PrefixTable   = prefixTable
	OrganTerms    = organTerms
	ActorAlias    = actorAlias
	CountryAlias  = countryAlias
	DisplayName   = displayName
)

// PrefixOf returns a prefix row's text, confidence and whether it names a
// related actor only.
func PrefixOf(i int) (string, int, bool) {
	p := prefixTable[i]
	return p.prefix, p.confidence, p.associated
}

// OrganTermOf returns an organ term and whether it must be the whole name.
func OrganTermOf(i int) (string, bool) { return organTerms[i].term, organTerms[i].exact }
