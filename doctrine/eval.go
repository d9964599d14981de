package doctrine

import (
	"fmt"
	"math"
	"reflect"
	"strconv"
	"sync"

	"article5"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/interpreter"
)

// activation resolves CEL variables from a slot slice; it is not shared
// between goroutines.
type activation struct {
	slots map[string]int
	vals  []ref.Val
}

func (a *activation) ResolveName(name string) (any, bool) {
	i, ok := a.slots[name]
	if !ok || a.vals[i] == nil {
		return nil, false
	}
	return a.vals[i], true
}

func (a *activation) Parent() interpreter.Activation { return nil }

// FactVal converts a fact to its CEL value: optional.of(v) when known,
// optional.none() when not.
func FactVal(fd article5.FactDef, v article5.FactValue) ref.Val {
	if !v.Known {
		return types.OptionalNone
	}
	var x ref.Val
	switch val := v.Value.(type) {
	case int64:
		x = types.Int(val)
	case int:
		x = types.Int(int64(val))
	case float64:
		x = types.Double(val)
	case bool:
		x = types.Bool(val)
	case string:
		x = types.String(val)
	case []string:
		x = types.NewStringList(types.DefaultTypeAdapter, val)
	default:
		return types.OptionalNone
	}
	return types.OptionalOf(x)
}

func (d *Doctrine) newActivation(f *article5.Facts) *activation {
	a := &activation{slots: d.slots, vals: make([]ref.Val, d.nslots)}
	copy(a.vals, d.paramVals)
	for i, fd := range article5.FactCatalogue() {
		a.vals[i] = FactVal(fd, f.Values[i])
	}
	return a
}

func evalBool(p cel.Program, a *activation) (bool, error) {
	if p == nil {
		return false, nil
	}
	out, _, err := p.Eval(a)
	if err != nil {
		return false, err
	}
	b, ok := out.(types.Bool)
	if !ok {
		return false, fmt.Errorf("expected bool, got %v", out)
	}
	return bool(b), nil
}

// state is the tier path's intermediate results for one fact set.
type state struct {
	factorLevel []int // chosen level per factor
	criteria    []bool
	uofMet      bool
	aaMet       bool
	attrSuff    bool
	tierIdx     int
	presumed    []int // indices of the presumptions applied, in order
}

func (d *Doctrine) firstLevel(levels []level, a *activation) (int, error) {
	for i, l := range levels {
		if l.always {
			return i, nil
		}
		ok, err := evalBool(l.prog, a)
		if err != nil {
			return 0, err
		}
		if ok {
			return i, nil
		}
	}
	return len(levels) - 1, nil
}

// run evaluates the tier path. If prev is non-nil, only the factors and
// criteria that read a fact in `changed` are re-evaluated.
func (d *Doctrine) run(a *activation, prev *state, changed []int) (*state, error) {
	s := &state{}
	var err error
	if prev == nil {
		s.factorLevel = make([]int, len(d.factors))
		for i, f := range d.factors {
			if s.factorLevel[i], err = d.firstLevel(f.levels, a); err != nil {
				return nil, fmt.Errorf("factor %s: %w", f.name, err)
			}
		}
		s.criteria = make([]bool, len(d.criteria))
		for i, c := range d.criteria {
			if s.criteria[i], err = evalBool(c.prog, a); err != nil {
				return nil, fmt.Errorf("criterion %s: %w", c.name, err)
			}
		}
	} else {
		s.factorLevel = append([]int(nil), prev.factorLevel...)
		s.criteria = append([]bool(nil), prev.criteria...)
		for _, ch := range changed {
			for _, i := range d.factorDeps[ch] {
				if s.factorLevel[i], err = d.firstLevel(d.factors[i].levels, a); err != nil {
					return nil, fmt.Errorf("factor %s: %w", d.factors[i].name, err)
				}
			}
			for _, i := range d.criterionDep[ch] {
				if s.criteria[i], err = evalBool(d.criteria[i].prog, a); err != nil {
					return nil, fmt.Errorf("criterion %s: %w", d.criteria[i].name, err)
				}
			}
		}
	}
	for i, f := range d.factors {
		a.vals[d.factorSlots[i]] = types.Int(int64(f.levels[s.factorLevel[i]].score))
	}
	if s.uofMet, err = evalBool(d.uofMet.prog, a); err != nil {
		return nil, fmt.Errorf("use_of_force.met: %w", err)
	}
	a.vals[d.slotUofMet] = types.Bool(s.uofMet)
	for i := range d.criteria {
		a.vals[d.criterionSlots[i]] = types.Bool(s.criteria[i])
	}
	if s.aaMet, err = evalBool(d.aaMet.prog, a); err != nil {
		return nil, fmt.Errorf("armed_attack.met: %w", err)
	}
	a.vals[d.slotAAMet] = types.Bool(s.aaMet)
	if s.attrSuff, err = evalBool(d.attrSuff.prog, a); err != nil {
		return nil, fmt.Errorf("attribution.sufficient: %w", err)
	}
	a.vals[d.slotAttrSuff] = types.Bool(s.attrSuff)
	s.tierIdx = len(d.tiers) - 1
	for i, t := range d.tiers {
		ok, err := evalBool(t.prog, a)
		if err != nil {
			return nil, fmt.Errorf("tier %s: %w", t.tier, err)
		}
		if ok {
			s.tierIdx = i
			break
		}
	}
	return s, nil
}

// Tier applies the doctrine to facts and returns the tier it finds,
// indeterminate included (the Tier of Evaluate, without its explanation).
// Errors are EINTERNAL (a rule failed at run time).
func (d *Doctrine) Tier(f *article5.Facts) (article5.Tier, error) {
	p, err := d.prepare(f)
	if err != nil {
		return "", article5.Internal("doctrine "+d.ID, err)
	}
	st, err := d.run(p.a, nil, nil)
	if err != nil {
		return "", article5.Internal("doctrine "+d.ID, err)
	}
	dec, err := d.decide(p, st)
	if err != nil {
		return "", article5.Internal("doctrine "+d.ID, err)
	}
	return dec.tier, nil
}

// Evaluate applies the doctrine to one incident's (or group's) facts and
// returns its findings. First the doctrine's presumptions fill the unknown
// facts whose conditions hold; then the tier path gives the tier on the
// known facts; a below-threshold finding whose `below_threshold_requires`
// are not established, or a finding that a `needed` fact, unknown or not
// established, would change, is indeterminate. changes_if is found by
// re-running all of it on each probe of the `probes` section and on the
// rebuttal of each presumption applied. Cumulative and LeadIncident are
// left for the caller. Errors are EINTERNAL.
//
// Evaluate is a pure function of the fact values: results are memoised by
// them (evidence and actor names are filled in per call), so incidents with
// the same facts cost one evaluation.
func (d *Doctrine) Evaluate(f *article5.Facts) (*article5.DoctrineAssessment, error) {
	key := factKey(f)
	if e := d.memo.get(key); e != nil {
		return d.dress(e, f), nil
	}
	out, st, err := d.evaluate(f)
	if err != nil {
		return nil, err
	}
	d.memo.put(key, &memoEntry{a: out, st: st})
	return d.dress(&memoEntry{a: out, st: st}, f), nil
}

// dress copies a memoised assessment and fills in what depends on the
// incident rather than on the fact values: evidence and attribution refs.
func (d *Doctrine) dress(e *memoEntry, f *article5.Facts) *article5.DoctrineAssessment {
	a := *e.a
	g := f.Clone()
	article5.DeriveFacts(g)
	a.UseOfForce.Factors = make([]article5.Factor, len(e.a.UseOfForce.Factors))
	for i, fa := range e.a.UseOfForce.Factors {
		fa.Evidence = evidence(g, d.factors[i].levels[e.st.factorLevel[i]].upTo)
		a.UseOfForce.Factors[i] = fa
	}
	a.ArmedAttack.Criteria = make([]article5.Criterion, len(e.a.ArmedAttack.Criteria))
	for i, c := range e.a.ArmedAttack.Criteria {
		c.Evidence = evidence(g, d.criteria[i].facts)
		a.ArmedAttack.Criteria[i] = c
	}
	a.Presumptions = make([]article5.Presumption, len(e.a.Presumptions))
	for i, p := range e.a.Presumptions {
		p.Evidence = evidence(g, d.presumptions[e.st.presumed[i]].facts)
		a.Presumptions[i] = p
	}
	a.Attribution = attribution(f, e.a.Attribution.Sufficient, e.a.Attribution.Reason)
	return &a
}

// memo is a bounded map from fact-value keys to results.
type memo struct {
	mu sync.Mutex
	m  map[string]*memoEntry
}

type memoEntry struct {
	a  *article5.DoctrineAssessment
	st *state
}

const memoMax = 1 << 16

func (m *memo) get(k string) *memoEntry {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.m[k]
}

func (m *memo) put(k string, e *memoEntry) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.m == nil || len(m.m) >= memoMax {
		m.m = make(map[string]*memoEntry)
	}
	m.m[k] = e
}

// factKey encodes every fact's value (not its evidence).
func factKey(f *article5.Facts) string {
	var b []byte
	for _, v := range f.Values {
		if !v.Known {
			b = append(b, '?', 0x1f)
			continue
		}
		switch x := v.Value.(type) {
		case int64:
			b = strconv.AppendInt(append(b, 'i'), x, 10)
		case float64:
			b = strconv.AppendFloat(append(b, 'f'), x, 'g', -1, 64)
		case bool:
			b = strconv.AppendBool(append(b, 'b'), x)
		case string:
			b = append(append(b, 's'), x...)
		case []string:
			b = append(b, 'l')
			for _, s := range x {
				b = append(append(b, s...), 0x1e)
			}
		default:
			b = fmt.Appendf(append(b, 'x'), "%v", x)
		}
		b = append(b, 0x1f)
	}
	return string(b)
}

func nativeOf(v ref.Val) any {
	switch x := v.(type) {
	case types.Int:
		return int64(x)
	case types.Double:
		return float64(x)
	case types.Bool:
		return bool(x)
	case types.String:
		return string(x)
	}
	if l, ok := v.Value().([]ref.Val); ok {
		out := make([]string, 0, len(l))
		for _, e := range l {
			out = append(out, fmt.Sprint(e.Value()))
		}
		return out
	}
	if n, err := v.ConvertToNative(reflectStrings); err == nil {
		return n
	}
	return nil
}

func equalValue(a, b any) bool {
	switch x := a.(type) {
	case []string:
		y, ok := b.([]string)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if x[i] != y[i] {
				return false
			}
		}
		return true
	case int:
		return int64(x) == b
	}
	return a == b
}

func pick(met bool, t test) string {
	if met {
		return t.reasonMet
	}
	return t.reasonNot
}

func evidence(f *article5.Facts, facts []int) []article5.Evidence {
	var all []article5.Evidence
	for _, fi := range facts {
		all = append(all, f.Values[fi].Evidence...)
	}
	return article5.SortEvidence(all)
}

func attribution(f *article5.Facts, sufficient bool, reason string) article5.Attribution {
	at := article5.Attribution{Actor: f.Actor, State: f.State, LegalBasis: "unknown", Sufficient: sufficient, Reason: reason}
	var facts []int
	for _, n := range []string{article5.FactLegalBasis, article5.FactStateNexus, article5.FactAttributionConfidence, article5.FactStateNexusConfidence} {
		i, _ := article5.FactIndex(n)
		facts = append(facts, i)
	}
	if v := f.Get(article5.FactLegalBasis); v.Known {
		at.LegalBasis = v.Value.(string)
	}
	if v := f.Get(article5.FactAttributionConfidence); v.Known {
		c := int(v.Value.(int64))
		at.Confidence = &c
	}
	if v := f.Get(article5.FactStateNexusConfidence); v.Known {
		c := int(v.Value.(int64))
		at.StateConfidence = &c
	}
	if v := f.Get(article5.FactStateNexus); v.Known {
		b := v.Value.(bool)
		at.StateNexus = &b
	}
	at.Evidence = evidence(f, facts)
	return at
}

func (d *Doctrine) priority(a *activation) (article5.Priority, error) {
	p := article5.Priority{Categories: map[string]float64{}, Notional: d.notional}
	var sum, wsum float64
	for _, c := range d.categories {
		i, err := d.firstLevel(c.levels, a)
		if err != nil {
			return p, fmt.Errorf("category %s: %w", c.name, err)
		}
		s := c.levels[i].score
		p.Categories[c.name] = s
		sum += s * c.weight
		wsum += c.weight
	}
	if wsum > 0 {
		p.Score = math.Round(sum/wsum*1000) / 10 // 0–100, one decimal
	}
	p.Level = "Baseline"
	for _, l := range d.plevels {
		if p.Score >= l.Min {
			p.Level = l.Level
			break
		}
	}
	return p, nil
}

var reflectStrings = reflect.TypeOf([]string(nil))

// SelfDefence applies the doctrine's self_defence_available rule to a tier
// on the given facts, with its reason. Errors are EINTERNAL.
func (d *Doctrine) SelfDefence(f *article5.Facts, t article5.Tier) (bool, string, error) {
	p, err := d.prepare(f)
	if err != nil {
		return false, "", article5.Internal("doctrine "+d.ID, err)
	}
	a := p.a
	if _, err := d.run(a, nil, nil); err != nil {
		return false, "", article5.Internal("doctrine "+d.ID, err)
	}
	a.vals[d.slotTier] = types.String(string(t))
	ok, err := evalBool(d.selfDef.prog, a)
	if err != nil {
		return false, "", article5.Internal("doctrine "+d.ID+" self_defence_available", err)
	}
	return ok, pick(ok, d.selfDef), nil
}
