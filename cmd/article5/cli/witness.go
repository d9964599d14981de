package cli

import (
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"article5"
	"article5/audit"
	"article5/node"
	"article5/taxii"
)

const auditCertificateHelp = `Tie the node's tree-head key to its Party's root (docs/federation.md, "Witnessing").

Partner nodes witness this node's signed tree heads only when the key that signs them is
certified as a node key by this node's Party root:

  article5 audit key --public-out node-jp.pub --data-dir ./node-jp
      writes the key's Ed25519 public key (hex) and prints the name to certify it under
  article5 party certify --root jp-root.key --subject node-jp.pub --role node \
      --name <that name> --days 365 --out node-jp.cert                  (offline, with the root)
  article5 audit certificate install node-jp.cert --trust jp-root.pub --data-dir ./node-jp
      checks the certificate (this key, role node, a trusted root) and keeps it: the node
      serves it beside its signed tree head
  article5 audit certificate --data-dir ./node-jp                       the installed certificate`

// newAuditCertificateCmd is 'audit certificate [install FILE]'.
func newAuditCertificateCmd(stdout io.Writer) *cobra.Command {
	c := defaultServeConfig()
	var format string
	show := &cobra.Command{
		Use: "certificate", Short: "Show or install the certificate of the node's tree-head key", Long: auditCertificateHelp, Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := c.resolve(cmd, ""); err != nil {
				return err
			}
			store, _, err := openStore(cmd.Context(), c)
			if err != nil {
				return err
			}
			defer store.Close()
			_, cert, err := store.NodeCertificate(cmd.Context())
			if err != nil {
				return err
			}
			if format == "json" {
				return writeJSON(stdout, map[string]any{"certificate": jsonRaw(cert)})
			}
			_, err = stdout.Write(cert)
			return err
		},
	}
	addStoreFlags(show, &c)
	addFormatFlag(show, &format)

	ic := defaultServeConfig()
	var trust []string
	var installFormat string
	install := &cobra.Command{
		Use: "install CERT --trust ROOT.pub…", Short: "Check and keep the certificate of the node's tree-head key", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(trust) == 0 {
				if v := os.Getenv("ARTICLE5_TRUST"); v != "" {
					trust = strings.Split(v, ",")
				}
			}
			data, err := os.ReadFile(args[0])
			if err != nil {
				return article5.Errorf(article5.EINVALID, "%s: %v", args[0], err)
			}
			n, done, err := offlineNode(cmd, &ic, trust)
			if err != nil {
				return err
			}
			defer done()
			cert, err := n.InstallNodeCertificate(cmd.Context(), data)
			if err != nil {
				return wrapFile(args[0], err)
			}
			if installFormat == "json" {
				return writeJSON(stdout, map[string]any{"certificate": cert})
			}
			fmt.Fprintf(stdout, "node key %s (%s) certified by the %s root until %s: installed\n", cert.SubjectKeyID, cert.SubjectName, cert.Party, cert.NotAfter)
			return nil
		},
	}
	addStoreFlags(install, &ic)
	install.Flags().StringSliceVar(&trust, "trust", nil, "a Party's public root key file (repeat for each Party) [ARTICLE5_TRUST]")
	addFormatFlag(install, &installFormat)
	show.AddCommand(install)
	return show
}

// writeNodePublicKey writes the node key's Ed25519 public key in hex to
// path (for 'party certify --subject') and returns its name.
func writeNodePublicKey(verifierKey, path string) (string, error) {
	name, pub, err := audit.VerifierPublicKey(verifierKey)
	if err != nil {
		return "", err
	}
	if err := writeNew(path, []byte(hex.EncodeToString(pub)+"\n"), 0o644); err != nil {
		return "", err
	}
	return name, nil
}

// jsonRaw is raw JSON for writeJSON.
type jsonRaw []byte

func (j jsonRaw) MarshalJSON() ([]byte, error) { return j, nil }

// newPartnerHeadCmd is 'partner head NAME': the partner's signed tree head
// this node witnessed, for 'audit verify --witnessed' on the partner.
func newPartnerHeadCmd(stdout io.Writer) *cobra.Command {
	c := defaultServeConfig()
	var conflict, accept bool
	var format string
	cmd := &cobra.Command{
		Use:   "head NAME",
		Short: "Print the partner's newest signed tree head this node witnessed (or, with --conflict, the last one that contradicted it)",
		Long: `Print the partner's newest signed tree head this node witnessed, as the partner signed it.
Hand it to the partner's operator: on the partner node,

  article5 audit verify --witnessed jp.note

checks that its log still extends what this node saw. With --conflict, the last head the
partner signed that contradicted it (the evidence of a rewritten or forked log).

With --accept-conflict, that contradicting head becomes the witnessed one, and later heads
must extend it: only once both Parties agree on why the partner's log changed (it restored a
backup and recorded the rollback with 'article5 audit reconcile --accept-rollback'). Keep
the head printed before as the record of what was abandoned.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := c.resolve(cmd, ""); err != nil {
				return err
			}
			if accept {
				store, err := openWriteStore(cmd.Context(), c)
				if err != nil {
					return err
				}
				defer store.Close()
				h, err := (&node.Node{Store: store, Now: time.Now}).AcceptPartnerHead(cmd.Context(), args[0])
				if err != nil {
					return err
				}
				if format == "json" {
					return writeJSON(stdout, witnessJSON(h, time.Now().UTC(), true))
				}
				fmt.Fprintf(stdout, "partner %s: the head of %d entries is now the witnessed one; later heads must extend it\n", args[0], h.Size)
				return nil
			}
			store, _, err := openStore(cmd.Context(), c)
			if err != nil {
				return err
			}
			defer store.Close()
			hs, err := store.FindPartnerHeads(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if len(hs) == 0 || (len(hs[0].Signed) == 0 && !conflict) {
				return article5.Errorf(article5.ENOTFOUND, "no head of partner %s witnessed yet: run article5 sync", args[0])
			}
			h := hs[0]
			out := h.Signed
			if conflict {
				if len(h.Conflict) == 0 {
					return article5.Errorf(article5.ENOTFOUND, "no head of partner %s contradicted what was witnessed", args[0])
				}
				out = h.Conflict
			}
			if format == "json" {
				return writeJSON(stdout, witnessJSON(h, time.Now().UTC(), true))
			}
			_, err = stdout.Write(out)
			return err
		},
	}
	addStoreFlags(cmd, &c)
	cmd.Flags().BoolVar(&conflict, "conflict", false, "print the last head that contradicted the witnessed one")
	cmd.Flags().BoolVar(&accept, "accept-conflict", false, "make the last contradicting head the witnessed one (after the Parties agreed on why)")
	addFormatFlag(cmd, &format)
	return cmd
}

// witnessJSON is what partner list shows of a partner's witnessed log.
func witnessJSON(h *article5.PartnerHead, now time.Time, heads bool) map[string]any {
	if h == nil {
		return map[string]any{"size": nil, "witnessed": nil, "inconsistencies": 0, "last_error": ""}
	}
	m := map[string]any{"size": nil, "hash": h.Hash, "key_id": h.KeyID, "party": h.Party, "witnessed": nil,
		"checks": h.Checks, "inconsistencies": h.Inconsistencies, "last_error": h.LastError}
	if len(h.Signed) > 0 {
		m["size"] = h.Size
	}
	if !h.Witnessed.IsZero() {
		m["witnessed"] = h.Witnessed
		m["lag_seconds"] = int64(now.Sub(h.Witnessed).Seconds())
	}
	if !h.LastAttempt.IsZero() {
		m["last_attempt"] = h.LastAttempt
	}
	if len(h.Conflict) > 0 {
		m["conflict_reason"], m["conflict_at"], m["conflict_open"] = h.ConflictReason, h.ConflictAt, h.ConflictOpen
	}
	if heads {
		m["signed_head"], m["conflict"] = string(h.Signed), string(h.Conflict)
	}
	return m
}

// witnessLine is partner list's line about a partner's witnessed log.
func witnessLine(h *article5.PartnerHead) string {
	if h == nil {
		return "  log: not witnessed yet"
	}
	s := "  log: "
	if len(h.Signed) > 0 {
		s += fmt.Sprintf("witnessed %d entries (key %s of %s) at %s, %d checks", h.Size, h.KeyID, h.Party, h.Witnessed.Format(time.RFC3339), h.Checks)
	} else {
		s += "no head witnessed yet"
	}
	if h.ConflictOpen {
		s += fmt.Sprintf("; INCONSISTENT since %s: %s", h.ConflictAt.Format(time.RFC3339), h.ConflictReason)
	}
	if h.Inconsistencies > 0 {
		s += fmt.Sprintf("; %d inconsistencies so far", h.Inconsistencies)
	}
	if h.LastError != "" {
		s += "; last error: " + h.LastError
	}
	return s
}

// writeWitnessText is sync's line about witnessing a partner's log.
func writeWitnessText(w io.Writer, r *taxii.SyncReport) {
	wr := r.Witness
	switch {
	case wr == nil:
	case wr.Skipped != "":
	case wr.Inconsistent:
		fmt.Fprintf(w, "%s: LOG INCONSISTENT: %s\n", r.Partner, wr.Reason)
	case wr.Error != "":
		fmt.Fprintf(w, "%s: log not witnessed: %s\n", r.Partner, wr.Error)
	case wr.Previous >= 0:
		fmt.Fprintf(w, "%s: log witnessed: %d entries, extends the %d witnessed before\n", r.Partner, wr.Size, wr.Previous)
	default:
		fmt.Fprintf(w, "%s: log witnessed: %d entries (first head, key %s of %s)\n", r.Partner, wr.Size, wr.KeyID, wr.Party)
	}
}

// witnessFailure is sync's error for an inconsistent partner log (exit 3).
func witnessFailure(reports []*taxii.SyncReport) error {
	for _, r := range reports {
		if r.Witness != nil && r.Witness.Inconsistent {
			return article5.Errorf(article5.EINTERNAL, "partner %s: its log is inconsistent with what this node witnessed: %s", r.Partner, r.Witness.Reason)
		}
	}
	return nil
}
