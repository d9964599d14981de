package cli

import (
	"fmt"
	"io"

	"article5/doctrine"

	"github.com/spf13/cobra"
)

const doctrineHelp = `Inspect doctrines.

  article5 doctrine list            the built-in doctrines with version and sha256
  article5 doctrine show jp         print a built-in doctrine's YAML (a starting point for your own)
  article5 doctrine check FILE...   load and check doctrine files (exit 2 on the first error, naming the line)
  article5 doctrine put ID FILE     change a node's doctrine through its API (an admin of the owning party)`

func newDoctrineCmd(stdout io.Writer) *cobra.Command {
	cmd := &cobra.Command{Use: "doctrine", Short: "List, show and check doctrines", Long: doctrineHelp}
	cmd.AddCommand(&cobra.Command{
		Use: "list", Short: "List the built-in doctrines", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			for _, id := range doctrine.DefaultIDs {
				d, err := doctrine.Default(id)
				if err != nil {
					return err
				}
				fmt.Fprintf(stdout, "%-4s %-7s %s  %s\n", d.ID, d.Version, d.SHA256, d.Title)
			}
			return nil
		},
	}, &cobra.Command{
		Use: "show ID", Short: "Print a built-in doctrine's YAML source", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			src, err := doctrine.DefaultSource(args[0])
			if err != nil {
				return err
			}
			_, err = stdout.Write(src)
			return err
		},
	}, &cobra.Command{
		Use: "check FILE...", Short: "Load and check doctrine files", Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			for _, p := range args {
				d, err := doctrine.Load(p)
				if err != nil {
					return err
				}
				fmt.Fprintf(stdout, "%s: ok (%s %s, sha256 %s)\n", p, d.ID, d.Version, d.SHA256)
			}
			return nil
		},
	}, newDoctrinePutCmd(stdout))
	return cmd
}
