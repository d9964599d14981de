package assess

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"sort"
	"strings"

	"article5"
	"article5/stix"

	"github.com/google/uuid"
	"github.com/gowebpki/jcs"
)

var namespace = uuid.MustParse(article5.Namespace)

// CaseID returns the case id of a case without a grouping: "grouping--"
// and the UUIDv5 (article5.Namespace) of the sorted incident ids joined by
// newlines. Source: DESIGN.md §5.
func CaseID(incidentIDs []string) string {
	ids := append([]string(nil), incidentIDs...)
	sort.Strings(ids)
	return "grouping--" + uuid.NewSHA1(namespace, []byte(strings.Join(ids, "\n"))).String()
}

// canonicalSHA256 returns the hex sha256 of the RFC 8785 canonical JSON of v.
func canonicalSHA256(v any) (string, error) {
	c, err := canonical(v)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(c)
	return hex.EncodeToString(sum[:]), nil
}

// EvidenceDigest returns the hex sha256 of the RFC 8785 canonical JSON of
// the sorted list of [object id, version, sha256 of the object's canonical
// JSON], version being modified, else created, else "" (never the date
// added). Identical entries count once. Sorted by id, then version as an
// instant, then hash — so input order never matters. Objects are
// canonicalised on up to workers goroutines (0: GOMAXPROCS); the result does
// not depend on it. Source: DESIGN.md §5.
func EvidenceDigest(ctx context.Context, objs []*stix.Object, workers int) (string, error) {
	type entry struct {
		id, version, hash string
		vt                *stix.Timestamp
	}
	all := make([]entry, len(objs))
	if err := parallel(ctx, len(objs), workers, func(i int) error {
		o := objs[i]
		c, err := stix.Canonical(o)
		if err != nil {
			return article5.Internal("canonical "+o.ID, err)
		}
		sum := sha256.Sum256(c)
		e := entry{id: o.ID, version: o.Version(), hash: hex.EncodeToString(sum[:])}
		if t, ok := o.VersionTime(); ok {
			e.vt = &t
		}
		all[i] = e
		return nil
	}); err != nil {
		return "", err
	}
	seen := map[[3]string]bool{}
	var es []entry
	for _, e := range all {
		k := [3]string{e.id, e.version, e.hash}
		if seen[k] {
			continue
		}
		seen[k] = true
		es = append(es, e)
	}
	sort.Slice(es, func(i, j int) bool {
		a, b := es[i], es[j]
		if a.id != b.id {
			return a.id < b.id
		}
		if a.vt != nil && b.vt != nil {
			if c := a.vt.Compare(*b.vt); c != 0 {
				return c < 0
			}
		} else if (a.vt == nil) != (b.vt == nil) {
			return a.vt == nil
		}
		if a.version != b.version {
			return a.version < b.version
		}
		return a.hash < b.hash
	})
	list := make([][3]string, len(es))
	for i, e := range es {
		list[i] = [3]string{e.id, e.version, e.hash}
	}
	return canonicalSHA256(list)
}

// AssessmentHash returns the hex sha256 of the RFC 8785 canonical JSON of
// {case, evidence_digest, doctrines (sorted id, version, sha256), findings}
// (DESIGN.md §5). The findings are what was concluded, per incident and for
// the case, per doctrine: scope, factor scores, criteria met, attribution,
// severity, priority, tiers and the rule that decided them, self-defence,
// the cumulative groups, changes_if and divergence (see HashedFindings).
// The list of unknown facts is left out too: it follows from the evidence.
// The prose reasons and evidence pointers are left out: they are a function
// of the doctrine file and the evidence, whose hashes are in the input. The
// report holds no clock time. Incidents are canonicalised on up to workers
// goroutines; the bytes equal those of canonicalising the whole at once.
func AssessmentHash(ctx context.Context, rep *article5.Report, workers int) (string, error) {
	b, err := HashInput(ctx, rep, workers)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

// HashInput returns the canonical JSON whose sha256 is the assessment hash.
func HashInput(ctx context.Context, rep *article5.Report, workers int) ([]byte, error) {
	incs := make([][]byte, len(rep.Incidents))
	if err := parallel(ctx, len(rep.Incidents), workers, func(i int) error {
		var err error
		incs[i], err = canonical(hashedIncident(rep.Incidents[i]))
		return err
	}); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	member := func(first bool, key string, v any) error {
		if !first {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(key)
		b.Write(k)
		b.WriteByte(':')
		c, err := canonical(v)
		if err != nil {
			return err
		}
		b.Write(c)
		return nil
	}
	h := HashedFindingsOf(rep)
	b.WriteByte('{')
	if err := member(true, "case", rep.Case); err != nil {
		return nil, err
	}
	if err := member(false, "doctrines", rep.Doctrines); err != nil {
		return nil, err
	}
	if err := member(false, "evidence_digest", rep.EvidenceDigest); err != nil {
		return nil, err
	}
	b.WriteString(`,"findings":{`)
	if err := member(true, "assessments", h.Assessments); err != nil {
		return nil, err
	}
	if err := member(false, "divergence", h.Divergence); err != nil {
		return nil, err
	}
	b.WriteString(`,"incidents":[`)
	b.Write(bytes.Join(incs, []byte{','}))
	b.WriteByte(']')
	if err := member(false, "scope", h.Scope); err != nil {
		return nil, err
	}
	b.WriteString("}}")
	return b.Bytes(), nil
}

// HashedFindings is the part of a report the assessment hash covers.
type HashedFindings struct {
	Scope       hashedScope              `json:"scope"`
	Assessments map[string]hashedA       `json:"assessments"`
	Divergence  []hashedDivergence       `json:"divergence"`
	Incidents   []hashedIncidentFindings `json:"incidents"`
}

type hashedScope struct {
	Value     article5.Scope `json:"value"`
	Article   string         `json:"article"`
	Facility  string         `json:"us_facility,omitempty"`
	Locations []hashedLoc    `json:"locations,omitempty"`
}

type hashedLoc struct {
	Location string         `json:"location"`
	Value    article5.Scope `json:"value"`
}

type hashedA struct {
	Factors     map[string]int    `json:"factors"`
	UoFMet      bool              `json:"use_of_force_met"`
	Criteria    map[string]bool   `json:"criteria"`
	AAMet       bool              `json:"armed_attack_met"`
	Actor       string            `json:"actor,omitempty"`
	State       string            `json:"state,omitempty"`
	LegalBasis  string            `json:"legal_basis"`
	Confidence  *int              `json:"confidence"`
	StateNexus  *bool             `json:"state_nexus"`
	Sufficient  bool              `json:"attribution_sufficient"`
	Severity    int               `json:"severity"`
	Priority    float64           `json:"priority"`
	Level       string            `json:"priority_level"`
	Tier        article5.Tier     `json:"tier"`
	TierKnown   article5.Tier     `json:"tier_on_known_facts"`
	Rule        string            `json:"tier_rule"`
	SelfDefence bool              `json:"self_defence_available"`
	Cumulative  *hashedCumulative `json:"cumulative,omitempty"`
	ChangesIf   []hashedChange    `json:"changes_if"`
	Lead        string            `json:"lead_incident,omitempty"`
}

type hashedCumulative struct {
	Enabled bool          `json:"enabled"`
	Tier    article5.Tier `json:"tier"`
	Raised  bool          `json:"raised"`
	Groups  []hashedGroup `json:"groups"`
}

type hashedGroup struct {
	Originator string         `json:"originator"`
	Incidents  []string       `json:"incidents"`
	From       string         `json:"from"`
	To         string         `json:"to"`
	Facts      map[string]any `json:"facts"`
	Tier       article5.Tier  `json:"tier"`
}

type hashedChange struct {
	Fact  string         `json:"fact"`
	Value any            `json:"value"`
	With  map[string]any `json:"with,omitempty"`
	Tier  article5.Tier  `json:"tier"`
}

type hashedDivergence struct {
	Incident string         `json:"incident,omitempty"`
	Aspect   string         `json:"aspect"`
	Values   map[string]any `json:"values"`
}

type hashedIncidentFindings struct {
	ID          string             `json:"id"`
	Scope       hashedScope        `json:"scope"`
	Assessments map[string]hashedA `json:"assessments"`
}

// HashedFindingsOf projects a report onto the findings the hash covers.
func HashedFindingsOf(rep *article5.Report) HashedFindings {
	h := HashedFindings{Scope: hashedScopeOf(rep.Scope), Assessments: hashedAs(rep.Assessments), Divergence: []hashedDivergence{}}
	for _, d := range rep.Divergence {
		h.Divergence = append(h.Divergence, hashedDivergence{Incident: d.Incident, Aspect: d.Aspect, Values: d.Values})
	}
	for _, inc := range rep.Incidents {
		h.Incidents = append(h.Incidents, hashedIncident(inc))
	}
	return h
}

func hashedIncident(inc article5.IncidentReport) hashedIncidentFindings {
	return hashedIncidentFindings{ID: inc.ID, Scope: hashedScopeOf(inc.Scope), Assessments: hashedAs(inc.Assessments)}
}

func hashedScopeOf(s article5.ScopeFinding) hashedScope {
	h := hashedScope{Value: s.Value, Article: s.Article, Facility: s.Facility}
	for _, l := range s.Locations {
		h.Locations = append(h.Locations, hashedLoc{Location: l.Location, Value: l.Value})
	}
	return h
}

func hashedAs(m map[string]*article5.DoctrineAssessment) map[string]hashedA {
	out := make(map[string]hashedA, len(m))
	for id, a := range m {
		h := hashedA{Factors: map[string]int{}, UoFMet: a.UseOfForce.Met, Criteria: map[string]bool{}, AAMet: a.ArmedAttack.Met,
			LegalBasis: a.Attribution.LegalBasis, Confidence: a.Attribution.Confidence, StateNexus: a.Attribution.StateNexus, Sufficient: a.Attribution.Sufficient,
			Severity: a.Severity, Priority: a.Priority.Score, Level: a.Priority.Level, Tier: a.Tier, TierKnown: a.TierOnKnownFacts, Rule: a.TierRule.Name,
			SelfDefence: a.SelfDefenceAvailable, ChangesIf: []hashedChange{}, Lead: a.LeadIncident}
		for _, f := range a.UseOfForce.Factors {
			h.Factors[f.Name] = f.Score
		}
		for _, c := range a.ArmedAttack.Criteria {
			h.Criteria[c.Name] = c.Met
		}
		if a.Attribution.Actor != nil {
			h.Actor = a.Attribution.Actor.ID
		}
		if a.Attribution.State != nil {
			h.State = a.Attribution.State.ID
		}
		for _, c := range a.ChangesIf {
			h.ChangesIf = append(h.ChangesIf, hashedChange{Fact: c.Fact, Value: c.Value, With: c.With, Tier: c.Tier})
		}
		if c := a.Cumulative; c != nil {
			hc := &hashedCumulative{Enabled: c.Enabled, Tier: c.Tier, Raised: c.Raised, Groups: []hashedGroup{}}
			for _, g := range c.Groups {
				hc.Groups = append(hc.Groups, hashedGroup{Originator: g.Originator.ID, Incidents: g.Incidents, From: g.From, To: g.To, Facts: g.Facts, Tier: g.Tier})
			}
			h.Cumulative = hc
		}
		out[id] = h
	}
	return out
}

// canonical returns the RFC 8785 canonical JSON of v.
func canonical(v any) ([]byte, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, article5.Internal("marshal for hashing", err)
	}
	c, err := jcs.Transform(raw)
	if err != nil {
		return nil, article5.Internal("canonicalise for hashing", err)
	}
	return c, nil
}
