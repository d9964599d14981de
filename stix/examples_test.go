package stix_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"article5/stix"
)

// exampleFiles lists the OASIS example bundles.
func exampleFiles(tb testing.TB) []string {
	tb.Helper()
	dir := filepath.Join(MustDataDir(tb), "examples")
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	more, _ := filepath.Glob(filepath.Join(dir, "threat-reports", "*.json"))
	files = append(files, more...)
	if len(files) < 8 {
		tb.Fatalf("expected the OASIS examples in %s, found %d files", dir, len(files))
	}
	return files
}

func TestOASISExamples(t *testing.T) {
	for _, f := range exampleFiles(t) {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			b := MustParse(t, data)
			t.Run("validates without errors", func(t *testing.T) {
				r := stix.Validate(b)
				if errs := r.Errors(); len(errs) > 0 {
					t.Errorf("errors:%s", dump(stix.Report{Issues: errs}))
				}
				if r.Err() != nil {
					t.Errorf("Err() = %v", r.Err())
				}
				t.Logf("warnings/info:%s", dump(r))
			})
			t.Run("each object keeps its exact bytes", func(t *testing.T) {
				for _, o := range b.Objects {
					if !bytes.Contains(data, o.Raw) {
						t.Errorf("objects/%d: Raw is not a slice of the input", o.Index)
					}
					again := MustParseObject(t, o.Raw)
					if !bytes.Equal(again.Raw, bytes.TrimSpace(o.Raw)) {
						t.Errorf("objects/%d: ParseObject(Raw) changed the bytes", o.Index)
					}
				}
			})
			t.Run("encode round-trips byte for byte per object", func(t *testing.T) {
				b2 := MustParse(t, b.Encode())
				if len(b2.Objects) != len(b.Objects) {
					t.Fatalf("objects: %d after round trip, want %d", len(b2.Objects), len(b.Objects))
				}
				for i := range b.Objects {
					if !bytes.Equal(b.Objects[i].Raw, b2.Objects[i].Raw) {
						t.Errorf("objects/%d differ after Encode→Parse", i)
					}
				}
				if !bytes.Equal(b2.Encode(), b.Encode()) {
					t.Error("Encode is not stable")
				}
			})
		})
	}
}
