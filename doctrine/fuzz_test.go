package doctrine_test

import (
	"errors"
	"testing"

	"article5"
	"article5/doctrine"
)

// minimal is the smallest doctrine that compiles.
const minimal = `id: x
version: "1"
use_of_force:
  factors:
    - name: severity
      levels:
        - {score: 0, when: "true"}
  met: {when: "uof.severity > 0"}
armed_attack:
  met: {when: "false"}
attribution:
  sufficient: {when: "true"}
tiers:
  - tier: below-threshold
    when: "true"
self_defence_available: {when: "false"}
severity:
  - {value: 1, when: "true"}
`

// FuzzParse: the doctrine loader never panics; it either compiles a
// doctrine that evaluates without error on empty facts, or refuses with
// EINVALID. Corpus: testdata/fuzz/FuzzParse (kept), seeded with jp and us.
func FuzzParse(f *testing.F) {
	for _, id := range doctrine.DefaultIDs {
		src, err := doctrine.DefaultSource(id)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(src)
	}
	f.Add([]byte("id: x\nversion: \"1\"\ntiers:\n  - tier: below-threshold\n    when: \"true\"\n"))
	// The presumption, requirement and checklist syntax of doctrines 2.0.0.
	f.Add([]byte(minimal + `presumptions:
  - fact: organised_and_planned
    value: "true"
    when: "legal_basis.orValue('') == 'state-organ'"
    says: "s"
    because: "x"
    source: "y"
    rebutted_by: {fact: organised_and_planned, value: "false"}
    rebuttal: "z"
below_threshold_requires:
  - name: character
    facts: [operation_type]
    established: "operation_type.hasValue()"
    why: "w"
checklist:
  - fact: operation_type
    question: "q"
    record_as: "r"
`))
	f.Add([]byte(minimal + "presumptions:\n  - fact: ci_sector_count\n    value: \"1\"\n    when: \"true\"\n"))
	f.Add([]byte(minimal + "presumptions:\n  - fact: deaths\n    value: \"'many'\"\n    when: \"deaths\"\n    rebutted_by: {fact: nope}\n"))
	f.Add([]byte(minimal + "below_threshold_requires:\n  - name: x\n    facts: []\n    established: \"1\"\n"))
	// Parameters of each kind, in and out of range.
	f.Add([]byte(minimal + "parameters:\n  attribution_confidence_needed: 600\n  aa_deaths_direct: -5\n  uof_disruption_hours: 72\n  state_nexus_required: 1\n  aa_economic_usd: .nan\n"))
	f.Add([]byte(minimal + "parameters:\n  aa_deaths_direct: 20\n  aa_deaths_total: 10\n  x: y\n  uof_function_loss: 90.5\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := doctrine.Parse("fuzz.yaml", data)
		if err != nil {
			var e *article5.Error
			if !errors.As(err, &e) || e.Code != article5.EINVALID {
				t.Fatalf("want EINVALID, got %v", err)
			}
			return
		}
		if _, err := d.Evaluate(article5.NewFacts("incident--00000000-0000-4000-8000-000000000000")); err != nil {
			var e *article5.Error
			if !errors.As(err, &e) {
				t.Fatalf("evaluate: untyped error %v", err)
			}
		}
	})
}
