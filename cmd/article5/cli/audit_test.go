package cli_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"article5/sqlite"
	"article5/storetest"

	_ "modernc.org/sqlite"
)

// TestAuditCommands: verify exits 0 on an intact log and non-zero after a
// direct edit of the database; head, key, proof and consistency print what
// a partner checks.
func TestAuditCommands(t *testing.T) {
	dir := t.TempDir()
	org := "identity--7c477306-5df9-4487-b023-958c6583ffef"
	for _, name := range []string{"a", "b", "c"} {
		if _, errs, code := run(t, "token", "create", "--data-dir", dir, "--name", name, "--party", "JP", "--org", org); code != 0 {
			t.Fatalf("token create: %d %s", code, errs)
		}
	}
	out, errs, code := run(t, "audit", "verify", "--data-dir", dir)
	if code != 0 || !strings.Contains(out, "intact") || !strings.Contains(out, "3 entries") {
		t.Fatalf("verify: %d %s %s", code, out, errs)
	}
	head, _, code := run(t, "audit", "head", "--data-dir", dir)
	if code != 0 || !strings.HasPrefix(head, "go.sum database tree\n3\n") {
		t.Fatalf("head: %d %q", code, head)
	}
	headFile := filepath.Join(dir, "head.note")
	if err := os.WriteFile(headFile, []byte(head), 0o600); err != nil {
		t.Fatal(err)
	}
	if key, _, code := run(t, "audit", "key", "--data-dir", dir); code != 0 || !strings.HasPrefix(key, "article5-node-") {
		t.Fatalf("key: %d %q", code, key)
	}
	if p, errs, code := run(t, "audit", "proof", "1", "--data-dir", dir); code != 0 || !strings.HasPrefix(p, "article5 audit inclusion proof\n1 token tokens/") {
		t.Fatalf("proof: %d %q %s", code, p, errs)
	}
	if _, _, code := run(t, "audit", "proof", "9", "--data-dir", dir); code == 0 {
		t.Fatal("proof of an entry beyond the log succeeded")
	}
	if c, errs, code := run(t, "audit", "consistency", "1", headFile, "--data-dir", dir); code != 0 || !strings.Contains(c, "consistent") {
		t.Fatalf("consistency: %d %q %s", code, c, errs)
	}
	if out, errs, code := run(t, "audit", "verify", "--data-dir", dir, "--witnessed", headFile); code != 0 {
		t.Fatalf("verify --witnessed: %d %s %s", code, out, errs)
	}

	db, err := sql.Open("sqlite", filepath.Join(dir, "article5.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`UPDATE tokens SET org = 'identity--00000000-0000-4000-8000-000000000000' WHERE name = 'b'`); err != nil {
		t.Fatal(err)
	}
	out, _, code = run(t, "audit", "verify", "--data-dir", dir)
	if code == 0 || !strings.Contains(out, "FAULT row-edited 1 tokens/") {
		t.Fatalf("verify after an edit: %d %s", code, out)
	}

	// A log truncated and re-signed with the node's own key still
	// verifies alone; the head the partner witnessed catches it.
	if _, err := db.Exec(`DELETE FROM audit_entries WHERE idx = 2; DELETE FROM audit_heads WHERE n = 3; DELETE FROM tokens WHERE name = 'c'; UPDATE tokens SET org = '` + org + `' WHERE name = 'b'`); err != nil {
		t.Fatal(err)
	}
	if out, _, code := run(t, "audit", "verify", "--data-dir", dir); code != 0 {
		t.Fatalf("a consistently truncated log: %d %s", code, out)
	}
	if out, _, code := run(t, "audit", "verify", "--data-dir", dir, "--witnessed", headFile); code == 0 {
		t.Fatalf("truncation past a witnessed head not detected: %s", out)
	}
}

// TestAuditVerifyDeep: an edit of an object's raw bytes alone (its
// raw_sha256 left as the log recorded it) passes the routine check, which
// takes raw as raw_sha256 says, and fails `audit verify --deep`, which
// reads it; an edit of raw_sha256 with it fails both.
func TestAuditVerifyDeep(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "article5.db")
	s, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	storetest.MustIngest(t, s, storetest.SyntheticBatch(0, 20)...)
	s.Close()
	for _, args := range [][]string{{"audit", "verify", "--data-dir", dir}, {"audit", "verify", "--deep", "--data-dir", dir}} {
		if out, errs, code := run(t, args...); code != 0 || !strings.Contains(out, "intact") || !strings.Contains(out, "20 entries") {
			t.Fatalf("%v on an intact log: %d %s %s", args, code, out, errs)
		}
	}
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`UPDATE objects SET raw = CAST(replace(CAST(raw AS TEXT), 'Scanner 3', 'Scanner 4') AS BLOB) WHERE seq = 4`); err != nil {
		t.Fatal(err)
	}
	if out, errs, code := run(t, "audit", "verify", "--data-dir", dir); code != 0 {
		t.Fatalf("routine check after an edit of raw alone: %d %s %s", code, out, errs)
	}
	out, _, code := run(t, "audit", "verify", "--deep", "--data-dir", dir)
	if code == 0 || !strings.Contains(out, "FAULT row-edited 3 objects/indicator--") || !strings.Contains(out, "raw does not hash to raw_sha256") {
		t.Fatalf("--deep after an edit of raw alone: %d %s", code, out)
	}
	if _, err := db.Exec(`UPDATE objects SET raw_sha256 = '` + strings.Repeat("0", 64) + `' WHERE seq = 4`); err != nil {
		t.Fatal(err)
	}
	if out, _, code := run(t, "audit", "verify", "--data-dir", dir); code == 0 || !strings.Contains(out, "FAULT row-edited 3 objects/indicator--") {
		t.Fatalf("routine check after an edit of raw_sha256: %d %s", code, out)
	}
}

// TestAuditCommandsJSON: head, key, proof and consistency with --format
// json give the same facts as their text forms: the JSON head's signed
// note is the text head byte for byte, its size and root hash are the
// note's lines, the proof names the entry the text proof names, and the
// consistency proof's sizes are the two heads'.
func TestAuditCommandsJSON(t *testing.T) {
	dir := t.TempDir()
	org := "identity--7c477306-5df9-4487-b023-958c6583ffef"
	for _, name := range []string{"a", "b", "c", "d"} {
		if _, errs, code := run(t, "token", "create", "--data-dir", dir, "--name", name, "--party", "JP", "--org", org); code != 0 {
			t.Fatalf("token create: %d %s", code, errs)
		}
	}
	textHead, _, _ := run(t, "audit", "head", "--data-dir", dir)
	lines := strings.Split(textHead, "\n")
	out, errs, code := run(t, "audit", "head", "--data-dir", dir, "--format", "json")
	if code != 0 {
		t.Fatalf("head --format json: %d %s", code, errs)
	}
	var head struct {
		TreeSize   int64  `json:"tree_size"`
		RootHash   string `json:"root_hash"`
		Time       string `json:"time"`
		SignedNote string `json:"signed_note"`
	}
	if err := json.Unmarshal([]byte(out), &head); err != nil {
		t.Fatalf("head JSON: %v\n%s", err, out)
	}
	if head.SignedNote != textHead || head.TreeSize != 4 || head.RootHash != lines[2] || head.Time == "" {
		t.Fatalf("head JSON %+v disagrees with the text head %q", head, textHead)
	}

	textKey, _, _ := run(t, "audit", "key", "--data-dir", dir)
	out, _, code = run(t, "audit", "key", "--data-dir", dir, "--format", "json")
	var key struct {
		VerifierKey string `json:"verifier_key"`
	}
	if err := json.Unmarshal([]byte(out), &key); code != 0 || err != nil || key.VerifierKey != strings.TrimSpace(textKey) {
		t.Fatalf("key --format json: %d %v %q (text %q)", code, err, out, textKey)
	}

	out, errs, code = run(t, "audit", "proof", "2", "--data-dir", dir, "--format", "json")
	var proof struct {
		Entry struct {
			Index int64  `json:"index"`
			Kind  string `json:"kind"`
			Ref   string `json:"ref"`
		} `json:"entry"`
		TreeSize int64    `json:"tree_size"`
		Hashes   []string `json:"hashes"`
		Checked  bool     `json:"checked"`
	}
	if err := json.Unmarshal([]byte(out), &proof); code != 0 || err != nil {
		t.Fatalf("proof --format json: %d %v %s %s", code, err, out, errs)
	}
	if proof.Entry.Index != 2 || proof.Entry.Kind != "token" || !strings.HasPrefix(proof.Entry.Ref, "tokens/") ||
		proof.TreeSize != 4 || len(proof.Hashes) != 2 || !proof.Checked {
		t.Fatalf("proof JSON: %+v", proof)
	}

	out, errs, code = run(t, "audit", "consistency", "1", "4", "--data-dir", dir, "--format", "json")
	var cons struct {
		Old struct {
			TreeSize int64 `json:"tree_size"`
		} `json:"old"`
		New struct {
			TreeSize int64 `json:"tree_size"`
		} `json:"new"`
		Hashes     []string `json:"hashes"`
		Consistent bool     `json:"consistent"`
	}
	if err := json.Unmarshal([]byte(out), &cons); code != 0 || err != nil {
		t.Fatalf("consistency --format json: %d %v %s %s", code, err, out, errs)
	}
	if cons.Old.TreeSize != 1 || cons.New.TreeSize != 4 || len(cons.Hashes) == 0 || !cons.Consistent {
		t.Fatalf("consistency JSON: %+v", cons)
	}
	if _, _, code := run(t, "audit", "head", "--data-dir", dir, "--format", "yaml"); code != 2 {
		t.Fatalf("head --format yaml: exit %d, want 2", code)
	}
}

// TestAuditVerifyNeedsAStore: checking the log of a data dir that holds no
// store refuses (exit 2) and creates nothing, rather than opening a new,
// empty store and calling it intact.
func TestAuditVerifyNeedsAStore(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "mistyped")
	out, errs, code := run(t, "audit", "verify", "--data-dir", dir)
	if code != 2 || strings.Contains(out, "intact") || !strings.Contains(errs, "holds no article5 store") {
		t.Fatalf("audit verify of an empty data dir: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("audit verify created %s (%v)", dir, err)
	}
}
