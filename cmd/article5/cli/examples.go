package cli

import (
	"fmt"
	"io"
	"text/tabwriter"

	"article5"
	"article5/assess"
	"article5/examples"
	"article5/stix"

	"github.com/spf13/cobra"
)

const examplesHelp = `List the built-in example cases: each one's name, what it shows (the name of its
case grouping), and what article5 concludes on it under the default doctrines: the
scope, each doctrine's tier, and whether self-defence is available. The findings are
assessed as the list is printed, never written down by hand, so they are what
'article5 assess --example NAME' reports. examples/README.md says where each case comes
from and why it is expected to come out as it does.

  article5 examples
  article5 examples --format json
  article5 assess --example dam-control`

// exampleView is one line of 'article5 examples'.
type exampleView struct {
	Name        string                   `json:"name"`        // assess it with 'article5 assess --example NAME'
	Description string                   `json:"description"` // the case grouping's name
	Case        string                   `json:"case"`
	Scope       article5.Scope           `json:"scope"`
	Tiers       map[string]article5.Tier `json:"tiers"`                  // doctrine id → the case tier
	SelfDefence []string                 `json:"self_defence,omitempty"` // doctrines under which self-defence is available
	Hash        string                   `json:"hash"`
}

func newExamplesCmd(stdout io.Writer) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "examples",
		Short: "List the built-in example cases with what each shows and its tiers (assess one with 'article5 assess --example NAME')",
		Long:  examplesHelp,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			docs, err := loadDoctrines(nil)
			if err != nil {
				return err
			}
			var views []exampleView
			for _, name := range examples.Names() {
				data, err := examples.Read(name)
				if err != nil {
					return err
				}
				b, err := stix.Parse(data)
				if err != nil {
					return wrapFile("example "+name, err)
				}
				rep, err := assess.Assess(cmd.Context(), assess.Options{Doctrines: docs}, b)
				if err != nil {
					return wrapFile("example "+name, err)
				}
				v := exampleView{Name: name, Description: rep.CaseName, Case: rep.Case, Scope: rep.Scope.Value, Tiers: map[string]article5.Tier{}, Hash: rep.Hash}
				for _, d := range docs {
					if a := rep.Assessments[d.ID]; a != nil {
						v.Tiers[d.ID] = a.Tier
						if a.SelfDefenceAvailable {
							v.SelfDefence = append(v.SelfDefence, d.ID)
						}
					}
				}
				views = append(views, v)
			}
			if format == "json" {
				return writeJSON(stdout, views)
			}
			tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
			fmt.Fprint(tw, "NAME\tSCOPE")
			for _, d := range docs {
				fmt.Fprintf(tw, "\t%s", d.ID)
			}
			fmt.Fprintln(tw, "\tSELF-DEFENCE\tWHAT IT SHOWS")
			for _, v := range views {
				fmt.Fprintf(tw, "%s\t%s", v.Name, v.Scope)
				for _, d := range docs {
					fmt.Fprintf(tw, "\t%s", v.Tiers[d.ID])
				}
				sd := "-"
				if len(v.SelfDefence) > 0 {
					sd = fmt.Sprint(v.SelfDefence)
					sd = sd[1 : len(sd)-1]
				}
				fmt.Fprintf(tw, "\t%s\t%s\n", sd, v.Description)
			}
			return tw.Flush()
		},
	}
	addFormatFlag(cmd, &format)
	return cmd
}
