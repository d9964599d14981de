package doctrine_test

import (
	"errors"
	"testing"

	"article5"
	"article5/doctrine"
)

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
