package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"

	"article5"

	"github.com/spf13/cobra"
)

// Every command that prints a record takes --format text|json: text (the
// default) for people, json for programs. The JSON of a command is its
// record as the API or the store has it, indented; it is what scripts
// should read, never the text.

// formatAnnotation marks a command whose --format is text or json: Run
// checks the value before the command runs (checkFormat).
const formatAnnotation = "article5/format"

// addFormatFlag adds --format (text or json, default text) to cmd; a
// value other than those is a usage error before cmd runs.
func addFormatFlag(cmd *cobra.Command, format *string) {
	cmd.Flags().StringVar(format, "format", "text", "output format: text or json")
	if cmd.Annotations == nil {
		cmd.Annotations = map[string]string{}
	}
	cmd.Annotations[formatAnnotation] = "text,json"
}

// checkFormat refuses a --format other than text or json (a usage error).
func checkFormat(format string) error {
	switch format {
	case "text", "json":
		return nil
	}
	return usageError{fmt.Errorf("--format must be text or json, got %q", format)}
}

// writeRawJSON writes a JSON answer of the API indented, with a newline.
func writeRawJSON(w io.Writer, raw json.RawMessage) error {
	var buf bytes.Buffer
	if err := json.Indent(&buf, raw, "", "  "); err != nil {
		return article5.Errorf(article5.EINTERNAL, "the server's answer does not parse")
	}
	_, err := w.Write(append(buf.Bytes(), '\n'))
	return err
}
