// Command seoulid is the command line of seoulid: keys and DIDs, SD-JWT VCs,
// and (as the project grows) the city's services and its conformance suite.
//
// Each command is a thin layer over the packages under internal/: it reads
// files or standard input, calls the library, and prints JSON or one line
// saying what went wrong.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/spf13/cobra"
)

func main() {
	tuneGC()
	a := &app{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, now: time.Now}
	os.Exit(a.run(context.Background(), os.Args[1:]))
}

// The garbage collector's settings for the services this binary runs,
// unless GOGC or GOMEMLIMIT say otherwise: a service's live heap is a few
// megabytes and almost everything it allocates dies with the request, so
// collecting when the heap has grown by gcPercent rather than Go's 100%
// spends less CPU on collection — 13% less CPU per presentation under
// "bench verify" (docs/performance.md) — while memLimit makes the collector
// work harder before a heap of that size, not after.
const (
	gcPercent = 400
	memLimit  = 1 << 30
)

func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(memLimit)
	}
}

// app is what every command shares: its standard streams and its clock.
// Tests give it buffers and a fixed clock.
type app struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	now            func() time.Time
}

// Exit codes.
const (
	exitOK    = 0
	exitFail  = 1 // the command ran and the answer is no: invalid input, failed verification
	exitUsage = 2 // the command line itself is wrong
)

// usageError marks errors in how the command was called.
type usageError struct{ error }

func (a *app) run(ctx context.Context, args []string) int {
	root := newRootCmd(a)
	root.SetArgs(args)
	root.SetIn(a.stdin)
	root.SetOut(a.stdout)
	root.SetErr(a.stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	fmt.Fprintf(a.stderr, "seoulid: %s\n", oneLine(err))
	var ue usageError
	if errors.As(err, &ue) || isCobraUsage(err) {
		return exitUsage
	}
	return exitFail
}

// isCobraUsage recognises the errors cobra returns for unknown commands
// and flags, which carry no type of their own.
func isCobraUsage(err error) bool {
	msg := err.Error()
	for _, p := range []string{"unknown command", "unknown flag", "unknown shorthand flag", "flag needs an argument", "invalid argument", "accepts ", "requires at least", "required flag"} {
		if strings.Contains(msg, p) {
			return true
		}
	}
	return false
}

// oneLine keeps an error to one line, however its parts were written.
func oneLine(err error) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(err.Error(), "\n", " ")), " ")
}

func newRootCmd(a *app) *cobra.Command {
	root := &cobra.Command{
		Use:   "seoulid",
		Short: "Identity and verifiable credentials for a city",
		Long: `seoulid issues, holds and verifies the city's credentials as SD-JWT VCs,
and (as it grows) runs the DID registry, the issuers, the wallet and the
verifiers of the city.

Commands read files, or standard input when the file is "-" or omitted, and
print JSON. When something is wrong they print one line to standard error and
exit with status 1 (2 for a mistake in the command line itself).`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.AddCommand(newVersionCmd(a), newKeysCmd(a), newSDJWTCmd(a), newSchemasCmd(a))
	root.AddCommand(newNodeCmd(a), newRegistryCmd(a))
	root.AddCommand(newIssuerCmd(a), newBenchCmd(a), newWalletCmd(a), newVerifierCmd(a))
	root.AddCommand(newUpCmd(a), newDemoCmd(a), newConformanceCmd(a), newW3CCmd(a))
	return root
}

// group makes a command that only holds subcommands: alone it shows its
// help; with anything else it is a usage error, so a mistyped subcommand
// never looks like success.
func group(use, short, long string, subs ...*cobra.Command) *cobra.Command {
	cmd := &cobra.Command{
		Use:   use,
		Short: short,
		Long:  long,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usageError{fmt.Errorf("unknown command %q for %q (see %s --help)", args[0], cmd.CommandPath(), cmd.CommandPath())}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(subs...)
	return cmd
}
