package cli

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// The build's version, commit and date, set at build time by
// scripts/build.sh (the one build command of the Dockerfile, the release
// script and CI):
//
//	go build -ldflags "-X article5/cmd/article5/cli.version=v1.2.0 \
//	    -X article5/cmd/article5/cli.commit=<git sha> -X article5/cmd/article5/cli.date=<RFC 3339>"
//
// Left empty, they come from the Go toolchain's build information
// (runtime/debug.ReadBuildInfo: the module version, vcs.revision and
// vcs.time), which a plain 'go build' in a git checkout records.
var version, commit, date string

// BuildInfo says which article5 this is.
type BuildInfo struct {
	Version  string `json:"version"`            // "v1.2.0", else the module version ("(devel)" for a plain build)
	Commit   string `json:"commit,omitempty"`   // the git commit, when known
	Date     string `json:"date,omitempty"`     // build date, else the commit's time (RFC 3339), when known
	Modified bool   `json:"modified,omitempty"` // built from a checkout with uncommitted changes (vcs.modified)
	Go       string `json:"go"`                 // the Go toolchain, e.g. "go1.26.8"
	Platform string `json:"platform"`           // GOOS/GOARCH
}

// Build returns the build information of this binary: what -ldflags -X
// set, else what runtime/debug.ReadBuildInfo recorded.
func Build() BuildInfo {
	b := BuildInfo{Version: version, Commit: commit, Date: date, Go: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	if info, ok := debug.ReadBuildInfo(); ok {
		if b.Version == "" {
			b.Version = info.Main.Version
		}
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				if b.Commit == "" {
					b.Commit = s.Value
				}
			case "vcs.time":
				if b.Date == "" {
					b.Date = s.Value
				}
			case "vcs.modified":
				if commit == "" { // -X names its commit exactly
					b.Modified = s.Value == "true"
				}
			}
		}
	}
	if b.Version == "" {
		b.Version = "(devel)"
	}
	return b
}

// text renders b for a reader, one fact a line.
func (b BuildInfo) text() string {
	s := "article5 " + b.Version + "\n"
	if b.Commit != "" {
		s += "commit " + b.Commit
		if b.Modified {
			s += " (with uncommitted changes)"
		}
		s += "\n"
	}
	if b.Date != "" {
		s += "built " + b.Date + "\n"
	}
	return s + b.Go + " " + b.Platform + "\n"
}

func newVersionCmd(stdout io.Writer) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the version, commit and build date (also: article5 --version)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			b := Build()
			if format == "json" {
				return writeJSON(stdout, b)
			}
			_, err := fmt.Fprint(stdout, b.text())
			return err
		},
	}
	addFormatFlag(cmd, &format)
	return cmd
}
