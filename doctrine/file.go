package doctrine

import (
	"fmt"
	"strings"

	"github.com/goccy/go-yaml/ast"
)

// file is the YAML shape of a doctrine. Unknown fields are refused.
type file struct {
	ID           string            `yaml:"id"`
	Version      string            `yaml:"version"`
	Party        string            `yaml:"party"`
	Title        string            `yaml:"title"`
	Description  string            `yaml:"description"`
	Sources      map[string]string `yaml:"sources"`
	Parameters   params            `yaml:"parameters"`
	Accumulation accumulationSpec  `yaml:"accumulation"`
	Needed       []neededSpec      `yaml:"needed"`
	Presumptions []presumptionSpec `yaml:"presumptions"`
	Requires     []requirementSpec `yaml:"below_threshold_requires"`
	Checklist    []checklistSpec   `yaml:"checklist"`
	Probes       []probeSpec       `yaml:"probes"`
	UseOfForce   struct {
		Factors []factorSpec `yaml:"factors"`
		Met     testSpec     `yaml:"met"`
	} `yaml:"use_of_force"`
	ArmedAttack struct {
		Criteria []testSpec `yaml:"criteria"`
		Met      testSpec   `yaml:"met"`
	} `yaml:"armed_attack"`
	Attribution struct {
		Sufficient testSpec `yaml:"sufficient"`
	} `yaml:"attribution"`
	Tiers                []tierSpec   `yaml:"tiers"`
	SelfDefenceAvailable testSpec     `yaml:"self_defence_available"`
	Severity             []levelSpec  `yaml:"severity"`
	Priority             prioritySpec `yaml:"priority"`
}

type accumulationSpec struct {
	Enabled    bool   `yaml:"enabled"`
	WindowDays int    `yaml:"window_days"`
	Originator string `yaml:"originator"` // "actor" or "state"
	Source     string `yaml:"source"`
}

// neededSpec names a fact without which the doctrine cannot decide; it
// counts as not established when absent or when Established is false.
type neededSpec struct {
	Fact        string `yaml:"fact"`
	Established expr   `yaml:"established"`
	Why         string `yaml:"why"`
}

// presumptionSpec presumes Fact = Value while Fact is unknown and When
// holds; RebuttedBy is the fact and value that rebut it, Rebuttal the same
// in words.
type presumptionSpec struct {
	Fact       string `yaml:"fact"`
	Value      expr   `yaml:"value"`
	When       expr   `yaml:"when"`
	Says       string `yaml:"says"` // the presumed fact in words: "the conduct was deliberate"
	Because    string `yaml:"because"`
	Source     string `yaml:"source"`
	RebuttedBy struct {
		Fact  string `yaml:"fact"`
		Value expr   `yaml:"value"`
	} `yaml:"rebutted_by"`
	Rebuttal string `yaml:"rebuttal"`
}

// requirementSpec is what a below-threshold finding needs: Established
// must hold, else the tier is indeterminate; Facts are the facts that
// would establish it, most decisive first.
type requirementSpec struct {
	Name        string   `yaml:"name"`
	Facts       []string `yaml:"facts"`
	Established expr     `yaml:"established"`
	Why         string   `yaml:"why"`
	Source      string   `yaml:"source"`
}

// checklistSpec says how to ask an analyst for a fact.
type checklistSpec struct {
	Fact     string `yaml:"fact"`
	Question string `yaml:"question"`
	RecordAs string `yaml:"record_as"`
}

type probeSpec struct {
	Fact   string          `yaml:"fact"`
	Values []expr          `yaml:"values"`
	With   map[string]expr `yaml:"with"` // other facts set together with this one
	Text   string          `yaml:"text"`
}

type factorSpec struct {
	Name   string      `yaml:"name"`
	Source string      `yaml:"source"`
	Levels []levelSpec `yaml:"levels"`
}

type levelSpec struct {
	Score  float64 `yaml:"score"`
	Value  int     `yaml:"value"`
	When   expr    `yaml:"when"`
	Reason string  `yaml:"reason"`
}

type testSpec struct {
	Name      string `yaml:"name"`
	Source    string `yaml:"source"`
	When      expr   `yaml:"when"`
	ReasonMet string `yaml:"reason_met"`
	ReasonNot string `yaml:"reason_not_met"`
}

type tierSpec struct {
	Tier   expr   `yaml:"tier"` // a tier name; expr keeps its line
	Name   string `yaml:"name"`
	When   expr   `yaml:"when"`
	Reason string `yaml:"reason"`
	Source string `yaml:"source"`
}

type prioritySpec struct {
	Notional   bool            `yaml:"notional"`
	Source     string          `yaml:"source"`
	Categories []categorySpec  `yaml:"categories"`
	Levels     []priorityLevel `yaml:"levels"`
}

type categorySpec struct {
	Name   string      `yaml:"name"`
	Weight float64     `yaml:"weight"`
	Levels []levelSpec `yaml:"levels"`
}

type priorityLevel struct {
	Level string  `yaml:"level"`
	Min   float64 `yaml:"min"`
}

// expr is a CEL expression with the YAML line it was written on.
type expr struct {
	Src  string
	Line int
}

// UnmarshalYAML keeps the line of the scalar.
func (e *expr) UnmarshalYAML(n ast.Node) error {
	tok := n.GetToken()
	if tok != nil && tok.Position != nil {
		e.Line = tok.Position.Line
	}
	switch v := n.(type) {
	case *ast.StringNode:
		e.Src = v.Value
	case *ast.LiteralNode:
		e.Src = v.Value.Value
	case *ast.BoolNode, *ast.IntegerNode, *ast.FloatNode:
		e.Src = strings.TrimSpace(n.String())
	default:
		return fmt.Errorf("line %d: expected a CEL expression (a string), got %s", e.Line, n.Type())
	}
	e.Src = strings.TrimSpace(e.Src)
	return nil
}
