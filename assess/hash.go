package assess

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"runtime"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"article5"
	"article5/stix"

	"github.com/google/uuid"
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

// EvidenceDigest returns the hex sha256 of the RFC 8785 canonical JSON of
// the sorted list of [object id, version, sha256 of the object's canonical
// JSON], version being modified, else created, else "" (never the date
// added). Identical entries count once. Sorted by id, then version as an
// instant, then hash — so input order never matters. Objects are
// canonicalised on up to workers goroutines (0: GOMAXPROCS); the result does
// not depend on it. Source: DESIGN.md §5.
//
// Errors: EINTERNAL when an object cannot be canonicalised (not I-JSON,
// which NewEvidence rejects first; see stix.Canonical) or ctx ends first.
func EvidenceDigest(ctx context.Context, objs []*stix.Object, workers int) (string, error) {
	return EvidenceDigestHashed(ctx, objs, nil, workers)
}

// EvidenceDigestHashed is EvidenceDigest with the canonical hashes the
// caller already holds: sums[i] is the lowercase hex sha256 (64 digits) of
// the RFC 8785 canonical JSON of objs[i], as a node stores it at ingest
// (article5.StoredObject.SHA256), or "" to have it computed; sums nil
// computes every one. The digest equals EvidenceDigest's when the sums are
// right; the caller vouches for them (a wrong sum gives a digest that no
// other node reproduces, so the parties' hashes would not match).
//
// Errors: as EvidenceDigest; EINTERNAL when sums is not nil and not as long
// as objs, or a given sum is not 64 lowercase hex digits.
func EvidenceDigestHashed(ctx context.Context, objs []*stix.Object, sums []string, workers int) (string, error) {
	if sums != nil && len(sums) != len(objs) {
		return "", article5.Errorf(article5.EINTERNAL, "evidence digest: %d canonical hashes for %d objects", len(sums), len(objs))
	}
	type entry struct {
		id, version, hash string
		vt                *stix.Timestamp
	}
	all := make([]entry, len(objs))
	if err := parallel(ctx, len(objs), workers, func(i int) error {
		o := objs[i]
		e := entry{id: o.ID, version: o.Version()}
		if sums != nil && sums[i] != "" {
			if !isSHA256Hex(sums[i]) {
				return article5.Errorf(article5.EINTERNAL, "evidence digest: the canonical hash given for %s (object %d) is not 64 lowercase hex digits", o.ID, i)
			}
			e.hash = sums[i]
		} else {
			c, err := stix.Canonical(o)
			if err != nil {
				return article5.Internal("canonical "+o.ID, err)
			}
			sum := sha256.Sum256(c)
			e.hash = hex.EncodeToString(sum[:])
		}
		if t, ok := o.VersionTime(); ok {
			e.vt = &t
		}
		all[i] = e
		return nil
	}); err != nil {
		return "", err
	}
	sort.Slice(all, func(i, j int) bool {
		a, b := all[i], all[j]
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
	// The canonical JSON of the [][3]string list, written straight into
	// the hash in pieces. Identical entries are adjacent once sorted; one
	// is kept.
	h := sha256.New()
	w := &canonicalWriter{buf: make([]byte, 0, 64<<10)}
	w.buf = append(w.buf, '[')
	n := 0
	for i, e := range all {
		if i > 0 && e.id == all[i-1].id && e.version == all[i-1].version && e.hash == all[i-1].hash {
			continue
		}
		if n > 0 {
			w.buf = append(w.buf, ',')
		}
		n++
		w.buf = append(w.buf, '[')
		w.str(e.id)
		w.buf = append(w.buf, ',')
		w.str(e.version)
		w.buf = append(w.buf, ',')
		w.str(e.hash)
		w.buf = append(w.buf, ']')
		if len(w.buf) >= 60<<10 {
			h.Write(w.buf)
			w.buf = w.buf[:0]
		}
	}
	w.buf = append(w.buf, ']')
	h.Write(w.buf)
	return hex.EncodeToString(h.Sum(nil)), nil
}

// isSHA256Hex reports whether s is 64 lowercase hex digits.
func isSHA256Hex(s string) bool {
	if len(s) != 2*sha256.Size {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
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
// report holds no clock time.
//
// The canonical JSON is written straight into the hash, never held whole:
// incidents are written in blocks of hashBlock on up to workers goroutines
// (0: GOMAXPROCS), 4×workers blocks at a time, so the memory it takes does
// not grow with the number of incidents; the bytes equal those of
// canonicalising the whole at once (TestCanonicalWriterMatchesJCS).
// EINTERNAL if a finding holds a number JSON cannot (NaN, ±Inf) or ctx
// ends first.
func AssessmentHash(ctx context.Context, rep *article5.Report, workers int) (string, error) {
	h := sha256.New()
	if err := writeHashInput(ctx, h, rep, workers); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// HashInput returns the canonical JSON whose sha256 is the assessment hash
// (about 1 KB per incident and doctrine; AssessmentHash never holds it
// whole). Errors as AssessmentHash.
func HashInput(ctx context.Context, rep *article5.Report, workers int) ([]byte, error) {
	var b bytes.Buffer
	if err := writeHashInput(ctx, &b, rep, workers); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// hashBlock is the number of incidents one goroutine writes at a time.
const hashBlock = 128

// writeHashInput writes the canonical JSON of {case, doctrines,
// evidence_digest, findings: HashedFindingsOf(rep)} to out, with the
// canonicalWriter: no intermediate structs, no marshalling, no re-parsing.
func writeHashInput(ctx context.Context, out io.Writer, rep *article5.Report, workers int) error {
	w := &canonicalWriter{}
	w.buf = append(w.buf, `{"case":`...)
	w.str(rep.Case)
	w.buf = append(w.buf, `,"doctrines":`...)
	if rep.Doctrines == nil {
		w.null()
	} else {
		w.buf = append(w.buf, '[')
		for i, d := range rep.Doctrines {
			if i > 0 {
				w.buf = append(w.buf, ',')
			}
			w.buf = append(w.buf, `{"id":`...)
			w.str(d.ID)
			w.buf = append(w.buf, `,"sha256":`...)
			w.str(d.SHA256)
			w.buf = append(w.buf, `,"version":`...)
			w.str(d.Version)
			w.buf = append(w.buf, '}')
		}
		w.buf = append(w.buf, ']')
	}
	w.buf = append(w.buf, `,"evidence_digest":`...)
	w.str(rep.EvidenceDigest)
	w.buf = append(w.buf, `,"findings":{"assessments":`...)
	w.assessments(rep.Assessments)
	w.buf = append(w.buf, `,"divergence":[`...)
	for i := range rep.Divergence {
		if i > 0 {
			w.buf = append(w.buf, ',')
		}
		w.divergence(&rep.Divergence[i])
	}
	w.buf = append(w.buf, `],"incidents":[`...)
	if w.err != nil {
		return w.err
	}
	if _, err := out.Write(w.buf); err != nil {
		return article5.Internal("write hash input", err)
	}

	// Incidents: blocks of hashBlock incidents, a window of blocks made in
	// parallel and written in order before the next window is made.
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	n := len(rep.Incidents)
	blocks := (n + hashBlock - 1) / hashBlock
	window := make([]canonicalWriter, min(blocks, 4*workers))
	for first := 0; first < blocks; first += len(window) {
		m := min(len(window), blocks-first)
		if err := parallel(ctx, m, workers, func(k int) error {
			bw := &window[k]
			bw.buf, bw.err = bw.buf[:0], nil
			lo := (first + k) * hashBlock
			for i := lo; i < min(n, lo+hashBlock); i++ {
				if i > 0 {
					bw.buf = append(bw.buf, ',')
				}
				bw.incident(&rep.Incidents[i])
			}
			return bw.err
		}); err != nil {
			return err
		}
		for k := 0; k < m; k++ {
			if _, err := out.Write(window[k].buf); err != nil {
				return article5.Internal("write hash input", err)
			}
		}
	}

	w.buf = append(w.buf[:0], `],"scope":`...)
	w.scope(&rep.Scope)
	w.buf = append(w.buf, "}}"...)
	if w.err != nil {
		return w.err
	}
	if _, err := out.Write(w.buf); err != nil {
		return article5.Internal("write hash input", err)
	}
	return nil
}

// The methods below write the projections of HashedFindingsOf (hashedA,
// hashedScope, …) straight from the report, members in canonical order.
// Each mirrors its projection field for field; TestCanonicalWriterMatchesJCS
// holds them to json.Marshal + jcs.Transform of the projection.

// incident writes hashedIncident(inc): assessments, id, scope.
func (w *canonicalWriter) incident(inc *article5.IncidentReport) {
	w.buf = append(w.buf, `{"assessments":`...)
	w.assessments(inc.Assessments)
	w.buf = append(w.buf, `,"id":`...)
	w.str(inc.ID)
	w.buf = append(w.buf, `,"scope":`...)
	w.scope(&inc.Scope)
	w.buf = append(w.buf, '}')
}

// scope writes hashedScopeOf(s): article, locations (left out when empty),
// us_facility (left out when ""), value.
func (w *canonicalWriter) scope(s *article5.ScopeFinding) {
	w.buf = append(w.buf, `{"article":`...)
	w.str(s.Article)
	if len(s.Locations) > 0 {
		w.buf = append(w.buf, `,"locations":[`...)
		for i, l := range s.Locations {
			if i > 0 {
				w.buf = append(w.buf, ',')
			}
			w.buf = append(w.buf, `{"location":`...)
			w.str(l.Location)
			w.buf = append(w.buf, `,"value":`...)
			w.str(string(l.Value))
			w.buf = append(w.buf, '}')
		}
		w.buf = append(w.buf, ']')
	}
	if s.Facility != "" {
		w.buf = append(w.buf, `,"us_facility":`...)
		w.str(s.Facility)
	}
	w.buf = append(w.buf, `,"value":`...)
	w.str(string(s.Value))
	w.buf = append(w.buf, '}')
}

// assessments writes hashedAs(m): an object by doctrine id, {} when m is
// empty or nil.
func (w *canonicalWriter) assessments(m map[string]*article5.DoctrineAssessment) {
	var kb [8]string
	keys, ok := sortedKeys(m, kb[:0])
	if !ok {
		w.raw(hashedAs(m))
		return
	}
	w.buf = append(w.buf, '{')
	for i, k := range keys {
		w.key(i == 0, k)
		w.assessment(m[k])
	}
	w.buf = append(w.buf, '}')
}

// assessment writes one hashedA, members in canonical order.
func (w *canonicalWriter) assessment(a *article5.DoctrineAssessment) {
	w.buf = append(w.buf, '{')
	first := true
	if a.Attribution.Actor != nil && a.Attribution.Actor.ID != "" {
		w.key(true, "actor")
		w.str(a.Attribution.Actor.ID)
		first = false
	}
	w.key(first, "armed_attack_met")
	w.boolean(a.ArmedAttack.Met)
	w.buf = append(w.buf, `,"attribution_sufficient":`...)
	w.boolean(a.Attribution.Sufficient)
	w.buf = append(w.buf, `,"changes_if":[`...)
	for i := range a.ChangesIf {
		if i > 0 {
			w.buf = append(w.buf, ',')
		}
		w.change(&a.ChangesIf[i])
	}
	w.buf = append(w.buf, `],"confidence":`...)
	if c := a.Attribution.Confidence; c != nil {
		w.num(float64(*c))
	} else {
		w.null()
	}
	w.buf = append(w.buf, `,"criteria":`...)
	w.criteria(a.ArmedAttack.Criteria)
	if c := a.Cumulative; c != nil {
		w.buf = append(w.buf, `,"cumulative":`...)
		w.cumulative(c)
	}
	w.buf = append(w.buf, `,"factors":`...)
	w.factors(a.UseOfForce.Factors)
	if a.LeadIncident != "" {
		w.buf = append(w.buf, `,"lead_incident":`...)
		w.str(a.LeadIncident)
	}
	w.buf = append(w.buf, `,"legal_basis":`...)
	w.str(a.Attribution.LegalBasis)
	if len(a.Presumptions) > 0 {
		// Left out when empty, so that findings made before presumptions
		// existed (doctrines 1.x) hash as they were signed.
		w.buf = append(w.buf, `,"presumptions":[`...)
		for i := range a.Presumptions {
			if i > 0 {
				w.buf = append(w.buf, ',')
			}
			w.presumption(&a.Presumptions[i])
		}
		w.buf = append(w.buf, ']')
	}
	w.buf = append(w.buf, `,"priority":`...)
	w.num(a.Priority.Score)
	w.buf = append(w.buf, `,"priority_level":`...)
	w.str(a.Priority.Level)
	w.buf = append(w.buf, `,"self_defence_available":`...)
	w.boolean(a.SelfDefenceAvailable)
	w.buf = append(w.buf, `,"severity":`...)
	w.num(float64(a.Severity))
	if a.Attribution.State != nil && a.Attribution.State.ID != "" {
		w.buf = append(w.buf, `,"state":`...)
		w.str(a.Attribution.State.ID)
	}
	w.buf = append(w.buf, `,"state_nexus":`...)
	if s := a.Attribution.StateNexus; s != nil {
		w.boolean(*s)
	} else {
		w.null()
	}
	w.buf = append(w.buf, `,"tier":`...)
	w.str(string(a.Tier))
	w.buf = append(w.buf, `,"tier_on_known_facts":`...)
	w.str(string(a.TierOnKnownFacts))
	w.buf = append(w.buf, `,"tier_rule":`...)
	w.str(a.TierRule.Name)
	w.buf = append(w.buf, `,"use_of_force_met":`...)
	w.boolean(a.UseOfForce.Met)
	w.buf = append(w.buf, '}')
}

// factors writes hashedA.Factors, name → score; of equal names the last
// wins, as in the map hashedAs fills.
func (w *canonicalWriter) factors(fs []article5.Factor) {
	order, ok := w.nameOrder(len(fs), func(i int) string { return fs[i].Name })
	if !ok {
		m := make(map[string]int, len(fs))
		for _, f := range fs {
			m[f.Name] = f.Score
		}
		w.raw(m)
		return
	}
	w.buf = append(w.buf, '{')
	for k, i := range order {
		w.key(k == 0, fs[i].Name)
		w.num(float64(fs[i].Score))
	}
	w.buf = append(w.buf, '}')
}

// criteria writes hashedA.Criteria, name → met; of equal names the last
// wins.
func (w *canonicalWriter) criteria(cs []article5.Criterion) {
	order, ok := w.nameOrder(len(cs), func(i int) string { return cs[i].Name })
	if !ok {
		m := make(map[string]bool, len(cs))
		for _, c := range cs {
			m[c.Name] = c.Met
		}
		w.raw(m)
		return
	}
	w.buf = append(w.buf, '{')
	for k, i := range order {
		w.key(k == 0, cs[i].Name)
		w.boolean(cs[i].Met)
	}
	w.buf = append(w.buf, '}')
}

// nameOrder returns the indices 0..n-1 of a list of names sorted in
// canonical order, keeping of equal names the last: the members of the
// map that filling it in list order gives. A doctrine's factors and
// criteria are the same list for every incident, so the orders found are
// kept (a few per writer) and reused. ok is false when a name is not valid
// UTF-8 (see sortedKeys).
func (w *canonicalWriter) nameOrder(n int, name func(int) string) (order []int, ok bool) {
next:
	for _, o := range w.orders {
		if len(o.names) != n {
			continue
		}
		for i, s := range o.names {
			if name(i) != s {
				continue next
			}
		}
		return o.order, true
	}
	names := make([]string, n)
	for i := range names {
		if names[i] = name(i); !utf8.ValidString(names[i]) {
			return nil, false
		}
	}
	order = make([]int, n)
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return stix.CompareUTF16(names[a], names[b]) })
	kept := order[:0]
	for k, i := range order {
		if k+1 < len(order) && names[order[k+1]] == names[i] {
			continue
		}
		kept = append(kept, i)
	}
	if len(w.orders) < 16 {
		w.orders = append(w.orders, namesInOrder{names: names, order: kept})
	}
	return kept, true
}

// change writes one hashedChange: fact, tier, value, with (left out when
// empty).
func (w *canonicalWriter) change(c *article5.ChangeIf) {
	w.buf = append(w.buf, `{"fact":`...)
	w.str(c.Fact)
	w.buf = append(w.buf, `,"tier":`...)
	w.str(string(c.Tier))
	w.buf = append(w.buf, `,"value":`...)
	w.value(c.Value)
	if len(c.With) > 0 {
		w.buf = append(w.buf, `,"with":`...)
		w.value(c.With)
	}
	w.buf = append(w.buf, '}')
}

// presumption writes one hashedPresumption: fact, rebutted_by {fact,
// value}, value.
func (w *canonicalWriter) presumption(p *article5.Presumption) {
	w.buf = append(w.buf, `{"fact":`...)
	w.str(p.Fact)
	w.buf = append(w.buf, `,"rebutted_by":{"fact":`...)
	w.str(p.RebuttedBy.Fact)
	w.buf = append(w.buf, `,"value":`...)
	w.value(p.RebuttedBy.Value)
	w.buf = append(w.buf, `},"value":`...)
	w.value(p.Value)
	w.buf = append(w.buf, '}')
}

// cumulative writes one hashedCumulative: changes_if (left out when
// empty), enabled, groups, raised, tier; each group facts, from,
// incidents, originator, tier, to.
func (w *canonicalWriter) cumulative(c *article5.Cumulative) {
	w.buf = append(w.buf, '{')
	if len(c.ChangesIf) > 0 {
		// Left out when empty: findings of doctrines 1.x hash as signed.
		w.buf = append(w.buf, `"changes_if":[`...)
		for i := range c.ChangesIf {
			if i > 0 {
				w.buf = append(w.buf, ',')
			}
			w.change(&c.ChangesIf[i])
		}
		w.buf = append(w.buf, "],"...)
	}
	w.buf = append(w.buf, `"enabled":`...)
	w.boolean(c.Enabled)
	w.buf = append(w.buf, `,"groups":[`...)
	for i := range c.Groups {
		g := &c.Groups[i]
		if i > 0 {
			w.buf = append(w.buf, ',')
		}
		w.buf = append(w.buf, `{"facts":`...)
		w.value(g.Facts)
		w.buf = append(w.buf, `,"from":`...)
		w.str(g.From)
		w.buf = append(w.buf, `,"incidents":`...)
		w.value(g.Incidents)
		w.buf = append(w.buf, `,"originator":`...)
		w.str(g.Originator.ID)
		w.buf = append(w.buf, `,"tier":`...)
		w.str(string(g.Tier))
		w.buf = append(w.buf, `,"to":`...)
		w.str(g.To)
		w.buf = append(w.buf, '}')
	}
	w.buf = append(w.buf, `],"raised":`...)
	w.boolean(c.Raised)
	w.buf = append(w.buf, `,"tier":`...)
	w.str(string(c.Tier))
	w.buf = append(w.buf, '}')
}

// divergence writes one hashedDivergence: aspect, incident (left out when
// ""), values.
func (w *canonicalWriter) divergence(d *article5.Divergence) {
	w.buf = append(w.buf, `{"aspect":`...)
	w.str(d.Aspect)
	if d.Incident != "" {
		w.buf = append(w.buf, `,"incident":`...)
		w.str(d.Incident)
	}
	w.buf = append(w.buf, `,"values":`...)
	w.value(d.Values)
	w.buf = append(w.buf, '}')
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
	Presumed    []hashedPresumed  `json:"presumptions,omitempty"`
}

type hashedPresumed struct {
	Fact       string            `json:"fact"`
	Value      any               `json:"value"`
	RebuttedBy article5.ChangeTo `json:"rebutted_by"`
}

type hashedCumulative struct {
	ChangesIf []hashedChange `json:"changes_if,omitempty"`
	Enabled   bool           `json:"enabled"`
	Tier      article5.Tier  `json:"tier"`
	Raised    bool           `json:"raised"`
	Groups    []hashedGroup  `json:"groups"`
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
		for _, p := range a.Presumptions {
			h.Presumed = append(h.Presumed, hashedPresumed{Fact: p.Fact, Value: p.Value, RebuttedBy: p.RebuttedBy})
		}
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
			for _, ch := range c.ChangesIf {
				hc.ChangesIf = append(hc.ChangesIf, hashedChange{Fact: ch.Fact, Value: ch.Value, With: ch.With, Tier: ch.Tier})
			}
			for _, g := range c.Groups {
				hc.Groups = append(hc.Groups, hashedGroup{Originator: g.Originator.ID, Incidents: g.Incidents, From: g.From, To: g.To, Facts: g.Facts, Tier: g.Tier})
			}
			h.Cumulative = hc
		}
		out[id] = h
	}
	return out
}
