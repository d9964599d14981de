package cli

import (
	"fmt"
	"io"
	"time"

	"article5"
	"article5/api"

	"github.com/google/uuid"
	"github.com/spf13/cobra"
)

const tokenHelp = `Create API tokens. A token carries a recipient for TLP release control: a Party, an
organisation (STIX identity id) and communities. Only the sha256 of the secret is stored;
the secret is printed once, on the last line (with --format json, as "secret").

  article5 token create --data-dir ./node-jp --name feed --party JP --org identity--…`

func newTokenCmd(stdout io.Writer) *cobra.Command {
	cmd := &cobra.Command{Use: "token", Short: "Create API tokens", Long: tokenHelp}
	c := defaultServeConfig()
	var name, party, org, format string
	var communities []string
	create := &cobra.Command{
		Use:   "create",
		Short: "Create an API token and print its secret (last line)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := c.resolve(cmd, ""); err != nil {
				return err
			}
			p, err := principalFlags(party, name, org)
			if err != nil {
				return err
			}
			store, err := openWriteStore(cmd.Context(), c)
			if err != nil {
				return err
			}
			defer store.Close()
			secret, hash := api.NewToken()
			t := &article5.Token{ID: "token--" + uuid.NewString(), Name: name, Party: p, Org: org, Communities: communities, Hash: hash, Created: time.Now().UTC()}
			if err := store.CreateToken(cmd.Context(), t); err != nil {
				return err
			}
			if format == "json" {
				return writeJSON(stdout, map[string]any{"id": t.ID, "name": t.Name, "party": t.Party, "org": t.Org,
					"communities": t.Communities, "created": t.Created, "secret": secret})
			}
			fmt.Fprintf(stdout, "token %s (%s) for party %s, organisation %s\n", t.ID, name, p, org)
			fmt.Fprintln(stdout, secret)
			return nil
		},
	}
	addStoreFlags(create, &c)
	create.Flags().StringVar(&name, "name", "", "a name for the token (required)")
	create.Flags().StringVar(&party, "party", "", "the Party the token acts for: JP or US (required)")
	create.Flags().StringVar(&org, "org", "", "STIX identity id of the token's organisation (required)")
	create.Flags().StringSliceVar(&communities, "community", nil, "community ids the organisation belongs to (repeatable)")
	addFormatFlag(create, &format)
	cmd.AddCommand(create)
	return cmd
}
