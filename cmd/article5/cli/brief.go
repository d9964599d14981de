package cli

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"article5"
)

const briefHelp = `Write the printable two-page brief of a case as a PDF file: the determination
or the state of consultations, both Parties' positions, both doctrines' tiers and Schmitt
factor charts, the map of the case's incidents and the TLP banner on every page.

The node prints it with headless Chromium (the container image built with
'--target with-chromium' has it), for you, through your API token (--token, ARTICLE5_TOKEN)
or else your login session ('article5 login'; --session, ARTICLE5_SESSION): you get exactly
what the case's page shows you (a token sees what its organisation may see). The server is
--server (ARTICLE5_SERVER, default http://127.0.0.1:8405).`

func newBriefCmd(stdout io.Writer) *cobra.Command {
	c := &client{http: &http.Client{Timeout: 2 * time.Minute, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
	var out string
	cmd := &cobra.Command{
		Use: "brief CASE --pdf FILE", Short: "Write a case's printable brief as PDF (printed by the node)", Long: briefHelp, Args: caseArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return usageError{errors.New("--pdf FILE is required")}
			}
			pdf, err := c.briefPDF(args[0])
			if err != nil {
				return err
			}
			if err := writeFileAtomic(out, pdf, 0o644); err != nil {
				return err
			}
			_, err = io.WriteString(stdout, "wrote "+out+"\n")
			return err
		},
	}
	addClientFlags(cmd, c)
	cmd.Flags().StringVar(&out, "pdf", "", "the PDF file to write")
	return cmd
}

// briefPDF fetches GET /cases/{id}/brief.pdf with the API token, else
// the login session.
func (c *client) briefPDF(id string) ([]byte, error) {
	if c.session == "" && c.token == "" {
		return nil, article5.Errorf(article5.EUNAUTHORIZED, "not logged in: run 'article5 login', or give an API token (--token or ARTICLE5_TOKEN)")
	}
	req, err := http.NewRequest("GET", strings.TrimRight(c.server, "/")+"/cases/"+url.PathEscape(id)+"/brief.pdf", nil)
	if err != nil {
		return nil, article5.Errorf(article5.EINVALID, "--server %s: %v", c.server, err)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	} else {
		req.AddCookie(&http.Cookie{Name: "article5_session", Value: c.session})
	}
	req.Header.Set("Accept-Language", "en")
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, article5.Errorf(article5.EINVALID, "cannot reach the article5 server at %s (is 'article5 serve' running there? check --server or ARTICLE5_SERVER): %v", c.server, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, article5.Errorf(article5.EINTERNAL, "reading the answer of %s: %v", c.server, err)
	}
	switch {
	case resp.StatusCode == http.StatusOK && resp.Header.Get("Content-Type") == "application/pdf":
		return data, nil
	case resp.StatusCode == http.StatusSeeOther || resp.StatusCode == http.StatusUnauthorized:
		if c.token != "" {
			return nil, article5.Errorf(article5.EUNAUTHORIZED, "the API token is unknown or revoked")
		}
		return nil, article5.Errorf(article5.EUNAUTHORIZED, "the login session has ended: run 'article5 login' again")
	case resp.StatusCode == http.StatusNotFound:
		return nil, article5.Errorf(article5.ENOTFOUND, "case %s: not found", id)
	case resp.StatusCode == http.StatusForbidden:
		return nil, article5.Errorf(article5.EFORBIDDEN, "case %s: your role may not read cases", id)
	case resp.StatusCode == http.StatusServiceUnavailable:
		return nil, article5.Errorf(article5.EINTERNAL, "the server at %s cannot make PDF briefs now (no Chromium, or it failed or timed out; the image built with --target with-chromium has it)", c.server)
	}
	return nil, article5.Errorf(article5.EINTERNAL, "the server answered %s", resp.Status)
}
