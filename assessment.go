package article5

// Report is the explained assessment of one case: the output of
// `article5 assess`, stable and documented in docs/legal-adviser.md ("The stable JSON report").
// Hash, EvidenceDigest and Case are defined in DESIGN.md §5 and are
// byte-identical across runs, machines, thread counts and input order.
type Report struct {
	Case           string                         `json:"case"` // grouping id, else grouping--UUIDv5(Namespace, sorted incident ids)
	CaseName       string                         `json:"case_name,omitempty"`
	EvidenceDigest string                         `json:"evidence_digest"` // hex sha256
	Hash           string                         `json:"hash"`            // hex sha256: the assessment hash both parties sign
	Doctrines      []DoctrineRef                  `json:"doctrines"`       // sorted by id
	Scope          ScopeFinding                   `json:"scope"`
	Assessments    map[string]*DoctrineAssessment `json:"assessments"` // doctrine id → case-level findings
	Divergence     []Divergence                   `json:"divergence"`
	Incidents      []IncidentReport               `json:"incidents"` // sorted by id
	Warnings       []string                       `json:"warnings,omitempty"`
}

// DoctrineRef identifies a doctrine exactly: id, version and the sha256 of
// its source file.
type DoctrineRef struct {
	ID      string `json:"id"`
	Version string `json:"version"`
	SHA256  string `json:"sha256"`
}

// ScopeFinding is where an attack falls (DESIGN.md §3.1) and the Treaty
// article it engages: "V" or "IV".
type ScopeFinding struct {
	Value     Scope           `json:"value"`
	Article   string          `json:"article"`
	Basis     string          `json:"basis"`
	Place     string          `json:"place,omitempty"`
	Facility  string          `json:"us_facility,omitempty"`
	Evidence  []Evidence      `json:"evidence"`
	Locations []LocationScope `json:"locations,omitempty"`
}

// LocationScope is the scope of one STIX location of an incident.
type LocationScope struct {
	Location string `json:"location"`
	Value    Scope  `json:"value"`
	Basis    string `json:"basis"`
}

// IncidentReport holds one incident's single-incident findings.
type IncidentReport struct {
	ID          string                         `json:"id"`
	Name        string                         `json:"name,omitempty"`
	Scope       ScopeFinding                   `json:"scope"`
	Assessments map[string]*DoctrineAssessment `json:"assessments"`
	// Checklist merges the doctrines' evidence checklists for this
	// incident, most decisive first; each item names the doctrines that ask
	// for it. Never nil.
	Checklist []ChecklistItem `json:"evidence_checklist"`
}

// DoctrineAssessment (the "A" of the JSON output) is what one doctrine
// finds on one incident or on the case.
type DoctrineAssessment struct {
	Doctrine             DoctrineRef `json:"doctrine"`
	UseOfForce           UseOfForce  `json:"use_of_force"`
	ArmedAttack          ArmedAttack `json:"armed_attack"`
	Attribution          Attribution `json:"attribution"`
	Severity             int         `json:"severity"` // DCID v2 scale 0–10
	SeverityReason       string      `json:"severity_reason"`
	Priority             Priority    `json:"priority"`
	Tier                 Tier        `json:"tier"`
	TierOnKnownFacts     Tier        `json:"tier_on_known_facts"` // the tier unknown facts aside; differs from Tier only when Tier is indeterminate
	TierRule             Rule        `json:"tier_rule"`
	SelfDefenceAvailable bool        `json:"self_defence_available"`
	SelfDefenceReason    string      `json:"self_defence_reason"`
	Cumulative           *Cumulative `json:"cumulative"`
	ChangesIf            []ChangeIf  `json:"changes_if"`
	Unknown              []string    `json:"unknown_facts"`          // facts the doctrine uses that are unknown, sorted
	UndecidedBy          string      `json:"undecided_by,omitempty"` // when Tier is indeterminate: the needed fact, or the first fact of the unmet requirement, that decides it
	LeadIncident         string      `json:"lead_incident,omitempty"`
	// Presumptions lists the facts the doctrine presumed because they were
	// unknown and the presumption's condition held; they count as known in
	// every rule. Never nil.
	Presumptions []Presumption `json:"presumptions"`
	// Checklist lists the unknown facts an analyst should add, most
	// decisive first (see ChecklistItem). Never nil.
	Checklist []ChecklistItem `json:"evidence_checklist"`
}

// Presumption is a fact a doctrine presumed: Value, because Because
// (Source), unless RebuttedBy is shown. A presumption applies only while the
// fact is unknown; an explicit value, e.g. false, rebuts it.
type Presumption struct {
	Fact       string     `json:"fact"`
	Value      any        `json:"value"`
	Statement  string     `json:"statement"` // the presumed fact in words: "the conduct was deliberate"
	Because    string     `json:"because"`
	Source     string     `json:"source"`
	RebuttedBy ChangeTo   `json:"rebutted_by"`
	Rebuttal   string     `json:"rebuttal"` // in words: "shown not to be organised and planned"
	Evidence   []Evidence `json:"evidence"` // what the condition rests on
}

// ChangeTo is one fact set to one value.
type ChangeTo struct {
	Fact  string `json:"fact"`
	Value any    `json:"value"`
}

// ChecklistItem is one fact an analyst should establish, in the order of
// the list: unknown facts that alone would change the tier come first
// ("decides"), then facts a below-threshold finding or the tier needs
// ("needed"), then presumed facts whose rebuttal would change the tier
// ("presumed"), then the rest the doctrine reads ("refines"). Question and RecordAs say what
// to find out and where it goes in STIX. Stable JSON: a web form builds on it.
type ChecklistItem struct {
	Fact      string   `json:"fact"`
	Label     string   `json:"label"`
	Question  string   `json:"question"`
	RecordAs  string   `json:"record_as"`
	Weight    string   `json:"weight"` // decides | needed | presumed | refines
	Why       string   `json:"why"`
	Doctrines []string `json:"doctrines,omitempty"` // on an incident's merged list: the doctrines that give it this weight
}

// Rule names the doctrine rule that decided a finding and its source.
type Rule struct {
	Name   string `json:"name"`
	Reason string `json:"reason"`
	Source string `json:"source"`
}

// UseOfForce is the Tallinn Manual 2.0 Rule 69 finding: the Schmitt factors
// and whether the doctrine's use-of-force test is met.
type UseOfForce struct {
	Factors []Factor `json:"factors"`
	Met     bool     `json:"met"`
	Reason  string   `json:"reason"`
}

// Factor is one Schmitt factor: a score on the doctrine's 0–3 scale
// (0 none … 3 high), a sentence of reasons and the evidence.
type Factor struct {
	Name     string     `json:"name"`
	Score    int        `json:"score"`
	Reasons  string     `json:"reasons"`
	Source   string     `json:"source"`
	Evidence []Evidence `json:"evidence"`
}

// ArmedAttack is the scale-and-effects gravity finding (Tallinn Manual 2.0
// Rule 71; ICJ Nicaragua §191, §195).
type ArmedAttack struct {
	Criteria []Criterion `json:"criteria"`
	Met      bool        `json:"met"`
	Reason   string      `json:"reason"`
}

// Criterion is one gravity criterion: met or not, why, and on what evidence.
type Criterion struct {
	Name     string     `json:"name"`
	Met      bool       `json:"met"`
	Reasons  string     `json:"reasons"`
	Source   string     `json:"source"`
	Evidence []Evidence `json:"evidence"`
}

// Attribution is who is behind the incident, on which legal basis, with
// what confidence (STIX 0–100), and whether the doctrine finds it
// sufficient for an armed attack.
type Attribution struct {
	Actor           *Ref       `json:"actor"`
	State           *Ref       `json:"state"`
	LegalBasis      string     `json:"legal_basis"`      // a LegalBases value, "unknown" when unattributed
	Confidence      *int       `json:"confidence"`       // that the actor did it, STIX 0–100; nil = unknown
	StateConfidence *int       `json:"state_confidence"` // of the link to the State, the lowest on the path; nil = unknown or no State
	StateNexus      *bool      `json:"state_nexus"`      // nil = unknown
	Sufficient      bool       `json:"sufficient"`
	Reason          string     `json:"reason"`
	Evidence        []Evidence `json:"evidence"`
}

// Priority is a notional NCISS-style priority: a weighted mean of the eight
// NCISS categories scaled 0–100, and its level (Baseline, Low, Medium, High,
// Severe, Emergency). The weights are configuration, not CISA's (which are
// not public); priority never decides the tier.
type Priority struct {
	Score      float64            `json:"score"`
	Level      string             `json:"level"`
	Categories map[string]float64 `json:"categories"` // category → 0–1
	Notional   bool               `json:"notional"`
}

// ChangeIf is a fact that would change the tier: with Fact set to Value
// (re-running the doctrine), the tier would be Tier.
//
// With lists other facts the doctrine's probe sets together with Fact
// (e.g. a State nexus with the confidence the doctrine needs); nil when none.
type ChangeIf struct {
	Fact    string         `json:"fact"`
	Current any            `json:"current"` // current value, nil when unknown
	Value   any            `json:"value"`
	With    map[string]any `json:"with,omitempty"`
	Tier    Tier           `json:"tier"`
	Text    string         `json:"text"`
}

// Cumulative is the accumulation finding (DESIGN.md §3.5): groups of
// incidents by one originator (or originators in concert), related in
// purpose and close in time, whose disruptive or destructive effects
// together are tested for scale and effects.
type Cumulative struct {
	Enabled bool              `json:"enabled"`
	Groups  []CumulativeGroup `json:"groups"`
	Tier    Tier              `json:"tier"`   // highest group tier, below-threshold if none
	Raised  bool              `json:"raised"` // the case tier comes from accumulation
	Reason  string            `json:"reason"`
	// ChangesIf, Presumptions and UndecidedBy are those of the group that
	// sets Tier (its changes_if re-apply to the group's added-up facts).
	ChangesIf    []ChangeIf    `json:"changes_if"`
	Presumptions []Presumption `json:"presumptions"`
	UndecidedBy  string        `json:"undecided_by,omitempty"`
}

// CumulativeGroup is one set of accumulated incidents and its findings.
type CumulativeGroup struct {
	Originator  Ref            `json:"originator"`
	Incidents   []string       `json:"incidents"`
	From        string         `json:"from"`
	To          string         `json:"to"`
	Facts       map[string]any `json:"facts"`
	ArmedAttack ArmedAttack    `json:"armed_attack"`
	Tier        Tier           `json:"tier"`
	// TierOnKnownFacts, TierRule, ChangesIf, Presumptions and UndecidedBy
	// are the group's own, as for a single incident.
	TierOnKnownFacts Tier          `json:"tier_on_known_facts"`
	TierRule         Rule          `json:"tier_rule"`
	ChangesIf        []ChangeIf    `json:"changes_if"`
	Presumptions     []Presumption `json:"presumptions"`
	UndecidedBy      string        `json:"undecided_by,omitempty"`
}

// Divergence is one place where the doctrines differ on the same facts.
type Divergence struct {
	Incident string         `json:"incident,omitempty"` // "" for the case
	Aspect   string         `json:"aspect"`             // "tier", "self_defence_available", "attribution", "factor:<name>", "cumulative"
	Values   map[string]any `json:"values"`             // doctrine id → value
	Why      string         `json:"why"`
}
