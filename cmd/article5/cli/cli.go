// Package cli is the article5 command line: one file per subcommand, with
// its help beside it. Run is the whole program; main only calls it.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"article5"

	"github.com/spf13/cobra"
)

// Exit codes of the article5 command.
const (
	ExitOK       = 0 // assessed (or the command succeeded)
	ExitInvalid  = 2 // invalid input: bad STIX, facts, doctrine, flags or file
	ExitInternal = 3 // internal error: a fault of article5 or its environment
	ExitRefused  = 4 // a check failed: a record that does not verify, an audit log that is not intact
)

// ExitCode maps an error from Run to the process exit code: 0 for nil,
// 2 for EINVALID, ENOTFOUND, ECONFLICT, EUNAUTHORIZED, EFORBIDDEN and usage
// errors (the caller can fix them), 3 otherwise.
func ExitCode(err error) int {
	if err == nil {
		return ExitOK
	}
	var u usageError
	if errors.As(err, &u) {
		return ExitInvalid
	}
	var f failedCheck
	if errors.As(err, &f) {
		return ExitRefused
	}
	switch article5.ErrorCode(err) {
	case article5.EINVALID, article5.ENOTFOUND, article5.ECONFLICT, article5.EUNAUTHORIZED, article5.EFORBIDDEN:
		return ExitInvalid
	}
	return ExitInternal
}

type usageError struct{ error }

// failedCheck marks the error of a verification that ran and failed (exit
// 4), as opposed to one that could not run (bad input, exit 2).
type failedCheck struct{ error }

func (f failedCheck) Unwrap() error { return f.error }

// Run executes the article5 command line with args (without the program
// name), writing results to stdout and diagnostics to stderr. Errors are
// printed to stderr before they are returned.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	root := newRoot(stdout, stderr)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err != nil {
		var u usageError
		if !errors.As(err, &u) && article5.ErrorCode(err) == article5.EINTERNAL {
			fmt.Fprintf(stderr, "article5: internal error: %v\n", err)
			var e *article5.Error
			if errors.As(err, &e) && e.Err != nil {
				fmt.Fprintf(stderr, "  cause: %v\n", e.Err)
			}
		} else {
			text := err.Error()
			var e *article5.Error
			if errors.As(err, &e) {
				// Every fault, not the first ten: the user fixes them all.
				text = strings.Replace(text, e.Error(), e.Full(), 1)
			}
			fmt.Fprintf(stderr, "article5: %s\n", text)
		}
	}
	return err
}

// newRoot builds the whole command tree, writing to stdout and stderr.
func newRoot(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "article5",
		Short: "Assess cyber, space and electromagnetic attacks against Article V of the Japan–U.S. Security Treaty",
		Long: `article5 takes in STIX 2.1 facts about a cyberattack, or interference in space or
the electromagnetic spectrum, that hits Japan; assesses case by case whether it
could amount to an "armed attack" under Article V of the 1960 Treaty of Mutual
Cooperation and Security, under Japan's and the United States' doctrines; and
explains every finding with the STIX evidence it rests on.

The tool recommends and documents; people decide.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usageError{fmt.Errorf("%w\nrun '%s --help' for usage", err, c.CommandPath())}
	})
	b := Build()
	root.Version = b.Version
	root.SetVersionTemplate(b.text())
	root.AddCommand(newAssessCmd(stdout, stderr), newDoctrineCmd(stdout), newExamplesCmd(stdout), newCasebookCmd(stdout), newExtensionCmd(stdout), newImportCmd(stdout, stderr),
		newServeCmd(stdout, stderr), newTokenCmd(stdout), newUserCmd(stdout), newCaseCmd(stdout), newBriefCmd(stdout), newBackupCmd(stdout),
		newPartyCmd(stdout), newKeyCmd(stdout), newVerifyCmd(stdout), newAuditCmd(stdout))
	root.AddCommand(newWebhookCmd(stdout), newSecretCmd(stdout), newPartnerCmd(stdout), newSyncCmd(stdout, stderr))
	root.AddCommand(newLoginCmd(stdout), newLogoutCmd(stdout))
	root.AddCommand(newVersionCmd(stdout), newWaitCmd(stdout), newRestoreCmd(stdout), newSendCmd(stdout), newDemoCmd(stdout, stderr))
	withManners(root)
	return root
}

// withManners makes every command of the tree under root answer a mistake
// as a usage error (exit 2), never as an internal error: an unknown
// command names the ones it may have meant, a wrong number of arguments
// says so, and a --format other than text or json is refused before the
// command runs. A command that only groups others prints its help when
// called alone.
func withManners(root *cobra.Command) {
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		switch {
		case c.HasSubCommands() && !c.Runnable():
			c.Args = cobra.ArbitraryArgs
			c.RunE = func(c *cobra.Command, args []string) error {
				if len(args) == 0 {
					return c.Help()
				}
				return unknownCommand(c, args[0])
			}
		case c.Args != nil:
			check := c.Args
			c.Args = func(c *cobra.Command, args []string) error {
				if err := check(c, args); err != nil {
					return usageError{fmt.Errorf("%w\nrun '%s --help' for usage", err, c.CommandPath())}
				}
				return nil
			}
		}
		if _, ok := c.Annotations[formatAnnotation]; ok {
			check := c.Args // arguments are checked after the format
			c.Args = func(c *cobra.Command, args []string) error {
				format, _ := c.Flags().GetString("format")
				if err := checkFormat(format); err != nil {
					return err
				}
				if check == nil {
					return nil
				}
				return check(c, args)
			}
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

// unknownCommand is the usage error of an unknown subcommand name of c,
// with the names it may have meant.
func unknownCommand(c *cobra.Command, name string) error {
	msg := fmt.Sprintf("unknown command %q for %q", name, c.CommandPath())
	if c.SuggestionsMinimumDistance <= 0 {
		c.SuggestionsMinimumDistance = 2 // cobra's default for the root
	}
	if s := c.SuggestionsFor(name); len(s) > 0 {
		msg += "\n\nDid you mean this?\n\t" + strings.Join(s, "\n\t")
	}
	return usageError{fmt.Errorf("%s\nrun '%s --help' for usage", msg, c.CommandPath())}
}
