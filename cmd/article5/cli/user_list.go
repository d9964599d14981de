package cli

import (
	"fmt"
	"io"
	"strings"
	"time"

	"article5"

	"github.com/spf13/cobra"
)

// userView is a user as the user commands print it: never the password
// hash.
type userView struct {
	ID          string          `json:"id"`
	Name        string          `json:"name"`
	Party       article5.Party  `json:"party"`
	Roles       []article5.Role `json:"roles"`
	Org         string          `json:"org"`
	Communities []string        `json:"communities,omitempty"`
	Created     time.Time       `json:"created"`
	Disabled    bool            `json:"disabled"`
}

func viewUser(u *article5.User) userView {
	return userView{ID: u.ID, Name: u.Name, Party: u.Party, Roles: u.Roles, Org: u.Org, Communities: u.Communities, Created: u.Created, Disabled: u.Disabled}
}

func newUserListCmd(stdout io.Writer) *cobra.Command {
	c := defaultServeConfig()
	var party, format string
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
			if format == "json" {
				views := make([]userView, len(us))
				for i, u := range us {
					views[i] = viewUser(u)
				}
				return writeJSON(stdout, views)
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
	addFormatFlag(cmd, &format)
	return cmd
}
