package cli

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// TestSend: `article5 send` hands an example bundle to a real node and
// reports what it stored; the same bundle again is already held; a bundle
// with one invalid object stores the rest, names the rejected object, its
// pointer and the reason, and exits 2; with --atomic nothing of it is
// stored; --format json gives the node's answer per file; without a login
// or token the node's refusal is clear.
func TestSend(t *testing.T) {
	e := MustConsultEnv(t)
	example, err := os.ReadFile("../../../examples/winter-grid-deaths.json")
	if err != nil {
		t.Fatal(err)
	}
	file := writeTemp(t, e.dir, string(example))
	as := func(args ...string) (string, string, int) {
		return runCLI(t, append([]string{"send", "--server", e.server, "--session", e.path("sato.session")}, args...)...)
	}

	out, errs, code := as(file)
	if code != 0 || !strings.Contains(out, " stored, 0 objects already held, 0 objects rejected") || strings.HasPrefix(strings.SplitN(out, ": ", 2)[1], "0 objects stored") {
		t.Fatalf("send: exit %d\n%s%s", code, out, errs)
	}
	if strings.Contains(out, "no grouping") {
		t.Fatalf("send of a bundle with a grouping says there is none\n%s", out)
	}
	out, _, code = as(file)
	if code != 0 || !strings.Contains(out, ": 0 objects stored,") {
		t.Fatalf("send again: exit %d\n%s", code, out)
	}
	// Incidents without a grouping form no case: send says so, and how.
	var ex struct {
		Objects []map[string]any `json:"objects"`
	}
	if err := json.Unmarshal(example, &ex); err != nil {
		t.Fatal(err)
	}
	var loose []any
	for _, o := range ex.Objects {
		if o["type"] == "incident" {
			o["id"] = "incident--6b1f0e2c-8a1d-4c3e-9f5a-2d7c4b8e1a90"
			loose = append(loose, o)
			break
		}
	}
	looseData, _ := json.Marshal(map[string]any{"type": "bundle", "id": "bundle--7a0f8a6e-2a59-4d0c-9d3f-1f2a3b4c5d6e", "objects": loose})
	out, errs, code = as(writeTemp(t, e.dir, string(looseData)))
	if code != 0 || !strings.Contains(out, "1 incident and no grouping") || !strings.Contains(out, "article5 case open") {
		t.Fatalf("send of an incident alone: exit %d\n%s%s", code, out, errs)
	}

	// One incident made invalid (a count that is not a whole number), in
	// a new bundle with a fresh note that is valid.
	var b struct {
		Type    string           `json:"type"`
		ID      string           `json:"id"`
		Objects []map[string]any `json:"objects"`
	}
	if err := json.Unmarshal(example, &b); err != nil {
		t.Fatal(err)
	}
	bad := map[string]any{"type": "incident", "spec_version": "2.1", "id": "incident--0b0e6c1a-54a1-4d8b-9d3a-0d8a39f3b6a1",
		"created": "2026-01-02T03:04:05.000Z", "modified": "2026-01-02T03:04:05.000Z", "name": "bad",
		"extensions": map[string]any{"extension-definition--ef765651-680c-498d-9894-99799f2fa126": map[string]any{
			"extension_type": "property-extension", "impacted_entity_counts": map[string]any{"individual": 2.5}}}}
	note := map[string]any{"type": "note", "spec_version": "2.1", "id": "note--5a0b9c55-3f6c-4c36-8d4e-6f6e1c2b7a10",
		"created": "2026-01-02T03:04:05.000Z", "modified": "2026-01-02T03:04:05.000Z", "content": "checked", "object_refs": []string{bad["id"].(string)}}
	mixed, _ := json.Marshal(map[string]any{"type": "bundle", "id": "bundle--6f4f8a6e-2a59-4d0c-9d3f-1f2a3b4c5d6e", "objects": []any{note, bad}})
	mixedFile := writeTemp(t, e.dir, string(mixed))

	out, errs, code = as("--atomic", mixedFile)
	if code != 2 {
		t.Fatalf("send --atomic of a bundle with an invalid object: exit %d, want 2\n%s%s", code, out, errs)
	}
	out, errs, code = as(mixedFile)
	if code != 2 || !strings.Contains(out, "1 object stored") || !strings.Contains(out, "rejected  incident--0b0e6c1a-54a1-4d8b-9d3a-0d8a39f3b6a1 /extensions/") ||
		!strings.Contains(out, "(object 2 of the bundle)") || !strings.Contains(errs, "the node rejected 1 object") {
		t.Fatalf("send of a bundle with an invalid object: exit %d\n%s%s", code, out, errs)
	}

	out, _, code = as("--format", "json", file)
	var reports []struct {
		File      string `json:"file"`
		Accepted  []any  `json:"accepted"`
		Unchanged []any  `json:"unchanged"`
		Rejected  []any  `json:"rejected"`
	}
	if err := json.Unmarshal([]byte(out), &reports); code != 0 || err != nil || len(reports) != 1 || reports[0].File != file ||
		len(reports[0].Accepted) != 0 || len(reports[0].Unchanged) != len(b.Objects) || len(reports[0].Rejected) != 0 {
		t.Fatalf("send --format json: exit %d %v\n%s", code, err, out)
	}

	if out, errs, code := runCLI(t, "send", "--server", e.server, "--session", e.path("nobody.session"), file); code == 0 || !strings.Contains(errs, "not logged in") {
		t.Fatalf("send without a login: exit %d\n%s%s", code, out, errs)
	}
}
