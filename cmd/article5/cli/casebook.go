package cli

import (
	"fmt"
	"io"
	"text/tabwriter"

	"article5/casebook"

	"github.com/spf13/cobra"
)

const casebookHelp = `List the built-in casebook: historic incidents (Estonia 2007, NotPetya, the
Ukrainian grid attacks, Triton, Colonial Pipeline, JAXA, the Port of Nagoya,
Viasat KA-SAT, GNSS jamming and others) restated as STIX 2.1 from public
reporting, with the scope, tier per doctrine and DCID severity band a legal
adviser expects for each. The reasons and the official view of each case are
in docs/casebook.md.

Assess one with 'article5 assess --casebook NAME', or by path:
'article5 assess casebook/NAME.json'.`

func newCasebookCmd(stdout io.Writer) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "casebook",
		Short: "List the historic cases of the built-in casebook with their expected outcome",
		Long:  casebookHelp,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			cases, err := casebook.Expectations()
			if err != nil {
				return err
			}
			if format == "json" {
				return writeJSON(stdout, casebookJSON(cases))
			}
			w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "CASE\tDATE\tKIND\tSCOPE\tJP\tUS\tDCID")
			for _, c := range cases {
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", c.Name, c.Date, c.Kind, c.Scope, c.Tier["jp"], c.Tier["us"], c.DCID)
			}
			if err := w.Flush(); err != nil {
				return err
			}
			fmt.Fprintln(stdout, "\nJP, US and DCID are the outcomes expected by hand (casebook/expect.yaml), not article5's output;\nassess a case with: article5 assess --casebook NAME")
			return nil
		},
	}
	addFormatFlag(cmd, &format)
	return cmd
}

// casebookJSON is the --format json form of the casebook: each case's
// hand-written expectation, with the keys of casebook/expect.yaml
// (dcid as {min, max}; open only when the doctrines do not yet decide the
// case as expected).
func casebookJSON(cases []casebook.Case) []map[string]any {
	out := make([]map[string]any, 0, len(cases))
	for _, c := range cases {
		m := map[string]any{"case": c.Name, "date": c.Date, "kind": c.Kind, "official_view": c.OfficialView,
			"scope": c.Scope, "tier": c.Tier, "dcid": map[string]int{"min": c.DCID.Min, "max": c.DCID.Max},
			"reason": c.Reason, "dcid_reason": c.DCIDReason, "depends_on": append([]string{}, c.DependsOn...)}
		if c.Open != "" {
			m["open"] = c.Open
		}
		out = append(out, m)
	}
	return out
}
