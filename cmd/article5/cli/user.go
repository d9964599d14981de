package cli

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"article5"
	"article5/api"

	"github.com/spf13/cobra"
)

const userHelp = `Create users who log in to the node's API with a password (POST /api/v1/login). A user
belongs to one Party, holds one or more roles (analyst, legal, approver, observer, admin) and
carries a recipient for TLP release control: an organisation (STIX identity id) and
communities. The password is read from --password-file or ARTICLE5_PASSWORD, never a flag,
and stored only as an argon2id hash. The user is recorded in the node's audit log.

  ARTICLE5_PASSWORD=… article5 user create --data-dir ./node-jp --name tanaka --party JP \
      --role legal --role approver --org identity--…`

// minPasswordLen is the shortest password accepted, in characters: NIST SP
// 800-63B-4 §3.1.1.2 asks for at least 15 when a password is the only
// authentication factor.
const minPasswordLen = 15

// principalFlags checks the flags a user or token is created with: the
// Party (JP or US), a --name, and an --org that is a STIX identity id.
func principalFlags(party, name, org string) (article5.Party, error) {
	p, err := partyOf(party)
	if err != nil {
		return "", err
	}
	if name == "" {
		return "", usageError{fmt.Errorf("--name is required")}
	}
	if !strings.HasPrefix(org, "identity--") {
		return "", usageError{fmt.Errorf("--org must be a STIX identity id (identity--…), got %q", org)}
	}
	return p, nil
}

func newUserCmd(stdout io.Writer) *cobra.Command {
	cmd := &cobra.Command{Use: "user", Short: "Create and list users (password login)", Long: userHelp}
	c := defaultServeConfig()
	var name, party, org, passFile, format string
	var roles, communities []string
	create := &cobra.Command{
		Use:   "create",
		Short: "Create a user with a password",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := c.resolve(cmd, ""); err != nil {
				return err
			}
			p, err := principalFlags(party, name, org)
			if err != nil {
				return err
			}
			if len(roles) == 0 {
				return usageError{fmt.Errorf("at least one --role is required")}
			}
			var rs []article5.Role
			for _, r := range roles {
				if !slices.Contains(article5.Roles, article5.Role(r)) {
					return usageError{fmt.Errorf("--role %q: want analyst, legal, approver, observer or admin", r)}
				}
				if !slices.Contains(rs, article5.Role(r)) {
					rs = append(rs, article5.Role(r))
				}
			}
			pw, err := secret(passFile, "ARTICLE5_PASSWORD", "password")
			if err != nil {
				return err
			}
			if utf8.RuneCount(pw) < minPasswordLen {
				return article5.Errorf(article5.EINVALID, "the password must have at least %d characters", minPasswordLen)
			}
			store, err := openWriteStore(cmd.Context(), c)
			if err != nil {
				return err
			}
			defer store.Close()
			u := &article5.User{Name: name, Party: p, Roles: rs, Org: org, Communities: communities, PasswordHash: api.HashPassword(string(pw))}
			if err := store.CreateUser(cmd.Context(), u); err != nil {
				return err
			}
			if format == "json" {
				return writeJSON(stdout, viewUser(u))
			}
			fmt.Fprintf(stdout, "user %s (%s) for party %s, roles %s, organisation %s\n", u.ID, name, p, strings.Join(roles, ", "), org)
			return nil
		},
	}
	addStoreFlags(create, &c)
	create.Flags().StringVar(&name, "name", "", "the login name (required)")
	create.Flags().StringVar(&party, "party", "", "the user's Party: JP or US (required)")
	create.Flags().StringArrayVar(&roles, "role", nil, "a role: analyst, legal, approver, observer or admin (repeatable; at least one)")
	create.Flags().StringVar(&org, "org", "", "STIX identity id of the user's organisation (required)")
	create.Flags().StringSliceVar(&communities, "community", nil, "community ids the organisation belongs to (repeatable)")
	create.Flags().StringVar(&passFile, "password-file", "", "file holding the password (else ARTICLE5_PASSWORD)")
	addFormatFlag(create, &format)
	cmd.AddCommand(create, newUserListCmd(stdout))
	return cmd
}
