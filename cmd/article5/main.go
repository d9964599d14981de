// Command article5 assesses cyber, space and electromagnetic attacks on
// Japan against Article V of the Japan–U.S. Security Treaty. See README.md.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"article5/cmd/article5/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := cli.Run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(cli.ExitCode(err))
}
