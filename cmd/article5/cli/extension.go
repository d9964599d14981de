package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

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
	// Each prints a JSON document, which is the default; --format text
	// prints a summary of it for a reader.
	doc := func(use, short string, body func() []byte, text func(io.Writer, []byte) error) *cobra.Command {
		var format string
		c := &cobra.Command{
			Use: use, Short: short, Args: cobra.NoArgs,
			RunE: func(cmd *cobra.Command, args []string) error {
				if format == "text" {
					return text(stdout, body())
				}
				_, err := stdout.Write(body())
				return err
			},
		}
		addFormatFlag(c, &format)
		f := c.Flags().Lookup("format")
		f.DefValue, f.Usage = "json", "output format: json (the document) or text (a summary of it)"
		format = "json"
		return c
	}
	cmd.AddCommand(
		doc("definition", "Print the extension-definition object", article5.ExtensionDefinition, definitionText),
		doc("schema", "Print the extension's JSON Schema", article5.ExtensionSchema, schemaText),
		doc("bundle", "Print a STIX bundle of the extension-definition and its publisher", extensionBundle, bundleText),
	)
	return cmd
}

// extensionBundle is a STIX bundle of the extension-definition and the
// identity that publishes it.
func extensionBundle() []byte {
	return fmt.Appendf(nil, "{\"type\":\"bundle\",\"id\":\"bundle--%s\",\"objects\":[%s,%s]}\n",
		"f1b0b7c2-5b8e-4f55-9d35-7a2f3e9c1a60", compact(article5.ExtensionCreator()), compact(article5.ExtensionDefinition()))
}

// definitionText summarises an extension-definition.
func definitionText(w io.Writer, doc []byte) error {
	var d struct {
		ID, Name, Version, Created, CreatedByRef, Description, Schema string
		ExtensionTypes                                                []string `json:"extension_types"`
	}
	if err := json.Unmarshal(doc, &d); err != nil {
		return article5.Internal("extension-definition", err)
	}
	fmt.Fprintf(w, "%s %s %s\n  extension types: %s\n  schema: %s\n  %s\n", d.ID, d.Name, d.Version,
		strings.Join(d.ExtensionTypes, ", "), d.Schema, d.Description)
	return nil
}

// schemaText summarises the extension's JSON Schema: its title and the
// definitions it holds.
func schemaText(w io.Writer, doc []byte) error {
	var s struct {
		ID          string                     `json:"$id"`
		Title       string                     `json:"title"`
		Description string                     `json:"description"`
		Defs        map[string]json.RawMessage `json:"$defs"`
	}
	if err := json.Unmarshal(doc, &s); err != nil {
		return article5.Internal("extension schema", err)
	}
	fmt.Fprintf(w, "%s\n  %s\n  %s\n  definitions: %s\n", s.Title, s.ID, s.Description, strings.Join(slices.Sorted(maps.Keys(s.Defs)), ", "))
	return nil
}

// bundleText lists the objects of a bundle, one a line.
func bundleText(w io.Writer, doc []byte) error {
	var b struct {
		ID      string `json:"id"`
		Objects []struct {
			Type, ID, Name string
		} `json:"objects"`
	}
	if err := json.Unmarshal(doc, &b); err != nil {
		return article5.Internal("extension bundle", err)
	}
	fmt.Fprintf(w, "%s: %d objects\n", b.ID, len(b.Objects))
	for _, o := range b.Objects {
		fmt.Fprintf(w, "  %s %s\n", o.ID, o.Name)
	}
	return nil
}

func compact(b []byte) string {
	var out bytes.Buffer
	if err := json.Compact(&out, b); err != nil {
		return string(b)
	}
	return out.String()
}
