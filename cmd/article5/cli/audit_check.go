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
			if t := bytes.TrimSpace(data); len(t) > 0 && t[0] == '{' {
				var pj struct {
					Leaf           string `json:"leaf"`
					LeafHash       string `json:"leaf_hash"`
					Proof          string `json:"proof"`
					SignedTreeHead string `json:"signed_tree_head"`
					VerifierKey    string `json:"verifier_key"`
				}
				if err := json.Unmarshal(data, &pj); err != nil || pj.Proof == "" {
					return article5.Invalid("malformed proof file", article5.Detail{Object: args[0], Pointer: "/proof", Message: "want a case page's proof download with the proof's text form"})
				}
				text, signed, fileKey, fileLeaf, fileLeafHash = []byte(pj.Proof), []byte(pj.SignedTreeHead), pj.VerifierKey, pj.Leaf, pj.LeafHash
			} else {
				text = data
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
					key = strings.TrimSpace(string(b))
				} else if !errors.Is(err, fs.ErrNotExist) {
					return article5.Errorf(article5.EINVALID, "--key %s: %v", keyArg, err)
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
			leaf, full, err := audit.ParseProof(text)
			if err != nil {
				return err
			}
			// What the file says beside the proof must be what the proof proves.
			if fileLeafHash != "" && fileLeafHash != leaf.LeafHash.String() {
				return failedCheck{article5.Errorf(article5.ECONFLICT, "the file's leaf_hash is not the proof's leaf hash")}
			}
			if fileLeaf != "" && (full == nil || fileLeaf != string(full.Entry.Data())) {
				return failedCheck{article5.Errorf(article5.ECONFLICT, "the file's leaf line is not the proof's")}
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
