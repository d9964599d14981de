package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"article5"

	"github.com/spf13/cobra"
)

// typedBody is a request body sent with its own Content-Type (client.do
// sends JSON otherwise).
type typedBody struct {
	io.Reader
	contentType string
}

const doctrinePutHelp = `Change a node's doctrine through its API (PUT /api/v1/doctrines/ID): only an admin of the
party that owns the doctrine may, and the file must keep its id and party. The node checks the
file (faults name their line), stores it in its audit log, puts it in force and re-assesses
every case under it. Authenticate with 'article5 login' (a session) as the admin.

  article5 doctrine put --server https://node-jp:8405 jp ./jp.yaml`

func newDoctrinePutCmd(stdout io.Writer) *cobra.Command {
	c := &client{http: &http.Client{Timeout: time.Minute}}
	var format string
	cmd := &cobra.Command{
		Use: "put ID FILE", Short: "Change a node's doctrine (through its API)", Long: doctrinePutHelp, Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			src, err := os.ReadFile(args[1])
			if err != nil {
				return article5.Errorf(article5.EINVALID, "%s: %v", args[1], err)
			}
			var out struct {
				Doctrine struct {
					ID, Version, SHA256 string
					Stored              *struct {
						Seq int64 `json:"seq"`
					}
				}
				Job       string
				Unchanged bool
			}
			var raw json.RawMessage
			if err := c.do("PUT", "/api/v1/doctrines/"+url.PathEscape(args[0]), typedBody{bytes.NewReader(src), "application/yaml"}, &raw); err != nil {
				return nameLocalFile(err, args[0]+".yaml", args[1])
			}
			if format == "json" {
				return writeRawJSON(stdout, raw)
			}
			if err := json.Unmarshal(raw, &out); err != nil {
				return article5.Errorf(article5.EINTERNAL, "the server's answer does not parse: %v", err)
			}
			if out.Unchanged {
				fmt.Fprintf(stdout, "doctrine %s unchanged: %s (sha256 %s) is already in force\n", out.Doctrine.ID, out.Doctrine.Version, out.Doctrine.SHA256)
				return nil
			}
			seq := int64(0)
			if out.Doctrine.Stored != nil {
				seq = out.Doctrine.Stored.Seq
			}
			fmt.Fprintf(stdout, "doctrine %s %s (sha256 %s) in force as stored version %d; every case is being re-assessed (%s)\n",
				out.Doctrine.ID, out.Doctrine.Version, out.Doctrine.SHA256, seq, out.Job)
			return nil
		},
	}
	addClientFlags(cmd, c)
	addFormatFlag(cmd, &format)
	return cmd
}

// nameLocalFile rewrites the file name the server gives a doctrine it
// parsed (ID.yaml) to the local file the user sent, in an error's message
// and details; other errors pass.
func nameLocalFile(err error, served, local string) error {
	var e *article5.Error
	if served == local || !errors.As(err, &e) {
		return err
	}
	c := *e
	c.Message = strings.ReplaceAll(e.Message, served, local)
	c.Details = make([]article5.Detail, len(e.Details))
	for i, d := range e.Details {
		d.Message = strings.ReplaceAll(d.Message, served, local)
		d.Object = strings.ReplaceAll(d.Object, served, local)
		c.Details[i] = d
	}
	return &c
}
