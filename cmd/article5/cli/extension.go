package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"

	"article5"

	"github.com/spf13/cobra"
)

const extensionHelp = `Print article5's STIX 2.1 extension.

  article5 extension definition   the extension-definition object (` + article5.ExtensionID + `)
  article5 extension schema       its JSON Schema (draft 2020-12)
  article5 extension bundle       a bundle of the extension-definition and its publisher's identity,
                                  to share with a partner or load into a STIX tool`

func newExtensionCmd(stdout io.Writer) *cobra.Command {
	cmd := &cobra.Command{Use: "extension", Short: "Print article5's STIX extension-definition and JSON Schema", Long: extensionHelp}
	cmd.AddCommand(&cobra.Command{
		Use: "definition", Short: "Print the extension-definition object", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			_, err := stdout.Write(article5.ExtensionDefinition())
			return err
		},
	}, &cobra.Command{
		Use: "schema", Short: "Print the extension's JSON Schema", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			_, err := stdout.Write(article5.ExtensionSchema())
			return err
		},
	}, &cobra.Command{
		Use: "bundle", Short: "Print a STIX bundle of the extension-definition and its publisher", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			_, err := fmt.Fprintf(stdout, "{\"type\":\"bundle\",\"id\":\"bundle--%s\",\"objects\":[%s,%s]}\n",
				"f1b0b7c2-5b8e-4f55-9d35-7a2f3e9c1a60", compact(article5.ExtensionCreator()), compact(article5.ExtensionDefinition()))
			return err
		},
	})
	return cmd
}

func compact(b []byte) string {
	var out bytes.Buffer
	if err := json.Compact(&out, b); err != nil {
		return string(b)
	}
	return out.String()
}
