package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/secui/secui/findings"
	"github.com/secui/secui/findings/config"
	"github.com/secui/secui/findings/gitrepo"
	"github.com/secui/secui/findings/rescan"
	"github.com/secui/secui/runner"
)

func init() { registerCommand(newScanCmd) }

const scanSchema = "secui.scan-report/v1"

const scanLong = `Run the scanners configured in .secui.yaml (scanners:) and prove fixes.

Each scanner runs as an argument vector (never through a shell) in its own
process group; its standard error is shown as progress. ctrl+c and the
timeout end the scanner and everything it started. A successful run (an
exit code listed in exit-codes, SARIF that loads, no executionSuccessful:
false, no partial-on line) replaces the scanner's stored results
(.secui/scans/<name>.sarif by default, always discovered) and its scan
record (.secui/scans/<name>.json), then classifies the findings the scanner
reported before:

  fixed        gone from this run, which covered its file: recorded as fixed
               in the ledger with the scan's evidence (scanner, version,
               commit, time); a "fixed (pending scan)" finding is now proven
  open/moved   still reported (moved: at another line or file)
  reopened     still reported although the ledger says fixed: reopened
  not covered  gone, but the run did not cover its file: nothing recorded
  review       the matcher could not pair it with confidence: nothing recorded
  new          reported now, not before: introduced by the change

A failed, timed-out, cancelled or partial run stores nothing and marks
nothing fixed. Only run secui scan in repositories you trust: it runs the
commands their .secui.yaml names, as make does.

Exit status: 0 when every scanner succeeded, 1 when one did not (or was not
installed: the message says how to install it), 2 for a usage or
configuration error.`

func newScanCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "scan",
		Short: "Run the configured scanners, store their results and record the findings they no longer report as fixed",
		Long:  scanLong,
		Example: `  secui scan                    # every configured scanner
  secui scan --stage code       # the scanners that feed the code stage
  secui scan --scanner gosec --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := newEnv(cmd, nil)
			if err != nil {
				return err
			}
			return runScan(cmd.Context(), cmd, e)
		},
	}
	f := cmd.Flags()
	f.StringSlice("stage", nil, "only the scanners that feed these stages")
	f.StringSlice("scanner", nil, "only these scanners (by name)")
	f.Bool("json", false, "print the report as JSON (schema "+scanSchema+")")
	f.BoolP("quiet", "q", false, "do not show the scanners' output as progress")
	f.Bool("base", false, "scan the merge base with the base branch instead (git.base; a temporary worktree), for new:branch by identity")
	_ = cmd.RegisterFlagCompletionFunc("stage", fixedCompletion(stageNames()))
	return cmd
}

// selectScanners picks the configured scanners named by --scanner and
// feeding a --stage (all when neither is given): runner.Select, with its
// errors as configuration (none configured) or usage errors.
func selectScanners(cfg *config.Config, names, stages []string) ([]*config.Scanner, error) {
	out, err := runner.Select(cfg, names, stages)
	var se *runner.SelectError
	switch {
	case errors.Is(err, runner.ErrNoScanners):
		return nil, configErr(err)
	case errors.As(err, &se):
		return nil, usageErr("%s", se.Msg)
	}
	return out, err
}

func runScan(ctx context.Context, cmd *cobra.Command, e *env) error {
	if e.Repo == nil {
		return errNotRepo
	}
	scanners, err := selectScanners(e.Config, flagSlice(cmd, "scanner"), flagSlice(cmd, "stage"))
	if err != nil {
		return err
	}
	if flagBool(cmd, "base") {
		return runBaseScan(ctx, cmd, e, scanners)
	}
	l, err := openLedger(e)
	if l == nil {
		return configErr(err)
	}
	if err != nil {
		return configErr(fmt.Errorf("ledger %s is invalid; fix it before scanning (nothing could be recorded):\n%w", l.RelPath(), err))
	}
	// The findings as they are before the run (none yet is fine).
	quiet := *e
	quiet.Err = io.Discard
	before, err := quiet.load(ctx)
	if err != nil {
		var xe *exitError
		if !errors.As(err, &xe) || xe.code != exitNoInput {
			return err
		}
		before = &findings.Set{Root: e.Root}
	}
	author, err := decisionAuthor(e, false)
	if err != nil {
		return err
	}
	var mu sync.Mutex
	progress := func(ev runner.Event) {
		if flagBool(cmd, "quiet") {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		switch ev.Kind {
		case runner.EventStart:
			fmt.Fprintf(e.Err, "%s: running %s\n", ev.Scanner, sanitize(ev.Line))
		case runner.EventLine:
			fmt.Fprintf(e.Err, "%s: %s\n", ev.Scanner, sanitize(ev.Line))
		}
	}
	res, scanErr := runner.Scan(ctx, runner.ScanOptions{
		Options:  runner.Options{Root: e.Repo.Root, Now: nowFunc, Progress: progress},
		Config:   e.Config,
		Scanners: scanners,
		Ledger:   l,
		Before:   before,
		Commit:   e.Repo.Head,
		Author:   author,
	})
	if scanErr != nil && !errors.Is(scanErr, context.Canceled) && !errors.Is(scanErr, context.DeadlineExceeded) {
		return &exitError{code: exitFailed, err: scanErr}
	}
	if e.JSON {
		if err := writeScanJSON(e.Out, l.RelPath(), res); err != nil {
			return err
		}
	} else {
		writeScanText(e.Out, l.RelPath(), res)
	}
	failed := 0
	for _, r := range res {
		if !r.Success() {
			failed++
		}
	}
	if len(res) < len(scanners) {
		if !e.JSON {
			fmt.Fprintf(e.Out, "cancelled: %d scanner(s) not run\n", len(scanners)-len(res))
		}
		failed++
	}
	if failed > 0 {
		return &exitError{code: exitFailed}
	}
	return nil
}

type scanItem struct {
	ID       string `json:"id"`
	Decision string `json:"decision,omitempty"`
	Rule     string `json:"rule"`
	Severity string `json:"severity"`
	Path     string `json:"path,omitempty"`
	Line     int    `json:"line,omitempty"`
	Now      string `json:"now,omitempty"` // current location (moved, open)
	Why      string `json:"why,omitempty"`
}

type scanJSON struct {
	Scanner    string     `json:"scanner"`
	Status     string     `json:"status"`
	Success    bool       `json:"success"`
	Reason     string     `json:"reason,omitempty"`
	Argv       []string   `json:"argv"`
	ExitCode   int        `json:"exit_code"`
	Start      time.Time  `json:"start"`
	End        time.Time  `json:"end"`
	Tool       string     `json:"tool,omitempty"`
	Version    string     `json:"version,omitempty"`
	Binary     string     `json:"binary,omitempty"`
	Commit     string     `json:"commit,omitempty"`
	Stored     bool       `json:"stored"`
	Results    string     `json:"results"`
	Record     string     `json:"record"`
	Coverage   string     `json:"coverage,omitempty"`
	Findings   int        `json:"findings"`
	Fixed      []scanItem `json:"fixed"`
	Reopened   []scanItem `json:"reopened"`
	Moved      []scanItem `json:"moved"`
	Open       []scanItem `json:"open"`
	New        []scanItem `json:"new"`
	NotCovered []scanItem `json:"not_covered"`
	Review     []scanItem `json:"review"`
	Error      string     `json:"error,omitempty"`
}

func item(f *findings.Finding) scanItem {
	return scanItem{ID: f.ID, Rule: sanitize(f.RuleID()), Severity: f.Severity.String(), Path: sanitize(f.Loc.Path), Line: f.Loc.Line}
}

func scanDoc(r *runner.ScanResult) scanJSON {
	x := r.Exec
	d := scanJSON{Scanner: r.Scanner.Name, Status: string(x.Status), Success: r.Success(), Reason: sanitize(x.Reason), Argv: x.Argv,
		ExitCode: x.ExitCode, Start: x.Start.UTC(), End: x.End.UTC(), Tool: sanitize(r.Tool), Version: sanitize(r.Version), Binary: r.Binary,
		Stored: r.Stored, Results: r.Results, Record: r.Scanner.RecordPath(),
		Fixed: []scanItem{}, Reopened: []scanItem{}, Moved: []scanItem{}, Open: []scanItem{}, New: []scanItem{}, NotCovered: []scanItem{}, Review: []scanItem{}}
	if r.Err != nil {
		d.Error = sanitize(r.Err.Error())
	}
	if r.Record != nil {
		d.Commit, d.Coverage, d.Findings = r.Record.Commit, r.Record.Coverage, r.Record.Findings
	}
	if r.Class == nil {
		return d
	}
	for _, it := range r.Class.Items {
		b := r.Before[it.Before]
		si := item(b.F)
		si.ID, si.Decision = runner.RecordID(b), b.Decision
		if it.Now != nil {
			si.Now = sanitize(it.Now.Loc.String())
		}
		si.Why = it.Why
		switch it.Outcome {
		case rescan.Fixed:
			d.Fixed = append(d.Fixed, si)
		case rescan.Reopened:
			d.Reopened = append(d.Reopened, si)
		case rescan.Moved:
			d.Moved = append(d.Moved, si)
		case rescan.Open:
			d.Open = append(d.Open, si)
		case rescan.NotCovered:
			d.NotCovered = append(d.NotCovered, si)
		case rescan.Review:
			d.Review = append(d.Review, si)
		}
	}
	for _, f := range r.Class.New {
		d.New = append(d.New, item(f))
	}
	return d
}

func writeScanJSON(w io.Writer, ledgerPath string, res []*runner.ScanResult) error {
	doc := struct {
		Schema string     `json:"schema"`
		Ledger string     `json:"ledger"`
		Scans  []scanJSON `json:"scans"`
	}{Schema: scanSchema, Ledger: ledgerPath, Scans: []scanJSON{}}
	for _, r := range res {
		doc.Scans = append(doc.Scans, scanDoc(r))
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}

func writeScanText(w io.Writer, ledgerPath string, res []*runner.ScanResult) {
	for _, r := range res {
		d := scanDoc(r)
		x := r.Exec
		took := x.End.Sub(x.Start).Round(100 * time.Millisecond)
		if !x.OK() {
			fmt.Fprintf(w, "%s: %s: %s\n  nothing stored, nothing marked fixed\n", d.Scanner, d.Status, d.Reason)
			continue
		}
		tool := d.Tool
		if strings.EqualFold(tool, d.Scanner) {
			tool = ""
		}
		if d.Version != "" {
			tool += " " + d.Version
			tool = strings.TrimSpace(tool)
		}
		if b := d.Binary; b != "" && !strings.HasSuffix(b, " "+d.Version) && !strings.HasSuffix(b, " v"+d.Version) {
			tool += " (binary " + b[strings.LastIndexByte(b, ' ')+1:] + ")"
		}
		fmt.Fprintf(w, "%s: ok in %s, exit %d", strings.TrimSpace(d.Scanner+" "+strings.TrimSpace(tool)), took, d.ExitCode)
		if d.Commit != "" {
			fmt.Fprintf(w, ", commit %.7s", d.Commit)
		}
		fmt.Fprintln(w)
		if d.Error != "" {
			fmt.Fprintf(w, "  error: %s\n", d.Error)
			continue
		}
		fmt.Fprintf(w, "  results %s (%d), coverage %s\n", d.Results, d.Findings, d.Coverage)
		list := func(label string, items []scanItem, detail bool) {
			if len(items) == 0 {
				return
			}
			fmt.Fprintf(w, "  %-12s %d\n", label, len(items))
			if !detail {
				return
			}
			for i, it := range items {
				if i == 20 {
					fmt.Fprintf(w, "    … %d more (--json lists all)\n", len(items)-20)
					break
				}
				loc := it.Path
				if it.Line > 0 {
					loc = fmt.Sprintf("%s:%d", it.Path, it.Line)
				}
				extra := ""
				switch {
				case it.Why != "":
					extra = "  (" + it.Why + ")"
				case it.Now != "" && label == "moved":
					extra = "  → " + it.Now
				}
				fmt.Fprintf(w, "    %s  %s  %-8s %s%s\n", it.ID, findings.Severity(sevIndex(it.Severity)).Letter(), it.Rule, loc, extra)
			}
		}
		list("fixed", d.Fixed, true)
		list("reopened", d.Reopened, true)
		list("new", d.New, true)
		list("moved", d.Moved, true)
		list("open", d.Open, false)
		list("not covered", d.NotCovered, true)
		list("review", d.Review, true)
		if len(r.Fixed)+len(r.Reopened) > 0 {
			fmt.Fprintf(w, "  ledger %s: %d fixed, %d reopened\n", ledgerPath, len(r.Fixed), len(r.Reopened))
		}
	}
}

func sevIndex(s string) int {
	v, err := findings.ParseSeverity(s)
	if err != nil {
		return 0
	}
	return int(v)
}

// runBaseScan runs the scanners on the merge base of HEAD and the base
// branch, in a temporary worktree, and stores the results as the base scan
// that new:branch compares with (nothing goes to the ledger).
func runBaseScan(ctx context.Context, cmd *cobra.Command, e *env, scanners []*config.Scanner) error {
	mb, err := e.Repo.MergeBase(ctx, gitrepo.BaseOptions{Ref: e.Config.Git.Base})
	if err != nil {
		return configErr(fmt.Errorf("scan --base: %w", err))
	}
	wt, err := e.Repo.TempWorktree(ctx, mb.Commit)
	if err != nil {
		return fmt.Errorf("scan --base: checking out %s: %w", mb.Short(), err)
	}
	defer wt.Close()
	progress := func(ev runner.Event) {
		if !flagBool(cmd, "quiet") && ev.Kind == runner.EventStart {
			fmt.Fprintf(e.Err, "%s: running %s on %s\n", ev.Scanner, sanitize(ev.Line), mb.Short())
		}
	}
	execs, err := runner.ScanBase(ctx, scanners, runner.Options{Root: e.Repo.Root, Now: nowFunc, Progress: progress}, wt.Dir, mb.Commit, mb.Ref)
	failed := 0
	for _, x := range execs {
		if x.OK() {
			fmt.Fprintf(e.Out, "%s: base results stored (%s at %s)\n", x.Scanner, sanitize(mb.Ref), mb.Short())
		} else {
			failed++
			fmt.Fprintf(e.Out, "%s: %s: %s (new:branch uses changed lines for it)\n", x.Scanner, x.Status, sanitize(x.Reason))
		}
	}
	if err != nil {
		return err
	}
	if failed > 0 {
		return &exitError{code: 1, err: fmt.Errorf("%d of %d base scans failed", failed, len(execs))}
	}
	return nil
}
