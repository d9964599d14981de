package article5_test

import (
	"strings"
	"testing"

	"article5"
)

// TestActionWords: every action has words of its own for refusals and
// workflow errors, never its identifier ("record-position").
func TestActionWords(t *testing.T) {
	seen := map[string]article5.Action{}
	for _, a := range article5.Actions {
		w := a.Words()
		if w == string(a) || strings.Contains(w, "-") {
			t.Errorf("action %s has no words (%q)", a, w)
		}
		if b, dup := seen[w]; dup {
			t.Errorf("actions %s and %s share the words %q", a, b, w)
		}
		seen[w] = a
	}
}
