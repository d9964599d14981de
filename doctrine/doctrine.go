package doctrine

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"article5"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types/ref"
	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/token"
)

//go:embed jp.yaml us.yaml
var defaults embed.FS

// DefaultIDs lists the embedded doctrines, in the order they are applied by default.
var DefaultIDs = []string{"jp", "us"}

// Doctrine is a compiled, checked doctrine ready to apply. It is immutable
// and safe for concurrent use.
type Doctrine struct {
	ID, Version, Title string
	Party              article5.Party
	SHA256             string // hex sha256 of the source file bytes
	Source             []byte // the source file as loaded

	Accumulation Accumulation
	needed       map[int]needed // fact index → needed

	slots      map[string]int // CEL variable name → activation slot
	nslots     int
	paramVals  []ref.Val // by slot, params only
	factors    []factor
	uofMet     test
	criteria   []test
	aaMet      test
	attrSuff   test
	tiers      []tierRule
	selfDef    test
	severity   []level
	categories []category
	plevels    []priorityLevel
	notional   bool
	psource    string
	probes     []probe
	used       []int // fact indices referenced anywhere in the tier path or a requirement, sorted

	presumptions  []presumption
	presumedSlots []int // the facts presumptions set, once each
	allFacts      []int // 0 … len(catalogue)-1

	// Activation slots of the tier path's intermediate results.
	factorSlots, criterionSlots                   []int
	slotUofMet, slotAAMet, slotAttrSuff, slotTier int
	requires                                      []requirement
	neededOrder                                   []int // needed fact indices in the doctrine's order
	checklist                                     []checkItem

	memo memo // results by fact values

	// dependents[fact] = factor and criterion indices whose rules read that fact
	factorDeps   [][]int
	criterionDep [][]int
}

// Accumulation holds a doctrine's accumulation parameters (DESIGN.md §3.5).
type Accumulation struct {
	Enabled    bool
	WindowDays int    // incidents whose effects start within this many days of the previous one join a group
	Originator string // "actor": same attributed actor; "state": actors attributed to the same State act in concert
	Source     string
}

// Ref returns the doctrine's id, version and hash.
func (d *Doctrine) Ref() article5.DoctrineRef {
	return article5.DoctrineRef{ID: d.ID, Version: d.Version, SHA256: d.SHA256}
}

// Default returns the embedded doctrine with the given id ("jp" or "us");
// ENOTFOUND otherwise.
func Default(id string) (*Doctrine, error) {
	data, err := defaults.ReadFile(id + ".yaml")
	if err != nil {
		return nil, article5.Errorf(article5.ENOTFOUND, "no built-in doctrine %q (built in: %s)", id, strings.Join(DefaultIDs, ", "))
	}
	return Parse(id+".yaml", data)
}

// DefaultSource returns the embedded source of a default doctrine.
func DefaultSource(id string) ([]byte, error) {
	data, err := defaults.ReadFile(id + ".yaml")
	if err != nil {
		return nil, article5.Errorf(article5.ENOTFOUND, "no built-in doctrine %q", id)
	}
	return data, nil
}

// Load resolves a doctrine reference: a built-in id ("jp", "us") or a path to
// a YAML file. EINVALID if the file does not parse or check; ENOTFOUND if
// neither exists.
func Load(refName string) (*Doctrine, error) {
	if !strings.ContainsAny(refName, "/\\.") {
		return Default(refName)
	}
	data, err := os.ReadFile(refName)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, article5.Errorf(article5.ENOTFOUND, "doctrine file %s does not exist", refName)
		}
		return nil, article5.Errorf(article5.EINVALID, "cannot read doctrine file %s: %v", refName, err)
	}
	return Parse(filepath.Base(refName), data)
}

// Parse reads, checks and compiles a doctrine from YAML. name is used in
// messages. Errors are EINVALID with one Detail per fault, each naming the
// line and the YAML path.
func Parse(name string, data []byte) (*Doctrine, error) {
	return parse(name, data, false)
}

// ParseHeld reads a doctrine a node already holds (stored, or named by a
// record made under it) as Parse does, except that its parameters' values
// are taken as written even where Parse now refuses them (out of range,
// out of order, or not in Parameters: typed by their YAML value, as they
// were read when the doctrine was put in force), and so are its factor
// scores and priority cut points. A doctrine in force, or one a signed
// record names, keeps meaning what it meant; a new text is checked by
// Parse. Errors are Parse's for everything else.
func ParseHeld(name string, data []byte) (*Doctrine, error) {
	return parse(name, data, true)
}

func parse(name string, data []byte, held bool) (*Doctrine, error) {
	var f file
	dec := yaml.NewDecoder(bytes.NewReader(data), yaml.DisallowUnknownField())
	if err := dec.Decode(&f); err != nil {
		return nil, article5.Invalid("doctrine "+name+" does not parse", yamlDetail(name, err))
	}
	sum := sha256.Sum256(data)
	c := &compiler{name: name, held: held}
	d := c.build(&f)
	if len(c.details) > 0 {
		return nil, article5.Invalid("doctrine "+name+" has errors", c.details...)
	}
	d.SHA256 = hex.EncodeToString(sum[:])
	d.Source = data
	return d, nil
}

type needed struct {
	established cel.Program // nil: established whenever known
	why         string
}

type presumption struct {
	fact     int
	value    cel.Program
	when     cel.Program
	facts    []int // read by when: the evidence of the presumption
	says     string
	because  string
	source   string
	rebutBy  int
	rebutVal cel.Program
	rebuttal string
}

type requirement struct {
	name        string
	facts       []int
	established cel.Program
	why         string
	source      string
}

type checkItem struct {
	fact               int
	question, recordAs string
}

type factor struct {
	name, source string
	levels       []level
}

type level struct {
	score  float64
	value  int
	prog   cel.Program
	reason string
	facts  []int // fact indices read by this level's condition
	upTo   []int // fact indices read by this and every earlier level: the evidence when it matches
	always bool  // when: true
}

type test struct {
	name, source string
	prog         cel.Program
	reasonMet    string
	reasonNot    string
	facts        []int
	set          bool
}

type tierRule struct {
	tier   article5.Tier
	name   string
	prog   cel.Program
	reason string
	source string
	facts  []int
}

type category struct {
	name   string
	weight float64
	levels []level
}

type probe struct {
	fact   int
	values []cel.Program
	with   []probeWith // facts set together with this one, by fact index
	text   string
}

type probeWith struct {
	fact  int
	value cel.Program
}

// compiler accumulates compile errors with lines.
type compiler struct {
	name    string
	held    bool // ParseHeld: the values' ranges are not checked
	details []article5.Detail
	env     *cel.Env
	d       *Doctrine
}

func (c *compiler) errf(line int, path, format string, args ...any) {
	c.details = append(c.details, article5.Detail{Object: c.name, Line: line, Pointer: path, Message: fmt.Sprintf(format, args...)})
}

// stages: which variables an expression may read.
const (
	stageFacts   = iota // facts, params
	stageUoF            // + uof.<factor>
	stageAA             // + uof.*, uof.met, aa.<criterion>
	stageTier           // + aa.met, attribution.sufficient
	stageSelfDef        // + tier
)

func (c *compiler) build(f *file) *Doctrine {
	d := &Doctrine{ID: f.ID, Version: f.Version, Title: f.Title, Party: article5.Party(f.Party)}
	c.d = d
	if f.ID == "" || strings.ContainsAny(f.ID, " /\\") {
		c.errf(0, "id", "expected a doctrine id without spaces or slashes, got %q", f.ID)
	}
	if f.Version == "" {
		c.errf(0, "version", "expected a version string")
	}
	d.Accumulation = Accumulation{Enabled: f.Accumulation.Enabled, WindowDays: f.Accumulation.WindowDays,
		Originator: f.Accumulation.Originator, Source: f.Accumulation.Source}
	if d.Accumulation.Originator == "" {
		d.Accumulation.Originator = "actor"
	}
	if d.Accumulation.Originator != "actor" && d.Accumulation.Originator != "state" {
		c.errf(0, "accumulation.originator", "expected \"actor\" or \"state\", got %q", d.Accumulation.Originator)
	}
	if d.Accumulation.Enabled && d.Accumulation.WindowDays <= 0 {
		c.errf(0, "accumulation.window_days", "expected a positive number of days when accumulation is enabled")
	}

	// Slots and declarations.
	d.slots = map[string]int{}
	var opts []cel.EnvOption
	opts = append(opts, cel.OptionalTypes())
	add := func(name string, t *cel.Type) {
		d.slots[name] = len(d.slots)
		opts = append(opts, cel.Variable(name, t))
	}
	for _, fd := range article5.FactCatalogue() {
		add(fd.Name, cel.OptionalType(celType(fd.Type)))
	}
	paramTypes, paramVals := c.checkParams(f.Parameters)
	paramNames := make([]string, 0, len(paramTypes))
	for k := range paramTypes {
		paramNames = append(paramNames, k)
	}
	sort.Strings(paramNames)
	for _, k := range paramNames {
		add("params."+k, paramTypes[k])
	}
	for _, fs := range f.UseOfForce.Factors {
		add("uof."+fs.Name, cel.IntType)
	}
	add("uof.met", cel.BoolType)
	for _, cs := range f.ArmedAttack.Criteria {
		add("aa."+cs.Name, cel.BoolType)
	}
	add("aa.met", cel.BoolType)
	add("attribution.sufficient", cel.BoolType)
	add("tier", cel.StringType)
	d.nslots = len(d.slots)
	d.paramVals = make([]ref.Val, d.nslots)
	for k, v := range paramVals {
		d.paramVals[d.slots["params."+k]] = v
	}
	env, err := cel.NewEnv(opts...)
	if err != nil {
		c.errf(0, "", "cannot build the CEL environment: %v", err)
		return d
	}
	c.env = env

	factorNames := map[string]bool{}
	for _, fs := range f.UseOfForce.Factors {
		factorNames[fs.Name] = true
	}
	criterionNames := map[string]bool{}
	for _, cs := range f.ArmedAttack.Criteria {
		criterionNames[cs.Name] = true
	}

	// Needed facts.
	d.needed = map[int]needed{}
	for i, n := range f.Needed {
		path := fmt.Sprintf("needed[%d]", i)
		idx, ok := article5.FactIndex(n.Fact)
		if !ok {
			c.errf(n.Established.Line, path+".fact", "unknown fact %q", n.Fact)
			continue
		}
		nd := needed{why: n.Why}
		if n.Established.Src != "" {
			nd.established, _ = c.compile(path+".established", n.Established, stageFacts, cel.BoolType)
		}
		if _, dup := d.needed[idx]; !dup {
			d.neededOrder = append(d.neededOrder, idx)
		}
		d.needed[idx] = nd
	}

	// Presumptions.
	cat := article5.FactCatalogue()
	for i, ps := range f.Presumptions {
		path := fmt.Sprintf("presumptions[%d]", i)
		idx, ok := article5.FactIndex(ps.Fact)
		if !ok {
			c.errf(ps.When.Line, path+".fact", "unknown fact %q", ps.Fact)
			continue
		}
		if fd := cat[idx]; fd.Accumulate == article5.AccDerived || fd.Name == article5.FactScope {
			c.errf(ps.When.Line, path+".fact", "%q is derived from other facts and cannot be presumed", ps.Fact)
			continue
		}
		pr := presumption{fact: idx, says: ps.Says, because: ps.Because, source: ps.Source, rebuttal: ps.Rebuttal}
		pr.value, _ = c.compile(path+".value", ps.Value, stageFacts, celType(cat[idx].Type))
		pr.when, pr.facts = c.compile(path+".when", ps.When, stageFacts, cel.BoolType)
		if ps.Says == "" || ps.Because == "" || ps.Source == "" {
			c.errf(ps.When.Line, path, "expected `says` (the presumed fact in words), `because` (the reasoning) and `source`")
		}
		rb, ok := article5.FactIndex(ps.RebuttedBy.Fact)
		if !ok {
			c.errf(ps.When.Line, path+".rebutted_by.fact", "expected the fact that rebuts the presumption, got %q", ps.RebuttedBy.Fact)
			continue
		}
		pr.rebutBy = rb
		pr.rebutVal, _ = c.compile(path+".rebutted_by.value", ps.RebuttedBy.Value, stageFacts, celType(cat[rb].Type))
		if ps.Rebuttal == "" {
			c.errf(ps.When.Line, path+".rebuttal", "expected the rebuttal in words")
		}
		d.presumptions = append(d.presumptions, pr)
	}

	// Requirements of a below-threshold finding.
	for i, rs := range f.Requires {
		path := fmt.Sprintf("below_threshold_requires[%d]", i)
		if rs.Name == "" || rs.Why == "" {
			c.errf(rs.Established.Line, path, "expected a name and a `why`")
		}
		rq := requirement{name: rs.Name, why: rs.Why, source: rs.Source}
		for j, fn := range rs.Facts {
			idx, ok := article5.FactIndex(fn)
			if !ok {
				c.errf(rs.Established.Line, fmt.Sprintf("%s.facts[%d]", path, j), "unknown fact %q", fn)
				continue
			}
			rq.facts = append(rq.facts, idx)
		}
		if len(rq.facts) == 0 {
			c.errf(rs.Established.Line, path+".facts", "expected the facts that would establish the requirement")
		}
		rq.established, _ = c.compile(path+".established", rs.Established, stageFacts, cel.BoolType)
		d.requires = append(d.requires, rq)
	}

	// Evidence checklist.
	for i, cs := range f.Checklist {
		path := fmt.Sprintf("checklist[%d]", i)
		idx, ok := article5.FactIndex(cs.Fact)
		if !ok {
			c.errf(0, path+".fact", "unknown fact %q", cs.Fact)
			continue
		}
		if cs.Question == "" || cs.RecordAs == "" {
			c.errf(0, path, "expected a `question` and `record_as`")
		}
		d.checklist = append(d.checklist, checkItem{fact: idx, question: cs.Question, recordAs: cs.RecordAs})
	}

	// Factors.
	if len(f.UseOfForce.Factors) == 0 {
		c.errf(0, "use_of_force.factors", "expected at least one factor")
	}
	for i, fs := range f.UseOfForce.Factors {
		path := fmt.Sprintf("use_of_force.factors[%d]", i)
		if fs.Name == "" {
			c.errf(0, path+".name", "expected a factor name")
		}
		for j, l := range fs.Levels {
			if !c.held && (l.Score < 0 || l.Score > 3 || l.Score != float64(int(l.Score))) {
				c.errf(l.When.Line, fmt.Sprintf("%s.levels[%d].score", path, j), "expected a Schmitt factor score, a whole number from 0 to 3, got %g", l.Score)
			}
		}
		d.factors = append(d.factors, factor{name: fs.Name, source: fs.Source,
			levels: c.levels(path, fs.Levels, stageFacts, sub(path+".levels"))})
	}
	d.uofMet = c.test("use_of_force.met", f.UseOfForce.Met, stageUoF)
	for i, cs := range f.ArmedAttack.Criteria {
		path := fmt.Sprintf("armed_attack.criteria[%d]", i)
		if cs.Name == "" {
			c.errf(0, path+".name", "expected a criterion name")
		}
		d.criteria = append(d.criteria, c.test(path, cs, stageFacts))
	}
	d.aaMet = c.test("armed_attack.met", f.ArmedAttack.Met, stageAA)
	d.attrSuff = c.test("attribution.sufficient", f.Attribution.Sufficient, stageFacts)

	// Tiers.
	seen := map[article5.Tier]bool{}
	for i, ts := range f.Tiers {
		path := fmt.Sprintf("tiers[%d]", i)
		t := article5.Tier(ts.Tier.Src)
		if t.Rank() < 0 {
			c.errf(ts.Tier.Line, path+".tier", "expected below-threshold, use-of-force-possible or armed-attack-possible (indeterminate comes from `needed`), got %q", ts.Tier.Src)
		}
		seen[t] = true
		p, facts := c.compile(path+".when", ts.When, stageTier, cel.BoolType)
		d.tiers = append(d.tiers, tierRule{tier: t, name: ts.Name, prog: p, reason: ts.Reason, source: ts.Source, facts: facts})
	}
	if len(f.Tiers) == 0 || f.Tiers[len(f.Tiers)-1].When.Src != "true" {
		c.errf(0, "tiers", "expected the last tier rule to have `when: \"true\"` so that every case gets a tier")
	}
	d.selfDef = c.test("self_defence_available", f.SelfDefenceAvailable, stageSelfDef)

	// Severity (DCID 0–10).
	d.severity = c.levels("severity", f.Severity, stageFacts, sub("severity"))
	for i, l := range f.Severity {
		if l.Value < 0 || l.Value > 10 {
			c.errf(l.When.Line, fmt.Sprintf("severity[%d].value", i), "expected a DCID severity 0–10, got %d", l.Value)
		}
	}
	// Priority.
	d.notional = f.Priority.Notional
	d.psource = f.Priority.Source
	var wsum float64
	for i, cs := range f.Priority.Categories {
		path := fmt.Sprintf("priority.categories[%d]", i)
		if cs.Weight < 0 {
			c.errf(0, path+".weight", "expected a weight ≥ 0")
		}
		wsum += cs.Weight
		d.categories = append(d.categories, category{name: cs.Name, weight: cs.Weight, levels: c.levels(path, cs.Levels, stageFacts, sub(path+".levels"))})
		for j, l := range cs.Levels {
			if l.Score < 0 || l.Score > 1 {
				c.errf(l.When.Line, fmt.Sprintf("%s.levels[%d].score", path, j), "expected a category score in 0–1, got %g", l.Score)
			}
		}
	}
	if len(f.Priority.Categories) > 0 && wsum <= 0 {
		c.errf(0, "priority.categories", "expected weights summing to more than 0")
	}
	for i, l := range f.Priority.Levels {
		if l.Level == "" || !c.held && (l.Min < 0 || l.Min > 100) {
			c.errf(0, fmt.Sprintf("priority.levels[%d]", i), "expected a level name and a cut point `min` on the NCISS scale 0–100, got %q, %g", l.Level, l.Min)
		}
	}
	d.plevels = f.Priority.Levels
	sort.SliceStable(d.plevels, func(i, j int) bool { return d.plevels[i].Min > d.plevels[j].Min })

	// Probes.
	for i, ps := range f.Probes {
		path := fmt.Sprintf("probes[%d]", i)
		idx, ok := article5.FactIndex(ps.Fact)
		if !ok {
			c.errf(0, path+".fact", "unknown fact %q", ps.Fact)
			continue
		}
		fd := article5.FactCatalogue()[idx]
		pr := probe{fact: idx, text: ps.Text}
		for j, v := range ps.Values {
			p, _ := c.compile(fmt.Sprintf("%s.values[%d]", path, j), v, stageFacts, celType(fd.Type))
			pr.values = append(pr.values, p)
		}
		names := make([]string, 0, len(ps.With))
		for n := range ps.With {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			wi, ok := article5.FactIndex(n)
			if !ok || wi == idx {
				c.errf(ps.With[n].Line, path+".with."+n, "expected another fact of the catalogue, got %q", n)
				continue
			}
			p, _ := c.compile(path+".with."+n, ps.With[n], stageFacts, celType(article5.FactCatalogue()[wi].Type))
			pr.with = append(pr.with, probeWith{fact: wi, value: p})
		}
		d.probes = append(d.probes, pr)
	}

	// Dependencies for fast re-evaluation.
	n := len(article5.FactCatalogue())
	d.factorDeps = make([][]int, n)
	d.criterionDep = make([][]int, n)
	for i, fa := range d.factors {
		for _, fi := range factorFacts(fa) {
			d.factorDeps[fi] = append(d.factorDeps[fi], i)
		}
	}
	for i, cr := range d.criteria {
		for _, fi := range cr.facts {
			d.criterionDep[fi] = append(d.criterionDep[fi], i)
		}
	}
	used := map[int]bool{}
	for i := 0; i < n; i++ {
		if len(d.factorDeps[i]) > 0 || len(d.criterionDep[i]) > 0 {
			used[i] = true
		}
	}
	for _, t := range []test{d.uofMet, d.aaMet, d.attrSuff} {
		for _, fi := range t.facts {
			used[fi] = true
		}
	}
	for _, t := range d.tiers {
		for _, fi := range t.facts {
			used[fi] = true
		}
	}
	for _, r := range d.requires {
		for _, fi := range r.facts {
			used[fi] = true
		}
	}
	// A derived fact is read through the facts it follows from.
	derivedFrom := map[string][]string{article5.FactCISectorCount: {article5.FactCISectors},
		article5.FactEffectsHours: {article5.FactDurationHours, article5.FactEffectsDuration}}
	for name, srcs := range derivedFrom {
		if i, _ := article5.FactIndex(name); used[i] {
			for _, src := range srcs {
				j, _ := article5.FactIndex(src)
				used[j] = true
			}
		}
	}
	for fi := range used {
		d.used = append(d.used, fi)
	}
	sort.Ints(d.used)
	for i := range cat {
		d.allFacts = append(d.allFacts, i)
	}
	pset := map[int]bool{}
	for _, pr := range d.presumptions {
		if !pset[pr.fact] {
			pset[pr.fact] = true
			d.presumedSlots = append(d.presumedSlots, pr.fact)
		}
	}
	d.factorSlots = make([]int, len(d.factors))
	for i, fa := range d.factors {
		d.factorSlots[i] = d.slots["uof."+fa.name]
	}
	d.criterionSlots = make([]int, len(d.criteria))
	for i, cr := range d.criteria {
		d.criterionSlots[i] = d.slots["aa."+cr.name]
	}
	d.slotUofMet, d.slotAAMet = d.slots["uof.met"], d.slots["aa.met"]
	d.slotAttrSuff, d.slotTier = d.slots["attribution.sufficient"], d.slots["tier"]
	_ = factorNames
	_ = criterionNames
	return d
}

func sub(prefix string) func(int) string {
	return func(i int) string { return fmt.Sprintf("%s[%d]", prefix, i) }
}

func factorFacts(f factor) []int {
	seen := map[int]bool{}
	var out []int
	for _, l := range f.levels {
		for _, fi := range l.facts {
			if !seen[fi] {
				seen[fi] = true
				out = append(out, fi)
			}
		}
	}
	return out
}

// levels compiles a list of levels; item names each level's path prefix.
func (c *compiler) levels(path string, specs []levelSpec, stage int, item func(int) string) []level {
	var out []level
	for j, l := range specs {
		p, facts := c.compile(item(j)+".when", l.When, stage, cel.BoolType)
		out = append(out, level{score: l.Score, value: l.Value, prog: p, reason: l.Reason, facts: facts, always: l.When.Src == "true"})
	}
	seen := map[int]bool{}
	var acc []int
	for i := range out {
		for _, fi := range out[i].facts {
			if !seen[fi] {
				seen[fi] = true
				acc = append(acc, fi)
			}
		}
		out[i].upTo = append([]int(nil), acc...)
		sort.Ints(out[i].upTo)
	}
	if len(specs) == 0 {
		c.errf(0, path, "expected at least one level")
	} else if specs[len(specs)-1].When.Src != "true" {
		c.errf(specs[len(specs)-1].When.Line, path, "expected the last level to have `when: \"true\"` (the fallback)")
	}
	return out
}

func (c *compiler) test(path string, t testSpec, stage int) test {
	if t.When.Src == "" {
		c.errf(0, path+".when", "expected a CEL condition")
		return test{}
	}
	p, facts := c.compile(path+".when", t.When, stage, cel.BoolType)
	return test{name: t.Name, source: t.Source, prog: p, reasonMet: t.ReasonMet, reasonNot: t.ReasonNot, facts: facts, set: true}
}

// compile checks and plans one expression; it returns the program and the
// catalogue facts it reads.
func (c *compiler) compile(path string, e expr, stage int, want *cel.Type) (cel.Program, []int) {
	if c.env == nil {
		return nil, nil
	}
	if e.Src == "" {
		c.errf(e.Line, path, "expected a CEL expression")
		return nil, nil
	}
	checked, iss := c.env.Compile(e.Src)
	if iss != nil && iss.Err() != nil {
		c.errf(e.Line, path, "%s", strings.ReplaceAll(iss.Err().Error(), "\n", " "))
		return nil, nil
	}
	if !checked.OutputType().IsExactType(want) {
		c.errf(e.Line, path, "expected an expression of type %s, got %s", want, checked.OutputType())
		return nil, nil
	}
	var facts []int
	seen := map[int]bool{}
	for _, r := range checked.NativeRep().ReferenceMap() {
		if r.Name == "" {
			continue
		}
		if !allowed(r.Name, stage) {
			c.errf(e.Line, path, "%q cannot be used here: it is computed later (order: facts and params → uof.<factor> → uof.met, aa.<criterion> → aa.met, attribution.sufficient → tier)", r.Name)
		}
		if fi, ok := article5.FactIndex(r.Name); ok && !seen[fi] {
			seen[fi] = true
			facts = append(facts, fi)
		}
	}
	sort.Ints(facts)
	prog, err := c.env.Program(checked, cel.EvalOptions(cel.OptOptimize))
	if err != nil {
		c.errf(e.Line, path, "cannot plan: %v", err)
		return nil, nil
	}
	return prog, facts
}

func allowed(name string, stage int) bool {
	switch {
	case name == "tier":
		return stage >= stageSelfDef
	case name == "aa.met" || name == "attribution.sufficient":
		return stage >= stageTier
	case strings.HasPrefix(name, "aa."):
		return stage >= stageTier || stage == stageAA
	case name == "uof.met":
		return stage >= stageAA
	case strings.HasPrefix(name, "uof."):
		return stage >= stageUoF
	}
	return true
}

func celType(t article5.FactType) *cel.Type {
	switch t {
	case article5.FactBool:
		return cel.BoolType
	case article5.FactInt:
		return cel.IntType
	case article5.FactDouble:
		return cel.DoubleType
	case article5.FactStrings:
		return cel.ListType(cel.StringType)
	}
	return cel.StringType
}

// yamlDetail describes a YAML decoding error: its line and, in the
// message, its column ("column 3: …", as package stix writes JSON syntax
// errors) when go-yaml knows where it is; else go-yaml's message with the
// source around the fault.
func yamlDetail(name string, err error) article5.Detail {
	d := article5.Detail{Object: name, Message: strings.TrimSpace(yaml.FormatError(err, false, true))}
	var pe interface {
		GetToken() *token.Token
		GetMessage() string
	}
	if errors.As(err, &pe) {
		if tok := pe.GetToken(); tok != nil && tok.Position != nil && tok.Position.Line > 0 {
			d.Line = tok.Position.Line
			d.Message = fmt.Sprintf("column %d: %s", tok.Position.Column, pe.GetMessage())
		}
	}
	return d
}
