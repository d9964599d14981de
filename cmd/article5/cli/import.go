package cli

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"article5"
	"article5/importer"
	"article5/importer/cfr"
	"article5/importer/eurepoc"

	"github.com/spf13/cobra"
)

const importHelp = `Import a real dataset as STIX 2.1.

  article5 import eurepoc ../shared/data/eurepoc/EuRepoC_Global_Database_1.1.csv --out eurepoc.stix.json
  article5 import cfr ../shared/data/cfr/cyber-operations-incidents.csv --out cfr.stix.json

Each record becomes an incident with the Incident Core Extension and
article5's extension: coded effects as impacts, receivers as identities at
their countries, attributions with legal basis and confidence. Facts the
dataset does not code stay absent. The output is sorted and byte-identical on
re-import. The run report (to stderr) counts every value no mapping table
knows and lists every rejected record with its row and reason (--format json:
the same report as JSON, still on stderr).

Exit status: 0 imported (some records may be rejected: see the report);
2 invalid input (wrong header, malformed CSV, non-UTF-8, missing file).`

// importers maps a dataset name to its import function.
var importers = map[string]func(ctx context.Context, name string, r io.Reader, w io.Writer) (*importer.Report, error){
	"eurepoc": eurepoc.Import,
	"cfr":     cfr.Import,
}

func newImportCmd(stdout, stderr io.Writer) *cobra.Command {
	var out, format string
	cmd := &cobra.Command{
		Use:   "import DATASET FILE",
		Short: "Import a dataset (eurepoc, cfr) as a STIX 2.1 bundle",
		Long:  importHelp,
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			imp, ok := importers[args[0]]
			if !ok {
				return usageError{fmt.Errorf("unknown dataset %q (known: eurepoc, cfr)", args[0])}
			}
			in, err := os.Open(args[1])
			if err != nil {
				if os.IsNotExist(err) {
					return article5.Errorf(article5.ENOTFOUND, "%s: no such file", args[1])
				}
				return article5.Errorf(article5.EINVALID, "%s: cannot open: %v", args[1], err)
			}
			defer in.Close()
			w := stdout
			var tmp *os.File
			if out != "" && out != "-" {
				// Write beside the target and rename on success: a failed
				// import leaves no half-written file.
				dir := filepath.Dir(out)
				if st, err := os.Stat(dir); err != nil || !st.IsDir() {
					return article5.Errorf(article5.EINVALID, "--out %s: the directory %s does not exist", out, dir)
				}
				tmp, err = os.CreateTemp(dir, ".article5-import-*")
				if err != nil {
					return article5.Errorf(article5.EINVALID, "--out %s: cannot write in %s", out, dir)
				}
				defer os.Remove(tmp.Name())
				w = tmp
			}
			bw := bufio.NewWriterSize(w, 1<<20)
			rep, err := imp(cmd.Context(), filepath.Base(args[1]), bufio.NewReaderSize(in, 1<<20), bw)
			if err != nil {
				return err
			}
			if err := bw.Flush(); err != nil {
				return article5.Internal("write output", err)
			}
			if tmp != nil {
				if err := tmp.Close(); err != nil {
					return article5.Internal("write output", err)
				}
				if err := os.Rename(tmp.Name(), out); err != nil {
					return article5.Internal("write output", err)
				}
			}
			if format == "json" {
				return writeJSON(stderr, reportJSON(rep))
			}
			rep.Write(stderr)
			return nil
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "write the bundle to this file (default: standard output)")
	addFormatFlag(cmd, &format)
	cmd.Flags().Lookup("format").Usage = "the run report's format, on standard error: text or json"
	return cmd
}

// reportJSON is the --format json form of an import's run report:
// {dataset, rows, imported, rejected: [{row, record, reason}],
// unmapped: {column: {value: count}}, notes: {what: count}}.
func reportJSON(r *importer.Report) map[string]any {
	rejected := r.Rejected
	if rejected == nil {
		rejected = []importer.Rejection{}
	}
	return map[string]any{"dataset": r.Dataset, "rows": r.Rows, "imported": r.Imported,
		"rejected": rejected, "unmapped": r.Unmapped, "notes": r.Notes}
}
