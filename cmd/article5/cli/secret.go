package cli

import (
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"
)

const secretHelp = `Rotate the node's secret for page cursors and event ids.

Every cursor (a page's "next") and every event id the node hands out is sealed with a node
secret (AES-256-GCM, bound to the caller it was issued to), so that a client can neither
read it nor use another's. The secret lives in the node's database and is shared by every
serve process of the node. Rotating makes a new secret that seals from then on; secrets
older than --keep are deleted, and cursors sealed with them stop working (a client starts
its listing again). Running nodes pick up the new secret when a cursor names it. The partner
tokens and client keys the node keeps sealed are sealed anew with the new secret, in the same
transaction.

  article5 secret rotate --data-dir ./node-jp
  article5 secret rotate --database postgres://… --keep 24h`

func newSecretCmd(stdout io.Writer) *cobra.Command {
	cmd := &cobra.Command{Use: "secret", Short: "Rotate the node's cursor secret", Long: secretHelp}
	c := defaultServeConfig()
	keep := 7 * 24 * time.Hour
	var format string
	rotate := &cobra.Command{
		Use:   "rotate",
		Short: "Make a new cursor secret and delete those older than --keep",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := c.resolve(cmd, ""); err != nil {
				return err
			}
			if keep < 0 {
				return usageError{fmt.Errorf("--keep must not be negative, got %s", keep)}
			}
			store, err := openWriteStore(cmd.Context(), c)
			if err != nil {
				return err
			}
			defer store.Close()
			s, err := store.RotateNodeSecret(cmd.Context(), keep)
			if err != nil {
				return err
			}
			if format == "json" { // the id only: the secret itself never leaves the store
				return writeJSON(stdout, map[string]any{"id": s.ID, "created": s.Created, "deleted_older_than": keep.String()})
			}
			fmt.Fprintf(stdout, "new cursor secret %s (made %s); secrets older than %s deleted\n", s.ID, s.Created.Format(time.RFC3339), keep)
			return nil
		},
	}
	addStoreFlags(rotate, &c)
	rotate.Flags().DurationVar(&keep, "keep", keep, "keep older secrets this long, so that cursors sealed with them still open")
	addFormatFlag(rotate, &format)
	cmd.AddCommand(rotate)
	return cmd
}
