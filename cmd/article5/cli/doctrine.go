package cli

import (
	"fmt"
	"io"

	"article5"
	"article5/doctrine"

	"github.com/spf13/cobra"
)

const doctrineHelp = `Inspect doctrines, and change one on a node.

  article5 doctrine list            the built-in doctrines with version and sha256
  article5 doctrine show jp         print a built-in doctrine's YAML (a starting point for your own)
  article5 doctrine check FILE...   load and check doctrine files (exit 2 on the first error, naming the line)
  article5 doctrine put ID FILE     change a node's doctrine through its API (an admin of the owning party)`

// doctrineView is a doctrine as 'doctrine list' and 'doctrine show
// --format json' print it.
type doctrineView struct {
	ID      string         `json:"id"`
	Version string         `json:"version"`
	Party   article5.Party `json:"party"`
	Title   string         `json:"title"`
	SHA256  string         `json:"sha256"`           // of the YAML source
	Source  string         `json:"source,omitempty"` // the YAML source (show)
}

func viewDoctrine(d *doctrine.Doctrine) doctrineView {
	return doctrineView{ID: d.ID, Version: d.Version, Party: d.Party, Title: d.Title, SHA256: d.SHA256}
}

func newDoctrineCmd(stdout io.Writer) *cobra.Command {
	cmd := &cobra.Command{Use: "doctrine", Short: "List, show and check doctrines; change one on a node", Long: doctrineHelp}
	var listFormat, showFormat string
	list := &cobra.Command{
		Use: "list", Short: "List the built-in doctrines", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			var views []doctrineView
			for _, id := range doctrine.DefaultIDs {
				d, err := doctrine.Default(id)
				if err != nil {
					return err
				}
				views = append(views, viewDoctrine(d))
			}
			if listFormat == "json" {
				return writeJSON(stdout, views)
			}
			for _, v := range views {
				fmt.Fprintf(stdout, "%-4s %-7s %s  %s\n", v.ID, v.Version, v.SHA256, v.Title)
			}
			return nil
		},
	}
	addFormatFlag(list, &listFormat)
	show := &cobra.Command{
		Use: "show ID", Short: "Print a built-in doctrine's YAML source (--format json: with its id, version and sha256)", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			src, err := doctrine.DefaultSource(args[0])
			if err != nil {
				return err
			}
			if showFormat == "json" {
				d, err := doctrine.Default(args[0])
				if err != nil {
					return err
				}
				v := viewDoctrine(d)
				v.Source = string(src)
				return writeJSON(stdout, v)
			}
			_, err = stdout.Write(src)
			return err
		},
	}
	addFormatFlag(show, &showFormat)
	var checkFormat string
	check := &cobra.Command{
		Use: "check FILE...", Short: "Load and check doctrine files (--format json: each file with its id, version and sha256)", Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			type checked struct {
				File string `json:"file"`
				doctrineView
			}
			var ok []checked
			for _, p := range args {
				d, err := doctrine.Load(p)
				if err != nil {
					return err
				}
				if checkFormat == "json" {
					ok = append(ok, checked{p, viewDoctrine(d)})
					continue
				}
				fmt.Fprintf(stdout, "%s: ok (%s %s, sha256 %s)\n", p, d.ID, d.Version, d.SHA256)
			}
			if checkFormat == "json" {
				return writeJSON(stdout, ok)
			}
			return nil
		},
	}
	addFormatFlag(check, &checkFormat)
	cmd.AddCommand(list, show, check, newDoctrinePutCmd(stdout))
	return cmd
}
