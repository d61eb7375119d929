// Command secui is a terminal triage console for security findings (SARIF 2.1.0).
//
// Run it inside a git repository: with no subcommand it opens the interactive
// console over the repository's scan results; subcommands list, summarise,
// triage and export them. See `secui --help`.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"strings"

	"charm.land/fang/v2"
	"github.com/spf13/cobra"

	"github.com/secui/secui/internal/trace"
)

// Set with -ldflags "-X main.version=... -X main.commit=... -X main.date=...".
var (
	version = ""
	commit  = ""
	date    = ""
)

// Exit codes (documented in README and in `secui --help`).
const (
	exitOK      = 0 // success
	exitFailed  = 1 // check failed (findings over threshold) or an operation failed
	exitUsage   = 2 // usage or configuration error
	exitNoInput = 3 // input error: no SARIF could be loaded
	// exitInputErrors: secui check read some SARIF but not all of it (a file
	// failed to load, or loaded only in part).
	exitInputErrors = 4
	exitInternal    = exitFailed
)

func main() {
	trace.Mark("main")
	// SECUI_CPUPROFILE=FILE / SECUI_MEMPROFILE=FILE write pprof profiles
	// (for `make bench` investigations; undocumented for users).
	if p := os.Getenv("SECUI_CPUPROFILE"); p != "" {
		if f, err := os.Create(p); err == nil {
			if pprof.StartCPUProfile(f) == nil {
				defer f.Close()
				defer pprof.StopCPUProfile()
			}
		}
	}
	code := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr)
	if p := os.Getenv("SECUI_MEMPROFILE"); p != "" {
		if f, err := os.Create(p); err == nil {
			_ = pprof.WriteHeapProfile(f)
			f.Close()
		}
	}
	if code != 0 {
		pprof.StopCPUProfile()
		os.Exit(code)
	}
}

// run executes secui with args and returns the process exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	root := newRootCmd()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := fang.Execute(ctx, root,
		fang.WithVersion(versionString()),
		fang.WithCommit(commit),
		fang.WithErrorHandler(func(w io.Writer, _ fang.Styles, err error) { printError(w, err) }),
		fang.WithNotifySignal(os.Interrupt),
	)
	return exitCode(err)
}

// exitCode maps an error returned by the command tree to a process exit code.
func exitCode(err error) int {
	if err == nil {
		return exitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	if isUsageError(err) {
		return exitUsage
	}
	if errors.Is(err, context.Canceled) {
		return exitFailed
	}
	return exitInternal
}

// printError writes err to w as "secui: message" (nothing for silent exit errors).
func printError(w io.Writer, err error) {
	var ee *exitError
	if errors.As(err, &ee) && ee.err == nil {
		return
	}
	msg := sanitize(err.Error())
	if !strings.HasPrefix(msg, "secui: ") {
		msg = "secui: " + msg
	}
	fmt.Fprintln(w, msg)
	if isUsageError(err) {
		fmt.Fprintln(w, "Try 'secui --help' for usage.")
	}
}

// isUsageError reports whether err is a cobra/pflag command-line error.
func isUsageError(err error) bool {
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code == exitUsage && ee.usage
	}
	s := err.Error()
	for _, p := range []string{
		"flag needs an argument", "unknown flag", "unknown shorthand flag",
		"unknown command", "invalid argument", "accepts ", "requires at least",
		"requires at most", "requires exactly", "bad flag syntax", "if any flags in the group",
	} {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

func versionString() string {
	if version != "" {
		return version
	}
	return "dev"
}

const rootLong = `secui is a terminal triage console for security findings.

Run it inside a git repository. With no subcommand it opens the interactive
console over the repository's scan results (SARIF 2.1.0 from any scanner):
files matching **/*.sarif, **/*.sarif.json and their .gz forms, outside .git,
node_modules and vendor (configurable in .secui.yaml under discover:).

Positional PATH arguments (files, directories searched recursively, - for
stdin, .gz) replace discovery and may lie outside the repository.

Exit codes:
  0  success
  1  check failed (open findings over the threshold) or an operation failed
  2  usage or configuration error (also: not inside a git repository and no paths)
  3  input error: no SARIF input could be loaded (none found, an empty
     directory, or every file bad)
  4  secui check: some SARIF input could not be read (the rest was checked)`

// newRootCmd builds the command tree: the console at the root plus every
// registered subcommand.
func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "secui [PATH...]",
		Short: "Triage security findings (SARIF) from the terminal",
		Long:  rootLong,
		Example: `  # open the console on the scan results of the current repository
  secui
  # open it on explicit files, only high and critical findings
  secui --severity high+ scans/ ../other/results.sarif.gz`,
		Args:              cobra.ArbitraryArgs,
		ValidArgsFunction: sarifCompletion,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkTypo(cmd, args); err != nil {
				return err
			}
			e, err := newEnv(cmd, args)
			if err != nil {
				return err
			}
			if e.Repo == nil && len(e.Paths) == 0 {
				return errNotRepo
			}
			return runConsole(cmd, e)
		},
	}
	root.SuggestionsMinimumDistance = 2
	addGlobalFlags(root)
	addFilterFlags(root)
	for _, f := range commandFactories {
		root.AddCommand(f())
	}
	return root
}

// checkTypo turns `secui lsit` (no such file, close to a command name) into an
// unknown-command usage error instead of a file error.
func checkTypo(cmd *cobra.Command, args []string) error {
	for _, a := range args {
		if a == "-" || strings.ContainsAny(a, `/\.`) {
			continue
		}
		if _, err := os.Stat(a); err == nil {
			continue
		}
		if s := cmd.SuggestionsFor(a); len(s) > 0 {
			return usageErr("unknown command or file %q (did you mean %q?)", a, s[0])
		}
	}
	return nil
}

// sarifCompletion completes SARIF files and directories.
func sarifCompletion(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return []string{"sarif", "json", "gz"}, cobra.ShellCompDirectiveFilterFileExt
}
