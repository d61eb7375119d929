package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/secui/secui/findings"
	"github.com/secui/secui/findings/branch"
	"github.com/secui/secui/findings/config"
	"github.com/secui/secui/findings/evidence"
	"github.com/secui/secui/findings/gitrepo"
	"github.com/secui/secui/findings/ledger"
	"github.com/secui/secui/findings/match"
	"github.com/secui/secui/findings/query"
	"github.com/secui/secui/findings/repofs"
	"github.com/secui/secui/runner"
)

// env is the context shared by every subcommand: repository, configuration,
// explicit inputs, the filter built from the shared filter flags and output
// streams. Build it with newEnv at the start of RunE.
type env struct {
	Repo   *gitrepo.Repo  // nil outside a git repository
	Root   string         // repository root, or the working directory outside a repo
	Config *config.Config // merged configuration (never nil)
	Paths  []string       // explicit SARIF inputs (absolute, or "-"); empty = discovery
	Query  *query.Query   // filter from the shared filter flags (nil/empty = everything)
	// QueryText is the canonical text of Query ("" when empty), e.g. for the console.
	QueryText   string
	JSON, JSONL bool // --json / --jsonl, when the command defines them
	NoColor     bool // --no-color or NO_COLOR set
	Out, Err    io.Writer

	// Branch holds the new:branch facts after load when the query uses
	// new:branch (Query is then bound to them); nil otherwise.
	Branch *branch.Facts

	tree     *repofs.Root   // the working tree, for evidence (opened on first use)
	noLedger bool           // load without matching the ledger (the console does it itself)
	ledger   *ledger.Ledger // opened once per command (openLedger)
	// ledgerOpen, when set, is how openLedger first gets the ledger (the
	// console's background open, shared): a load that needs it (GoneFixed)
	// asks for it after the findings are read, not before.
	ledgerOpen func() *ledger.Ledger
}

// workTree is the confined view of the working tree (nil when it cannot be
// opened: evidence is then location-only).
func (e *env) workTree() *repofs.Root {
	if e.tree == nil {
		if r, err := repofs.Open(e.Root); err == nil {
			e.tree = r
		}
	}
	return e.tree
}

// capturer reads the evidence of findings from the working tree as it is
// now, recording HEAD as the commit ("" outside git). Each call has its own
// file cache.
func (e *env) capturer() *evidence.Capturer {
	head := ""
	if e.Repo != nil {
		head = e.Repo.Head
	}
	return evidence.NewCapturer(e.workTree(), head)
}

// overlayOptions are the matcher's inputs for this environment: lazy
// evidence from the working tree and git line tracking (in a repository).
func (e *env) overlayOptions() ledger.OverlayOptions {
	work := e.capturer()
	opt := match.Options{Work: work}
	if e.Repo != nil {
		opt.Tracker = e.Repo.Tracker(work)
	}
	return ledger.OverlayOptions{Match: opt}
}

// exitError carries a process exit code. A nil err exits silently with code.
type exitError struct {
	code  int
	err   error
	usage bool // print the "Try --help" hint
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// usageErr is an exit-2 error for bad command-line use.
func usageErr(format string, a ...any) error {
	return &exitError{code: exitUsage, err: fmt.Errorf(format, a...), usage: true}
}

// configErr is an exit-2 error for bad configuration.
func configErr(err error) error { return &exitError{code: exitUsage, err: err} }

// inputErr is an exit-3 error: no SARIF input could be loaded.
func inputErr(format string, a ...any) error {
	return &exitError{code: exitNoInput, err: fmt.Errorf(format, a...)}
}

// errNotRepo is the message for running without paths outside a repository.
var errNotRepo = &exitError{code: exitUsage, err: errors.New("secui: not inside a git repository; pass SARIF files or directories")}

var commandFactories []func() *cobra.Command

// registerCommand adds a subcommand to the root command. Call it from init()
// in the file that defines the subcommand.
func registerCommand(f func() *cobra.Command) { commandFactories = append(commandFactories, f) }

// LoadHook runs after findings are loaded by env.load (e.g. to match the
// triage ledger). Register with registerLoadHook.
type LoadHook func(ctx context.Context, e *env, set *findings.Set) error

var loadHooks []LoadHook

// registerLoadHook adds a hook run by env.load after every successful load.
// Call it from init().
func registerLoadHook(h LoadHook) { loadHooks = append(loadHooks, h) }

// addGlobalFlags adds the persistent flags every command understands.
func addGlobalFlags(cmd *cobra.Command) {
	pf := cmd.PersistentFlags()
	pf.String("config", "", "read configuration from FILE only (instead of personal + .secui.yaml)")
	pf.String("repo", "", "act as if secui was started in DIR")
	pf.Bool("no-color", false, "disable colour output (also: NO_COLOR=1)")
}

// addFilterFlags adds the shared filter flags (--stage --severity --tool
// --rule --path --state --category --query/-q) to cmd.
func addFilterFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringSlice("stage", nil, "only these stages (plan,code,build,test,release,deploy,operate,monitor)")
	f.StringSlice("severity", nil, "only these severities (critical,high,medium,low,info; high+ = high or worse)")
	f.StringSlice("tool", nil, "only these tools (case-insensitive, glob or substring)")
	f.StringSlice("rule", nil, "only these rule ids (glob, case-insensitive)")
	f.StringSlice("path", nil, "only findings under these paths (doublestar glob, or prefix)")
	f.StringSlice("state", nil, "only these triage states (open,accepted,suppressed,fixed)")
	f.StringSlice("category", nil, "only these categories (sast,secrets,sca,iac,container,dast,license,lint)")
	f.StringP("query", "q", "", "filter QUERY in the query grammar (free text, sev:high+, path:src/**, -tool:eslint ...)")
	_ = cmd.RegisterFlagCompletionFunc("stage", fixedCompletion(stageNames()))
	_ = cmd.RegisterFlagCompletionFunc("severity", fixedCompletion([]string{"critical", "high", "medium", "low", "info", "high+", "medium+", "low+"}))
	_ = cmd.RegisterFlagCompletionFunc("state", fixedCompletion([]string{"open", "accepted", "suppressed", "fixed"}))
	_ = cmd.RegisterFlagCompletionFunc("category", fixedCompletion(categoryNames()))
}

func fixedCompletion(values []string) func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return values, cobra.ShellCompDirectiveNoFileComp
	}
}

func stageNames() []string {
	out := make([]string, len(findings.Stages))
	for i, s := range findings.Stages {
		out[i] = s.String()
	}
	return out
}

func categoryNames() []string {
	out := make([]string, len(findings.Categories))
	for i, c := range findings.Categories {
		out[i] = c.String()
	}
	return out
}

// flagString returns the value of a string flag, "" when cmd has no such flag.
func flagString(cmd *cobra.Command, name string) string {
	if fl := cmd.Flags().Lookup(name); fl != nil {
		return fl.Value.String()
	}
	return ""
}

func flagBool(cmd *cobra.Command, name string) bool {
	if cmd.Flags().Lookup(name) == nil {
		return false
	}
	v, _ := cmd.Flags().GetBool(name)
	return v
}

func flagSlice(cmd *cobra.Command, name string) []string {
	if cmd.Flags().Lookup(name) == nil {
		return nil
	}
	v, _ := cmd.Flags().GetStringSlice(name)
	return v
}

// newEnv reads the global and filter flags of cmd and opens the repository
// and configuration. args are explicit SARIF inputs (pass nil for commands
// whose positional arguments are something else).
func newEnv(cmd *cobra.Command, args []string) (*env, error) {
	e := &env{Out: cmd.OutOrStdout(), Err: cmd.ErrOrStderr()}
	e.JSON = flagBool(cmd, "json")
	e.JSONL = flagBool(cmd, "jsonl")
	if e.JSON && e.JSONL {
		return nil, usageErr("--json and --jsonl are mutually exclusive")
	}
	e.NoColor = flagBool(cmd, "no-color") || os.Getenv("NO_COLOR") != ""
	if e.NoColor {
		_ = os.Setenv("NO_COLOR", "1") // honoured by lipgloss/colorprofile everywhere
	}

	cwd, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	// Explicit inputs are relative to the real working directory, not --repo.
	for _, a := range args {
		if a == "-" {
			e.Paths = append(e.Paths, a)
			continue
		}
		if !filepath.IsAbs(a) {
			a = filepath.Join(cwd, a)
		}
		e.Paths = append(e.Paths, filepath.Clean(a))
	}

	dir := cwd
	if r := flagString(cmd, "repo"); r != "" {
		if dir, err = filepath.Abs(r); err != nil {
			return nil, usageErr("--repo: %v", err)
		}
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			return nil, usageErr("--repo %s: not a directory", r)
		}
	}
	repo, err := gitrepo.Open(dir)
	switch {
	case err == nil:
		e.Repo = repo
		e.Root = repo.Root
	case errors.Is(err, gitrepo.ErrNotRepo):
		e.Root = dir
	default:
		return nil, &exitError{code: exitUsage, err: fmt.Errorf("%s: %w", dir, err)}
	}

	if cf := flagString(cmd, "config"); cf != "" {
		e.Config, err = config.LoadFile(cf)
	} else {
		root := ""
		if e.Repo != nil {
			root = e.Repo.Root
		}
		e.Config, err = config.Load(root)
	}
	if err != nil {
		return nil, configErr(err)
	}
	if e.Config == nil {
		e.Config = config.Default()
	}

	if cmd.Flags().Lookup("query") != nil {
		q, err := query.FromFlags(query.Flags{
			Stages:     flagSlice(cmd, "stage"),
			Severities: flagSlice(cmd, "severity"),
			Tools:      flagSlice(cmd, "tool"),
			Rules:      flagSlice(cmd, "rule"),
			Paths:      flagSlice(cmd, "path"),
			States:     flagSlice(cmd, "state"),
			Categories: flagSlice(cmd, "category"),
		})
		if err != nil {
			return nil, usageErr("%v", err)
		}
		if text := strings.TrimSpace(flagString(cmd, "query")); text != "" {
			tq, err := query.Parse(text)
			if err != nil {
				return nil, usageErr("--query: %v", err)
			}
			q = q.And(tq)
		}
		e.Query = q
		if q != nil && !q.IsEmpty() {
			e.QueryText = q.String()
		}
	}
	return e, nil
}

// loadOptions are the findings.Options for this environment.
func (e *env) loadOptions(onFile func(string, []*findings.Finding, error)) findings.Options {
	o := findings.Options{Overrides: e.Config.Overrides(), KindOverrides: e.Config.KindOverrides(), OnFile: onFile, Limits: e.Config.Limits}
	if e.Repo != nil {
		o.Root = e.Repo.Root
	}
	return o
}

// inputs returns the SARIF inputs: explicit paths, or those discovered in the
// repository. Outside a repository with no paths it returns errNotRepo.
func (e *env) inputs() ([]string, error) {
	if len(e.Paths) > 0 {
		return e.Paths, nil
	}
	if e.Repo == nil {
		return nil, errNotRepo
	}
	// Discovery plus the configured scanners' stored results (secui scan).
	paths, skipped, err := e.Config.InputsAll(e.Repo.Root)
	if err != nil {
		return nil, inputErr("discovering SARIF in %s: %v", e.Repo.Root, err)
	}
	for _, s := range skipped { // never silently: a symlink out of the repo, a FIFO, ...
		fmt.Fprintln(e.Err, sanitize(s.Error()))
	}
	return paths, nil
}

// load loads the findings: explicit paths, or discovery in the repository.
// Per-file errors are printed to e.Err as "file:line:col: msg"; the other
// files still load. It fails with exit code 3 when no input could be loaded.
func (e *env) load(ctx context.Context) (*findings.Set, error) {
	return e.loadWith(ctx, nil)
}

// loadWith is load with a per-file callback (see findings.Options.OnFile).
func (e *env) loadWith(ctx context.Context, onFile func(string, []*findings.Finding, error)) (*findings.Set, error) {
	return e.loadPartial(ctx, nil, onFile)
}

// loadPartial is loadWith that also hands out provisional findings of large
// files while they are read (see findings.Options.OnPartial).
func (e *env) loadPartial(ctx context.Context, onPartial func(string, []*findings.Finding), onFile func(string, []*findings.Finding, error)) (*findings.Set, error) {
	paths, err := e.inputs()
	if err != nil {
		return nil, err
	}
	if len(paths) == 0 {
		inc := e.Config.Discover.Include
		if len(inc) == 0 {
			inc = findings.DefaultInclude
		}
		return nil, inputErr("no SARIF files found in %s (looked for %s); run a scanner with SARIF output or pass files", e.Root, strings.Join(inc, " "))
	}
	o := e.loadOptions(onFile)
	o.OnPartial = onPartial
	set, err := findings.Load(ctx, paths, o)
	if err != nil {
		if errors.Is(err, findings.ErrNoInput) {
			return nil, inputErr("%v", err)
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, inputErr("%v", err)
	}
	for _, le := range set.Skipped {
		fmt.Fprintln(e.Err, sanitize(le.Error()))
	}
	for _, le := range set.Errors {
		fmt.Fprintln(e.Err, sanitize(le.Error()))
	}
	for _, le := range set.ToolErrors {
		fmt.Fprintln(e.Err, "tool error: "+sanitize(le.Error()))
	}
	if len(set.Files) == 0 && len(set.Findings) == 0 {
		// Only directories were given, and they hold no SARIF file: no
		// input, not a clean scan.
		return set, inputErr("no SARIF input: no SARIF files found in %s (looked for %s)", strings.Join(displayPaths(e, paths), ", "), strings.Join(findings.DefaultInclude, " "))
	}
	if !anyLoaded(set) {
		return set, inputErr("no SARIF input could be loaded (%d file(s) tried)", len(set.Files))
	}
	if e.Repo != nil && len(e.Paths) == 0 && len(e.Config.Scanners) > 0 {
		// Findings a re-scan proved fixed are gone from the results; the
		// scan records keep them so they are still counted and listed.
		if l, lerr := openLedger(e); l != nil && lerr == nil {
			set.Findings = append(set.Findings, runner.GoneFixed(e.Repo.Root, e.Config, l, set.Findings, nowFunc())...)
		}
	}
	for _, h := range loadHooks {
		if err := h(ctx, e, set); err != nil {
			return set, err
		}
	}
	if e.Query.UsesBranch() {
		if err := e.bindBranch(ctx, set); err != nil {
			return set, err
		}
	}
	return set, nil
}

// anyLoaded reports whether at least one input loaded: some findings were
// produced, or some file was read without any error (a valid empty scan).
func anyLoaded(set *findings.Set) bool {
	if len(set.Findings) > 0 {
		return true
	}
	if len(set.Files) == 0 {
		return false // nothing was read (e.g. empty directories)
	}
	errs := map[string]int{}
	for _, le := range set.Errors {
		errs[le.File]++
	}
	for _, fi := range set.Files {
		if fi.Err == nil && errs[fi.Path] == 0 {
			return true
		}
	}
	return false
}

// displayPaths names inputs relative to the repository root when inside it.
func displayPaths(e *env, paths []string) []string {
	out := make([]string, len(paths))
	for i, p := range paths {
		out[i] = p
		if rel, err := filepath.Rel(e.Root, p); err == nil && !strings.HasPrefix(rel, "..") {
			out[i] = rel
		}
	}
	return out
}

// sanitize makes SARIF text safe for one line of terminal output.
func sanitize(s string) string { return findings.SanitizeLine(s) }
