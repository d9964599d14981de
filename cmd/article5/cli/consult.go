package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"

	"article5"

	"github.com/spf13/cobra"
)

const consultHelp = `
Consultation (as a logged-in user, 'article5 login'; each step needs its role):

  article5 case open --name NAME INCIDENT…   analyst: a case from incidents, assessed, consultation requested
  article5 case open --case ID               analyst: open the consultation of a case the node holds
                                             (--no-request: open without requesting consultation yet)
  article5 case request ID                   analyst: request consultation on an open case
  article5 case status ID                    the consultation: state, positions, RFIs, determination
  article5 case position ID --tier T --opinion O --reasons-file F
                                             legal: your Party's position on the current assessment
  article5 case rfi ID --question TEXT       legal: a request for information to the other Party
  article5 case answer ID RFI --answer TEXT  legal: answer a request sent to your Party
  article5 case sign ID --password-file F    approver: sign your Party's position (re-enter your password);
                                             shows what will be signed and asks (--yes: do not ask)
  article5 case close ID                     approver or admin: close a concluded case
  article5 case export ID > record.json      the signed record; verify it with 'article5 verify'`

// consultView is the part of the API's consultation the CLI prints.
type consultView struct {
	Case           string            `json:"case"`
	Name           string            `json:"name"`
	State          string            `json:"state"`
	AssessmentHash string            `json:"assessment_hash"`
	Tiers          map[string]string `json:"doctrine_tiers"`
	Users          map[string]string `json:"users"`
	Positions      map[string]struct {
		Tier     string `json:"tier"`
		Opinion  string `json:"opinion"`
		Reasons  string `json:"reasons"`
		Signed   bool   `json:"signed"`
		KeyID    string `json:"key_id"`
		SignedAt string `json:"signed_at"`
		SignedBy string `json:"signed_by"`
	} `json:"positions"`
	RFIs []struct {
		ID       string `json:"id"`
		From     string `json:"from"`
		To       string `json:"to"`
		Question string `json:"question"`
		Answer   string `json:"answer"`
	} `json:"rfis"`
	Determination *struct {
		ID      string            `json:"id"`
		Outcome string            `json:"outcome"`
		Tiers   map[string]string `json:"tiers"`
	} `json:"determination"`
	Past []struct {
		AssessmentHash string `json:"assessment_hash"`
		Outcome        string `json:"outcome"`
	} `json:"past_determinations"`
	Withheld []struct {
		ID      string `json:"id"`
		Partner string `json:"partner"`
		Reason  string `json:"reason"`
	} `json:"withheld"`
}

// printCaseID writes the case id of a consultation answer alone on a
// line (case open -q).
func printCaseID(w io.Writer, raw json.RawMessage) error {
	var v consultView
	if err := json.Unmarshal(raw, &v); err != nil || v.Case == "" {
		return article5.Errorf(article5.EINTERNAL, "the server's answer names no case")
	}
	_, err := fmt.Fprintln(w, v.Case)
	return err
}

// printConsultation writes a consultation for a reader: raw JSON with
// --format json, else a short text view.
func printConsultation(w io.Writer, raw json.RawMessage, format string) error {
	if format == "json" {
		return writeRawJSON(w, raw)
	}
	var v consultView
	if err := json.Unmarshal(raw, &v); err != nil {
		return article5.Errorf(article5.EINTERNAL, "the server's answer does not parse: %v", err)
	}
	fmt.Fprintf(w, "case %s: %s\n", v.Case, v.State)
	fmt.Fprintf(w, "  %s\n  assessment %s", v.Name, v.AssessmentHash)
	if len(v.Tiers) > 0 {
		fmt.Fprintf(w, ": jp %s, us %s ('article5 case show %s' for the findings)", v.Tiers["jp"], v.Tiers["us"], v.Case)
	}
	fmt.Fprintln(w)
	for _, party := range []string{"JP", "US"} {
		p, ok := v.Positions[party]
		if !ok {
			fmt.Fprintf(w, "  %s position: none recorded\n", party)
			continue
		}
		status := "draft, not signed"
		if p.Signed {
			signer := v.Users[p.SignedBy]
			if signer == "" {
				signer = p.SignedBy
			}
			status = fmt.Sprintf("signed %s by %s with key %s", p.SignedAt, signer, p.KeyID)
		}
		fmt.Fprintf(w, "  %s position: %s, %s the assessment (%s)\n      reasons: %s\n", party, p.Tier, opinionPhrase(p.Opinion), status, short(p.Reasons, 200))
		own := v.Tiers[strings.ToLower(party)]
		if own != "" && own != p.Tier && (p.Opinion == "agree" || p.Opinion == "strongly-agree") {
			fmt.Fprintf(w, "      note: %s's tier differs from the %s doctrine's (%s) although its opinion is %q: check the opinion\n", party, strings.ToLower(party), own, p.Opinion)
		}
	}
	for _, r := range v.RFIs {
		ans := "unanswered"
		if r.Answer != "" {
			ans = "answer: " + short(r.Answer, 160)
		}
		fmt.Fprintf(w, "  %s %s→%s: %s\n      %s\n", r.ID, r.From, r.To, short(r.Question, 160), ans)
	}
	if d := v.Determination; d != nil {
		fmt.Fprintf(w, "determination %s: %s (JP %s, US %s)\n", d.ID, d.Outcome, d.Tiers["JP"], d.Tiers["US"])
	}
	for _, d := range v.Past {
		fmt.Fprintf(w, "  earlier determination on %s: %s (superseded by a new assessment, from new evidence or a doctrine change; still verifies)\n", d.AssessmentHash, d.Outcome)
	}
	for _, o := range v.Withheld {
		fmt.Fprintf(w, "  not covered by the consultation (partner %s may not receive it): %s\n      %s\n", o.Partner, o.ID, o.Reason)
	}
	return nil
}

// opinionPhrase renders a STIX opinion value in a sentence.
func opinionPhrase(o string) string {
	switch o {
	case "strongly-agree":
		return "strongly agrees with"
	case "agree":
		return "agrees with"
	case "neutral":
		return "neutral on"
	case "disagree":
		return "disagrees with"
	case "strongly-disagree":
		return "strongly disagrees with"
	}
	return o
}

// readText returns text from a flag, else the file named by another.
func readText(text, file, what string) (string, error) {
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return "", article5.Errorf(article5.EINVALID, "--%s-file %s: %v", what, file, err)
		}
		return strings.TrimRight(string(b), "\n"), nil
	}
	return text, nil
}

func addConsultCmds(cmd *cobra.Command, c *client, stdout io.Writer) {
	cmd.Long += "\n" + consultHelp
	var format string
	post := func(path string, body any) (json.RawMessage, error) {
		var rd io.Reader
		if body != nil {
			b, err := json.Marshal(body)
			if err != nil {
				return nil, article5.Internal("encode request", err)
			}
			rd = bytes.NewReader(b)
		}
		var raw json.RawMessage
		err := c.do("POST", path, rd, &raw)
		return raw, err
	}
	casePath := func(id string) string { return "/api/v1/cases/" + url.PathEscape(id) }

	var name, existing string
	var markings []string
	var noRequest, quiet bool
	open := &cobra.Command{
		Use: "open (--name NAME INCIDENT… | --case ID)", Short: "Open a case and its consultation (analyst)",
		RunE: func(cmd *cobra.Command, args []string) error {
			var raw json.RawMessage
			var err error
			switch {
			case existing != "" && (name != "" || len(args) > 0):
				return usageError{fmt.Errorf("give either --case ID or --name NAME with incident ids, not both")}
			case existing != "":
				raw, err = post(casePath(existing)+"/consultation", map[string]any{"request_consultation": !noRequest})
			case name == "" || len(args) == 0:
				return usageError{fmt.Errorf("give --name NAME and at least one incident id, or --case ID")}
			default:
				req := !noRequest
				raw, err = post("/api/v1/cases", map[string]any{"name": name, "incidents": args, "markings": markings, "request_consultation": req})
			}
			if err != nil {
				return err
			}
			if quiet {
				return printCaseID(stdout, raw)
			}
			return printConsultation(stdout, raw, format)
		},
	}
	open.Flags().StringVar(&name, "name", "", "the case's name")
	open.Flags().StringVar(&existing, "case", "", "open the consultation of this existing case instead")
	open.Flags().StringSliceVar(&markings, "marking", nil, "marking-definition id for the new case grouping (e.g. TLP:AMBER)")
	open.Flags().BoolVar(&noRequest, "no-request", false, "open without requesting consultation yet")
	open.Flags().BoolVarP(&quiet, "quiet", "q", false, "print only the case id, for scripts: CASE=$(article5 case open -q …)")

	status := &cobra.Command{
		Use: "status ID", Short: "Show a case's consultation", Args: caseArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var raw json.RawMessage
			if err := c.do("GET", casePath(args[0])+"/consultation", nil, &raw); err != nil {
				return err
			}
			return printConsultation(stdout, raw, format)
		},
	}
	request := &cobra.Command{
		Use: "request ID", Short: "Request consultation on an open case (analyst)", Args: caseArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			raw, err := post(casePath(args[0])+"/consultation/request", nil)
			if err != nil {
				return err
			}
			return printConsultation(stdout, raw, format)
		},
	}

	var party, tier, opinion, reasons, reasonsFile string
	position := &cobra.Command{
		Use: "position ID --tier TIER --opinion OPINION (--reasons TEXT | --reasons-file FILE)", Short: "Record your Party's position (legal)", Args: caseArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := c.partyOr(party)
			if err != nil {
				return err
			}
			text, err := readText(reasons, reasonsFile, "reasons")
			if err != nil {
				return err
			}
			body, _ := json.Marshal(map[string]string{"tier": tier, "opinion": opinion, "reasons": text})
			var raw json.RawMessage
			if err := c.do("PUT", casePath(args[0])+"/positions/"+p, bytes.NewReader(body), &raw); err != nil {
				return err
			}
			return printConsultation(stdout, raw, format)
		},
	}
	position.Flags().StringVar(&tier, "tier", "", "your Party's tier: below-threshold, use-of-force-possible, armed-attack-possible or indeterminate")
	position.Flags().StringVar(&opinion, "opinion", "", "your Party's view of the assessment (STIX opinion): strongly-disagree, disagree, neutral, agree, strongly-agree")
	position.Flags().StringVar(&reasons, "reasons", "", "the reasons, as text")
	position.Flags().StringVar(&reasonsFile, "reasons-file", "", "a file holding the reasons")

	var question, answer string
	rfi := &cobra.Command{
		Use: "rfi ID --question TEXT", Short: "Send a request for information to the other Party (legal)", Args: caseArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			raw, err := post(casePath(args[0])+"/rfis", map[string]string{"question": question})
			if err != nil {
				return err
			}
			return printConsultation(stdout, raw, format)
		},
	}
	rfi.Flags().StringVar(&question, "question", "", "the question")
	answerCmd := &cobra.Command{
		Use: "answer ID RFI --answer TEXT", Short: "Answer a request for information sent to your Party (legal)", Args: caseArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			raw, err := post(casePath(args[0])+"/rfis/"+url.PathEscape(args[1])+"/answer", map[string]string{"answer": answer})
			if err != nil {
				return err
			}
			return printConsultation(stdout, raw, format)
		},
	}
	answerCmd.Flags().StringVar(&answer, "answer", "", "the answer")

	signCmd := newCaseSignCmd(c, stdout, &party)
	for _, sub := range []*cobra.Command{position, signCmd} {
		sub.Flags().StringVar(&party, "party", "", "the Party (default: yours, from the login session)")
	}

	closeCmd := &cobra.Command{
		Use: "close ID", Short: "Close a concluded case (approver or admin)", Args: caseArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			raw, err := post(casePath(args[0])+"/close", nil)
			if err != nil {
				return err
			}
			return printConsultation(stdout, raw, format)
		},
	}

	var assessment, exportFormat string
	export := &cobra.Command{
		Use: "export ID > record.json", Short: "Export the signed record of a case (verify it with 'article5 verify')", Args: caseArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			q := url.Values{}
			if assessment != "" {
				q.Set("assessment", assessment)
			}
			switch exportFormat {
			case "record":
			case "stix":
				q.Set("format", "stix")
			default:
				return usageError{fmt.Errorf("--format must be record or stix, got %q", exportFormat)}
			}
			path := casePath(args[0]) + "/record?" + q.Encode()
			var raw json.RawMessage
			if err := c.do("GET", path, nil, &raw); err != nil {
				return err
			}
			_, err := stdout.Write(raw)
			return err
		},
	}
	export.Flags().StringVar(&assessment, "assessment", "", "the assessment hash of an earlier determination (default: the current assessment)")
	export.Flags().StringVar(&exportFormat, "format", "record", "record (article5's record JSON) or stix (a STIX 2.1 bundle of the grouping, assessment, signed opinions and determination); 'article5 verify' reads both")

	for _, sub := range []*cobra.Command{open, status, request, position, rfi, answerCmd, closeCmd} {
		addFormatFlag(sub, &format)
	}
	cmd.AddCommand(open, status, request, position, rfi, answerCmd, signCmd, closeCmd, export)
}

// partyOr returns the Party given, else the Party of the login session.
func (c *client) partyOr(p string) (string, error) {
	if p == "" {
		p = c.party
	}
	if p == "" && c.token == "" && c.session == "" {
		return "", article5.Errorf(article5.EUNAUTHORIZED, "not logged in: run 'article5 login' (or give --session FILE)")
	}
	if p == "" {
		return "", usageError{fmt.Errorf("--party is required (JP or US): an API token does not say whose position this is")}
	}
	party, err := partyOf(p)
	return string(party), err
}
