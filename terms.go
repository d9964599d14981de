package article5

// Party is a treaty party: "JP" or "US" (ISO 3166-1 alpha-2). A treaty
// profile could add others. Source: Treaty of Mutual Cooperation and
// Security between Japan and the United States of America (1960).
type Party string

// The two parties of the 1960 Treaty.
const (
	PartyJP Party = "JP"
	PartyUS Party = "US"
)

// Scope says where an attack falls for the Treaty, reported separately from
// the tier. Source: Treaty Art. V ("territories under the administration of
// Japan"); SCC joint statements of 19 April 2019 (cyber) and 11 January 2023
// (space).
type Scope string

// Scope values (DESIGN.md §2).
const (
	ScopeIn                Scope = "in"                 // territories under the administration of Japan: land, territorial sea, airspace
	ScopeOut               Scope = "out"                // outside them: Article IV consultations at most, if the security of Japan or of the Far East is threatened
	ScopeUncertain         Scope = "uncertain"          // the location's precision straddles a boundary, or no location is given
	ScopeSpaceConsultative Scope = "space-consultative" // attacks to, from or within space (2023 statement), case by case
)

// Article returns the Treaty article the scope alone engages: "V" for in
// and space-consultative, "IV" otherwise. Whether Article IV applies to an
// incident outside also depends on whether it threatens the security of
// Japan or of the Far East; the assessment's scope finding says "none" or
// "to be decided" where it does not or is not known (assess).
func (s Scope) Article() string {
	switch s {
	case ScopeIn, ScopeSpaceConsultative:
		return "V"
	default:
		return "IV"
	}
}

// Valid reports whether s is one of the four scope values.
func (s Scope) Valid() bool {
	switch s {
	case ScopeIn, ScopeOut, ScopeUncertain, ScopeSpaceConsultative:
		return true
	}
	return false
}

// Tier is the threshold finding of one doctrine, given whatever the scope.
type Tier string

// Tier values, lowest first (DESIGN.md §2). Sources: Tallinn Manual 2.0
// Rules 69 and 71; ICJ Nicaragua (1986) §191, §195.
const (
	TierBelowThreshold      Tier = "below-threshold"
	TierUseOfForcePossible  Tier = "use-of-force-possible"
	TierArmedAttackPossible Tier = "armed-attack-possible"
	TierIndeterminate       Tier = "indeterminate" // a fact the doctrine needs is unknown and would decide it
)

// Rank orders determinate tiers: below-threshold 0, use-of-force-possible 1,
// armed-attack-possible 2; indeterminate ranks -1 (not comparable).
func (t Tier) Rank() int {
	switch t {
	case TierBelowThreshold:
		return 0
	case TierUseOfForcePossible:
		return 1
	case TierArmedAttackPossible:
		return 2
	}
	return -1
}

// Valid reports whether t is one of the four tier values.
func (t Tier) Valid() bool { return t.Rank() >= 0 || t == TierIndeterminate }

// Domain is where an incident's means operate: "cyber", "space" or
// "electromagnetic" (SCC 2019: cross-domain priority areas).
type Domain string

// Domain values carried by article5's extension property "domain".
const (
	DomainCyber           Domain = "cyber"
	DomainSpace           Domain = "space"
	DomainElectromagnetic Domain = "electromagnetic"
)
