package cli

import (
	"fmt"
	"io"
	"os"
	"time"

	"article5"
	"article5/node"

	"github.com/spf13/cobra"
)

const keyAdminHelp = `Register and revoke approver keys on a node (an operator's offline commands, like
'article5 user create'; an admin can do the same through the API: POST /api/v1/users/{id}/keys
and POST /api/v1/keys/{key}/revocation).

  article5 key add --data-dir DIR --user tanaka --key approver-tanaka.key \
      --cert approver-tanaka.cert --trust jp-root.pub --trust us-root.pub
  article5 party revoke --root jp-root.key --key-id ed25519:… --reason "laptop lost" --out rev.json
  article5 key revoke --data-dir DIR --revocation rev.json --trust jp-root.pub

The approver's key must be sealed with the approver's login password ('article5 key new
--password-file' with the same password): signing re-enters that password to unseal it.`

// addKeyAdminCmds adds 'key add' and 'key revoke' to the key command.
func addKeyAdminCmds(cmd *cobra.Command, stdout io.Writer) {
	c := defaultServeConfig()
	var userName, keyPath, certPath, revPath, format string
	var trust []string
	add := &cobra.Command{
		Use: "add --user NAME --key FILE.key --cert FILE.cert --trust ROOT.pub…", Short: "Register an approver's signing key on the node", Long: keyAdminHelp, Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if userName == "" || keyPath == "" || certPath == "" {
				return usageError{fmt.Errorf("--user, --key and --cert are required")}
			}
			n, done, err := offlineNode(cmd, &c, trust)
			if err != nil {
				return err
			}
			defer done()
			u, err := n.Store.FindUserByName(cmd.Context(), userName)
			if err != nil {
				return fmt.Errorf("--user %s: %w", userName, err)
			}
			sealed, err := os.ReadFile(keyPath)
			if err != nil {
				return article5.Errorf(article5.EINVALID, "--key %s: %v", keyPath, err)
			}
			cert, err := os.ReadFile(certPath)
			if err != nil {
				return article5.Errorf(article5.EINVALID, "--cert %s: %v", certPath, err)
			}
			k, err := n.RegisterApproverKey(cmd.Context(), u, sealed, cert)
			if err != nil {
				return err
			}
			if format == "json" {
				return writeJSON(stdout, map[string]any{"key_id": k.KeyID, "user": u.Name, "user_id": u.ID, "party": k.Party, "created": k.Created})
			}
			fmt.Fprintf(stdout, "key %s registered for %s (%s approver)\n", k.KeyID, u.Name, u.Party)
			return nil
		},
	}
	add.Flags().StringVar(&userName, "user", "", "the approver's login name")
	add.Flags().StringVar(&keyPath, "key", "", "the sealed key file from 'article5 key new'")
	add.Flags().StringVar(&certPath, "cert", "", "the certificate from 'article5 party certify'")
	revoke := &cobra.Command{
		Use: "revoke --revocation FILE --trust ROOT.pub…", Short: "Record a key's revocation on the node",
		Long: `Record on the node a key's revocation, made offline with the Party's root key:

  article5 party revoke --root jp-root.key --key-id ed25519:… --reason "laptop lost" --out rev.json
  article5 key revoke --data-dir DIR --revocation rev.json --trust jp-root.pub --trust us-root.pub

The revocation must be signed by a trusted root of the key's Party. The key signs nothing
more; what it signed before revoked_at keeps verifying, and exported records carry the
revocation. An admin can do the same over the API: POST /api/v1/keys/{key}/revocation.`, Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if revPath == "" {
				return usageError{fmt.Errorf("--revocation is required")}
			}
			n, done, err := offlineNode(cmd, &c, trust)
			if err != nil {
				return err
			}
			defer done()
			data, err := os.ReadFile(revPath)
			if err != nil {
				return article5.Errorf(article5.EINVALID, "--revocation %s: %v", revPath, err)
			}
			v, err := n.RevokeApproverKey(cmd.Context(), data)
			if err != nil {
				return err
			}
			if format == "json" {
				return writeJSON(stdout, v)
			}
			fmt.Fprintf(stdout, "key %s of %s revoked from %s (%s)\n", v.KeyID, v.Party, v.RevokedAt, v.Reason)
			return nil
		},
	}
	revoke.Flags().StringVar(&revPath, "revocation", "", "the revocation from 'article5 party revoke'")
	for _, sub := range []*cobra.Command{add, revoke} {
		addStoreFlags(sub, &c)
		sub.Flags().StringSliceVar(&trust, "trust", nil, "a Party's public root key file (repeat for each Party)")
		addFormatFlag(sub, &format)
	}
	cmd.AddCommand(add, revoke)
}

// offlineNode opens the store for an operator's command, with the trusted
// roots; done closes it.
func offlineNode(cmd *cobra.Command, c *serveConfig, trust []string) (*node.Node, func(), error) {
	if err := c.resolve(cmd, ""); err != nil {
		return nil, nil, err
	}
	if len(trust) == 0 {
		return nil, nil, usageError{fmt.Errorf("give the Parties' public root keys with --trust")}
	}
	roots, err := loadRoots(trust)
	if err != nil {
		return nil, nil, err
	}
	store, err := openWriteStore(cmd.Context(), *c)
	if err != nil {
		return nil, nil, err
	}
	return &node.Node{Store: store, Roots: roots, Now: time.Now}, func() { store.Close() }, nil
}

// newPartyRevokeCmd is 'party revoke': the root key signs a key's
// revocation, offline.
func newPartyRevokeCmd(stdout io.Writer) *cobra.Command {
	var rootPath, keyID, reason, out, passFile, format string
	cmd := &cobra.Command{
		Use: "revoke --root ROOT.key --key-id ID --reason TEXT --out FILE", Short: "Revoke an approver or node key with the root key", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if rootPath == "" || keyID == "" || reason == "" || out == "" {
				return usageError{fmt.Errorf("--root, --key-id, --reason and --out are required")}
			}
			root, err := openRoot(rootPath, passFile)
			if err != nil {
				return err
			}
			v, err := root.Revoke(keyID, reason, time.Now().UTC())
			if err != nil {
				return err
			}
			data, err := jsonIndent(v)
			if err != nil {
				return err
			}
			if err := writeNew(out, data, 0o644); err != nil {
				return err
			}
			if format == "json" {
				return writeJSON(stdout, map[string]any{"file": out, "revocation": v})
			}
			fmt.Fprintf(stdout, "revoked key %s of %s from %s: %s (record it with 'article5 key revoke' or the API)\n", keyID, root.Party(), v.RevokedAt, out)
			return nil
		},
	}
	cmd.Flags().StringVar(&rootPath, "root", "", "the Party's encrypted root key file")
	cmd.Flags().StringVar(&keyID, "key-id", "", "the key to revoke (ed25519:…)")
	cmd.Flags().StringVar(&reason, "reason", "", "why")
	cmd.Flags().StringVar(&out, "out", "", "the revocation file to write")
	cmd.Flags().StringVar(&passFile, "passphrase-file", "", "file holding the root passphrase (else ARTICLE5_PASSPHRASE)")
	addFormatFlag(cmd, &format)
	return cmd
}
