package cli

import (
	"fmt"
	"io"
	"strings"

	"article5"

	"github.com/spf13/cobra"
)

func newUserListCmd(stdout io.Writer) *cobra.Command {
	c := defaultServeConfig()
	var party string
	cmd := &cobra.Command{
		Use: "list", Short: "List the node's users (offline, from the store)", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := c.resolve(cmd, ""); err != nil {
				return err
			}
			f := article5.UserFilter{}
			if party != "" {
				p, err := partyOf(party)
				if err != nil {
					return err
				}
				f.Party = p
			}
			store, _, err := openStore(cmd.Context(), c)
			if err != nil {
				return err
			}
			defer store.Close()
			us, _, err := store.FindUsers(cmd.Context(), f)
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "%-42s %-16s %-5s %-8s %s\n", "ID", "NAME", "PARTY", "STATE", "ROLES")
			for _, u := range us {
				state := "active"
				if u.Disabled {
					state = "disabled"
				}
				roles := make([]string, len(u.Roles))
				for i, r := range u.Roles {
					roles[i] = string(r)
				}
				fmt.Fprintf(stdout, "%-42s %-16s %-5s %-8s %s\n", u.ID, u.Name, u.Party, state, strings.Join(roles, ","))
			}
			return nil
		},
	}
	addStoreFlags(cmd, &c)
	cmd.Flags().StringVar(&party, "party", "", "only the users of this Party: JP or US")
	return cmd
}
