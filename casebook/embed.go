// Package casebook embeds article5's casebook: historic cyber and
// electromagnetic incidents, each restated as one STIX 2.1 bundle (one case)
// from public reporting and official statements, with the outcome a legal
// adviser expects for it (expect.yaml). See docs/casebook.md.
package casebook

import (
	"embed"
	"io/fs"
	"sort"
	"strings"

	"article5"

	"github.com/goccy/go-yaml"
)

//go:embed *.json expect.yaml
var files embed.FS

// Case is the hand-written expectation for one casebook bundle.
type Case struct {
	Name         string            `yaml:"case"`          // file name without .json
	Date         string            `yaml:"date"`          // when it happened, as text ("2017-06-27", "2014 – 2015")
	Kind         string            `yaml:"kind"`          // the kind of incident, e.g. "power grid"
	OfficialView string            `yaml:"official_view"` // what governments and expert bodies said
	Scope        string            `yaml:"scope"`         // expected scope
	Article      string            `yaml:"article"`       // expected Treaty article (V, IV, none, to be decided); not checked when empty
	Tier         map[string]string `yaml:"tier"`          // doctrine id → expected tier
	DCID         Band              `yaml:"dcid"`          // expected DCID v2 severity band
	Reason       string            `yaml:"reason"`        // why that scope and tier
	DCIDReason   string            `yaml:"dcid_reason"`   // why that band
	DependsOn    []string          `yaml:"depends_on"`    // doctrine rules the expectation relies on (see expect.yaml)
	Open         string            `yaml:"open"`          // why the built-in doctrines do not yet decide the case as expected; empty when they do
	FixedBy      string            `yaml:"fixed_by"`      // the doctrine change that made the built-in doctrines agree, where they did not before
}

// Band is an inclusive range of DCID v2 severities (0–10; Valeriano & Maness).
type Band struct {
	Min int `yaml:"min"`
	Max int `yaml:"max"`
}

// Contains reports whether severity s lies in the band.
func (b Band) Contains(s int) bool { return b.Min <= s && s <= b.Max }

// String renders the band as "4" or "2–4".
func (b Band) String() string {
	if b.Min == b.Max {
		return itoa(b.Min)
	}
	return itoa(b.Min) + "–" + itoa(b.Max)
}

func itoa(i int) string {
	if i >= 0 && i <= 10 {
		return []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10"}[i]
	}
	return "?"
}

// Names returns the case names (file names without .json), sorted.
func Names() []string {
	entries, _ := fs.Glob(files, "*.json")
	out := make([]string, 0, len(entries))
	for _, e := range entries {
		out = append(out, strings.TrimSuffix(e, ".json"))
	}
	sort.Strings(out)
	return out
}

// Read returns the bundle of the named case (with or without ".json");
// ENOTFOUND if there is none.
func Read(name string) ([]byte, error) {
	name = strings.TrimSuffix(name, ".json")
	if strings.ContainsAny(name, "/\\") {
		return nil, article5.Errorf(article5.ENOTFOUND, "no casebook case %q (list them with 'article5 casebook')", name)
	}
	data, err := files.ReadFile(name + ".json")
	if err != nil {
		return nil, article5.Errorf(article5.ENOTFOUND, "no casebook case %q (list them with 'article5 casebook')", name)
	}
	return data, nil
}

// Expectations returns the hand-written expectations of expect.yaml in file
// order; EINTERNAL if the embedded file does not parse.
func Expectations() ([]Case, error) {
	data, err := files.ReadFile("expect.yaml")
	if err != nil {
		return nil, article5.Internal("casebook: read expect.yaml", err)
	}
	var out []Case
	if err := yaml.UnmarshalWithOptions(data, &out, yaml.Strict()); err != nil {
		return nil, article5.Internal("casebook: parse expect.yaml", err)
	}
	return out, nil
}
