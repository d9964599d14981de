package cli

import (
	"fmt"
	"io"

	"article5/examples"

	"github.com/spf13/cobra"
)

func newExamplesCmd(stdout io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   "examples",
		Short: "List the built-in example cases (assess one with 'article5 assess --example NAME')",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			for _, n := range examples.Names() {
				fmt.Fprintln(stdout, n)
			}
			return nil
		},
	}
}
