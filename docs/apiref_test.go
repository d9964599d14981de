package docs_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite docs/api.md from api/openapi.json")

// TestAPIReference checks that docs/api.md is what api/openapi.json
// generates; with -update it writes it:
//
//	go test ./docs -run TestAPIReference -update
func TestAPIReference(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(root, "api", "openapi.json"))
	if err != nil {
		t.Fatal(err)
	}
	want, err := apiReference(raw)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(root, "docs", "api.md")
	if *update {
		if err := os.WriteFile(path, want, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (generate it: go test ./docs -run TestAPIReference -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("docs/api.md is not what api/openapi.json generates: regenerate it with\n\tgo test ./docs -run TestAPIReference -update")
	}
}

// The parts of an OpenAPI 3.1 document the reference shows.
type (
	openAPI struct {
		Info struct {
			Title, Version, Description string
		}
		Paths      map[string]map[string]operation
		Components struct {
			SecuritySchemes map[string]struct {
				Type, Scheme, In, Name, Description string
			}
			Responses map[string]response
			Schemas   map[string]*schema
		}
	}
	operation struct {
		Summary, Description string
		Security             *[]map[string][]string
		Parameters           []struct {
			Name, In, Description string
			Required              bool
			Schema                *schema
		}
		RequestBody *struct {
			Required    bool
			Description string
			Content     map[string]struct{ Schema *schema }
		}
		Responses map[string]response
	}
	response struct {
		Ref         string `json:"$ref"`
		Description string
		Content     map[string]struct{ Schema *schema }
	}
	schema struct {
		Ref                  string `json:"$ref"`
		Type                 any
		Format               string
		Description          string
		Enum                 []any
		Const                any
		Items                *schema
		Properties           map[string]*schema
		Required             []string
		AdditionalProperties any
		OneOf, AnyOf, AllOf  []*schema
		Minimum, Maximum     *float64
	}
)

// methods is the order operations of one path are shown in.
var methods = []string{"get", "put", "post", "patch", "delete"}

// apiReference renders the Markdown reference of an OpenAPI document.
func apiReference(raw []byte) ([]byte, error) {
	var doc openAPI
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("api/openapi.json: %v", err)
	}
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	p("# API reference\n\n")
	p("<!-- Generated from api/openapi.json by `go test ./docs -run TestAPIReference -update`; do not edit. -->\n\n")
	p("%s, version %s. %s\n\n", doc.Info.Title, doc.Info.Version, doc.Info.Description)
	p("What the routes have in common (ingest, errors, events) is in [Using the JSON API](api-guide.md).\n")
	p("A node serves this document at `/api/v1/openapi.json`.\n\n")

	p("## Authentication\n\n")
	p("Every route needs one of these unless it says otherwise:\n\n")
	for _, name := range sortedKeys(doc.Components.SecuritySchemes) {
		s := doc.Components.SecuritySchemes[name]
		how := s.Type
		switch {
		case s.Type == "http":
			how = "HTTP `Authorization: " + titleCase(s.Scheme) + " …`"
		case s.Type == "apiKey":
			how = fmt.Sprintf("%s `%s`", s.In, s.Name)
		}
		p("- `%s`: %s, %s\n", name, how, s.Description)
	}
	p("\n## Routes\n\n| method | path | what it does |\n|---|---|---|\n")
	paths := sortedKeys(doc.Paths)
	for _, path := range paths {
		for _, m := range methods {
			if op, ok := doc.Paths[path][m]; ok {
				h := strings.ToUpper(m) + " " + path
				p("| `%s` | [`%s`](#%s) | %s |\n", strings.ToUpper(m), path, slugOf("`"+h+"`"), cell(op.Summary))
			}
		}
	}
	for _, path := range paths {
		for _, m := range methods {
			op, ok := doc.Paths[path][m]
			if !ok {
				continue
			}
			p("\n### `%s %s`\n\n%s.", strings.ToUpper(m), path, strings.TrimSuffix(op.Summary, "."))
			if op.Description != "" {
				p(" %s", op.Description)
			}
			p("\n")
			if op.Security != nil && len(*op.Security) == 0 {
				p("\nNo authentication.\n")
			}
			if len(op.Parameters) > 0 {
				p("\n| parameter | in | type | required | description |\n|---|---|---|---|---|\n")
				for _, prm := range op.Parameters {
					p("| `%s` | %s | %s | %s | %s |\n", prm.Name, prm.In, typeOf(prm.Schema), yes(prm.Required), cell(prm.Description))
				}
			}
			if rb := op.RequestBody; rb != nil {
				p("\n**Request body**")
				if rb.Required {
					p(" (required)")
				}
				if rb.Description != "" {
					p(": %s", rb.Description)
				}
				p("\n")
				for _, ct := range sortedKeys(rb.Content) {
					p("\n`%s`: %s\n", ct, typeOf(rb.Content[ct].Schema))
					fields(&b, rb.Content[ct].Schema)
				}
			}
			p("\n| status | answer |\n|---|---|\n")
			for _, code := range sortedKeys(op.Responses) {
				r := op.Responses[code]
				if r.Ref != "" {
					name := refName(r.Ref)
					r = doc.Components.Responses[name]
				}
				var kinds []string
				for _, ct := range sortedKeys(r.Content) {
					kinds = append(kinds, fmt.Sprintf("`%s` %s", ct, typeOf(r.Content[ct].Schema)))
				}
				answer := cell(r.Description)
				if len(kinds) > 0 {
					answer += ": " + strings.Join(kinds, "; ")
				}
				p("| %s | %s |\n", code, answer)
			}
		}
	}

	p("\n## Schemas\n")
	for _, name := range sortedKeys(doc.Components.Schemas) {
		s := doc.Components.Schemas[name]
		p("\n### %s\n\n", name)
		if s.Description != "" {
			p("%s\n\n", s.Description)
		}
		p("%s\n", typeOf(s))
		fields(&b, s)
	}
	return []byte(b.String()), nil
}

// fields writes the property table of an object schema given inline.
func fields(b *strings.Builder, s *schema) {
	if s == nil || s.Ref != "" || len(s.Properties) == 0 {
		return
	}
	required := map[string]bool{}
	for _, r := range s.Required {
		required[r] = true
	}
	fmt.Fprintf(b, "\n| property | type | required | description |\n|---|---|---|---|\n")
	for _, name := range sortedKeys(s.Properties) {
		prop := s.Properties[name]
		fmt.Fprintf(b, "| `%s` | %s | %s | %s |\n", name, typeOf(prop), yes(required[name]), cell(prop.Description))
	}
}

// typeOf describes a schema in a few words, linking named schemas.
func typeOf(s *schema) string {
	if s == nil {
		return "any"
	}
	if s.Ref != "" {
		name := refName(s.Ref)
		return fmt.Sprintf("[%s](#%s)", name, slugOf(name))
	}
	var t string
	switch v := s.Type.(type) {
	case string:
		t = v
	case []any:
		var parts []string
		for _, x := range v {
			parts = append(parts, fmt.Sprint(x))
		}
		t = strings.Join(parts, " or ")
	}
	switch {
	case len(s.OneOf) > 0 || len(s.AnyOf) > 0:
		var parts []string
		for _, x := range append(s.OneOf, s.AnyOf...) {
			parts = append(parts, typeOf(x))
		}
		t = strings.Join(parts, " or ")
	case len(s.AllOf) > 0:
		var parts []string
		for _, x := range s.AllOf {
			parts = append(parts, typeOf(x))
		}
		t = strings.Join(parts, " and ")
	case t == "array":
		t = "array of " + typeOf(s.Items)
	case t == "object" && len(s.Properties) == 0:
		if ap, ok := s.AdditionalProperties.(map[string]any); ok {
			sub, _ := json.Marshal(ap)
			var inner schema
			if json.Unmarshal(sub, &inner) == nil {
				t = "object of " + typeOf(&inner)
			}
		}
	case t == "":
		t = "any"
	}
	if s.Format != "" {
		t += " (" + s.Format + ")"
	}
	if len(s.Enum) > 0 {
		var vals []string
		for _, v := range s.Enum {
			vals = append(vals, fmt.Sprintf("`%v`", v))
		}
		t += ": " + strings.Join(vals, ", ")
	}
	if s.Const != nil {
		t += fmt.Sprintf(": `%v`", s.Const)
	}
	if s.Minimum != nil || s.Maximum != nil {
		lo, hi := "", ""
		if s.Minimum != nil {
			lo = fmt.Sprint(*s.Minimum)
		}
		if s.Maximum != nil {
			hi = fmt.Sprint(*s.Maximum)
		}
		t += fmt.Sprintf(", %s–%s", lo, hi)
	}
	return t
}

func refName(ref string) string { return ref[strings.LastIndex(ref, "/")+1:] }

// cell makes text fit one Markdown table cell.
func cell(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	return strings.Join(strings.Fields(s), " ")
}

func yes(b bool) string {
	if b {
		return "yes"
	}
	return ""
}

func titleCase(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
