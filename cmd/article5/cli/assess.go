package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"article5"
	"article5/assess"
	"article5/casebook"
	"article5/doctrine"
	"article5/examples"
	"article5/stix"

	"github.com/spf13/cobra"
)

const assessHelp = `Assess one case from STIX 2.1 files and explain the result.

The files are merged into one body of evidence (several versions of an object
are all kept; the latest is used). The case is the grouping that references
the incidents, else all incidents. Each doctrine (by default both built-in
doctrines, jp and us) is applied to each incident and to the case.

The report gives, per incident and for the case: the scope (in, out, uncertain,
space-consultative) with its basis and the Treaty article engaged; per doctrine
the Schmitt factors, the armed-attack gravity criteria, the attribution, DCID
severity (0–10), a notional NCISS-style priority, the tier, whether self-defence
is available, the cumulative finding and the facts that would change the tier;
and where the doctrines differ. Every finding names the STIX objects and JSON
pointers it rests on.

The hash printed is the assessment hash, the value both parties sign: it is
identical across runs, machines and input order (docs/legal-adviser.md, "The
stable JSON report", says what it covers).

Exit status: 0 assessed; 2 invalid input (STIX, facts, doctrine, flags, files);
3 internal error.`

const assessExample = `  article5 assess case.json
  article5 assess --format json case.json
  article5 assess --doctrine us case.json
  article5 assess --doctrine ./my-doctrine.yaml case.json
  article5 assess --example winter-grid-deaths
  article5 assess --casebook notpetya-2017                  # a historic case (list them with 'article5 casebook')
  article5 assess casebook/notpetya-2017.json               # the same case by path
  article5 assess --each eurepoc.json                       # every incident on its own, as a table
  article5 assess --each --receiver JP --tier armed-attack-possible --from 2020-01-01 eurepoc.json
  article5 assess --each --summary cfr.json                 # tier × scope, severity, indeterminate counts
  article5 assess --each --format csv eurepoc.json cfr.json`

type assessFlags struct {
	format    string
	doctrines []string
	example   string
	casebook  string
	maxBytes  int64

	// batch assessment (each.go)
	each, summary                              bool
	receiver, initiator, from, to, scope, tier string
}

func newAssessCmd(stdout, stderr io.Writer) *cobra.Command {
	var fl assessFlags
	cmd := &cobra.Command{
		Use:     "assess [flags] FILE...",
		Short:   "Assess a case from STIX 2.1 bundles (text or JSON report)",
		Long:    assessHelp,
		Example: assessExample,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runAssess(cmd, fl, args, stdout, stderr)
		},
	}
	f := cmd.Flags()
	f.StringVar(&fl.format, "format", "text", "output format: text or json (with --each also csv)")
	f.StringSliceVar(&fl.doctrines, "doctrine", nil, "doctrine to apply: a built-in id (jp, us) or a YAML file; repeat or comma-separate (default jp,us)")
	f.StringVar(&fl.example, "example", "", "assess a built-in example case by name (see 'article5 examples')")
	f.StringVar(&fl.casebook, "casebook", "", "assess a historic case of the built-in casebook by name (see 'article5 casebook')")
	f.Int64Var(&fl.maxBytes, "max-bytes", 128<<20, "refuse input files larger than this many bytes")
	f.BoolVar(&fl.each, "each", false, "assess every incident on its own (groupings ignored, no accumulation): a table, --summary, or --format json|csv")
	f.StringVar(&fl.receiver, "receiver", "", "with --each: incidents whose receiver country (ISO code or name) or target identity name matches (case-insensitive)")
	f.StringVar(&fl.initiator, "initiator", "", "with --each: incidents whose attributed actor's or State's name contains this (case-insensitive)")
	f.StringVar(&fl.from, "from", "", "with --each: incidents starting on or after this date (YYYY-MM-DD); undated incidents are left out")
	f.StringVar(&fl.to, "to", "", "with --each: incidents starting on or before this date (YYYY-MM-DD); undated incidents are left out")
	f.StringVar(&fl.scope, "scope", "", "with --each: only this scope (in, out, uncertain, space-consultative)")
	f.StringVar(&fl.tier, "tier", "", "with --each: incidents any doctrine puts at this tier (below-threshold, use-of-force-possible, armed-attack-possible, indeterminate)")
	f.BoolVar(&fl.summary, "summary", false, "with --each: print counts (tier × scope, severity, indeterminate by missing fact) instead of the rows")
	return cmd
}

func runAssess(cmd *cobra.Command, fl assessFlags, args []string, stdout, stderr io.Writer) error {
	filter, err := checkEachFlags(cmd.Flags(), fl)
	if err != nil {
		return err
	}
	if !fl.each && fl.format != "text" && fl.format != "json" {
		return usageError{fmt.Errorf("--format must be text or json, got %q", fl.format)}
	}
	if len(args) == 0 && fl.example == "" && fl.casebook == "" {
		return usageError{fmt.Errorf("no input: give one or more STIX files, --example NAME or --casebook NAME\nrun 'article5 assess --help' for usage")}
	}
	docs, err := loadDoctrines(fl.doctrines)
	if err != nil {
		return err
	}
	var bundles []*stix.Bundle
	if fl.example != "" {
		data, err := examples.Read(fl.example)
		if err != nil {
			return err
		}
		b, err := stix.Parse(data)
		if err != nil {
			return wrapFile("example "+fl.example, err)
		}
		bundles = append(bundles, b)
	}
	if fl.casebook != "" {
		data, err := casebook.Read(fl.casebook)
		if err != nil {
			return err
		}
		b, err := stix.Parse(data)
		if err != nil {
			return wrapFile("casebook case "+fl.casebook, err)
		}
		bundles = append(bundles, b)
	}
	for _, path := range args {
		b, err := readBundle(path, fl.maxBytes)
		if err != nil {
			return err
		}
		bundles = append(bundles, b)
	}
	if fl.each {
		return runEach(cmd.Context(), fl, filter, docs, bundles, stdout, stderr)
	}
	rep, err := assess.Assess(cmd.Context(), assess.Options{Doctrines: docs}, bundles...)
	if err != nil {
		return err
	}
	if fl.format == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(rep); err != nil {
			return article5.Internal("write report", err)
		}
	} else if err := WriteText(stdout, rep, docs); err != nil {
		return article5.Internal("write report", err)
	}
	for _, w := range rep.Warnings {
		fmt.Fprintln(stderr, warningLine(w))
	}
	return nil
}

func loadDoctrines(refs []string) ([]*doctrine.Doctrine, error) {
	if len(refs) == 0 {
		refs = doctrine.DefaultIDs
	}
	var out []*doctrine.Doctrine
	seen := map[string]bool{}
	for _, r := range refs {
		d, err := doctrine.Load(r)
		if err != nil {
			return nil, err
		}
		if seen[d.ID] {
			return nil, article5.Errorf(article5.EINVALID, "two --doctrine arguments have the id %q (a doctrine file that reuses a built-in id needs an id of its own)", d.ID)
		}
		seen[d.ID] = true
		out = append(out, d)
	}
	return out, nil
}

// readBundle reads and parses one STIX file, refusing files over max bytes.
func readBundle(path string, max int64) (*stix.Bundle, error) {
	fh, err := os.Open(path)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, article5.Errorf(article5.ENOTFOUND, "%s: no such file", path)
		}
		return nil, article5.Errorf(article5.EINVALID, "%s: cannot open: %v", path, err)
	}
	defer fh.Close()
	if st, err := fh.Stat(); err == nil && st.Size() > max {
		return nil, article5.Errorf(article5.EINVALID, "%s: the file is %d bytes; the limit is %d (--max-bytes)", path, st.Size(), max)
	}
	data, err := io.ReadAll(io.LimitReader(fh, max+1))
	if err != nil {
		return nil, article5.Errorf(article5.EINVALID, "%s: cannot read: %v", path, err)
	}
	if int64(len(data)) > max {
		return nil, article5.Errorf(article5.EINVALID, "%s: the input exceeds the limit of %d bytes (--max-bytes)", path, max)
	}
	b, err := stix.Parse(data)
	if err != nil {
		return nil, wrapFile(path, err)
	}
	return b, nil
}

// wrapFile prefixes an input error's message with the file name.
func wrapFile(name string, err error) error {
	if e, ok := err.(*article5.Error); ok {
		c := *e
		c.Message = name + ": " + e.Message
		return &c
	}
	return err
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func short(s string, n int) string {
	if len([]rune(s)) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

// warningLine prefixes an evidence warning with "warning: ", unless it is
// a note.
func warningLine(w string) string {
	if strings.HasPrefix(w, "note: ") {
		return w
	}
	return "warning: " + w
}
