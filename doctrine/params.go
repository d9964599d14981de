package doctrine

import (
	"fmt"
	"math"
	"strings"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"github.com/goccy/go-yaml/ast"
)

// Kind is the kind of a doctrine parameter: the CEL type its rules read it
// as and the values it may take. A value outside them is refused when the
// doctrine is parsed.
type Kind struct {
	Name     string  // "confidence", "persons", …
	Type     string  // "bool", "int" or "double": the CEL type of params.<name>
	Min, Max float64 // inclusive bounds of int and double kinds; Max is +Inf when unbounded
	Expected string  // what a value must be, in words ("a STIX confidence: a whole number from 0 to 100")
}

// The parameter kinds.
var (
	KindConfidence = Kind{"confidence", "int", 0, 100, "a STIX confidence: a whole number from 0 to 100"}
	KindPercent    = Kind{"percent", "int", 0, 100, "a percentage: a whole number from 0 to 100"}
	KindPersons    = Kind{"persons", "int", 1, math.Inf(1), "a number of persons: a whole number of at least 1 (a threshold of 0 would be met with none)"}
	KindHours      = Kind{"hours", "int", 0, math.Inf(1), "a number of hours: a whole number of at least 0"}
	KindHoursFrac  = Kind{"hours", "double", 0, math.Inf(1), "a number of hours of at least 0"}
	KindUSD        = Kind{"usd", "double", 1, math.Inf(1), "an amount in US dollars of at least 1 (a threshold of 0 would be met with no loss)"}
	KindBool       = Kind{"bool", "bool", 0, 0, "true or false"}
)

// Parameter declares one parameter a doctrine may set under `parameters:`
// and read in its rules as params.<Name>.
type Parameter struct {
	Name  string
	Kind  Kind
	Means string // what the value is, with its unit
}

// Parameters is the one table of the parameters a doctrine may set, by
// name. A parameter not listed here is refused; so is a value not of its
// kind.
var Parameters = []Parameter{
	{"aa_deaths_direct", KindPersons, "confirmed direct deaths that make the casualties of an armed attack grave"},
	{"aa_deaths_total", KindPersons, "confirmed deaths, direct and indirect together, that make the casualties grave; not below aa_deaths_direct"},
	{"aa_injuries", KindPersons, "confirmed injuries that make the casualties grave"},
	{"aa_people", KindPersons, "people affected: the scale of an armed attack"},
	{"aa_ci_hours", KindHours, "hours of lost critical-infrastructure function that reach armed-attack gravity"},
	{"aa_economic_usd", KindUSD, "economic loss in US dollars of armed-attack scale"},
	{"state_nexus_required", KindBool, "whether an armed attack needs a State nexus"},
	{"attribution_confidence_needed", KindConfidence, "the STIX confidence an attribution needs to suffice"},
	{"uof_function_loss", KindPercent, "percent of a critical-infrastructure function lost that makes disruption serious harm"},
	{"uof_disruption_hours", KindHoursFrac, "hours that loss must last"},
	{"dcid_national_hours", KindHoursFrac, "hours of nationwide disruption for DCID 8"},
	{"dcid_sustained_hours", KindHoursFrac, "hours of a sustained outage for DCID 5"},
	{"unintended_victims_clear", KindBool, "whether effects on victims the operation was not aimed at put it below the threshold"},
}

// paramOrder lists pairs the rules rely on being ordered: the value of
// Low must not be above that of High.
var paramOrder = []struct{ Low, High, Why string }{
	{"aa_deaths_direct", "aa_deaths_total", "the total counts direct and indirect deaths together"},
}

func lookupParam(name string) (Parameter, bool) {
	for _, p := range Parameters {
		if p.Name == name {
			return p, true
		}
	}
	return Parameter{}, false
}

// paramValue is one entry of the parameters section as written: its
// YAML node with its position.
type paramValue struct {
	Name         string
	Node         ast.Node
	Line, Column int
}

// params is the parameters section, in the order written.
type params []paramValue

// UnmarshalYAML keeps each parameter's node and position.
func (ps *params) UnmarshalYAML(n ast.Node) error {
	if _, null := n.(*ast.NullNode); null {
		return nil
	}
	m, ok := n.(ast.MapNode)
	if !ok {
		return fmt.Errorf("expected the parameters as a mapping of name: value, got %s", n.Type())
	}
	for it := m.MapRange(); it.Next(); {
		k, v := it.Key(), it.Value()
		if k == nil || v == nil {
			continue
		}
		p := paramValue{Name: strings.TrimSpace(k.String()), Node: v}
		if tok := v.GetToken(); tok != nil && tok.Position != nil {
			p.Line, p.Column = tok.Position.Line, tok.Position.Column
		}
		*ps = append(*ps, p)
	}
	return nil
}

// checkParams checks each parameter against its declaration and returns
// the CEL type and value of each valid one, by name.
func (c *compiler) checkParams(ps params) (map[string]*cel.Type, map[string]ref.Val) {
	typesOf, vals := map[string]*cel.Type{}, map[string]ref.Val{}
	nums := map[string]float64{}
	at := map[string]paramValue{}
	for _, p := range ps {
		path := "parameters." + p.Name
		bad := func(format string, args ...any) {
			c.errf(p.Line, path, "column %d: %s", p.Column, fmt.Sprintf(format, args...))
		}
		if _, dup := at[p.Name]; dup {
			bad("%s is set twice", p.Name)
			continue
		}
		at[p.Name] = p
		if c.held {
			// Held: typed by its value, as every parameter was read
			// before parameters were declared, whatever its range.
			switch v := p.Node.(type) {
			case *ast.BoolNode:
				typesOf[p.Name], vals[p.Name] = cel.BoolType, types.Bool(v.Value)
			case *ast.IntegerNode:
				if n, isInt := v.Value.(int64); isInt {
					typesOf[p.Name], vals[p.Name] = cel.IntType, types.Int(n)
				} else if n, isUint := v.Value.(uint64); isUint && n <= math.MaxInt64 {
					typesOf[p.Name], vals[p.Name] = cel.IntType, types.Int(int64(n))
				} else {
					bad("%s = %s: expected a number", p.Name, strings.TrimSpace(p.Node.String()))
				}
			case *ast.FloatNode:
				typesOf[p.Name], vals[p.Name] = cel.DoubleType, types.Double(v.Value)
			case *ast.StringNode:
				typesOf[p.Name], vals[p.Name] = cel.StringType, types.String(v.Value)
			default:
				bad("%s = %s: expected a bool, number or string", p.Name, strings.TrimSpace(p.Node.String()))
			}
			continue
		}
		decl, ok := lookupParam(p.Name)
		if !ok {
			names := make([]string, len(Parameters))
			for i, d := range Parameters {
				names[i] = d.Name
			}
			bad("unknown parameter %q: expected one of %s", p.Name, strings.Join(names, ", "))
			continue
		}
		given := strings.TrimSpace(p.Node.String())
		k := decl.Kind
		if k.Type == "bool" {
			b, ok := p.Node.(*ast.BoolNode)
			if !ok {
				bad("%s = %s: expected %s", p.Name, given, k.Expected)
				continue
			}
			typesOf[p.Name], vals[p.Name] = celKind(k), types.Bool(b.Value)
			continue
		}
		var x float64
		switch v := p.Node.(type) {
		case *ast.IntegerNode:
			switch n := v.Value.(type) {
			case int64:
				x = float64(n)
			case uint64:
				x = float64(n)
			default:
				bad("%s = %s: expected %s", p.Name, given, k.Expected)
				continue
			}
		case *ast.FloatNode:
			x = v.Value
		default:
			bad("%s = %s: expected %s", p.Name, given, k.Expected)
			continue
		}
		if math.IsNaN(x) || x < k.Min || x > k.Max || (k.Type == "int" && (x != math.Trunc(x) || math.Abs(x) > 1<<53)) {
			bad("%s = %s: expected %s", p.Name, given, k.Expected)
			continue
		}
		nums[p.Name] = x
		typesOf[p.Name] = celKind(k)
		if k.Type == "int" {
			vals[p.Name] = types.Int(int64(x))
		} else {
			vals[p.Name] = types.Double(x)
		}
	}
	// A known parameter with a bad value is still declared, so that the
	// rules reading it report no second fault.
	for name := range at {
		if c.held {
			break
		}
		if decl, ok := lookupParam(name); ok && typesOf[name] == nil {
			typesOf[name], vals[name] = celKind(decl.Kind), types.Int(0)
		}
	}
	for _, o := range paramOrder {
		if c.held {
			break
		}
		lo, okLo := nums[o.Low]
		hi, okHi := nums[o.High]
		if okLo && okHi && lo > hi {
			p := at[o.High]
			c.errf(p.Line, "parameters."+o.High, "column %d: %s = %s: expected at least %s (%s): %s",
				p.Column, o.High, strings.TrimSpace(p.Node.String()), o.Low, fmt.Sprint(lo), o.Why)
		}
	}
	return typesOf, vals
}

func celKind(k Kind) *cel.Type {
	switch k.Type {
	case "bool":
		return cel.BoolType
	case "int":
		return cel.IntType
	}
	return cel.DoubleType
}
