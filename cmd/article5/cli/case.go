package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"article5"
	"article5/stix"

	"github.com/spf13/cobra"
)

const caseHelp = `Work with the cases a node holds, through its JSON API.

  article5 case list [--query TEXT] [--tier TIER]
  article5 case show ID              the latest assessment as a text report (--format json for JSON)
  article5 case assess ID            re-assess now

The server is --server (ARTICLE5_SERVER, default http://127.0.0.1:8405). You act as the user of
your login session ('article5 login'; --session, ARTICLE5_SESSION), or with an API token
(--token, ARTICLE5_TOKEN; 'article5 token create'), which acts as an analyst of its Party.`

type client struct {
	server, token string
	session       string // the login session secret (article5 login), used when there is no token
	party         string // the Party of the login session, "" if unknown
	http          *http.Client
}

// do calls the API and decodes a JSON answer into out; an error answer
// becomes the article5 error it stands for.
func (c *client) do(method, path string, body io.Reader, out any) error {
	req, err := http.NewRequest(method, strings.TrimRight(c.server, "/")+path, body)
	if err != nil {
		return article5.Errorf(article5.EINVALID, "--server %s: %v", c.server, err)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	} else if c.session != "" {
		req.AddCookie(&http.Cookie{Name: "article5_session", Value: c.session})
	}
	if tb, ok := body.(typedBody); ok {
		req.Header.Set("Content-Type", tb.contentType)
	} else if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return article5.Errorf(article5.EINVALID, "cannot reach the article5 server at %s (is 'article5 serve' running there? check --server or ARTICLE5_SERVER): %v", c.server, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 256<<20))
	if err != nil {
		return article5.Errorf(article5.EINTERNAL, "reading the answer of %s: %v", c.server, err)
	}
	if resp.StatusCode == http.StatusUnauthorized && c.token == "" && c.session == "" {
		return article5.Errorf(article5.EUNAUTHORIZED, "not logged in: run 'article5 login' or give --token (ARTICLE5_TOKEN)")
	}
	if resp.StatusCode >= 300 {
		var e struct {
			Error struct {
				Code    string            `json:"code"`
				Message string            `json:"message"`
				Details []article5.Detail `json:"details"`
			} `json:"error"`
		}
		if json.Unmarshal(data, &e) == nil && e.Error.Code != "" {
			return &article5.Error{Code: e.Error.Code, Message: e.Error.Message, Details: e.Error.Details}
		}
		return article5.Errorf(article5.EINTERNAL, "the server answered %s", resp.Status)
	}
	if raw, ok := out.(*json.RawMessage); ok {
		*raw = data
		return nil
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return article5.Errorf(article5.EINTERNAL, "the server's answer does not parse: %v", err)
		}
	}
	return nil
}

func newCaseCmd(stdout io.Writer) *cobra.Command {
	c := &client{http: &http.Client{Timeout: 2 * time.Minute}}
	cmd := &cobra.Command{Use: "case", Short: "Open, consult on, sign and export a node's cases (through its API)", Long: caseHelp}
	addClientFlags(cmd, c)
	var query, tier, format string
	list := &cobra.Command{
		Use: "list", Short: "List cases, most recently updated first", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			q := url.Values{}
			if query != "" {
				q.Set("q", query)
			}
			if tier != "" {
				q.Set("tier", tier)
			}
			var page struct {
				Cases []struct {
					article5.CaseSummary
					Consultation string `json:"consultation"`
				} `json:"cases"`
				Next string `json:"next"`
			}
			if err := c.do("GET", "/api/v1/cases?"+q.Encode(), nil, &page); err != nil {
				return err
			}
			if format == "json" {
				return writeJSON(stdout, page)
			}
			fmt.Fprintf(stdout, "%-47s %-9s %-22s %-22s %-20s %s\n", "CASE", "SCOPE", "JP", "US", "CONSULTATION", "NAME")
			for _, cs := range page.Cases {
				st := cs.Consultation
				if st == "" {
					st = "-"
				}
				fmt.Fprintf(stdout, "%-47s %-9s %-22s %-22s %-20s %s\n", cs.ID, cs.Scope, cs.Tiers["jp"], cs.Tiers["us"], st, short(cs.Name, 60))
			}
			if page.Next != "" {
				fmt.Fprintf(stdout, "(more: the API's next cursor is %s)\n", page.Next)
			}
			return nil
		},
	}
	list.Flags().StringVar(&query, "query", "", "case-insensitive text in the case name or id")
	list.Flags().StringVar(&tier, "tier", "", "only cases any doctrine puts at this tier")
	addFormatFlag(list, &format)
	show := &cobra.Command{
		Use: "show ID", Short: "Show a case's latest assessment", Args: caseArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var raw json.RawMessage
			if err := c.do("GET", "/api/v1/cases/"+url.PathEscape(args[0])+"/assessment", nil, &raw); err != nil {
				return err
			}
			if format == "json" {
				return writeRawJSON(stdout, raw)
			}
			var rep article5.Report
			if err := json.Unmarshal(raw, &rep); err != nil {
				return article5.Errorf(article5.EINTERNAL, "the server's report does not parse: %v", err)
			}
			docs, err := loadDoctrines(nil)
			if err != nil {
				return err
			}
			return WriteText(stdout, &rep, docs)
		},
	}
	addFormatFlag(show, &format)
	assessCmd := &cobra.Command{
		Use: "assess ID", Short: "Re-assess a case now and print the case and the events it caused", Args: caseArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var raw json.RawMessage
			if err := c.do("POST", "/api/v1/cases/"+url.PathEscape(args[0])+"/assess", nil, &raw); err != nil {
				return err
			}
			if format == "json" {
				return writeRawJSON(stdout, raw)
			}
			var out struct {
				Case   article5.CaseSummary `json:"case"`
				Events []article5.Event     `json:"events"`
			}
			if err := json.Unmarshal(raw, &out); err != nil {
				return article5.Errorf(article5.EINTERNAL, "the server's answer does not parse: %v", err)
			}
			cs := out.Case
			fmt.Fprintf(stdout, "case %s: %s\n  scope %s; jp %s, us %s\n  assessment %s\n", cs.ID, cs.Name, cs.Scope, cs.Tiers["jp"], cs.Tiers["us"], cs.Hash)
			if len(out.Events) == 0 {
				fmt.Fprintln(stdout, "  unchanged: the evidence and doctrines give the same assessment")
			}
			for _, e := range out.Events {
				fmt.Fprintf(stdout, "  event %s", e.Type)
				switch {
				case e.Doctrine != "":
					fmt.Fprintf(stdout, ": %s %s → %s", e.Doctrine, e.From, e.To)
				case e.Hash != "":
					fmt.Fprintf(stdout, ": %s", e.Hash)
				}
				fmt.Fprintln(stdout)
			}
			fmt.Fprintf(stdout, "('article5 case show %s' for the findings)\n", cs.ID)
			return nil
		},
	}
	addFormatFlag(assessCmd, &format)
	cmd.AddCommand(list, show, assessCmd)
	addConsultCmds(cmd, c, stdout)
	return cmd
}

func envOr(k, def string) string {
	if v, ok := os.LookupEnv(k); ok {
		return v
	}
	return def
}

// caseArgs takes exactly n arguments, the first a case id (a STIX grouping
// id): a malformed one is a usage error (exit 2) saying what is wrong,
// before the node is asked.
func caseArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := cobra.ExactArgs(n)(cmd, args); err != nil {
			return err
		}
		if err := stix.CheckIdentifier(args[0], "grouping"); err != nil {
			return usageError{fmt.Errorf("the case %v", err)}
		}
		return nil
	}
}
