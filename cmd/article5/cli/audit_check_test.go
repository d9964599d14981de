package cli_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"article5/audit"
)

// flip changes the first character of a base64 hash.
func flip(h string) string {
	if h[0] == 'A' {
		return "B" + h[1:]
	}
	return "A" + h[1:]
}

// TestAuditCheck: 'audit check' checks a proof file offline — the full
// text form with --head and --key, the form without the entry's line
// (saying the entry's content was not disclosed), and a case page's JSON
// download — and exits 4 when the leaf hash, the path, the key or the
// file's leaf_hash do not match, 2 when a file is malformed.
func TestAuditCheck(t *testing.T) {
	dir := t.TempDir()
	file := func(name, content string) string {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, name := range []string{"a", "b", "c"} {
		if _, errs, code := run(t, "token", "create", "--data-dir", dir, "--name", name, "--party", "JP", "--org", "identity--7c477306-5df9-4487-b023-958c6583ffef"); code != 0 {
			t.Fatalf("token create: %d %s", code, errs)
		}
	}
	proofText, _, code := run(t, "audit", "proof", "1", "--data-dir", dir)
	head, _, code2 := run(t, "audit", "head", "--data-dir", dir)
	key, _, code3 := run(t, "audit", "key", "--data-dir", dir)
	if code+code2+code3 != 0 {
		t.Fatalf("proof, head, key: %d %d %d", code, code2, code3)
	}
	headFile, keyFile := file("head.note", head), file("node.vkey", key)
	leaf, full, err := audit.ParseProof([]byte(proofText))
	if err != nil || full == nil {
		t.Fatalf("the store's proof: %v", err)
	}
	leafText, _ := leaf.MarshalText()
	withheld := string(leafText)

	t.Run("full", func(t *testing.T) {
		out, errs, code := run(t, "audit", "check", file("full.txt", proofText), "--head", headFile, "--key", keyFile)
		if code != 0 || !strings.Contains(out, "entry: "+string(full.Entry.Data())) || !strings.Contains(out, "included: entry 1 ") || strings.Contains(out, "not disclosed") {
			t.Errorf("check of the full proof: %d %s %s", code, out, errs)
		}
	})
	t.Run("withheld", func(t *testing.T) {
		out, errs, code := run(t, "audit", "check", file("leaf.txt", withheld), "--head", headFile, "--key", strings.TrimSpace(key))
		if code != 0 || !strings.Contains(out, "included: entry 1 (leaf hash "+leaf.LeafHash.String()+")") ||
			!strings.Contains(out, "the entry's content was not disclosed") || strings.Contains(out, full.Entry.Ref) {
			t.Errorf("check of the proof without the line: %d %s %s", code, out, errs)
		}
	})
	download := func(name string, leafHash, proof string) string {
		b, _ := json.Marshal(map[string]any{"entry": map[string]any{"index": 1, "by": "identity--7c477306-5df9-4487-b023-958c6583ffef"},
			"withheld": true, "leaf_hash": leafHash, "proof": proof, "signed_tree_head": head, "verifier_key": strings.TrimSpace(key)})
		return file(name, string(b))
	}
	t.Run("download", func(t *testing.T) {
		f := download("case.proof-1.json", leaf.LeafHash.String(), withheld)
		out, errs, code := run(t, "audit", "check", f)
		if code != 0 || !strings.Contains(out, "not disclosed") || !strings.Contains(out, "give --key") {
			t.Errorf("check of a download with its own key: %d %s %s", code, out, errs)
		}
		var v struct {
			Disclosed bool   `json:"disclosed"`
			Checked   bool   `json:"checked"`
			KeyFrom   string `json:"key_from"`
			LeafHash  string `json:"leaf_hash"`
		}
		mustJSONOut(t, &v, "audit", "check", f, "--key", keyFile, "--format", "json")
		if v.Disclosed || !v.Checked || v.KeyFrom != "--key" || v.LeafHash != leaf.LeafHash.String() {
			t.Errorf("--format json: %+v", v)
		}
	})
	t.Run("edited download", func(t *testing.T) {
		// A full download as the case page gives it; each readable field
		// beside the proof edited in turn must fail the check.
		e := full.Entry
		hashes := []string{}
		for _, h := range leaf.Proof {
			hashes = append(hashes, h.String())
		}
		fullDownload := func(edit func(m map[string]any)) string {
			m := map[string]any{"entry": map[string]any{"index": e.Index, "kind": e.Kind, "ref": e.Ref, "digest": e.Digest,
				"time": e.Time.UTC().Format(time.RFC3339Nano), "by": e.By},
				"leaf": string(e.Data()), "leaf_hash": leaf.LeafHash.String(), "tree_size": leaf.TreeSize, "hashes": hashes,
				"proof": proofText, "signed_tree_head": head, "verifier_key": strings.TrimSpace(key)}
			edit(m)
			b, _ := json.Marshal(m)
			return file("edited.json", string(b))
		}
		if out, errs, code := run(t, "audit", "check", fullDownload(func(map[string]any) {}), "--key", keyFile); code != 0 {
			t.Fatalf("the unedited download: exit %d\n%s%s", code, out, errs)
		}
		for name, edit := range map[string]func(m map[string]any){
			"entry.by":    func(m map[string]any) { m["entry"].(map[string]any)["by"] = "node" },
			"entry.kind":  func(m map[string]any) { m["entry"].(map[string]any)["kind"] = "determination" },
			"entry.ref":   func(m map[string]any) { m["entry"].(map[string]any)["ref"] = "cases/grouping--x" },
			"entry.time":  func(m map[string]any) { m["entry"].(map[string]any)["time"] = "2020-01-01T00:00:00Z" },
			"entry.index": func(m map[string]any) { m["entry"].(map[string]any)["index"] = e.Index + 1 },
			"tree_size":   func(m map[string]any) { m["tree_size"] = leaf.TreeSize + 1 },
			"hashes":      func(m map[string]any) { m["hashes"] = []string{"AAAA"} },
			"withheld":    func(m map[string]any) { m["withheld"] = true },
		} {
			if out, errs, code := run(t, "audit", "check", fullDownload(edit), "--key", keyFile); code != 4 || !strings.Contains(errs, name) {
				t.Errorf("edited %s: exit %d, want 4 naming it\n%s%s", name, code, out, errs)
			}
		}
		// A withheld download's entry fields are the node's word, which the
		// check says; its index is still proved.
		b, _ := json.Marshal(map[string]any{"entry": map[string]any{"index": e.Index + 1}, "withheld": true, "leaf_hash": leaf.LeafHash.String(),
			"proof": withheld, "signed_tree_head": head, "verifier_key": strings.TrimSpace(key)})
		if out, errs, code := run(t, "audit", "check", file("edited-withheld.json", string(b)), "--key", keyFile); code != 4 {
			t.Errorf("a withheld download with another index: exit %d, want 4\n%s%s", code, out, errs)
		}
	})
	t.Run("tampered", func(t *testing.T) {
		_, otherKey, err := audit.NewNodeKey("other")
		if err != nil {
			t.Fatal(err)
		}
		for name, args := range map[string][]string{
			"leaf hash":      {file("bad-leaf.txt", strings.Replace(withheld, leaf.LeafHash.String(), flip(leaf.LeafHash.String()), 1)), "--head", headFile, "--key", keyFile},
			"path":           {file("bad-path.txt", strings.Replace(withheld, leaf.Proof[0].String(), flip(leaf.Proof[0].String()), 1)), "--head", headFile, "--key", keyFile},
			"line":           {file("bad-line.txt", strings.Replace(proofText, " token ", " user ", 1)), "--head", headFile, "--key", keyFile},
			"other key":      {file("leaf2.txt", withheld), "--head", headFile, "--key", otherKey},
			"file leaf_hash": {download("bad.json", flip(leaf.LeafHash.String()), withheld), "--key", keyFile},
		} {
			if out, errs, code := run(t, append([]string{"audit", "check"}, args...)...); code != 4 {
				t.Errorf("%s: exit %d, want 4\n%s%s", name, code, out, errs)
			}
		}
		for name, args := range map[string][]string{
			"not a proof":  {file("junk.txt", "hello\n"), "--head", headFile, "--key", keyFile},
			"no head":      {file("leaf3.txt", withheld), "--key", keyFile},
			"no key":       {file("leaf4.txt", withheld), "--head", headFile},
			"missing file": {filepath.Join(dir, "nope"), "--head", headFile, "--key", keyFile},
		} {
			if out, errs, code := run(t, append([]string{"audit", "check"}, args...)...); code != 2 {
				t.Errorf("%s: exit %d, want 2\n%s%s", name, code, out, errs)
			}
		}
	})
}

// mustJSONOut runs a command that must succeed and decodes its stdout.
func mustJSONOut(t *testing.T, v any, args ...string) {
	t.Helper()
	out, errs, code := run(t, args...)
	if code != 0 {
		t.Fatalf("article5 %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errs)
	}
	if err := json.Unmarshal([]byte(out), v); err != nil {
		t.Fatalf("article5 %s: not JSON: %v\n%s", strings.Join(args, " "), err, out)
	}
}
