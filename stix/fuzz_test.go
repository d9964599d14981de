package stix_test

import (
	"testing"

	"article5/stix"
)

// FuzzParse checks that Parse, Validate and the accessors never panic, and
// that whatever Parse accepts re-encodes to a bundle Parse accepts again
// with the same object bytes. Seeds live in testdata/fuzz/FuzzParse.
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
			_, _ = stix.Canonical(o)
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
