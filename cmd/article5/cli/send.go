package cli

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"article5"

	"github.com/spf13/cobra"
)

const sendHelp = `Hand STIX 2.1 bundles to a node (POST /api/v1/bundles), as an analyst or an API token.

The node checks every object and stores each valid one as a new version, in the custody of
your organisation; an object it already holds unchanged is reported as already held, an
invalid one as rejected with the JSON pointer of the fault and the reason.
With --atomic, one rejected object refuses the whole bundle and nothing is stored. Cases
whose evidence changes are re-assessed by the node.

  article5 send incident.json                       one bundle
  article5 send --atomic a.json b.json              each bundle all or nothing
  article5 send --format json bundle.json           the node's answer, for programs

Exit status 0 when every object was stored or already held, 2 when the node rejected any
(the others of a bundle sent without --atomic are stored: the report names each).`

// sendReport is what `send` prints for one bundle: the file and the node's
// answer (article5.IngestResult).
type sendReport struct {
	File string `json:"file"`
	article5.IngestResult
}

func newSendCmd(stdout io.Writer) *cobra.Command {
	c := &client{http: &http.Client{Timeout: 10 * time.Minute}}
	var atomic bool
	var format string
	cmd := &cobra.Command{
		Use: "send BUNDLE...", Short: "Hand STIX bundles to a node (POST /api/v1/bundles)", Long: sendHelp,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			path := "/api/v1/bundles"
			if atomic {
				path += "?atomic=true"
			}
			var reports []sendReport
			rejected := 0
			for _, file := range args {
				data, err := os.ReadFile(file)
				if err != nil {
					return article5.Errorf(article5.EINVALID, "%s: %v", file, err)
				}
				var res article5.IngestResult
				body := typedBody{Reader: bytes.NewReader(data), contentType: "application/stix+json;version=2.1"}
				if err := c.do("POST", path, body, &res); err != nil {
					if e, ok := err.(*article5.Error); ok {
						e.Message = file + ": " + e.Message
					}
					if len(reports) > 0 && format != "json" {
						fmt.Fprintf(stdout, "(the bundles before %s were handed in as reported above)\n", file)
					}
					return err
				}
				rejected += len(res.Rejected)
				reports = append(reports, sendReport{File: file, IngestResult: res})
				if format != "json" {
					writeSendText(stdout, file, res)
				}
			}
			if format == "json" {
				if err := writeJSON(stdout, reports); err != nil {
					return err
				}
			}
			if rejected > 0 {
				return article5.Errorf(article5.EINVALID, "the node rejected %s (named above); the other objects were stored", plural(rejected, "object", "objects"))
			}
			return nil
		},
	}
	addClientFlags(cmd, c)
	addFormatFlag(cmd, &format)
	cmd.Flags().BoolVar(&atomic, "atomic", false, "refuse each whole bundle if any of its objects is rejected (nothing stored)")
	return cmd
}

// writeSendText prints one bundle's ingest answer for a reader: counts,
// then every rejection (object, pointer, reason) and warning.
func writeSendText(w io.Writer, file string, res article5.IngestResult) {
	fmt.Fprintf(w, "%s: %s stored, %s already held, %s rejected\n", file,
		plural(len(res.Accepted), "object", "objects"), plural(len(res.Unchanged), "object", "objects"), plural(len(res.Rejected), "object", "objects"))
	incidents, groupings := 0, 0
	for _, r := range append(slices.Clone(res.Accepted), res.Unchanged...) {
		switch {
		case strings.HasPrefix(r.ID, "incident--"):
			incidents++
		case strings.HasPrefix(r.ID, "grouping--"):
			groupings++
		}
	}
	if incidents > 0 && groupings == 0 {
		// Incidents form a case only when a grouping names them: say how
		// one is formed (one held already may name them; send cannot see).
		fmt.Fprintf(w, "  %s and no grouping: incidents are assessed as a case once a grouping names them;\n"+
			"  if none does yet, open one with 'article5 case open --name NAME INCIDENT…' (docs/analyst.md)\n", plural(incidents, "incident", "incidents"))
	}
	for _, r := range res.Rejected {
		where := r.ID
		if r.Pointer != "" {
			where += " " + r.Pointer
		}
		fmt.Fprintf(w, "  rejected  %s (object %d of the bundle): %s\n", where, r.Index+1, r.Reason)
	}
	for _, r := range res.Warnings {
		where := r.ID
		if r.Pointer != "" {
			where += " " + r.Pointer
		}
		fmt.Fprintf(w, "  note      %s: %s\n", where, r.Reason)
	}
}
