package doctrine

import (
	"fmt"
	"sort"
	"strings"
	"sync"

	"article5"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
)

// prepared is one fact set made ready for the rules: derived facts
// recomputed, the activation built and the presumptions applied.
type prepared struct {
	f        *article5.Facts // the facts as given (derived facts recomputed)
	a        *activation
	presumed []int // indices of d.presumptions applied, in order
	touched  []int // for a probe, the facts set in it; nil otherwise
}

// prepare derives, activates and presumes. A presumption applies only
// while its fact is unknown in f (an explicit value rebuts it) and its
// condition holds on the facts known or presumed so far.
func (d *Doctrine) prepare(f *article5.Facts) (*prepared, error) {
	return d.prepareOwned(f.Clone())
}

// prepareOwned is prepare on facts the caller gives up (no copy).
func (d *Doctrine) prepareOwned(g *article5.Facts) (*prepared, error) {
	article5.DeriveFacts(g)
	p := &prepared{f: g, a: d.newActivation(g)}
	return p, d.presume(p)
}

// prepareProbe is prepareOwned for g, a copy of from.f in which only the
// facts touched (and the facts derived from them) may differ: the fact
// slots are copied from from's, with its presumptions undone, and only
// those facts are converted again. The result is the same as
// prepareOwned(g).
func (d *Doctrine) prepareProbe(from *prepared, g *article5.Facts, touched []int) (*prepared, error) {
	article5.DeriveFacts(g)
	cat := article5.FactCatalogue()
	a := &activation{slots: d.slots, vals: scratchVals(d.nslots)}
	copy(a.vals, d.paramVals)
	copy(a.vals, from.a.vals[:len(cat)])
	for _, i := range from.presumed {
		fi := d.presumptions[i].fact
		a.vals[fi] = FactVal(cat[fi], g.Values[fi])
	}
	for _, i := range touched {
		a.vals[i] = FactVal(cat[i], g.Values[i])
	}
	for _, i := range derivedSlots {
		a.vals[i] = FactVal(cat[i], g.Values[i])
	}
	p := &prepared{f: g, a: a, touched: touched}
	return p, d.presume(p)
}

// Probes are prepared on scratch buffers, released once the probe's
// finding is read (release): a distinct evaluation runs some 25 of them.
var (
	factsPool sync.Pool // *[]article5.FactValue
	valsPool  sync.Pool // *[]ref.Val
)

func scratchFacts(f *article5.Facts) *article5.Facts {
	g := *f
	if b, ok := factsPool.Get().(*[]article5.FactValue); ok {
		g.Values = append((*b)[:0], f.Values...)
	} else {
		g.Values = append([]article5.FactValue(nil), f.Values...)
	}
	return &g
}

func scratchVals(n int) []ref.Val {
	if b, ok := valsPool.Get().(*[]ref.Val); ok && cap(*b) >= n {
		v := (*b)[:n]
		clear(v)
		return v
	}
	return make([]ref.Val, n)
}

// release returns a probe's buffers; q must not be used afterwards.
func release(q *prepared) {
	if q == nil || q.touched == nil {
		return
	}
	v := q.f.Values
	clear(v) // drop references to values and evidence
	factsPool.Put(&v)
	w := q.a.vals
	valsPool.Put(&w)
}

// derivedSlots are the catalogue indices of the derived facts, which
// DeriveFacts recomputes from others.
var derivedSlots = func() []int {
	var out []int
	for i, fd := range article5.FactCatalogue() {
		if fd.Accumulate == article5.AccDerived {
			out = append(out, i)
		}
	}
	return out
}()

// presume applies the presumptions to p.a.
func (d *Doctrine) presume(p *prepared) error {
	g := p.f
	var done map[int]bool
	for i, pr := range d.presumptions {
		if g.Values[pr.fact].Known || done[pr.fact] {
			continue
		}
		ok, err := evalBool(pr.when, p.a)
		if err != nil {
			return fmt.Errorf("presumption %s: %w", article5.FactCatalogue()[pr.fact].Name, err)
		}
		if !ok {
			continue
		}
		v, _, err := pr.value.Eval(p.a)
		if err != nil {
			return fmt.Errorf("presumption %s value: %w", article5.FactCatalogue()[pr.fact].Name, err)
		}
		p.a.vals[pr.fact] = types.OptionalOf(v)
		if done == nil {
			done = map[int]bool{}
		}
		done[pr.fact] = true
		p.presumed = append(p.presumed, i)
	}
	return nil
}

// presumedFact reports whether fact fi was presumed in p.
func (d *Doctrine) presumedFact(p *prepared, fi int) bool {
	for _, i := range p.presumed {
		if d.presumptions[i].fact == fi {
			return true
		}
	}
	return false
}

// decision is the tier a doctrine finds and, when indeterminate, why.
type decision struct {
	known       article5.Tier // tier on the known (and presumed) facts
	tier        article5.Tier // the finding: known, or indeterminate
	rule        article5.Rule // set when indeterminate
	undecidedBy string
	requirement int // index of the unmet requirement, -1 if none
}

// decide turns the tier on the known facts into the finding: a
// below-threshold finding whose requirements are not established is
// indeterminate; so is any finding that a needed fact, unknown or not
// established, would change (found by running that fact's probes).
func (d *Doctrine) decide(p *prepared, st *state) (decision, error) {
	tr := d.tiers[st.tierIdx]
	dec := decision{known: tr.tier, tier: tr.tier, requirement: -1}
	cat := article5.FactCatalogue()
	if tr.tier == article5.TierBelowThreshold {
		for i, rq := range d.requires {
			ok, err := evalBool(rq.established, p.a)
			if err != nil {
				return dec, fmt.Errorf("requirement %s: %w", rq.name, err)
			}
			if ok {
				continue
			}
			dec.tier, dec.requirement = article5.TierIndeterminate, i
			dec.undecidedBy = cat[rq.facts[0]].Name
			for _, fi := range rq.facts {
				if !p.f.Values[fi].Known && !d.presumedFact(p, fi) {
					dec.undecidedBy = cat[fi].Name
					break
				}
			}
			dec.rule = article5.Rule{Name: "below-threshold-needs-" + rq.name,
				Reason: fmt.Sprintf("Not established: %s A below-threshold finding needs it; on the known facts the tier would be %s.", ensureStop(rq.why), tr.tier),
				Source: rq.source}
			return dec, nil
		}
	}
	for _, fi := range d.neededOrder {
		nd := d.needed[fi]
		state := "unknown"
		if p.f.Values[fi].Known || d.presumedFact(p, fi) {
			if nd.established == nil {
				continue
			}
			ok, err := evalBool(nd.established, p.a)
			if err != nil {
				return dec, fmt.Errorf("needed %s: %w", cat[fi].Name, err)
			}
			if ok {
				continue
			}
			state = "not established"
		}
		for _, pb := range d.probes {
			if pb.fact != fi {
				continue
			}
			for _, prog := range pb.values {
				q, native, with, err := d.probe(p, pb, prog)
				if err != nil {
					return dec, err
				}
				if q == nil {
					continue
				}
				st2, err := d.run(q.a, st, d.changed(p, q))
				release(q)
				if err != nil {
					return dec, err
				}
				t := d.tiers[st2.tierIdx].tier
				if t == tr.tier {
					continue
				}
				why := ""
				if nd.why != "" {
					why = " (" + nd.why + ")"
				}
				var cur any
				if p.f.Values[fi].Known {
					cur = p.f.Values[fi].Value
				}
				_ = with
				dec.tier, dec.undecidedBy = article5.TierIndeterminate, cat[fi].Name
				dec.rule = article5.Rule{Name: "needed-fact-" + strings.ReplaceAll(state, " ", "-"),
					Reason: fmt.Sprintf("%s is %s and decides the tier%s. On the known facts the tier would be %s; it would be %s %s.",
						subject(cat[fi].Label), state, why, tr.tier, t, probeCondition(pb.text, cat[fi], cur, native)),
					Source: "doctrine " + d.ID + ": the facts it needs before it decides"}
				return dec, nil
			}
		}
	}
	return dec, nil
}

// subject makes a fact's label the subject of a sentence: "The people
// affected", but "Whether the conduct is attributable to a State".
func subject(label string) string {
	if strings.HasPrefix(label, "whether ") || strings.HasPrefix(label, "how ") {
		return strings.ToUpper(label[:1]) + label[1:]
	}
	return "The " + label
}

func ensureStop(s string) string {
	s = strings.TrimSpace(s)
	if s == "" || strings.HasSuffix(s, ".") {
		return s
	}
	return s + "."
}

// probe builds the fact set of one probe value (with the facts set
// together with it) from p. It returns nil when the probe value equals the
// known value (nothing would change).
func (d *Doctrine) probe(p *prepared, pb probe, prog cel.Program) (*prepared, any, map[string]any, error) {
	cat := article5.FactCatalogue()
	fd := cat[pb.fact]
	v, _, err := prog.Eval(p.a)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("probe %s: %w", fd.Name, err)
	}
	native := nativeOf(v)
	cur := p.f.Values[pb.fact]
	if native == nil || (cur.Known && equalValue(cur.Value, native)) {
		return nil, nil, nil, nil
	}
	g := scratchFacts(p.f)
	g.Values[pb.fact] = article5.FactValue{Known: true, Value: native}
	touched := []int{pb.fact}
	var with map[string]any
	for _, w := range pb.with {
		wv, _, err := w.value.Eval(p.a)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("probe %s with %s: %w", fd.Name, cat[w.fact].Name, err)
		}
		if n := nativeOf(wv); n != nil && !(p.f.Values[w.fact].Known && equalValue(p.f.Values[w.fact].Value, n)) {
			g.Values[w.fact] = article5.FactValue{Known: true, Value: n}
			touched = append(touched, w.fact)
			if with == nil {
				with = map[string]any{}
			}
			with[cat[w.fact].Name] = n
		}
	}
	q, err := d.prepareProbe(p, g, touched)
	if err != nil {
		return nil, nil, nil, err
	}
	return q, native, with, nil
}

// changed lists the fact slots whose values differ between two prepared
// fact sets: the probed facts, the facts derived from them and the
// presumptions that now apply or no longer do.
func (d *Doctrine) changed(p, q *prepared) []int {
	var out []int
	cands := d.allFacts
	if q.touched != nil {
		// A probe differs from p only in the facts it sets, the derived
		// facts and the facts presumptions set.
		cands = append(append(append(make([]int, 0, len(q.touched)+len(derivedSlots)+len(d.presumedSlots)),
			q.touched...), derivedSlots...), d.presumedSlots...)
	}
	var seen [128]bool
	for _, i := range cands {
		if i < len(seen) {
			if seen[i] {
				continue
			}
			seen[i] = true
		}
		x, y := p.a.vals[i], q.a.vals[i]
		if x == nil || y == nil {
			if x != y {
				out = append(out, i)
			}
			continue
		}
		if x.Equal(y) != types.True {
			out = append(out, i)
		}
	}
	return out
}

func (d *Doctrine) evaluate(f *article5.Facts) (*article5.DoctrineAssessment, *state, error) {
	p, err := d.prepare(f)
	if err != nil {
		return nil, nil, article5.Internal("doctrine "+d.ID, err)
	}
	a := p.a
	s, err := d.run(a, nil, nil)
	if err != nil {
		return nil, nil, article5.Internal("doctrine "+d.ID, err)
	}
	s.presumed = p.presumed
	cat := article5.FactCatalogue()
	out := &article5.DoctrineAssessment{Doctrine: d.Ref()}

	// Use of force.
	for i, fa := range d.factors {
		l := fa.levels[s.factorLevel[i]]
		out.UseOfForce.Factors = append(out.UseOfForce.Factors, article5.Factor{
			Name: fa.name, Score: int(l.score), Reasons: l.reason, Source: fa.source,
			Evidence: evidence(p.f, l.upTo)})
	}
	out.UseOfForce.Met = s.uofMet
	out.UseOfForce.Reason = pick(s.uofMet, d.uofMet)
	// Armed attack.
	for i, c := range d.criteria {
		out.ArmedAttack.Criteria = append(out.ArmedAttack.Criteria, article5.Criterion{
			Name: c.name, Met: s.criteria[i], Reasons: pick(s.criteria[i], c), Source: c.source,
			Evidence: evidence(p.f, c.facts)})
	}
	out.ArmedAttack.Met = s.aaMet
	out.ArmedAttack.Reason = pick(s.aaMet, d.aaMet)
	// Attribution.
	out.Attribution = attribution(f, s.attrSuff, pick(s.attrSuff, d.attrSuff))
	// Presumptions.
	out.Presumptions = []article5.Presumption{}
	for _, i := range p.presumed {
		pr := d.presumptions[i]
		rv, _, err := pr.rebutVal.Eval(a)
		if err != nil {
			return nil, nil, article5.Internal("doctrine "+d.ID+" presumption rebuttal", err)
		}
		out.Presumptions = append(out.Presumptions, article5.Presumption{Fact: cat[pr.fact].Name, Value: nativeOf(a.vals[pr.fact].(*types.Optional).GetValue()),
			Statement: pr.says, Because: pr.because, Source: pr.source, Rebuttal: pr.rebuttal,
			RebuttedBy: article5.ChangeTo{Fact: cat[pr.rebutBy].Name, Value: nativeOf(rv)}, Evidence: evidence(p.f, pr.facts)})
	}
	// Tier.
	dec, err := d.decide(p, s)
	if err != nil {
		return nil, nil, article5.Internal("doctrine "+d.ID, err)
	}
	tr := d.tiers[s.tierIdx]
	out.TierOnKnownFacts = tr.tier
	out.Tier = dec.tier
	out.TierRule = article5.Rule{Name: tr.name, Reason: tr.reason, Source: tr.source}
	if dec.tier == article5.TierIndeterminate {
		out.TierRule = dec.rule
		out.UndecidedBy = dec.undecidedBy
	}

	// Severity and priority (never decide the tier).
	si, err := d.firstLevel(d.severity, a)
	if err != nil {
		return nil, nil, article5.Internal("doctrine "+d.ID+" severity", err)
	}
	out.Severity = d.severity[si].value
	out.SeverityReason = d.severity[si].reason
	out.Priority, err = d.priority(a)
	if err != nil {
		return nil, nil, article5.Internal("doctrine "+d.ID+" priority", err)
	}

	// Unknown facts the doctrine reads (presumed facts are listed as
	// presumptions instead, derived facts through their sources).
	out.Unknown = []string{}
	for _, fi := range d.used {
		if cat[fi].Accumulate == article5.AccDerived {
			continue // named through the facts it is derived from
		}
		if !p.f.Values[fi].Known && !d.presumedFact(p, fi) {
			out.Unknown = append(out.Unknown, cat[fi].Name)
		}
	}
	sort.Strings(out.Unknown)

	// changes_if: re-run the doctrine with one fact changed.
	out.ChangesIf, err = d.changesIf(p, s, dec)
	if err != nil {
		return nil, nil, article5.Internal("doctrine "+d.ID+" changes_if", err)
	}
	out.Checklist = d.checklistOf(p, out, dec)

	// Self-defence.
	a.vals[d.slotTier] = types.String(string(out.Tier))
	sd, err := evalBool(d.selfDef.prog, a)
	if err != nil {
		return nil, nil, article5.Internal("doctrine "+d.ID+" self_defence_available", err)
	}
	out.SelfDefenceAvailable = sd
	out.SelfDefenceReason = pick(sd, d.selfDef)
	return out, s, nil
}

// changesIf re-runs the doctrine, decision included, on each probe value
// and on the rebuttal of each presumption applied, and lists every change
// of the finding (one entry per fact and resulting tier).
func (d *Doctrine) changesIf(p *prepared, base *state, dec decision) ([]article5.ChangeIf, error) {
	cat := article5.FactCatalogue()
	out := []article5.ChangeIf{}
	type factTier struct {
		fact int
		tier article5.Tier
	}
	seen := map[factTier]bool{}
	try := func(pb probe, prog cel.Program) error {
		q, native, with, err := d.probe(p, pb, prog)
		if err != nil || q == nil {
			return err
		}
		st, err := d.run(q.a, base, d.changed(p, q))
		if err != nil {
			return fmt.Errorf("probe %s = %v: %w", cat[pb.fact].Name, native, err)
		}
		dq, err := d.decide(q, st)
		release(q)
		if err != nil {
			return err
		}
		if dq.tier == dec.tier || seen[factTier{pb.fact, dq.tier}] {
			return nil
		}
		seen[factTier{pb.fact, dq.tier}] = true
		var curV any
		if cur := p.f.Values[pb.fact]; cur.Known {
			curV = cur.Value
		}
		out = append(out, article5.ChangeIf{Fact: cat[pb.fact].Name, Current: curV, Value: native, With: with, Tier: dq.tier,
			Text: probeText(pb.text, cat[pb.fact], curV, native, dq.tier)})
		return nil
	}
	for _, i := range p.presumed {
		pr := d.presumptions[i]
		if err := try(probe{fact: pr.rebutBy, text: "if " + pr.rebuttal + " (now presumed)"}, pr.rebutVal); err != nil {
			return nil, err
		}
	}
	for _, pb := range d.probes {
		for _, prog := range pb.values {
			if err := try(pb, prog); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// probeText fills a probe's text: {value} and {current} in plain words
// (units, thousands separators, singular or plural), then the tier.
func probeText(tmpl string, fd article5.FactDef, cur, v any, t article5.Tier) string {
	return probeCondition(tmpl, fd, cur, v) + ": " + string(t)
}

// probeCondition is a probe's condition in words: "if the people affected
// were 1,000,000 (now: 20,000)".
func probeCondition(tmpl string, fd article5.FactDef, cur, v any) string {
	if tmpl == "" {
		tmpl = "if the " + fd.Label + " were {value} (now: {current})"
	}
	return strings.NewReplacer("{value}", article5.FormatValue(fd, v), "{current}", article5.FormatValue(fd, cur)).Replace(tmpl)
}

// checklistOf lists the facts of the doctrine's checklist that are not
// known (presumed facts included), or known but decisive (a confidence to
// corroborate, a count that would change the finding if higher), most
// decisive first: unknown facts
// whose change alone changes the finding, then facts an unmet requirement
// or needed fact names, then presumed facts whose rebuttal changes the
// finding, then the rest the doctrine reads; within each, the doctrine's
// order.
func (d *Doctrine) checklistOf(p *prepared, out *article5.DoctrineAssessment, dec decision) []article5.ChecklistItem {
	cat := article5.FactCatalogue()
	decides := map[string]string{}
	for _, c := range out.ChangesIf {
		if _, ok := decides[c.Fact]; !ok {
			decides[c.Fact] = c.Text
		}
	}
	needed := map[int]string{}
	if dec.requirement >= 0 {
		rq := d.requires[dec.requirement]
		for _, fi := range rq.facts {
			needed[fi] = ensureStop(rq.why)
		}
	}
	for _, fi := range d.neededOrder {
		if _, ok := needed[fi]; !ok {
			needed[fi] = ensureStop(d.needed[fi].why)
		}
	}
	used := map[int]bool{}
	for _, fi := range d.used {
		used[fi] = true
	}
	for _, pr := range d.presumptions {
		used[pr.fact] = true
	}
	items := []article5.ChecklistItem{}
	rank := map[string]int{}
	for _, ci := range d.checklist {
		fd := cat[ci.fact]
		_, decisive := decides[fd.Name]
		if p.f.Values[ci.fact].Known && !decisive && dec.undecidedBy != fd.Name {
			continue // known, and more of it would not change the finding
		}
		it := article5.ChecklistItem{Fact: fd.Name, Label: fd.Label, Question: ci.question, RecordAs: ci.recordAs}
		presumed := d.presumedFact(p, ci.fact)
		switch txt, ok := decides[fd.Name]; {
		case ok && !presumed:
			it.Weight, it.Why = "decides", "The finding changes "+txt+"."
			rank[fd.Name] = 0
		case ok:
			it.Weight, it.Why = "presumed", "Presumed for now; the finding changes "+txt+"."
			rank[fd.Name] = 2
		case needed[ci.fact] != "" && !presumed:
			it.Weight, it.Why = "needed", needed[ci.fact]
			rank[fd.Name] = 1
		case used[ci.fact]:
			it.Weight = "refines"
			it.Why = "The doctrine reads it; on the facts known it does not change the finding by itself."
			if presumed {
				it.Why = "Presumed for now; the finding does not change if it is rebutted."
			}
			rank[fd.Name] = 3
		default:
			continue
		}
		items = append(items, it)
	}
	sort.SliceStable(items, func(i, j int) bool { return rank[items[i].Fact] < rank[items[j].Fact] })
	return items
}
