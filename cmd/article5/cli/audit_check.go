package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"time"

	"article5"
	"article5/audit"

	"github.com/spf13/cobra"
)

const auditCheckHelp = `Check a downloaded inclusion proof offline, without the node's store: the signed
tree head's signature with the node's verifier key, then that the proved leaf is at its
index of the tree the head signs (RFC 6962).

PROOF is either a case page's proof download (/cases/<id>/proofs/<index>.json, which
carries the signed head and the node's key) or the text form of
GET /api/v1/audit/proof/<index> (give --head). --key pins the node's verifier key (the key
itself, or a file holding it, as 'article5 audit key' prints it); without it the key the
JSON file names is used, which proves only that the file is consistent with itself.

A proof of an entry made by a principal of another organisation than yours comes without
the entry's line ("entry withheld"): it is checked by the leaf hash alone, and the entry's
content is not disclosed, so the entry fields beside it are the node's word, not proved.

  article5 audit check case.proof-12.json --key "$(cat jp-node.vkey)"
  article5 audit check proof-12.txt --head head.note --key jp-node.vkey

Exit 0 if the proof checks, 4 if it does not match the signed head, 2 if a file is
malformed.`

// checkedProof is the result of 'audit check --format json'.
type checkedProof struct {
	Index     int64        `json:"index"`
	LeafHash  string       `json:"leaf_hash"`      // base64
	Leaf      string       `json:"leaf,omitempty"` // the entry's line, when disclosed
	Disclosed bool         `json:"disclosed"`      // false: checked by leaf hash alone
	KeyFrom   string       `json:"key_from"`       // "--key" or "file": where the verifier key came from
	Head      treeHeadJSON `json:"head"`
	Checked   bool         `json:"checked"`
}

// proofDownload is a case page's proof download
// (/cases/<id>/proofs/<index>.json), as far as 'audit check' reads it.
type proofDownload struct {
	Entry *struct {
		Index  *int64 `json:"index"`
		Kind   string `json:"kind"`
		Ref    string `json:"ref"`
		Digest string `json:"digest"`
		Time   string `json:"time"`
		By     string `json:"by"`
	} `json:"entry"`
	Leaf           string   `json:"leaf"`
	LeafHash       string   `json:"leaf_hash"`
	TreeSize       *int64   `json:"tree_size"`
	Hashes         []string `json:"hashes"`
	Proof          string   `json:"proof"`
	SignedTreeHead string   `json:"signed_tree_head"`
	VerifierKey    string   `json:"verifier_key"`
	Withheld       bool     `json:"withheld"`
}

// mismatch names the first field of d, beside the proof's text form, that
// says other than what the proof proves ("" when none does): the index,
// the tree size and the audit path always; the entry's fields when its
// line is disclosed (full). A withheld entry's fields are the node's word,
// which the command says.
func (d *proofDownload) mismatch(leaf *audit.LeafProof, full *audit.InclusionProof) string {
	if d.TreeSize != nil && *d.TreeSize != leaf.TreeSize {
		return "tree_size"
	}
	if d.Hashes != nil {
		if len(d.Hashes) != len(leaf.Proof) {
			return "hashes"
		}
		for i, h := range leaf.Proof {
			if d.Hashes[i] != h.String() {
				return "hashes"
			}
		}
	}
	if d.Withheld != (full == nil) {
		return "withheld"
	}
	e := d.Entry
	if e == nil {
		return ""
	}
	if e.Index != nil && *e.Index != leaf.Index {
		return "entry.index"
	}
	if full == nil {
		return ""
	}
	p := full.Entry
	switch {
	case e.Kind != p.Kind:
		return "entry.kind"
	case e.Ref != p.Ref:
		return "entry.ref"
	case e.Digest != p.Digest:
		return "entry.digest"
	case e.Time != p.Time.UTC().Format(time.RFC3339Nano):
		return "entry.time"
	case e.By != p.By:
		return "entry.by"
	}
	return ""
}

func newAuditCheckCmd(stdout io.Writer) *cobra.Command {
	var headFile, keyArg, format string
	cmd := &cobra.Command{
		Use:   "check PROOF",
		Short: "Check a downloaded inclusion proof offline against its signed tree head",
		Long:  auditCheckHelp,
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			data, err := os.ReadFile(args[0])
			if err != nil {
				return article5.Errorf(article5.EINVALID, "%s: want an inclusion proof file: %v", args[0], err)
			}
			var text, signed []byte
			var fileKey, fileLeaf, fileLeafHash string
			var download *proofDownload
			if t := bytes.TrimSpace(data); len(t) > 0 && t[0] == '{' {
				var pj proofDownload
				if err := json.Unmarshal(data, &pj); err != nil || pj.Proof == "" {
					return article5.Invalid("malformed proof file", article5.Detail{Object: args[0], Pointer: "/proof", Message: "want a case page's proof download with the proof's text form"})
				}
				download = &pj
				text, signed, fileKey, fileLeaf, fileLeafHash = []byte(pj.Proof), []byte(pj.SignedTreeHead), pj.VerifierKey, pj.Leaf, pj.LeafHash
			} else {
				text = data
			}
			leaf, full, err := audit.ParseProof(text)
			if err != nil {
				return article5.Invalid("not an inclusion proof", article5.Detail{Object: args[0],
					Message: "want a case page's proof download (.json) or the text of GET /api/v1/audit/proof/<index>: " + article5.ErrorMessage(err)})
			}
			if headFile != "" {
				if signed, err = os.ReadFile(headFile); err != nil {
					return article5.Errorf(article5.EINVALID, "--head %s: %v", headFile, err)
				}
			}
			if len(signed) == 0 {
				return usageError{fmt.Errorf("--head is required: %s carries no signed tree head", args[0])}
			}
			key, keyFrom := fileKey, "file"
			if keyArg != "" {
				key, keyFrom = keyArg, "--key"
				if b, err := os.ReadFile(keyArg); err == nil {
					if key = strings.TrimSpace(string(b)); key == "" {
						return usageError{fmt.Errorf("--key %s: the file is empty; want the node's verifier key as 'article5 audit key' prints it", keyArg)}
					}
				} else if !errors.Is(err, fs.ErrNotExist) {
					return article5.Errorf(article5.EINVALID, "--key %s: %v", keyArg, err)
				} else if !strings.Contains(keyArg, "+") {
					return usageError{fmt.Errorf("--key %s: no such file, and not a verifier key (name+hash+key, as 'article5 audit key' prints it)", keyArg)}
				}
			}
			if key == "" {
				return usageError{fmt.Errorf("--key is required: %s names no verifier key", args[0])}
			}
			vs, err := audit.NewVerifiers(key)
			if err != nil {
				return err
			}
			head, err := audit.VerifyTreeHead(signed, vs)
			if err != nil {
				if c := article5.ErrorCode(err); c == article5.ECONFLICT || c == article5.EFORBIDDEN {
					err = failedCheck{err}
				}
				return err
			}
			// What the file says beside the proof must be what the proof proves.
			if fileLeafHash != "" && fileLeafHash != leaf.LeafHash.String() {
				return failedCheck{article5.Errorf(article5.ECONFLICT, "the file's leaf_hash is not the proof's leaf hash")}
			}
			if fileLeaf != "" && (full == nil || fileLeaf != string(full.Entry.Data())) {
				return failedCheck{article5.Errorf(article5.ECONFLICT, "the file's leaf line is not the proof's")}
			}
			if download != nil {
				if msg := download.mismatch(leaf, full); msg != "" {
					return failedCheck{article5.Errorf(article5.ECONFLICT, "the file's %s is not what the proof proves", msg)}
				}
			}
			if err := leaf.Check(head); err != nil {
				if article5.ErrorCode(err) == article5.ECONFLICT {
					err = failedCheck{err}
				}
				return err
			}
			v := checkedProof{Index: leaf.Index, LeafHash: leaf.LeafHash.String(), Disclosed: full != nil, KeyFrom: keyFrom,
				Head: headJSON(head, signed), Checked: true}
			if full != nil {
				v.Leaf = string(full.Entry.Data())
			}
			if format == "json" {
				return writeJSON(stdout, v)
			}
			if full != nil {
				fmt.Fprintf(stdout, "entry: %s", v.Leaf)
			}
			fmt.Fprintf(stdout, "included: entry %d (leaf hash %s) is in the tree of %s, root hash %s, signed %s\n",
				leaf.Index, v.LeafHash, plural(int(head.N), "entry", "entries"), head.Hash, head.Time.UTC().Format("2006-01-02T15:04:05Z"))
			if full == nil {
				fmt.Fprintln(stdout, "the entry's content was not disclosed: its line was withheld, so only its leaf hash is proved; the entry fields beside it are the node's word")
			}
			if keyFrom == "file" {
				fmt.Fprintln(stdout, "checked with the verifier key the file names: give --key to check it against the node's key you hold")
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&headFile, "head", "", "a file holding the signed tree head the proof is for (default: the one in a JSON proof file)")
	cmd.Flags().StringVar(&keyArg, "key", "", "the node's note verifier key, or a file holding it (default: the one in a JSON proof file)")
	addFormatFlag(cmd, &format)
	return cmd
}
