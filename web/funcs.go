package web

import (
	"html/template"
	"strings"

	"article5"
)

// funcs are the template functions beside the view's methods.
var funcs = template.FuncMap{
	// tlpClass is the CSS class suffix of a TLP level: "amber-strict".
	"tlpClass": func(t string) string { return strings.ReplaceAll(strings.ToLower(t), "+", "-") },
	// tierClass is the CSS class suffix of a tier.
	"tierClass": func(t article5.Tier) string {
		if t == "" {
			return "indeterminate"
		}
		return string(t)
	},
	// tierMark is the short mark written on the map for a tier, the same
	// in both languages and explained by the legend: 0 below threshold,
	// 1 use of force possible, 2 armed attack possible, ? indeterminate.
	"tierMark": func(t article5.Tier) string {
		switch t {
		case article5.TierBelowThreshold:
			return "0"
		case article5.TierUseOfForcePossible:
			return "1"
		case article5.TierArmedAttackPossible:
			return "2"
		}
		return "?"
	},
	// docref names a doctrine version for the view's DocText.
	"docref": func(id, version string) article5.DoctrineRef { return article5.DoctrineRef{ID: id, Version: version} },
	"add":    func(a, b int) int { return a + b },
	"addf":   func(a, b float64) float64 { return a + b },
	"state": func(s article5.CaseState) string {
		if s == "" {
			return "none"
		}
		return string(s)
	},
	"fld": func(v *view, name, value, kind string) fieldArgs {
		a := intakeArgs(v, name, value)
		a.Kind = kind
		return a
	},
	"sel": func(v *view, name, value, list, prefix string, required bool) fieldArgs {
		a := intakeArgs(v, name, value)
		a.Prefix, a.Required = prefix, required || a.Required
		if d, ok := v.Data.(intakeData); ok {
			a.List = d.Lists[list]
		}
		return a
	},
	"short": func(id string) string {
		if i := strings.Index(id, "--"); i >= 0 && len(id) > i+10 {
			return id[:i+10] + "…"
		}
		return id
	},
}

// fieldArgs are the arguments of the intake form's "field", "select" and
// "err" templates.
type fieldArgs struct {
	V           *view
	Name, Value string
	Kind        string
	Err         string // message key
	List        []string
	Prefix      string
	Required    bool
}

// requiredFields are the intake fields that must be filled in.
var requiredFields = map[string]bool{"name": true, "start": true, "domain": true, "tlp": true}

func intakeArgs(v *view, name, value string) fieldArgs {
	a := fieldArgs{V: v, Name: name, Value: value, Required: requiredFields[name]}
	if d, ok := v.Data.(intakeData); ok {
		a.Err = d.Errors[name]
	}
	return a
}
