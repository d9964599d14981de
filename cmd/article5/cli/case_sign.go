package cli

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"

	"article5"
	"article5/sign"

	"github.com/spf13/cobra"
	"golang.org/x/term"
)

const caseSignHelp = `Sign your Party's recorded position on a case's current assessment (approver).

First it shows what the signature will cover: the case, the assessment hash, the evidence
digest, the doctrines (id, version, sha256), your Party's tier and opinion, and the sha256
of the reasons (the signed payload carries the digest, not the text). Then it asks for
confirmation on the terminal, and for your login password unless --password-file or
ARTICLE5_PASSWORD gives it; the node unseals your signing key with it for this one
signature.

  article5 case sign grouping--… --password-file tanaka.pw          # shows, asks, signs
  article5 case sign grouping--… --password-file tanaka.pw --yes    # in a script: no question

Without a terminal on stdin, it refuses to sign unless --yes is given. After signing it
checks that the node signed the values shown (exit 4 if not: the position or the
assessment changed in between).`

// Where 'case sign' asks for confirmation; tests replace them.
var (
	confirmIn         io.Reader = os.Stdin
	confirmIsTerminal           = func() bool { return term.IsTerminal(int(os.Stdin.Fd())) }
	readPassword                = func() ([]byte, error) { return term.ReadPassword(int(os.Stdin.Fd())) }
)

// toSign is what a Party's signature on a consultation will cover, as the
// consultation shows it before signing.
type toSign struct {
	Case           string                 `json:"case"`
	Name           string                 `json:"name,omitempty"`
	AssessmentHash string                 `json:"assessment_hash"`
	EvidenceDigest string                 `json:"evidence_digest"`
	Doctrines      []article5.DoctrineRef `json:"doctrines"`
	Party          string                 `json:"party"`
	Tier           string                 `json:"tier"`
	Opinion        string                 `json:"opinion"`
	ReasonsSHA256  string                 `json:"reasons_sha256"`
	Reasons        string                 `json:"-"`
}

// signView is the part of the API's consultation that 'case sign' checks.
type signView struct {
	Case           string                 `json:"case"`
	Name           string                 `json:"name"`
	State          string                 `json:"state"`
	AssessmentHash string                 `json:"assessment_hash"`
	EvidenceDigest string                 `json:"evidence_digest"`
	Doctrines      []article5.DoctrineRef `json:"doctrines"`
	Positions      map[string]struct {
		Tier           string `json:"tier"`
		Opinion        string `json:"opinion"`
		Reasons        string `json:"reasons"`
		ReasonsSHA256  string `json:"reasons_sha256"`
		AssessmentHash string `json:"assessment_hash"`
		Signed         bool   `json:"signed"`
	} `json:"positions"`
}

// whatToSign reads from the consultation what party's signature will
// cover: ECONFLICT when there is no position to sign, a failedCheck when
// the node's reasons digest is not the digest of its reasons.
func whatToSign(raw json.RawMessage, party string) (*toSign, error) {
	var v signView
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, article5.Errorf(article5.EINTERNAL, "the server's answer does not parse: %v", err)
	}
	p, ok := v.Positions[party]
	switch {
	case !ok:
		return nil, article5.Errorf(article5.ECONFLICT, "%s has recorded no position on case %s: the legal adviser records it first ('article5 case position')", party, v.Case)
	case p.Signed:
		return nil, article5.Errorf(article5.ECONFLICT, "the position of %s on case %s is already signed", partyWords(party), v.Case)
	case p.AssessmentHash != v.AssessmentHash:
		return nil, article5.Errorf(article5.ECONFLICT, "the position of %s is on assessment %s, but the case's current assessment is %s: record the position again on the current assessment", partyWords(party), p.AssessmentHash, v.AssessmentHash)
	}
	if got := sign.ReasonsSHA256(p.Reasons); got != p.ReasonsSHA256 {
		return nil, failedCheck{article5.Errorf(article5.ECONFLICT, "the node gives the reasons' sha256 as %s, but the reasons it shows hash to %s: not signing", p.ReasonsSHA256, got)}
	}
	return &toSign{Case: v.Case, Name: v.Name, AssessmentHash: v.AssessmentHash, EvidenceDigest: v.EvidenceDigest, Doctrines: v.Doctrines,
		Party: party, Tier: p.Tier, Opinion: p.Opinion, ReasonsSHA256: p.ReasonsSHA256, Reasons: p.Reasons}, nil
}

// write shows s for a reader.
func (s *toSign) write(w io.Writer) {
	fmt.Fprintf(w, "You are signing the position of %s on case %s", partyWords(s.Party), s.Case)
	if s.Name != "" {
		fmt.Fprintf(w, " (%s)", s.Name)
	}
	fmt.Fprintln(w, ". The signature covers:")
	fmt.Fprintf(w, "  assessment hash  %s\n", s.AssessmentHash)
	fmt.Fprintf(w, "  evidence digest  %s\n", s.EvidenceDigest)
	for i, d := range s.Doctrines {
		label := ""
		if i == 0 {
			label = "doctrines"
		}
		fmt.Fprintf(w, "  %-15s  %s %s (sha256 %s)\n", label, d.ID, d.Version, d.SHA256)
	}
	fmt.Fprintf(w, "  %-15s  %s\n", "tier ("+s.Party+")", s.Tier)
	fmt.Fprintf(w, "  opinion          %s\n", s.Opinion)
	fmt.Fprintf(w, "  reasons sha256   %s\n", s.ReasonsSHA256)
	fmt.Fprintf(w, "                   of: %s\n", short(strings.Join(strings.Fields(s.Reasons), " "), 160))
	fmt.Fprintln(w, "and your key id and the time of signing.")
}

// differs says how the position signed in the consultation raw differs
// from s, "" if it does not (or was not signed).
func (s *toSign) differs(raw json.RawMessage) string {
	var v signView
	if err := json.Unmarshal(raw, &v); err != nil {
		return "the server's answer does not parse"
	}
	p, ok := v.Positions[s.Party]
	if !ok || !p.Signed {
		// Concluded consultations keep the signed position under
		// signed_positions; the record export verifies it either way.
		return ""
	}
	var d []string
	if p.AssessmentHash != s.AssessmentHash {
		d = append(d, fmt.Sprintf("assessment %s, not %s", p.AssessmentHash, s.AssessmentHash))
	}
	if p.Tier != s.Tier {
		d = append(d, fmt.Sprintf("tier %s, not %s", p.Tier, s.Tier))
	}
	if p.Opinion != s.Opinion {
		d = append(d, fmt.Sprintf("opinion %s, not %s", p.Opinion, s.Opinion))
	}
	if p.ReasonsSHA256 != s.ReasonsSHA256 {
		d = append(d, fmt.Sprintf("reasons sha256 %s, not %s", p.ReasonsSHA256, s.ReasonsSHA256))
	}
	return strings.Join(d, "; ")
}

// confirm asks question on w and reads the answer from confirmIn: true
// only for y or yes.
func confirm(w io.Writer, question string) (bool, error) {
	fmt.Fprintf(w, "%s [y/N] ", question)
	line, err := bufio.NewReader(confirmIn).ReadString('\n')
	if err != nil && line == "" {
		fmt.Fprintln(w)
		return false, nil
	}
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "y", "yes":
		return true, nil
	}
	return false, nil
}

func newCaseSignCmd(c *client, stdout io.Writer, party *string) *cobra.Command {
	var passFile, format string
	var yes bool
	cmd := &cobra.Command{
		Use: "sign ID [--password-file FILE] [--yes]", Short: "Sign your Party's position (approver): shows what is signed, asks, re-enter your password",
		Long: caseSignHelp, Args: caseArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := c.partyOr(*party)
			if err != nil {
				return err
			}
			interactive := confirmIsTerminal()
			if !yes && !interactive {
				return usageError{fmt.Errorf("case sign asks for confirmation on a terminal, and stdin is not one: pass --yes to sign without asking (after checking what will be signed with 'article5 case status %s')", args[0])}
			}
			path := "/api/v1/cases/" + url.PathEscape(args[0])
			var raw json.RawMessage
			if err := c.do("GET", path+"/consultation", nil, &raw); err != nil {
				return err
			}
			what, err := whatToSign(raw, p)
			if err != nil {
				return err
			}
			show := stdout // the text of the command; with --format json stdout is the answer alone
			if format == "json" {
				show = cmd.ErrOrStderr()
			}
			what.write(show)
			if !yes {
				ok, err := confirm(show, "Sign?")
				if err != nil {
					return err
				}
				if !ok {
					return article5.Errorf(article5.ECONFLICT, "not signed: not confirmed")
				}
			}
			pw, err := signPassword(passFile, interactive, show)
			if err != nil {
				return err
			}
			body, _ := json.Marshal(map[string]string{"password": string(pw)})
			clear(pw)
			if err := c.do("POST", path+"/positions/"+p+"/signature", bytes.NewReader(body), &raw); err != nil {
				return err
			}
			if d := what.differs(raw); d != "" {
				return failedCheck{article5.Errorf(article5.ECONFLICT, "the node signed the position of %s with %s, not what was shown: the position or the assessment changed meanwhile; check 'article5 case status %s'", partyWords(p), d, args[0])}
			}
			return printConsultation(stdout, raw, format)
		},
	}
	cmd.Flags().StringVar(&passFile, "password-file", "", "file holding your login password (else ARTICLE5_PASSWORD, else asked on the terminal)")
	cmd.Flags().BoolVar(&yes, "yes", false, "sign without asking for confirmation (needed when stdin is not a terminal)")
	addFormatFlag(cmd, &format)
	return cmd
}

// signPassword reads the approver's password from --password-file or
// ARTICLE5_PASSWORD, else, on a terminal, asks for it without echo.
func signPassword(file string, interactive bool, w io.Writer) ([]byte, error) {
	if file != "" || os.Getenv("ARTICLE5_PASSWORD") != "" || !interactive {
		return secret(file, "ARTICLE5_PASSWORD", "password")
	}
	fmt.Fprint(w, "Password: ")
	pw, err := readPassword()
	fmt.Fprintln(w)
	if err != nil {
		return nil, article5.Errorf(article5.EINVALID, "reading the password: %v", err)
	}
	if len(pw) == 0 {
		return nil, usageError{fmt.Errorf("no password given")}
	}
	return pw, nil
}

// partyWords names a Party for a reader: "Japan (JP)", "the United States
// (US)"; any other value as it is.
func partyWords(p string) string {
	switch p {
	case "JP":
		return "Japan (JP)"
	case "US":
		return "the United States (US)"
	}
	return p
}
