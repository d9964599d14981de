package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"article5"
	"article5/audit"

	"github.com/spf13/cobra"
	"golang.org/x/mod/sumdb/note"
)

const auditHelp = `Check the node's transparency log. Every change to the covered tables (objects,
cases, assessments, events, tokens, users and their roles, consultations with their
positions, signatures and determinations, approver keys, doctrines, webhooks) is an entry
of an append-only Merkle log written in the same transaction, and every transaction signs a
tree head with the node's key.

  article5 audit verify --data-dir ./node-jp          exit 0 if the log and the rows it covers are intact, 4 if not
  article5 audit verify --deep                        …and every object's raw bytes hash as recorded (slower; weekly)
  article5 audit verify --witnessed head.note         …and the log extends a head the partner witnessed
  article5 audit head                                 the newest signed tree head
  article5 audit key                                  the node's verifier key (give it to the partner)
  article5 audit key --public-out node.pub            …and its public key, for 'party certify --role node'
  article5 audit certificate install node.cert --trust jp-root.pub   keep the key's certificate (served to partners)
  article5 audit proof 42                             inclusion proof of entry 42 in the newest tree
  article5 audit check case.proof-42.json --key KEY   check a downloaded proof offline (no store needed)
  article5 audit consistency 100 250                  prove and check that tree 250 extends tree 100
  article5 audit consistency old.note new.note        the same for two saved signed heads
  article5 audit reconcile --accept-rollback          after a restore from an older backup: record the rollback in the log`

func newAuditCmd(stdout io.Writer) *cobra.Command {
	cmd := &cobra.Command{Use: "audit", Short: "Verify the transparency log; print heads and proofs", Long: auditHelp}
	c := defaultServeConfig()

	// withLog opens the store and runs f on its log.
	withLog := func(cmd *cobra.Command, f func(ctx context.Context, a audit.Store) error) error {
		if err := c.resolve(cmd, ""); err != nil {
			return err
		}
		if c.Database == "" {
			// Checking a log must not create one: a mistyped --data-dir
			// would otherwise open a new, empty store and report it intact.
			db := filepath.Join(c.DataDir, "article5.db")
			if _, err := os.Stat(db); errors.Is(err, fs.ErrNotExist) {
				return article5.Errorf(article5.EINVALID, "--data-dir %s holds no article5 store (no %s): name the node's data dir, or give --database for PostgreSQL", c.DataDir, db)
			}
		}
		store, _, err := openStore(cmd.Context(), c)
		if err != nil {
			return err
		}
		defer store.Close()
		a, ok := store.(audit.Store)
		if !ok {
			return article5.Errorf(article5.EINTERNAL, "this store keeps no transparency log")
		}
		return f(cmd.Context(), a)
	}

	var witnessed, verifyFormat, headFormat, keyFormat, proofFormat, consistencyFormat, publicOut string
	var deep bool
	verify := &cobra.Command{
		Use:   "verify",
		Short: "Check the whole log and the rows it covers (exit 0 only if intact)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return withLog(cmd, func(ctx context.Context, a audit.Store) error {
				start := time.Now()
				check, what := a.AuditVerify, "covered rows"
				if deep {
					check, what = a.AuditVerifyDeep, "covered rows with their raw bytes"
				}
				rep, err := check(ctx)
				if err != nil {
					return err
				}
				h := rep.Head
				v := verifyView{Intact: rep.Intact(), Size: h.N, Hash: h.Hash.String(), Time: h.Time, Entries: rep.Entries, Tiles: rep.Tiles, Deep: deep, Rows: rep.Rows, Faults: []string{}}
				for _, f := range rep.Faults {
					v.Faults = append(v.Faults, f.String())
				}
				text := stdout
				if verifyFormat == "json" {
					text = io.Discard
				}
				fmt.Fprintf(text, "signed tree head: %d entries, hash %s, time %s\n", h.N, h.Hash, h.Time.Format(time.RFC3339Nano))
				fmt.Fprintf(text, "read %d entries, %d hash tiles, %d %s in %v\n", rep.Entries, rep.Tiles, rep.Rows, what, time.Since(start).Round(time.Millisecond))
				var werr error
				if witnessed != "" {
					v.Witnessed = witnessed
					if werr = checkWitnessed(ctx, a, witnessed, text); werr != nil {
						if c := article5.ErrorCode(werr); c == article5.ECONFLICT || c == article5.EFORBIDDEN {
							werr = failedCheck{werr} // the log does not extend what the partner saw
						}
						v.Intact = false
						v.Faults = append(v.Faults, "witnessed: "+article5.ErrorMessage(werr))
					}
				}
				if verifyFormat == "json" {
					if err := writeJSON(stdout, v); err != nil {
						return err
					}
				} else {
					if v.Intact {
						fmt.Fprintln(stdout, "intact")
					}
					for _, f := range rep.Faults {
						fmt.Fprintln(stdout, "FAULT", f.String())
					}
				}
				switch {
				case werr != nil:
					return werr
				case !rep.Intact():
					return failedCheck{article5.Errorf(article5.ECONFLICT, "audit log is not intact: %d faults", len(rep.Faults))}
				}
				return nil
			})
		},
	}
	addFormatFlag(verify, &verifyFormat)
	verify.Flags().StringVar(&witnessed, "witnessed", "", "a signed tree head the partner witnessed (file): the log must extend it")
	verify.Flags().BoolVar(&deep, "deep", false, "also read every object's raw bytes and check them against the hash the log recorded (detects an edit of raw alone)")

	head := &cobra.Command{
		Use:   "head",
		Short: "Print the newest signed tree head",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return withLog(cmd, func(ctx context.Context, a audit.Store) error {
				signed, err := a.AuditHead(ctx)
				if err != nil {
					return err
				}
				if headFormat == "json" {
					vs, err := nodeVerifiers(ctx, a)
					if err != nil {
						return err
					}
					h, err := audit.VerifyTreeHead(signed, vs)
					if err != nil {
						return err
					}
					return writeJSON(stdout, headJSON(h, signed))
				}
				_, err = stdout.Write(signed)
				return err
			})
		},
	}
	addFormatFlag(head, &headFormat)

	key := &cobra.Command{
		Use:   "key",
		Short: "Print the node's note verifier key",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return withLog(cmd, func(ctx context.Context, a audit.Store) error {
				k, err := a.AuditKey(ctx)
				if err != nil {
					return err
				}
				if publicOut != "" {
					name, err := writeNodePublicKey(k, publicOut)
					if err != nil {
						return err
					}
					fmt.Fprintf(cmd.ErrOrStderr(), "wrote %s: certify it with article5 party certify --role node --subject %s --name %s\n", publicOut, publicOut, name)
				}
				if keyFormat == "json" {
					return writeJSON(stdout, map[string]string{"verifier_key": k})
				}
				fmt.Fprintln(stdout, k)
				return nil
			})
		},
	}
	addFormatFlag(key, &keyFormat)
	key.Flags().StringVar(&publicOut, "public-out", "", "also write the key's Ed25519 public key (hex) to this new file, for 'article5 party certify --role node'")

	var size int64
	proof := &cobra.Command{
		Use:   "proof INDEX",
		Short: "Print the inclusion proof of an entry (checked against the signed head first)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			index, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil || index < 0 {
				return usageError{fmt.Errorf("INDEX must be a non-negative entry index, got %q", args[0])}
			}
			return withLog(cmd, func(ctx context.Context, a audit.Store) error {
				vs, err := nodeVerifiers(ctx, a)
				if err != nil {
					return err
				}
				p, err := a.AuditInclusion(ctx, index, size)
				if err != nil {
					return err
				}
				signed, err := a.AuditHeadAt(ctx, p.TreeSize)
				if err != nil {
					return err
				}
				h, err := audit.VerifyTreeHead(signed, vs)
				if err != nil {
					return err
				}
				if err := p.Check(h); err != nil {
					return err
				}
				if proofFormat == "json" {
					return writeJSON(stdout, inclusionJSON(p, h, signed))
				}
				text, err := p.MarshalText()
				if err != nil {
					return article5.Internal("marshal proof", err)
				}
				_, err = stdout.Write(text)
				return err
			})
		},
	}
	proof.Flags().Int64Var(&size, "size", 0, "the tree size (default: the newest signed head's)")
	addFormatFlag(proof, &proofFormat)

	consistency := &cobra.Command{
		Use:   "consistency OLD NEW",
		Short: "Prove and check that the newer signed tree head extends the older (sizes or signed head files)",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withLog(cmd, func(ctx context.Context, a audit.Store) error {
				vs, err := nodeVerifiers(ctx, a)
				if err != nil {
					return err
				}
				var signed [2][]byte
				var heads [2]audit.TreeHead
				for i, arg := range args {
					if signed[i], err = signedHeadArg(ctx, a, arg); err != nil {
						return err
					}
					if heads[i], err = audit.VerifyTreeHead(signed[i], vs); err != nil {
						return fmt.Errorf("%s: %w", arg, err)
					}
				}
				p, err := a.AuditConsistency(ctx, heads[0].N, heads[1].N)
				if err != nil {
					return err
				}
				if _, _, err := audit.CheckSignedConsistency(signed[0], signed[1], vs, p); err != nil {
					return err
				}
				if consistencyFormat == "json" {
					return writeJSON(stdout, consistencyJSON(p, heads, signed))
				}
				text, err := p.MarshalText()
				if err != nil {
					return article5.Internal("marshal proof", err)
				}
				if _, err := stdout.Write(text); err != nil {
					return err
				}
				fmt.Fprintf(stdout, "consistent: the tree of %s extends the tree of %s\n", plural(int(heads[1].N), "entry", "entries"), plural(int(heads[0].N), "entry", "entries"))
				return nil
			})
		},
	}

	addFormatFlag(consistency, &consistencyFormat)

	reconcile := newAuditReconcileCmd(stdout, withLog, &c)
	for _, sub := range []*cobra.Command{verify, head, key, proof, consistency, reconcile} {
		addStoreFlags(sub, &c)
		cmd.AddCommand(sub)
	}
	cmd.AddCommand(newAuditCertificateCmd(stdout), newAuditCheckCmd(stdout))
	return cmd
}

// nodeVerifiers returns the verifier of the node's own key.
func nodeVerifiers(ctx context.Context, a audit.Store) (note.Verifiers, error) {
	k, err := a.AuditKey(ctx)
	if err != nil {
		return nil, err
	}
	return audit.NewVerifiers(k)
}

// signedHeadArg reads a signed head: a tree size names the head the store
// signed at that size, anything else is a file holding a signed head.
func signedHeadArg(ctx context.Context, a audit.Store, arg string) ([]byte, error) {
	if n, err := strconv.ParseInt(arg, 10, 64); err == nil && n >= 0 {
		return a.AuditHeadAt(ctx, n)
	}
	data, err := os.ReadFile(arg)
	if err != nil {
		return nil, article5.Errorf(article5.EINVALID, "%s: want a tree size or a file holding a signed tree head: %v", arg, err)
	}
	return data, nil
}

// checkWitnessed checks that the log's newest signed head extends the head
// in file (one the partner witnessed): the defence against a log truncated
// or rewritten and re-signed with the node's own key.
func checkWitnessed(ctx context.Context, a audit.Store, file string, stdout io.Writer) error {
	vs, err := nodeVerifiers(ctx, a)
	if err != nil {
		return err
	}
	old, err := os.ReadFile(file)
	if err != nil {
		return article5.Errorf(article5.EINVALID, "--witnessed %s: %v", file, err)
	}
	oldHead, err := audit.VerifyTreeHead(old, vs)
	if err != nil {
		return fmt.Errorf("--witnessed %s: %w", file, err)
	}
	cur, err := a.AuditHead(ctx)
	if err != nil {
		return err
	}
	curHead, err := audit.VerifyTreeHead(cur, vs)
	if err != nil {
		return err
	}
	if curHead.N < oldHead.N {
		return article5.Errorf(article5.ECONFLICT, "the log (%d entries) is shorter than the witnessed head (%d entries): truncated", curHead.N, oldHead.N)
	}
	p, err := a.AuditConsistency(ctx, oldHead.N, curHead.N)
	if err != nil {
		return err
	}
	if _, _, err := audit.CheckSignedConsistency(old, cur, vs, p); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "extends the witnessed head of %d entries (%s)\n", oldHead.N, strings.TrimSpace(file))
	return nil
}

// verifyView is the result of 'audit verify --format json'.
type verifyView struct {
	Intact    bool      `json:"intact"`
	Size      int64     `json:"size"` // entries under the newest signed head
	Hash      string    `json:"hash"` // its tree hash (base64)
	Time      time.Time `json:"time"`
	Entries   int       `json:"entries"` // rows read
	Tiles     int       `json:"tiles"`   // hash tiles read
	Deep      bool      `json:"deep"`    // raw bytes re-hashed too (--deep)
	Rows      int       `json:"rows"`
	Faults    []string  `json:"faults"`
	Witnessed string    `json:"witnessed,omitempty"` // the --witnessed file checked
}
