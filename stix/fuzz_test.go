package stix_test

import (
	"bytes"
	"testing"

	"github.com/gowebpki/jcs"

	"article5/stix"
)

// FuzzParse checks that Parse, Validate and the accessors never panic,
// that whatever Parse accepts re-encodes to a bundle Parse accepts again
// with the same object bytes, and that every object Validate finds valid
// has a canonical form (RFC 8785), so its digest can be computed, the
// bytes jcs gives for the object's own. Seeds
// live in testdata/fuzz/FuzzParse (some break I-JSON: a name twice, a lone
// surrogate, invalid UTF-8, a number beyond a double).
func FuzzParse(f *testing.F) {
	f.Add(bundleOf(precisionIndicator, whiteAsClear, versionA, versionB))
	f.Add([]byte(legacyBundle))
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := stix.Parse(data)
		if err != nil {
			return
		}
		r := stix.Validate(b)
		_ = r.Err()
		for i, o := range b.Objects {
			_ = r.ObjectValid(i)
			_ = o.Refs()
			_, _ = o.Lookup("/extensions/x/0")
			c, err := stix.Canonical(o)
			if err != nil && r.ObjectValid(i) {
				t.Fatalf("objects/%d is valid but has no canonical form: %v", i, err)
			}
			if want, jerr := jcs.Transform(o.Raw); err == nil && jerr == nil && !bytes.Equal(c, want) {
				t.Fatalf("objects/%d: canonical form %s, jcs gives %s", i, c, want)
			}
			if want, jerr := jcs.Transform(o.Raw); jerr == nil {
				if got, err := stix.CanonicalLarge(o.Raw); err == nil && !bytes.Equal(got, want) {
					t.Fatalf("objects/%d: CanonicalLarge gives %s, jcs %s", i, got, want)
				}
			}
			_ = b.Latest(o.ID)
		}
		again, err := stix.Parse(b.Encode())
		if err != nil {
			t.Fatalf("re-parse of Encode failed: %v", err)
		}
		if len(again.Objects) != len(b.Objects) {
			t.Fatalf("objects: %d after round trip, want %d", len(again.Objects), len(b.Objects))
		}
		for i := range b.Objects {
			if string(again.Objects[i].Raw) != string(b.Objects[i].Raw) {
				t.Fatalf("objects/%d changed in the round trip", i)
			}
		}
	})
}
